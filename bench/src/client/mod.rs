//! The load client: one thread, one epoll (mio), many sockets.
//!
//! Each socket does the websocket handshake and the adapter's join dance,
//! then its bytes are parsed as raw frames in place (no per-message stream,
//! no task per socket, no copy unless a frame is split across reads). Every
//! delivery's stamp gives its latency (one monotonic clock for the box), and
//! per socket a bitmap of the phase's stamps gives losses and duplicates; with
//! Backchannel the stream `seq` is checked the same way.
//!
//! The orchestrator drives a worker over stdin (one command per line) and
//! reads one JSON line per answer on stdout:
//!
//! - `phase LO HI`: start counting a phase whose stamps are LO..=HI;
//! - `wait HI TIMEOUT_MS`: answer once every reading socket saw stamp HI (or at the timeout);
//! - `report`: answer now;
//! - `stall K`: the first K sockets stop reading;
//! - `vote POLL START_US RATE ROUNDS OPTIONS`: cast votes on a schedule (Backchannel);
//! - `quit`.
//!
//! This file owns the sockets (handshake, reads, writes, frames; [`socket`]
//! opens them);
//! [`protocol`] what each adapter does with an open socket, [`votes`] W3's
//! votes, and [`control`] the commands and reports above.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::Duration;

use hdrhistogram::Histogram;
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token, Waker};
use serde::Serialize;

use crate::stamp::{self, now_us};
use crate::ws::{self, Handshake};

mod control;
mod socket;

use socket::connect;
pub use socket::raise_nofile;
mod protocol;
mod votes;

/// The protocol a socket speaks after the TCP connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Adapter {
    /// Backchannel: `join` with an attendee token, `event` frames.
    Backchannel,
    /// A plain broadcast server: every text frame is a message (Bun, Node ws).
    Plain,
    /// Socket.IO v4 over a raw websocket.
    Socketio,
    /// Pusher protocol (sockudo).
    Pusher,
    /// The raw-TCP floor: no handshake, the server writes frames.
    Floor,
}

/// Options of one worker process.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// Protocol adapter.
    #[arg(long, value_enum)]
    pub adapter: Adapter,
    /// Server address.
    #[arg(long)]
    pub addr: SocketAddr,
    /// Websocket path.
    #[arg(long, default_value = "/")]
    pub path: String,
    /// Sockets to open.
    #[arg(long)]
    pub conns: usize,
    /// File of attendee tokens, one per line (Backchannel).
    #[arg(long)]
    pub tokens: Option<String>,
    /// Index of this worker's first socket among all workers (tokens, vote schedule).
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Sockets over all workers (vote schedule).
    #[arg(long, default_value_t = 0)]
    pub total: usize,
    /// The first K sockets get a small receive buffer (they are the ones `stall` stops).
    #[arg(long, default_value_t = 0)]
    pub slow: usize,
    /// Reconnect and resume (`since` + `epoch`) when the server closes or vanishes.
    #[arg(long)]
    pub reconnect: bool,
    /// Handshakes in flight at once.
    #[arg(long, default_value_t = 200)]
    pub concurrency: usize,
    /// Pusher channel / app key path parts are in `path`; channel name here.
    #[arg(long, default_value = "bench")]
    pub channel: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Idle,
    Connecting,
    Upgrading,
    Joining,
    Ready,
    Closed,
    /// Waiting to reconnect (at `Conn::retry_at`).
    Retry,
}

struct Conn {
    sock: Option<TcpStream>,
    st: St,
    rbuf: Vec<u8>,
    wbuf: Vec<u8>,
    last_stamp: u64,
    phase_got: u32,
    /// Stamps of the phase's range seen so far (bit `seq - lo`).
    seen: Vec<u64>,
    stream_seq: u64,
    epoch: Option<Box<str>>,
    stalled: bool,
    /// Got `resumed` in this phase.
    resumed: bool,
    ballots: u64,
    retry_at: u64,
    ever_ready: bool,
}

#[derive(Serialize, Default)]
struct Report {
    kind: &'static str,
    conns: usize,
    ready: usize,
    failed: usize,
    deliveries: u64,
    lost: u64,
    reordered: u64,
    dups: u64,
    stream_gaps: u64,
    stream_dups: u64,
    first_recv_us: u64,
    last_recv_us: u64,
    hist: Vec<(u64, u64)>,
    counters_frames: u64,
    acks: u64,
    ack_hist: Vec<(u64, u64)>,
    errors: BTreeMap<String, u64>,
    closes: BTreeMap<u16, u64>,
    stalled: usize,
    stalled_closed: usize,
    open: usize,
    resumed: u64,
    resumed_conns: u64,
    not_recovered: u64,
    snapshots: u64,
    last_resumed_us: u64,
    last_ack_us: u64,
    reconnects: u64,
    ballots_min: u64,
    ballots_max: u64,
    tally: Option<String>,
    votes_sent: u64,
    /// Pings the server sent (heartbeats), answered with pongs.
    pings: u64,
    timed_out: bool,
}

