//! RFC 6455 framing, server side.
//!
//! Why not tungstenite's stream: it keeps a read buffer per connection (the
//! defaults cost ~130 KiB per idle socket) and writes one message per call.
//! Here an idle connection holds no buffer at all ([`Decoder`] allocates only
//! while a frame is split across reads), and outbound frames are encoded
//! once into shared [`Bytes`] that the hub writes to many sockets, several
//! frames per `writev`. The opening handshake is still hyper's and
//! tungstenite's; only the frame layer lives here, with its own tests and a
//! fuzz target.

use bytes::{BufMut, Bytes, BytesMut};

/// Frame opcodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opcode {
    /// Continuation of a fragmented message.
    Continuation,
    /// UTF-8 text.
    Text,
    /// Binary data.
    Binary,
    /// Connection close.
    Close,
    /// Ping.
    Ping,
    /// Pong.
    Pong,
}

impl Opcode {
    fn from_bits(bits: u8) -> Option<Opcode> {
        Some(match bits {
            0x0 => Opcode::Continuation,
            0x1 => Opcode::Text,
            0x2 => Opcode::Binary,
            0x8 => Opcode::Close,
            0x9 => Opcode::Ping,
            0xA => Opcode::Pong,
            _ => return None,
        })
    }
    fn bits(self) -> u8 {
        match self {
            Opcode::Continuation => 0x0,
            Opcode::Text => 0x1,
            Opcode::Binary => 0x2,
            Opcode::Close => 0x8,
            Opcode::Ping => 0x9,
            Opcode::Pong => 0xA,
        }
    }
    fn is_control(self) -> bool {
        matches!(self, Opcode::Close | Opcode::Ping | Opcode::Pong)
    }
}

/// Close codes the server sends (see docs/protocol.md, "Close codes").
pub mod close {
    /// Normal closure (the client asked).
    pub const NORMAL: u16 = 1000;
    /// The server is shutting down; reconnect and resume.
    pub const GOING_AWAY: u16 = 1001;
    /// Broken framing (unmasked frame, bad opcode, bad fragmentation).
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// A binary frame: the protocol is JSON text only.
    pub const UNSUPPORTED_DATA: u16 = 1003;
    /// A text frame that is not UTF-8.
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// Access revoked or refused (token revoked, session access lost).
    pub const POLICY_VIOLATION: u16 = 1008;
    /// A message over the size limit.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// An unexpected server failure.
    pub const INTERNAL_ERROR: u16 = 1011;
    /// The client did not read fast enough and its outbound queue overflowed;
    /// reconnect and resume with `since`.
    pub const SLOW_CONSUMER: u16 = 4000;
    /// No pong or other frame within the heartbeat window.
    pub const HEARTBEAT_TIMEOUT: u16 = 4001;
    /// No successful `join` within the join timeout.
    pub const JOIN_TIMEOUT: u16 = 4002;
    /// The session was deleted.
    pub const SESSION_DELETED: u16 = 4003;
    /// Too many invalid messages or rate-limit violations.
    pub const ABUSE: u16 = 4004;
}

/// A decoded message or control frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming {
    /// A complete text message.
    Text(String),
    /// A ping with its payload (answer with a pong).
    Ping(Vec<u8>),
    /// A pong.
    Pong,
    /// The peer is closing, with its code if it gave one.
    Close(Option<u16>),
}

/// Why the peer's bytes cannot be accepted; each maps to a close code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// Framing rules broken.
    Protocol(&'static str),
    /// A binary message.
    Binary,
    /// Text that is not UTF-8.
    InvalidUtf8,
    /// Message larger than the limit.
    TooBig,
}

impl FrameError {
    /// The close code to send.
    pub fn close_code(self) -> u16 {
        match self {
            FrameError::Protocol(_) => close::PROTOCOL_ERROR,
            FrameError::Binary => close::UNSUPPORTED_DATA,
            FrameError::InvalidUtf8 => close::INVALID_PAYLOAD,
            FrameError::TooBig => close::MESSAGE_TOO_BIG,
        }
    }
    /// The close reason to send.
    pub fn reason(self) -> &'static str {
        match self {
            FrameError::Protocol(why) => why,
            FrameError::Binary => "binary frames are not supported; send JSON text",
            FrameError::InvalidUtf8 => "text frame is not valid UTF-8",
            FrameError::TooBig => "message exceeds the size limit",
        }
    }
}

/// Incremental decoder of client frames. Holds no memory while idle.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Bytes of a frame that arrived split across reads.
    partial: Vec<u8>,
    /// A fragmented text message being reassembled.
    fragments: Option<Vec<u8>>,
}

struct Header {
    fin: bool,
    opcode: Opcode,
    mask: [u8; 4],
    header_len: usize,
    payload_len: usize,
}

