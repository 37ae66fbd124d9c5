//! The shared half of a websocket connection: its socket and its outbox.
//!
//! Anyone may send to a connection (the hub's fanout on the store thread,
//! the connection's own task for acks) without awaiting: [`ConnHandle::send`]
//! writes straight to the socket when nothing is queued (one `sendmsg` for all
//! the frames given), and queues the rest when the kernel buffer is full. The
//! connection's task drains the queue when the socket becomes writable. A
//! queue past its byte cap closes the connection (4000) instead of growing:
//! memory per client stays bounded, and the client resumes with `since`.
//!
//! The fast path writes on the raw descriptor, not through tokio: tokio's
//! readiness check costs a cache miss per subscriber in a fanout to
//! thousands. A `WouldBlock` there leaves tokio's cached readiness stale,
//! which only costs the connection task one failing write (through tokio,
//! which then clears it) before it waits: never a lost wakeup.

use std::collections::VecDeque;
use std::io::IoSlice;
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering};

use bytes::{Buf, Bytes};
use parking_lot::Mutex;
use tokio::net::TcpStream;
use tokio::sync::Notify;

use crate::domain::stream::Audience;

/// Most iovecs handed to one `sendmsg`.
const MAX_IOVECS: usize = 64;

/// What [`ConnHandle::drain`] left behind.
#[derive(Debug, PartialEq, Eq)]
pub enum Drained {
    /// Everything queued is on the wire.
    Empty,
    /// The socket is full; wait for it to become writable.
    Blocked,
    /// The socket failed; the connection is over.
    Failed,
}

#[derive(Default)]
struct Outbox {
    queue: VecDeque<Bytes>,
    queued_bytes: usize,
    /// A write hit WouldBlock: everything must go through the queue until drained.
    blocked: bool,
    /// No more frames are accepted (closing or failed).
    closed: bool,
}

/// Who is on the other end, once they joined.
#[derive(Debug, Clone)]
pub struct Member {
    /// The session they watch.
    pub session_id: Arc<str>,
    /// Which stream they read.
    pub audience: Audience,
    /// Whether they count as an attendee for presence.
    pub attendee: bool,
    /// Who they are (shared, not copied: one per connection adds up).
    pub actor: Arc<crate::domain::roles::Actor>,
}

/// One websocket connection as the hub sees it.
pub struct ConnHandle {
    /// Process-unique id.
    pub id: u64,
    /// Held inline: the fanout reads the descriptor next to the outbox
    /// (one cache line fewer per delivery than behind an `Arc`).
    socket: TcpStream,
    outbox: Mutex<Outbox>,
    queue_cap: usize,
    /// Wakes the connection's task: frames queued, or a close requested.
    pub wake: Notify,
    /// Close code requested by someone else (0: none).
    close_code: AtomicU16,
    /// When the client last sent anything, Unix ms (heartbeat).
    pub last_seen_ms: AtomicU64,
    /// When the connection opened, Unix ms.
    pub opened_ms: i64,
    /// Set when a `join` message arrives: the join deadline only applies to
    /// clients that never asked (a slow store under a rejoin storm is not theirs to pay).
    pub join_requested: std::sync::atomic::AtomicBool,
    /// Index in the room's subscriber list (maintained by the room).
    pub(super) slot: AtomicUsize,
    /// Set once the client has joined a session.
    pub member: Mutex<Option<Member>>,
}

impl ConnHandle {
    /// Wrap an upgraded socket.
    pub fn new(id: u64, socket: TcpStream, queue_cap: usize, now_ms: i64) -> Self {
        ConnHandle {
            id,
            socket,
            outbox: Mutex::new(Outbox::default()),
            queue_cap,
            wake: Notify::new(),
            close_code: AtomicU16::new(0),
            last_seen_ms: AtomicU64::new(u64::try_from(now_ms).unwrap_or(0)),
            opened_ms: now_ms,
            join_requested: std::sync::atomic::AtomicBool::new(false),
            slot: AtomicUsize::new(usize::MAX),
            member: Mutex::new(None),
        }
    }

    /// Hint that [`ConnHandle::send`] is coming: fetch the outbox lock and
    /// the descriptor into the cache (see [`super::prefetch`]).
    pub fn prefetch(&self) {
        super::prefetch::prefetch(&self.outbox);
        super::prefetch::prefetch(&self.socket);
    }

    /// Hint that the heartbeat is coming: fetch what it reads first (when
    /// the client was last heard from, whether it joined).
    pub fn prefetch_liveness(&self) {
        super::prefetch::prefetch(&self.last_seen_ms);
        super::prefetch::prefetch(&self.member);
    }

    /// The socket (for the connection task's reads and writability waits).
    pub fn socket(&self) -> &TcpStream {
        &self.socket
    }

    /// Send frames, in order, without waiting. Returns false if the connection
    /// no longer accepts frames (closed, or its queue just overflowed).
    pub fn send(&self, frames: &[Bytes]) -> bool {
        let mut ob = self.outbox.lock();
        if ob.closed {
            return false;
        }
        let mut start = 0;
        if !ob.blocked && ob.queue.is_empty() {
            // Fast path: straight to the kernel.
            let mut skip = 0usize;
            loop {
                match write_frames(&self.socket, &frames[start..], skip) {
                    WriteOutcome::All => return true,
                    WriteOutcome::Partial { frame, offset } => {
                        start += frame;
                        skip = offset;
                    }
                    WriteOutcome::WouldBlock => break,
                    WriteOutcome::Failed => {
                        ob.closed = true;
                        drop(ob);
                        self.wake.notify_one();
                        return false;
                    }
                }
                if start >= frames.len() {
                    return true;
                }
            }
            // Queue what is left, starting inside a frame if one went out partially.
            ob.blocked = true;
            if skip > 0 {
                let rest = frames[start].slice(skip..);
                ob.queued_bytes += rest.len();
                ob.queue.push_back(rest);
                start += 1;
            }
        }
        for frame in &frames[start..] {
            ob.queued_bytes += frame.len();
            ob.queue.push_back(frame.clone());
        }
        if ob.queued_bytes > self.queue_cap {
            ob.closed = true;
            ob.queue.clear();
            ob.queued_bytes = 0;
            drop(ob);
            self.request_close(crate::ws::frame::close::SLOW_CONSUMER);
            return false;
        }
        drop(ob);
        self.wake.notify_one();
        true
    }