struct Phase {
    lo: u64,
    hi: u64,
    hist: Histogram<u64>,
    ack_hist: Histogram<u64>,
    deliveries: u64,
    reordered: u64,
    dups: u64,
    stream_gaps: u64,
    stream_dups: u64,
    first_recv_us: u64,
    last_recv_us: u64,
    counters_frames: u64,
    acks: u64,
    errors: BTreeMap<String, u64>,
    closes: BTreeMap<u16, u64>,
    resumed: u64,
    not_recovered: u64,
    snapshots: u64,
    last_resumed_us: u64,
    last_ack_us: u64,
    reconnects: u64,
    votes_sent: u64,
    pings: u64,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("histogram bounds")
}

impl Phase {
    fn new(lo: u64, hi: u64) -> Self {
        Phase {
            lo,
            hi,
            hist: histogram(),
            ack_hist: histogram(),
            deliveries: 0,
            reordered: 0,
            dups: 0,
            stream_gaps: 0,
            stream_dups: 0,
            first_recv_us: 0,
            last_recv_us: 0,
            counters_frames: 0,
            acks: 0,
            errors: BTreeMap::new(),
            closes: BTreeMap::new(),
            resumed: 0,
            not_recovered: 0,
            snapshots: 0,
            last_resumed_us: 0,
            last_ack_us: 0,
            reconnects: 0,
            votes_sent: 0,
            pings: 0,
        }
    }
}

struct Votes {
    poll: String,
    start_us: u64,
    rate: f64,
    rounds: usize,
    options: usize,
    /// Next (round, local index) to send.
    k: usize,
    i: usize,
}

struct Worker {
    args: ClientArgs,
    poll: Poll,
    conns: Vec<Conn>,
    tokens: Vec<String>,
    phase: Phase,
    next_connect: usize,
    in_handshake: usize,
    failed: usize,
    rng: u64,
    votes: Option<Votes>,
    wait: Option<(u64, u64)>,
    tally: Option<String>,
    upgrade: Vec<u8>,
    retry_scan_at: u64,
    /// The last `vote` command's poll, options and rounds (for retries).
    vote_poll: String,
    vote_options: usize,
    vote_rounds: usize,
    /// Votes to send again: (when, socket, frame).
    retries: Vec<(u64, usize, Vec<u8>)>,
}

const WAKER: Token = Token(usize::MAX - 1);
const SLOW_RCVBUF: usize = 4096;

/// Run a worker until `quit` (or stdin closes).
pub fn run(args: ClientArgs) -> io::Result<()> {
    raise_nofile();
    let tokens = match &args.tokens {
        Some(path) => std::fs::read_to_string(path)?
            .lines()
            .skip(args.offset)
            .take(args.conns)
            .map(str::to_string)
            .collect(),
        None => Vec::new(),
    };
    if args.adapter == Adapter::Backchannel && tokens.len() < args.conns {
        return Err(io::Error::other("not enough tokens for the sockets asked"));
    }
    let poll = Poll::new()?;
    let waker = std::sync::Arc::new(Waker::new(poll.registry(), WAKER)?);
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
            let _ = waker.wake();
        }
        let _ = tx.send("quit".into());
        let _ = waker.wake();
    });
    let conns = (0..args.conns)
        .map(|_| Conn {
            sock: None,
            st: St::Idle,
            rbuf: Vec::new(),
            wbuf: Vec::new(),
            last_stamp: 0,
            phase_got: 0,
            seen: Vec::new(),
            stream_seq: 0,
            epoch: None,
            stalled: false,
            resumed: false,
            ballots: 0,
            retry_at: 0,
            ever_ready: false,
        })
        .collect();
    let host = args.addr.to_string();
    let upgrade = ws::upgrade_request(&host, &args.path);
    let seed = now_us() ^ (args.offset as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut w = Worker {
        args,
        poll,
        conns,
        tokens,
        phase: Phase::new(0, 0),
        next_connect: 0,
        in_handshake: 0,
        failed: 0,
        rng: seed,
        votes: None,
        wait: None,
        tally: None,
        upgrade,
        retry_scan_at: 0,
        vote_poll: String::new(),
        vote_options: 1,
        vote_rounds: 0,
        retries: Vec::new(),
    };
    w.event_loop(rx)
}

