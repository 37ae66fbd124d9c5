//! Publishers: what sends the stamped messages, one per server kind.
//!
//! Blocking sockets and a reader thread each: they send at most a few
//! hundred messages a second, so simplicity wins here. The stamp's send time
//! is taken right before the write.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::stamp::{self, now_us};
use crate::ws;

/// Open a websocket (blocking) and return it with any bytes read past the handshake.
pub fn ws_connect(addr: SocketAddr, path: &str) -> io::Result<(TcpStream, Vec<u8>)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(3))?;
    s.set_nodelay(true)?;
    s.write_all(&ws::upgrade_request(&addr.to_string(), path))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::other("closed during the handshake"));
        }
        buf.extend_from_slice(&chunk[..n]);
        match ws::parse_upgrade_response(&buf) {
            ws::Handshake::Partial => continue,
            ws::Handshake::Refused(status) => {
                return Err(io::Error::other(format!("upgrade refused: {status}")));
            }
            ws::Handshake::Done(off) => return Ok((s, buf[off..].to_vec())),
        }
    }
}

/// Reads whole frames from a blocking socket.
pub struct FrameReader {
    inner: BufReader<TcpStream>,
    buf: Vec<u8>,
}

impl FrameReader {
    /// Wrap a socket, with bytes already read.
    pub fn new(s: TcpStream, leftover: Vec<u8>) -> Self {
        FrameReader {
            inner: BufReader::with_capacity(64 * 1024, s),
            buf: leftover,
        }
    }

