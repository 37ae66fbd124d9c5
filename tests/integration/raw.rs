//! A raw websocket client over a plain TCP socket, for tests that need to
//! misbehave (never answer pings, stop reading, send broken frames).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::TestServer;

pub struct Raw {
    pub tcp: TcpStream,
}

/// A masked client frame.
pub fn masked(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n <= 65535 => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i & 3]));
    out
}

impl Raw {
    /// Open and upgrade; `tcp` may be preconfigured (e.g. a small receive buffer).
    pub async fn connect_with(
        server: &TestServer,
        tcp: TcpStream,
        origin: Option<&str>,
    ) -> (Raw, String) {
        let mut tcp = tcp;
        let origin = origin
            .map(|o| format!("Origin: {o}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "GET /ws HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{origin}\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
            server.addr
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        // Read the response head byte by byte (so no frame bytes are swallowed).
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut b = [0u8; 1];
            if tcp.read(&mut b).await.unwrap_or(0) == 0 {
                break;
            }
            head.push(b[0]);
        }
        (Raw { tcp }, String::from_utf8_lossy(&head).into_owned())
    }

    pub async fn connect(server: &TestServer) -> Raw {
        let tcp = TcpStream::connect(server.addr).await.unwrap();
        let (raw, head) = Self::connect_with(server, tcp, None).await;
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        raw
    }

    pub async fn send_text(&mut self, text: &str) {
        self.tcp
            .write_all(&masked(1, text.as_bytes()))
            .await
            .unwrap();
    }

    /// Read frames until a close frame; returns its code (None on EOF without one).
    pub async fn close_code(&mut self, wait: Duration) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut buf = Vec::new();
        loop {
            // Parse whole frames at the front of `buf`.
            while buf.len() >= 2 {
                let len = (buf[1] & 0x7f) as usize;
                let (len, off) = match len {
                    126 if buf.len() >= 4 => (u16::from_be_bytes([buf[2], buf[3]]) as usize, 4),
                    127 if buf.len() >= 10 => (
                        u64::from_be_bytes(buf[2..10].try_into().unwrap()) as usize,
                        10,
                    ),
                    126 | 127 => break,
                    n => (n, 2),
                };
                if buf.len() < off + len {
                    break;
                }
                if buf[0] & 0x0f == 8 {
                    return (len >= 2).then(|| u16::from_be_bytes([buf[off], buf[off + 1]]));
                }
                buf.drain(..off + len);
            }
            let mut chunk = [0u8; 8192];
            match tokio::time::timeout_at(deadline, self.tcp.read(&mut chunk)).await {
                Err(_) => panic!("no close frame within {wait:?}"),
                Ok(Ok(0)) | Ok(Err(_)) => return None,
                Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    }
}