    /// Write as much of the queue as the socket takes (called by the connection task).
    pub fn drain(&self) -> Drained {
        let mut ob = self.outbox.lock();
        while !ob.queue.is_empty() {
            let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
            let mut n = 0;
            for (slot, frame) in slices.iter_mut().zip(ob.queue.iter()) {
                *slot = IoSlice::new(frame);
                n += 1;
            }
            match self.socket.try_write_vectored(&slices[..n]) {
                Ok(0) => {
                    ob.closed = true;
                    return Drained::Failed;
                }
                Ok(mut written) => {
                    ob.queued_bytes = ob.queued_bytes.saturating_sub(written);
                    while written > 0 {
                        let Some(front) = ob.queue.front_mut() else {
                            break;
                        };
                        if written >= front.len() {
                            written -= front.len();
                            ob.queue.pop_front();
                        } else {
                            front.advance(written);
                            written = 0;
                        }
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Drained::Blocked,
                Err(_) => {
                    ob.closed = true;
                    return Drained::Failed;
                }
            }
        }
        ob.blocked = false;
        Drained::Empty
    }

    /// Whether frames are waiting for the socket.
    pub fn has_backlog(&self) -> bool {
        !self.outbox.lock().queue.is_empty()
    }

    /// Ask the connection to close with `code` (first request wins).
    pub fn request_close(&self, code: u16) {
        let _ = self
            .close_code
            .compare_exchange(0, code, Ordering::AcqRel, Ordering::Acquire);
        self.wake.notify_one();
    }

    /// The close code someone requested, if any.
    pub fn close_requested(&self) -> Option<u16> {
        match self.close_code.load(Ordering::Acquire) {
            0 => None,
            code => Some(code),
        }
    }

    /// Stop accepting frames and drop the queue (the connection is ending).
    pub fn shut(&self) {
        let mut ob = self.outbox.lock();
        ob.closed = true;
        ob.queue.clear();
        ob.queued_bytes = 0;
    }

    /// Record that the client sent something.
    pub fn touch(&self, now_ms: i64) {
        self.last_seen_ms
            .store(u64::try_from(now_ms).unwrap_or(0), Ordering::Relaxed);
    }
}

enum WriteOutcome {
    All,
    Partial { frame: usize, offset: usize },
    WouldBlock,
    Failed,
}

/// One `send` (one frame) or `sendmsg` (several) straight on the
/// descriptor. `sendmsg` rather than `writev`: the socket path skips the
/// file layer's `writev` work (`vfs_writev`, `fdget_pos`, `sock_write_iter`).
fn raw_write(socket: &TcpStream, slices: &[IoSlice<'_>]) -> std::io::Result<usize> {
    use rustix::net::{SendAncillaryBuffer, SendFlags};
    loop {
        let written = if let [one] = slices {
            rustix::net::send(socket.as_fd(), one, SendFlags::NOSIGNAL)
        } else {
            rustix::net::sendmsg(
                socket.as_fd(),
                slices,
                &mut SendAncillaryBuffer::default(),
                SendFlags::NOSIGNAL,
            )
        };
        match written {
            Err(rustix::io::Errno::INTR) => continue,
            other => return other.map_err(std::io::Error::from),
        }
    }
}

/// One write of `frames` (the first starting at `skip`), for the fast path.
fn write_frames(socket: &TcpStream, frames: &[Bytes], skip: usize) -> WriteOutcome {
    let mut slices = [IoSlice::new(&[]); MAX_IOVECS];
    let mut n = 0;
    let mut total = 0;
    for (i, frame) in frames.iter().take(MAX_IOVECS).enumerate() {
        let part = if i == 0 { &frame[skip..] } else { &frame[..] };
        slices[i] = IoSlice::new(part);
        total += part.len();
        n += 1;
    }
    match raw_write(socket, &slices[..n]) {
        Ok(written) if written == total && n == frames.len() => WriteOutcome::All,
        Ok(0) => WriteOutcome::Failed,
        Ok(mut written) => {
            // Find where the write stopped.
            let mut frame = 0;
            let mut offset = skip;
            while frame < frames.len() {
                let remaining = frames[frame].len() - offset;
                if written >= remaining {
                    written -= remaining;
                    frame += 1;
                    offset = 0;
                } else {
                    offset += written;
                    break;
                }
            }
            WriteOutcome::Partial { frame, offset }
        }
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => WriteOutcome::WouldBlock,
        Err(_) => WriteOutcome::Failed,
    }
}

/// A connection handle (`id`, opened at `opened_ms`) on one end of a
/// loopback socket, and the client's end.
#[cfg(test)]
pub(crate) async fn loopback(id: u64, opened_ms: i64) -> (Arc<ConnHandle>, TcpStream) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let client = TcpStream::connect(listener.local_addr().expect("addr"))
        .await
        .expect("connect");
    let (socket, _) = listener.accept().await.expect("accept");
    (
        Arc::new(ConnHandle::new(id, socket, 1 << 20, opened_ms)),
        client,
    )
}
