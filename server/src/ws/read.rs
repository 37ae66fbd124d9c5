//! Reading a connection's socket without waiting: whatever the kernel holds
//! is read and decoded into messages.
//!
//! A short read leaves the socket empty, so it also clears tokio's read
//! readiness, as tokio's own `poll_read` does: the connection's next wait
//! parks at once instead of costing one more `read` that finds nothing.
//! (An idle attendee's only traffic is a pong every heartbeat; that extra
//! `read` was a third of the work of reading it.)

use std::io;
use std::os::fd::AsFd;

use tokio::io::Interest;
use tokio::net::TcpStream;

use super::frame::{Decoder, FrameError, Incoming};

/// Bytes read per `read` call.
const READ_CHUNK: usize = 8 * 1024;
/// Messages decoded per call at most (the rest stay in the kernel).
const MAX_MESSAGES: usize = 32;

/// What one read pass found.
pub enum ReadOutcome {
    /// Complete messages (possibly none: a partial frame was buffered).
    Messages(Vec<Incoming>),
    /// The peer closed its side, or the socket failed.
    Eof,
    /// The peer broke the protocol.
    Invalid(FrameError),
}

/// Read whatever the socket has (without waiting) and decode it.
pub fn read_available(socket: &TcpStream, decoder: &mut Decoder, max: usize) -> ReadOutcome {
    let mut buf = [0u8; READ_CHUNK];
    let mut out = Vec::new();
    loop {
        match read_once(socket, &mut buf) {
            Ok(0) => {
                return if out.is_empty() {
                    ReadOutcome::Eof
                } else {
                    ReadOutcome::Messages(out)
                };
            }
            Ok(n) => {
                if let Err(e) = decoder.feed(&buf[..n], max, &mut out) {
                    return ReadOutcome::Invalid(e);
                }
                if out.len() >= MAX_MESSAGES || n < READ_CHUNK {
                    return ReadOutcome::Messages(out);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                return ReadOutcome::Messages(out);
            }
            Err(_) => return ReadOutcome::Eof,
        }
    }
}

/// One `read`. A short read (fewer bytes than `buf` holds) drained the
/// socket: it is reported to tokio as "would block" so that the readiness
/// is cleared, and its bytes are returned. tokio clears the readiness only
/// if no new readiness event arrived since the read, so data that lands
/// right after it still wakes the connection.
fn read_once(socket: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    let capacity = buf.len();
    let mut short = None;
    let result = socket.try_io(Interest::READABLE, || {
        loop {
            // `recv`, not `read`: the socket path skips the file layer (`vfs_read`).
            match rustix::net::recv(socket.as_fd(), &mut *buf, rustix::net::RecvFlags::empty()) {
                Ok((n, _)) if n > 0 && n < capacity => {
                    short = Some(n);
                    return Err(io::ErrorKind::WouldBlock.into());
                }
                Ok((n, _)) => return Ok(n),
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(io::Error::from(e)),
            }
        }
    });
    match (result, short) {
        (_, Some(n)) => Ok(n),
        (result, None) => result,
    }
}