    /// The next frame: (opcode, payload).
    pub fn next(&mut self) -> io::Result<(u8, Vec<u8>)> {
        loop {
            if let Some((frame, used)) = ws::parse_frame(&self.buf) {
                let out = (frame.opcode, frame.payload.to_vec());
                self.buf.drain(..used);
                return Ok(out);
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = self.inner.read(&mut chunk)?;
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// A shared, lockable writer.
type Writer = Arc<Mutex<TcpStream>>;

fn spawn_drain(reader: FrameReader, writer: Writer, socketio: bool) {
    std::thread::spawn(move || {
        let mut reader = reader;
        while let Ok((op, payload)) = reader.next() {
            let reply = match op {
                ws::OP_PING => Some(ws::client_frame(ws::OP_PONG, &payload)),
                ws::OP_TEXT if socketio && payload == b"2" => Some(ws::text(b"3")),
                ws::OP_CLOSE => break,
                _ => None,
            };
            if let Some(frame) = reply
                && writer.lock().map(|mut w| w.write_all(&frame)).is_err()
            {
                break;
            }
        }
    });
}

/// Something that sends stamped messages.
pub enum Publisher {
    /// One websocket sending bare bodies (Bun, Node ws).
    Plain(Writer),
    /// Socket.IO: `42["pub", body]`.
    SocketIo(Writer),
    /// The raw-TCP floor: length-prefixed bodies.
    Floor(TcpStream),
    /// Backchannel speaker connections posting notes.
    Backchannel(Box<BcPublisher>),
}

impl Publisher {
    /// A plain-broadcast publisher on `path`.
    pub fn plain(addr: SocketAddr, path: &str) -> io::Result<Self> {
        let (s, left) = ws_connect(addr, path)?;
        let w = Arc::new(Mutex::new(s.try_clone()?));
        spawn_drain(FrameReader::new(s, left), w.clone(), false);
        Ok(Publisher::Plain(w))
    }

    /// A Socket.IO publisher.
    pub fn socketio(addr: SocketAddr, path: &str) -> io::Result<Self> {
        let (s, left) = ws_connect(addr, path)?;
        let mut reader = FrameReader::new(s.try_clone()?, left);
        let mut w = s.try_clone()?;
        loop {
            let (_, p) = reader.next()?;
            if p.starts_with(b"0") {
                w.write_all(&ws::text(b"40"))?;
            } else if p.starts_with(b"40") {
                break;
            }
        }
        let w = Arc::new(Mutex::new(s));
        spawn_drain(reader, w.clone(), true);
        Ok(Publisher::SocketIo(w))
    }

    /// The floor's publisher.
    pub fn floor(addr: SocketAddr) -> io::Result<Self> {
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(3))?;
        s.set_nodelay(true)?;
        s.write_all(b"P")?;
        Ok(Publisher::Floor(s))
    }

    /// Send message `seq` padded to `size` bytes, stamped now.
    pub fn send(&mut self, seq: u64, size: usize) -> io::Result<()> {
        let t = now_us();
        let body = stamp::body(seq, t, size);
        match self {
            Publisher::Plain(w) => lock(w)?.write_all(&ws::text(body.as_bytes())),
            Publisher::SocketIo(w) => {
                let packet = format!(r#"42["pub","{body}"]"#);
                lock(w)?.write_all(&ws::text(packet.as_bytes()))
            }
            Publisher::Floor(s) => {
                let mut out = (body.len() as u16).to_be_bytes().to_vec();
                out.extend_from_slice(body.as_bytes());
                s.write_all(&out)
            }
            Publisher::Backchannel(p) => p.post(seq, &body),
        }
    }

    /// Wait until everything sent was accepted (Backchannel: acked).
    pub fn finish(&mut self, timeout: Duration) -> io::Result<()> {
        match self {
            Publisher::Backchannel(p) => p.finish(timeout),
            _ => Ok(()),
        }
    }
}

fn lock(w: &Writer) -> io::Result<std::sync::MutexGuard<'_, TcpStream>> {
    w.lock().map_err(|_| io::Error::other("poisoned"))
}

/// Publish `count` messages starting at `first`, paced at `rate` per second.
pub fn paced(p: &mut Publisher, first: u64, count: u64, rate: f64, size: usize) -> io::Result<()> {
    let start = Instant::now();
    for i in 0..count {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        p.send(first + i, size)?;
    }
    Ok(())
}

struct Shared {
    /// id → the ack or error frame's text.
    answers: Mutex<HashMap<String, String>>,
    cv: Condvar,
    /// Note commands sent and not yet acked: id → frame.
    unacked: Mutex<BTreeMap<String, Vec<u8>>>,
    errors: Mutex<BTreeMap<String, u64>>,
}

struct BcConn {
    writer: Option<Writer>,
    broken: Arc<AtomicBool>,
}

/// Backchannel speaker connections (several: one connection may send 40
/// messages at once, then 20 a second). Reconnects and resends unacked
/// commands with the same ids, which the server applies once.
pub struct BcPublisher {
    addr: SocketAddr,
    token: String,
    conns: Vec<BcConn>,
    shared: Arc<Shared>,
    next_id: u64,
}

impl BcPublisher {
    /// Open `n` speaker connections.
    pub fn connect(addr: SocketAddr, token: &str, n: usize) -> io::Result<Self> {
        let mut p = BcPublisher {
            addr,
            token: token.to_string(),
            conns: (0..n)
                .map(|_| BcConn {
                    writer: None,
                    broken: Arc::new(AtomicBool::new(true)),
                })
                .collect(),
            shared: Arc::new(Shared {
                answers: Mutex::new(HashMap::new()),
                cv: Condvar::new(),
                unacked: Mutex::new(BTreeMap::new()),
                errors: Mutex::new(BTreeMap::new()),
            }),
            next_id: 0,
        };
        for i in 0..n {
            p.reconnect(i, Duration::from_secs(10))?;
        }
        Ok(p)
    }

    fn reconnect(&mut self, i: usize, patience: Duration) -> io::Result<()> {
        let deadline = Instant::now() + patience;
        loop {
            match self.try_connect(i) {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    fn try_connect(&mut self, i: usize) -> io::Result<()> {
        let (s, left) = ws_connect(self.addr, "/ws")?;
        let mut w = s.try_clone()?;
        let join = format!(r#"{{"type":"join","token":"{}"}}"#, self.token);
        w.write_all(&ws::text(join.as_bytes()))?;
        let mut reader = FrameReader::new(s.try_clone()?, left);
        loop {
            let (op, p) = reader.next()?;
            if op == ws::OP_TEXT && p.starts_with(br#"{"type":"snapshot""#) {
                break;
            }
            if op == ws::OP_TEXT && p.starts_with(br#"{"type":"error""#) {
                return Err(io::Error::other(String::from_utf8_lossy(&p).into_owned()));
            }
            if op == ws::OP_CLOSE {
                return Err(io::Error::other("closed while joining"));
            }
        }
        let writer = Arc::new(Mutex::new(w));
        let broken = Arc::new(AtomicBool::new(false));
        let shared = self.shared.clone();
        let (wr, br) = (writer.clone(), broken.clone());
        std::thread::spawn(move || {
            while let Ok((op, payload)) = reader.next() {
                match op {
                    ws::OP_PING => {
                        let pong = ws::client_frame(ws::OP_PONG, &payload);
                        if wr.lock().map(|mut w| w.write_all(&pong)).is_err() {
                            break;
                        }
                    }
                    ws::OP_CLOSE => break,
                    ws::OP_TEXT => {
                        let is_ack = payload.starts_with(br#"{"type":"ack""#);
                        let is_err = payload.starts_with(br#"{"type":"error""#);
                        if !(is_ack || is_err) {
                            continue;
                        }
                        let Some(id) = ws::string_after(&payload, br#""id":""#) else {
                            continue;
                        };
                        let text = String::from_utf8_lossy(&payload).into_owned();
                        if is_err {
                            let code = ws::string_after(&payload, br#""code":""#).unwrap_or("?");
                            *shared
                                .errors
                                .lock()
                                .expect("lock")
                                .entry(code.to_string())
                                .or_default() += 1;
                            // `unavailable` means nothing was applied: keep it for a resend.
                            if code != "unavailable" {
                                shared.unacked.lock().expect("lock").remove(id);
                            }
                        } else {
                            shared.unacked.lock().expect("lock").remove(id);
                        }
                        shared
                            .answers
                            .lock()
                            .expect("lock")
                            .insert(id.to_string(), text);
                        shared.cv.notify_all();
                    }
                    _ => {}
                }
            }
            br.store(true, Ordering::Release);
            shared.cv.notify_all();
        });
        self.conns[i] = BcConn {
            writer: Some(writer),
            broken,
        };
        // Resend what may have been lost with the previous connection.
        let pending: Vec<Vec<u8>> = self
            .shared
            .unacked
            .lock()
            .expect("lock")
            .values()
            .cloned()
            .collect();
        for frame in pending {
            self.write(i, &frame)?;
        }
        Ok(())
    }

    fn write(&mut self, i: usize, frame: &[u8]) -> io::Result<()> {
        let Some(w) = &self.conns[i].writer else {
            return Err(io::Error::other("not connected"));
        };
        lock(w)?.write_all(frame)
    }

    fn send_frame(&mut self, i: usize, frame: &[u8]) -> io::Result<()> {
        if self.conns[i].broken.load(Ordering::Acquire) {
            self.reconnect(i, Duration::from_secs(60))?;
        }
        if self.write(i, frame).is_err() {
            self.conns[i].broken.store(true, Ordering::Release);
            self.reconnect(i, Duration::from_secs(60))?;
        }
        Ok(())
    }

    /// Post note `seq` with `body`.
    pub fn post(&mut self, seq: u64, body: &str) -> io::Result<()> {
        let id = format!("n{seq}");
        let cmd = format!(
            r#"{{"type":"command","id":"{id}","action":"note.post","args":{{"body":"{body}"}}}}"#
        );
        let frame = ws::text(cmd.as_bytes());
        self.shared
            .unacked
            .lock()
            .expect("lock")
            .insert(id, frame.clone());
        let i = (seq as usize) % self.conns.len();
        self.send_frame(i, &frame)
    }

    /// Run a command on the first connection and wait for its answer.
    pub fn command(
        &mut self,
        action: &str,
        args: &serde_json::Value,
        timeout: Duration,
    ) -> io::Result<serde_json::Value> {
        self.next_id += 1;
        let id = format!("c{}-{}", self.next_id, now_us());
        let cmd = serde_json::json!({"type": "command", "id": id, "action": action, "args": args});
        self.send_frame(0, &ws::text(cmd.to_string().as_bytes()))?;
        let deadline = Instant::now() + timeout;
        let mut answers = self.shared.answers.lock().expect("lock");
        loop {
            if let Some(text) = answers.remove(&id) {
                let v: serde_json::Value = serde_json::from_str(&text).map_err(io::Error::other)?;
                if v["type"] == "ack" {
                    return Ok(v);
                }
                return Err(io::Error::other(format!("{action}: {text}")));
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(io::Error::other(format!("{action}: no answer")));
            }
            answers = self
                .shared
                .cv
                .wait_timeout(answers, deadline - now)
                .expect("lock")
                .0;
        }
    }

    /// Wait until every posted note was acked, reconnecting as needed.
    pub fn finish(&mut self, timeout: Duration) -> io::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.shared.unacked.lock().expect("lock").is_empty() {
                self.shared.answers.lock().expect("lock").clear();
                return Ok(());
            }
            if Instant::now() >= deadline {
                let n = self.shared.unacked.lock().expect("lock").len();
                return Err(io::Error::other(format!("{n} notes never acked")));
            }
            for i in 0..self.conns.len() {
                if self.conns[i].broken.load(Ordering::Acquire) {
                    self.reconnect(i, deadline.saturating_duration_since(Instant::now()))?;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Error codes answered so far.
    pub fn errors(&self) -> BTreeMap<String, u64> {
        self.shared.errors.lock().expect("lock").clone()
    }
}