fn parse_header(buf: &[u8], max: usize) -> Result<Option<Header>, FrameError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let b0 = buf[0];
    let b1 = buf[1];
    if b0 & 0x70 != 0 {
        return Err(FrameError::Protocol("reserved bits set"));
    }
    let opcode = Opcode::from_bits(b0 & 0x0F).ok_or(FrameError::Protocol("unknown opcode"))?;
    if b1 & 0x80 == 0 {
        return Err(FrameError::Protocol("client frames must be masked"));
    }
    let fin = b0 & 0x80 != 0;
    let (len, mut offset) = match b1 & 0x7F {
        126 => {
            if buf.len() < 4 {
                return Ok(None);
            }
            (u64::from(u16::from_be_bytes([buf[2], buf[3]])), 4)
        }
        127 => {
            if buf.len() < 10 {
                return Ok(None);
            }
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[2..10]);
            (u64::from_be_bytes(b), 10)
        }
        n => (u64::from(n), 2),
    };
    if opcode.is_control() && (len > 125 || !fin) {
        return Err(FrameError::Protocol(
            "control frames must be short and unfragmented",
        ));
    }
    if len > max as u64 {
        return Err(FrameError::TooBig);
    }
    if buf.len() < offset + 4 {
        return Ok(None);
    }
    let mut mask = [0u8; 4];
    mask.copy_from_slice(&buf[offset..offset + 4]);
    offset += 4;
    Ok(Some(Header {
        fin,
        opcode,
        mask,
        header_len: offset,
        payload_len: len as usize,
    }))
}

fn unmask(data: &mut [u8], mask: [u8; 4]) {
    for (i, b) in data.iter_mut().enumerate() {
        *b ^= mask[i & 3];
    }
}

impl Decoder {
    /// Whether the decoder holds a partial frame (memory in use).
    pub fn is_idle(&self) -> bool {
        self.partial.is_empty() && self.fragments.is_none()
    }

    /// Feed bytes read from the socket; decoded messages are pushed to `out`.
    /// `max` bounds a whole message (after reassembly).
    pub fn feed(
        &mut self,
        input: &[u8],
        max: usize,
        out: &mut Vec<Incoming>,
    ) -> Result<(), FrameError> {
        if self.partial.is_empty() {
            let used = self.decode_from(input, max, out)?;
            if used < input.len() {
                self.partial.extend_from_slice(&input[used..]);
            }
        } else {
            self.partial.extend_from_slice(input);
            let buf = std::mem::take(&mut self.partial);
            let used = self.decode_from(&buf, max, out)?;
            if used < buf.len() {
                let mut rest = buf;
                rest.drain(..used);
                self.partial = rest;
            }
        }
        if self.partial.is_empty() && self.partial.capacity() > 0 {
            self.partial = Vec::new();
        }
        Ok(())
    }

    /// Decode complete frames at the start of `buf`; returns bytes consumed.
    fn decode_from(
        &mut self,
        buf: &[u8],
        max: usize,
        out: &mut Vec<Incoming>,
    ) -> Result<usize, FrameError> {
        let mut pos = 0;
        loop {
            let Some(h) = parse_header(&buf[pos..], max)? else {
                return Ok(pos);
            };
            let end = pos + h.header_len + h.payload_len;
            if buf.len() < end {
                return Ok(pos);
            }
            let mut payload = buf[pos + h.header_len..end].to_vec();
            unmask(&mut payload, h.mask);
            pos = end;
            self.on_frame(h.fin, h.opcode, payload, max, out)?;
        }
    }

    fn on_frame(
        &mut self,
        fin: bool,
        opcode: Opcode,
        payload: Vec<u8>,
        max: usize,
        out: &mut Vec<Incoming>,
    ) -> Result<(), FrameError> {
        match opcode {
            Opcode::Ping => out.push(Incoming::Ping(payload)),
            Opcode::Pong => out.push(Incoming::Pong),
            Opcode::Close => {
                let code =
                    (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]));
                out.push(Incoming::Close(code));
            }
            Opcode::Binary => return Err(FrameError::Binary),
            Opcode::Text => {
                if self.fragments.is_some() {
                    return Err(FrameError::Protocol(
                        "new message before the fragmented one ended",
                    ));
                }
                if fin {
                    out.push(Incoming::Text(
                        String::from_utf8(payload).map_err(|_| FrameError::InvalidUtf8)?,
                    ));
                } else {
                    self.fragments = Some(payload);
                }
            }
            Opcode::Continuation => {
                let Some(mut acc) = self.fragments.take() else {
                    return Err(FrameError::Protocol("continuation frame without a message"));
                };
                if acc.len() + payload.len() > max {
                    return Err(FrameError::TooBig);
                }
                acc.extend_from_slice(&payload);
                if fin {
                    out.push(Incoming::Text(
                        String::from_utf8(acc).map_err(|_| FrameError::InvalidUtf8)?,
                    ));
                } else {
                    self.fragments = Some(acc);
                }
            }
        }
        Ok(())
    }
}