impl Worker {
    fn event_loop(&mut self, rx: mpsc::Receiver<String>) -> io::Result<()> {
        let mut events = Events::with_capacity(4096);
        let mut scratch = vec![0u8; 256 * 1024];
        let mut announced = false;
        let mut last_check = 0u64;
        loop {
            self.start_connects();
            let timeout = self.timeout();
            if let Err(e) = self.poll.poll(&mut events, timeout)
                && e.kind() != io::ErrorKind::Interrupted
            {
                return Err(e);
            }
            for ev in events.iter() {
                if ev.token() == WAKER {
                    continue;
                }
                let idx = ev.token().0;
                if ev.is_writable() {
                    self.on_writable(idx);
                }
                if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                    self.on_readable(idx, &mut scratch);
                }
            }
            let now = now_us();
            self.send_votes(now);
            self.send_retries(now);
            self.retry_due(now);
            if !announced && self.next_connect >= self.conns.len() && self.in_handshake == 0 {
                announced = true;
                let mut r = self.report("ready");
                r.hist.clear();
                emit(&r);
            }
            while let Ok(line) = rx.try_recv() {
                if !self.command(&line) {
                    return Ok(());
                }
            }
            if let Some((hi, deadline)) = self.wait
                && now >= last_check + 2_000
            {
                last_check = now;
                let want = if hi >= self.phase.lo && hi > 0 {
                    (hi - self.phase.lo + 1) as u32
                } else {
                    0
                };
                let done = self.conns.iter().all(|c| {
                    c.stalled
                        || c.phase_got >= want
                        || (c.st == St::Closed && !self.args.reconnect)
                        || !c.ever_ready
                });
                if done || now >= deadline {
                    self.wait = None;
                    let mut r = self.report("phase");
                    r.timed_out = !done;
                    emit(&r);
                }
            }
        }
    }

    fn timeout(&self) -> Option<Duration> {
        if self.votes.is_some() || self.wait.is_some() || !self.retries.is_empty() {
            Some(Duration::from_millis(1))
        } else if self.next_connect < self.conns.len() || self.args.reconnect {
            Some(Duration::from_millis(5))
        } else {
            Some(Duration::from_millis(100))
        }
    }

    fn rand(&mut self) -> u64 {
        // xorshift64
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }

    fn start_connects(&mut self) {
        while self.next_connect < self.conns.len() && self.in_handshake < self.args.concurrency {
            let idx = self.next_connect;
            self.next_connect += 1;
            self.open(idx);
        }
    }

    fn open(&mut self, idx: usize) {
        let rcvbuf = (idx < self.args.slow).then_some(SLOW_RCVBUF);
        match connect(self.args.addr, rcvbuf) {
            Ok(mut sock) => {
                let interest = Interest::READABLE | Interest::WRITABLE;
                if self
                    .poll
                    .registry()
                    .register(&mut sock, Token(idx), interest)
                    .is_err()
                {
                    self.fail(idx, "register");
                    return;
                }
                let c = &mut self.conns[idx];
                c.sock = Some(sock);
                c.st = St::Connecting;
                c.rbuf.clear();
                c.wbuf.clear();
                self.in_handshake += 1;
            }
            Err(e) => {
                let what = format!("connect: {e}");
                self.fail(idx, &what);
            }
        }
    }

    /// A socket failed before or after being ready.
    fn fail(&mut self, idx: usize, why: &str) {
        let c = &mut self.conns[idx];
        let was = c.st;
        if let Some(mut sock) = c.sock.take() {
            let _ = self.poll.registry().deregister(&mut sock);
        }
        c.rbuf = Vec::new();
        c.wbuf = Vec::new();
        if matches!(was, St::Connecting | St::Upgrading | St::Joining) {
            self.in_handshake = self.in_handshake.saturating_sub(1);
        }
        if self.args.reconnect && c.ever_ready {
            c.st = St::Retry;
            let jitter = 100_000 + self.rand() % 400_000;
            self.conns[idx].retry_at = now_us() + jitter;
            return;
        }
        c.st = St::Closed;
        if !c.ever_ready {
            self.failed += 1;
            if self.failed <= 3 {
                eprintln!("socket {idx}: {why}");
            }
        }
        *self.phase.errors.entry(short(why)).or_default() += 1;
    }

    fn retry_due(&mut self, now: u64) {
        if !self.args.reconnect || now < self.retry_scan_at {
            return;
        }
        self.retry_scan_at = now + 10_000;
        for idx in 0..self.conns.len() {
            let c = &self.conns[idx];
            if c.st == St::Retry && now >= c.retry_at {
                self.phase.reconnects += 1;
                self.open(idx);
            }
        }
    }

    fn on_writable(&mut self, idx: usize) {
        let Some(c) = self.conns.get_mut(idx) else {
            return;
        };
        if c.st == St::Connecting {
            let Some(sock) = &c.sock else { return };
            match sock.take_error() {
                Ok(None) => {}
                Ok(Some(e)) | Err(e) => {
                    let what = format!("connect: {e}");
                    self.fail(idx, &what);
                    return;
                }
            }
            if sock.peer_addr().is_err() {
                // Not connected yet (spurious wakeup).
                return;
            }
            if self.args.adapter == Adapter::Floor {
                c.st = St::Ready;
                c.ever_ready = true;
                self.in_handshake -= 1;
                self.send(idx, b"S".to_vec());
                return;
            }
            c.st = St::Upgrading;
            let req = self.upgrade.clone();
            self.send(idx, req);
            return;
        }
        self.flush(idx);
    }

    fn send(&mut self, idx: usize, bytes: Vec<u8>) {
        let c = &mut self.conns[idx];
        if c.wbuf.is_empty() {
            c.wbuf = bytes;
        } else {
            c.wbuf.extend_from_slice(&bytes);
        }
        self.flush(idx);
    }

    fn flush(&mut self, idx: usize) {
        let c = &mut self.conns[idx];
        let Some(sock) = c.sock.as_mut() else { return };
        while !c.wbuf.is_empty() {
            match sock.write(&c.wbuf) {
                Ok(0) => break,
                Ok(n) => {
                    c.wbuf.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let what = format!("write: {e}");
                    self.fail(idx, &what);
                    return;
                }
            }
        }
        if c.wbuf.capacity() > 4096 {
            c.wbuf = Vec::new();
        }
    }

    fn on_readable(&mut self, idx: usize, scratch: &mut [u8]) {
        loop {
            let c = &mut self.conns[idx];
            if c.stalled || c.st == St::Connecting && c.sock.is_none() {
                return;
            }
            let Some(sock) = c.sock.as_mut() else { return };
            let n = match sock.read(scratch) {
                Ok(0) => {
                    let code = if c.st == St::Ready { 1006 } else { 0 };
                    if code != 0 {
                        *self.phase.closes.entry(code).or_default() += 1;
                    }
                    self.fail(idx, "eof");
                    return;
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let what = format!("read: {e}");
                    self.fail(idx, &what);
                    return;
                }
            };
            let now = now_us();
            if self.conns[idx].rbuf.is_empty() {
                let used = self.process(idx, &scratch[..n], now);
                let c = &mut self.conns[idx];
                if used < n && c.sock.is_some() {
                    c.rbuf.extend_from_slice(&scratch[used..n]);
                }
            } else {
                let mut buf = std::mem::take(&mut self.conns[idx].rbuf);
                buf.extend_from_slice(&scratch[..n]);
                let used = self.process(idx, &buf, now);
                let c = &mut self.conns[idx];
                if c.sock.is_some() && used < buf.len() {
                    buf.drain(..used);
                    if buf.capacity() > 64 * 1024 && buf.len() < 4096 {
                        buf.shrink_to(4096);
                    }
                    c.rbuf = buf;
                }
            }
            if n < scratch.len() {
                // A short read drained the socket; epoll reports the next edge.
                return;
            }
        }
    }

    /// Handle the bytes at the start of `data`; returns how many were used.
    fn process(&mut self, idx: usize, data: &[u8], now: u64) -> usize {
        let mut pos = 0;
        if self.conns[idx].st == St::Upgrading {
            match ws::parse_upgrade_response(data) {
                Handshake::Partial => return 0,
                Handshake::Refused(status) => {
                    let what = format!("upgrade refused: {status}");
                    self.fail(idx, &what);
                    return data.len();
                }
                Handshake::Done(n) => {
                    pos = n;
                    self.on_open(idx);
                }
            }
        }
        while let Some((frame, used)) = ws::parse_frame(&data[pos..]) {
            pos += used;
            match frame.opcode {
                ws::OP_PING => {
                    self.phase.pings += 1;
                    let pong = ws::client_frame(ws::OP_PONG, frame.payload);
                    self.send(idx, pong);
                }
                ws::OP_CLOSE => {
                    let code = ws::close_code(frame.payload);
                    *self.phase.closes.entry(code).or_default() += 1;
                    let reply = ws::client_frame(ws::OP_CLOSE, &code.to_be_bytes());
                    self.send(idx, reply);
                    self.fail(idx, "closed by server");
                    return data.len();
                }
                ws::OP_PONG => {}
                _ => self.on_message(idx, frame.payload, now),
            }
            if self.conns[idx].sock.is_none() {
                return data.len();
            }
        }
        pos
    }
}

fn short(why: &str) -> String {
    why.chars().take(60).collect()
}

fn export(h: &Histogram<u64>) -> Vec<(u64, u64)> {
    h.iter_recorded()
        .map(|v| (v.value_iterated_to(), v.count_at_value()))
        .collect()
}

fn emit(value: &impl Serialize) {
    let mut out = io::stdout().lock();
    let _ = serde_json::to_writer(&mut out, value);
    let _ = out.write_all(b"\n");
    let _ = out.flush();
}
