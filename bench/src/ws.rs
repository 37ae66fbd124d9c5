//! The bits of RFC 6455 a load client needs: the upgrade request, masked
//! client frames, and parsing of the server's (unmasked) frames in place.

/// Text frame opcode.
pub const OP_TEXT: u8 = 0x1;
/// Close frame opcode.
pub const OP_CLOSE: u8 = 0x8;
/// Ping frame opcode.
pub const OP_PING: u8 = 0x9;
/// Pong frame opcode.
pub const OP_PONG: u8 = 0xA;

/// The HTTP/1.1 upgrade request for `path` on `host`.
pub fn upgrade_request(host: &str, path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    .into_bytes()
}

/// Outcome of looking for the end of the upgrade response in `buf`.
pub enum Handshake {
    /// Not all of it yet.
    Partial,
    /// `101 Switching Protocols`; frames start at this offset.
    Done(usize),
    /// Anything else (the status line).
    Refused(String),
}

/// Parse the server's answer to [`upgrade_request`].
pub fn parse_upgrade_response(buf: &[u8]) -> Handshake {
    let Some(end) = memchr::memmem::find(buf, b"\r\n\r\n") else {
        return if buf.len() > 16 * 1024 {
            Handshake::Refused("response header too long".into())
        } else {
            Handshake::Partial
        };
    };
    let status = buf[..end].split(|&b| b == b'\r').next().unwrap_or(b"");
    if status.starts_with(b"HTTP/1.1 101") {
        Handshake::Done(end + 4)
    } else {
        Handshake::Refused(String::from_utf8_lossy(status).into_owned())
    }
}

/// A masked client frame (the mask is fixed: the server cannot care).
pub fn client_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x37u8, 0xfa, 0x21, 0x3d];
    let mut out = Vec::with_capacity(payload.len() + 14);
    out.push(0x80 | opcode);
    let len = payload.len();
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if len <= 0xffff {
        out.push(0x80 | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i & 3]));
    out
}

/// A client text frame.
pub fn text(payload: &[u8]) -> Vec<u8> {
    client_frame(OP_TEXT, payload)
}

/// One server frame found at the start of a buffer.
pub struct Frame<'a> {
    /// The opcode (fragmentation is not used by any server measured here; a
    /// continuation frame is reported as is).
    pub opcode: u8,
    /// The payload.
    pub payload: &'a [u8],
}

/// Parse one unmasked frame at the start of `buf`: the frame and its length,
/// or None if it is not complete yet.
pub fn parse_frame(buf: &[u8]) -> Option<(Frame<'_>, usize)> {
    if buf.len() < 2 {
        return None;
    }
    let opcode = buf[0] & 0x0f;
    let masked = buf[1] & 0x80 != 0;
    let (len, mut off) = match buf[1] & 0x7f {
        126 => {
            if buf.len() < 4 {
                return None;
            }
            (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4)
        }
        127 => {
            if buf.len() < 10 {
                return None;
            }
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[2..10]);
            (u64::from_be_bytes(b) as usize, 10)
        }
        n => (n as usize, 2),
    };
    if masked {
        off += 4;
    }
    if buf.len() < off + len {
        return None;
    }
    Some((
        Frame {
            opcode,
            payload: &buf[off..off + len],
        },
        off + len,
    ))
}

/// The close code of a close frame's payload (1005 when absent).
pub fn close_code(payload: &[u8]) -> u16 {
    if payload.len() >= 2 {
        u16::from_be_bytes([payload[0], payload[1]])
    } else {
        1005
    }
}

/// An unmasked server text frame (for the raw-TCP floor).
pub fn server_text(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 10);
    out.push(0x81);
    let len = payload.len();
    if len < 126 {
        out.push(len as u8);
    } else if len <= 0xffff {
        out.push(126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(payload);
    out
}

/// The unsigned integer right after `key` (e.g. `"seq":`) in `buf`.
pub fn number_after(buf: &[u8], key: &[u8]) -> Option<u64> {
    let at = memchr::memmem::find(buf, key)? + key.len();
    parse_u64(&buf[at..]).map(|(n, _)| n)
}

/// Leading decimal digits of `buf` as a number, and how many bytes they took.
pub fn parse_u64(buf: &[u8]) -> Option<(u64, usize)> {
    let mut n: u64 = 0;
    let mut i = 0;
    while i < buf.len() && buf[i].is_ascii_digit() {
        n = n.checked_mul(10)?.checked_add(u64::from(buf[i] - b'0'))?;
        i += 1;
    }
    (i > 0).then_some((n, i))
}

/// The JSON string value right after `key` (e.g. `"epoch":"`), unescaped
/// only trivially (the values read here never need escaping).
pub fn string_after<'a>(buf: &'a [u8], key: &[u8]) -> Option<&'a str> {
    let at = memchr::memmem::find(buf, key)? + key.len();
    let end = memchr::memchr(b'"', &buf[at..])?;
    std::str::from_utf8(&buf[at..at + end]).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let f = server_text(&[b'a'; 300]);
        let (frame, used) = parse_frame(&f).unwrap();
        assert_eq!(used, f.len());
        assert_eq!(frame.opcode, OP_TEXT);
        assert_eq!(frame.payload.len(), 300);
        assert!(parse_frame(&f[..f.len() - 1]).is_none());
    }

    #[test]
    fn numbers_and_strings() {
        let b = br#"{"type":"snapshot","seq":41,"epoch":"01a2-x","role":"attendee"}"#;
        assert_eq!(number_after(b, br#""seq":"#), Some(41));
        assert_eq!(string_after(b, br#""epoch":""#), Some("01a2-x"));
    }

    #[test]
    fn upgrade_response() {
        let ok = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x01a";
        assert!(matches!(parse_upgrade_response(ok), Handshake::Done(n) if n == ok.len() - 3));
        assert!(matches!(
            parse_upgrade_response(b"HTTP/1.1 403 Forbidden\r\n\r\n"),
            Handshake::Refused(_)
        ));
        assert!(matches!(
            parse_upgrade_response(b"HTTP/1.1 1"),
            Handshake::Partial
        ));
    }
}