fn header(opcode: Opcode, len: usize, buf: &mut BytesMut) {
    buf.put_u8(0x80 | opcode.bits());
    if len < 126 {
        buf.put_u8(len as u8);
    } else if len <= usize::from(u16::MAX) {
        buf.put_u8(126);
        buf.put_u16(len as u16);
    } else {
        buf.put_u8(127);
        buf.put_u64(len as u64);
    }
}

/// Encode a server text frame (unmasked, unfragmented).
pub fn text_frame(payload: &[u8]) -> Bytes {
    let mut buf = BytesMut::with_capacity(payload.len() + 10);
    header(Opcode::Text, payload.len(), &mut buf);
    buf.put_slice(payload);
    buf.freeze()
}

/// Encode a ping (payload at most 125 bytes).
pub fn ping_frame(payload: &[u8]) -> Bytes {
    let payload = &payload[..payload.len().min(125)];
    let mut buf = BytesMut::with_capacity(payload.len() + 2);
    header(Opcode::Ping, payload.len(), &mut buf);
    buf.put_slice(payload);
    buf.freeze()
}

/// Encode a pong echoing `payload`.
pub fn pong_frame(payload: &[u8]) -> Bytes {
    let payload = &payload[..payload.len().min(125)];
    let mut buf = BytesMut::with_capacity(payload.len() + 2);
    header(Opcode::Pong, payload.len(), &mut buf);
    buf.put_slice(payload);
    buf.freeze()
}

/// Encode a close frame with a code and a reason (truncated to fit 125 bytes).
pub fn close_frame(code: u16, reason: &str) -> Bytes {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let reason = &reason.as_bytes()[..end];
    let mut buf = BytesMut::with_capacity(reason.len() + 4);
    header(Opcode::Close, reason.len() + 2, &mut buf);
    buf.put_u16(code);
    buf.put_slice(reason);
    buf.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [0x11, 0x22, 0x33, 0x44];
        let mut out = vec![if fin { 0x80 } else { 0 } | opcode];
        if payload.len() < 126 {
            out.push(0x80 | payload.len() as u8);
        } else {
            out.push(0x80 | 126);
            out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        }
        out.extend_from_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i & 3]));
        out
    }

    fn decode(bytes: &[u8]) -> Result<Vec<Incoming>, FrameError> {
        let mut d = Decoder::default();
        let mut out = Vec::new();
        d.feed(bytes, 1024, &mut out)?;
        Ok(out)
    }

    #[test]
    fn text_frame_round_trip_in_pieces() {
        let bytes = masked(true, 1, "héllo".as_bytes());
        let mut d = Decoder::default();
        let mut out = Vec::new();
        for b in &bytes {
            d.feed(std::slice::from_ref(b), 1024, &mut out).unwrap();
        }
        assert_eq!(out, vec![Incoming::Text("héllo".into())]);
        assert!(d.is_idle());
    }

    #[test]
    fn fragments_reassemble_with_interleaved_ping() {
        let mut bytes = masked(false, 1, b"ab");
        bytes.extend(masked(true, 9, b"p"));
        bytes.extend(masked(true, 0, b"cd"));
        assert_eq!(
            decode(&bytes).unwrap(),
            vec![Incoming::Ping(b"p".to_vec()), Incoming::Text("abcd".into())]
        );
    }

    #[test]
    fn rejects_bad_frames() {
        assert_eq!(decode(&masked(true, 2, b"x")), Err(FrameError::Binary));
        assert_eq!(
            decode(&masked(true, 1, &[0xff, 0xfe])),
            Err(FrameError::InvalidUtf8)
        );
        assert!(matches!(
            decode(&[0x81, 0x01, b'x']),
            Err(FrameError::Protocol(_))
        ));
        assert!(matches!(
            decode(&masked(true, 3, b"x")),
            Err(FrameError::Protocol(_))
        ));
        assert!(matches!(
            decode(&masked(true, 0, b"x")),
            Err(FrameError::Protocol(_))
        ));
        assert!(matches!(
            decode(&masked(false, 9, b"x")),
            Err(FrameError::Protocol(_))
        ));
        assert_eq!(
            decode(&masked(true, 1, &[b'a'; 2000])),
            Err(FrameError::TooBig)
        );
        let mut too_big_total = masked(false, 1, &[b'a'; 600]);
        too_big_total.extend(masked(true, 0, &[b'a'; 600]));
        assert_eq!(decode(&too_big_total), Err(FrameError::TooBig));
    }

    #[test]
    fn close_frames_carry_code() {
        assert_eq!(
            decode(&masked(true, 8, &1000u16.to_be_bytes())).unwrap(),
            vec![Incoming::Close(Some(1000))]
        );
        let f = close_frame(4000, &"é".repeat(100));
        assert!(f.len() <= 127);
    }

    #[test]
    fn server_frames_have_correct_lengths() {
        assert_eq!(&text_frame(b"hi")[..], &[0x81, 2, b'h', b'i']);
        assert_eq!(text_frame(&[b'a'; 300])[1], 126);
        assert_eq!(text_frame(&vec![b'a'; 70_000])[1], 127);
    }
}
