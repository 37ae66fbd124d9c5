//! The benchmark command: start each server pinned to one core, load it from
//! the other with the same client, measure, and write the results.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};

use crate::client::Adapter;
use crate::http::{self, Http};
use crate::procfs;
use crate::publisher::{self, BcPublisher, Publisher};
use crate::report;
use crate::stamp::now_us;
use crate::workers::{Merged, Spec, Workers};

pub(crate) const ADMIN_TOKEN: &str = "bench-admin-token-0123456789";

/// Options of `run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Servers to measure, in order (backchannel, bun, ws, socketio, floor, sockudo).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "backchannel,bun,ws,socketio,floor"
    )]
    pub peers: Vec<String>,
    /// Subscribers.
    #[arg(long, default_value_t = 10_000)]
    pub conns: usize,
    /// Message body size in bytes.
    #[arg(long, default_value_t = 100)]
    pub payload: usize,
    /// W2a rate (messages per second).
    #[arg(long, default_value_t = 10.0)]
    pub w2a_rate: f64,
    /// W2a messages.
    #[arg(long, default_value_t = 100)]
    pub w2a_count: u64,
    /// W2b offered rate.
    #[arg(long, default_value_t = 100.0)]
    pub w2b_rate: f64,
    /// W2b messages.
    #[arg(long, default_value_t = 100)]
    pub w2b_count: u64,
    /// Seconds of idle measurement for W1 (0: skip the idle CPU figure).
    #[arg(long, default_value_t = 20)]
    pub idle_secs: u64,
    /// W5: fraction of subscribers that stop reading (0: skip W5).
    #[arg(long, default_value_t = 0.01)]
    pub w5_fraction: f64,
    /// W5 messages (sent at the W2a rate).
    #[arg(long, default_value_t = 100)]
    pub w5_count: u64,
    /// Backchannel's outbound queue cap for the whole run (server default when absent).
    #[arg(long)]
    pub queue_bytes: Option<usize>,
    /// W5 at the queue cap (Backchannel only; 0: skip): subscribers. On
    /// loopback the kernel absorbs ~3 MB per stalled socket before the server
    /// sees backpressure, so W2a's 100 small notes never reach the cap; this
    /// run sends large notes to a smaller audience to show the drop.
    #[arg(long, default_value_t = 100)]
    pub w5_cap_conns: usize,
    /// W5 at the queue cap: note body size.
    #[arg(long, default_value_t = 8000)]
    pub w5_cap_payload: usize,
    /// W5 at the queue cap: notes (sent at the W2b rate), before and after the stall.
    #[arg(long, default_value_t = 500)]
    pub w5_cap_count: u64,
    /// W5 at the queue cap: Backchannel's queue cap (server default when absent).
    #[arg(long)]
    pub w5_cap_queue_bytes: Option<usize>,
    /// Skip W3 (vote storm).
    #[arg(long)]
    pub skip_w3: bool,
    /// Skip W4 (reconnect storm).
    #[arg(long)]
    pub skip_w4: bool,
    /// W3 stress: offered votes per second.
    #[arg(long, default_value_t = 50_000.0)]
    pub w3_stress_rate: f64,
    /// W3 stress: votes per attendee.
    #[arg(long, default_value_t = 5)]
    pub w3_stress_rounds: usize,
    /// Skip W6 (two nodes on PostgreSQL and Redis).
    #[arg(long)]
    pub skip_w6: bool,
    /// W6: the PostgreSQL database the nodes share (the run creates and drops a schema in it).
    #[arg(long, default_value = "postgres://root@127.0.0.1:5432/test")]
    pub w6_database_url: String,
    /// W6: the Redis between the nodes (the run uses its own channel prefix).
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    pub w6_redis_url: String,
    /// W4: seconds of notes (10/s); the server restarts after a quarter of it.
    #[arg(long, default_value_t = 12)]
    pub w4_secs: u64,
    /// Core for the server (`taskset`); negative: no pinning.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub server_core: i64,
    /// Core for the load client; negative: no pinning.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    pub client_core: i64,
    /// Where the backchannel binary is.
    #[arg(long, default_value = "target/release")]
    pub bin_dir: PathBuf,
    /// The peers' folder (package.json, servers).
    #[arg(long, default_value = "bench/peers")]
    pub peers_dir: PathBuf,
    /// sockudo's binary (bench/.tools/bin/sockudo after `cargo install`).
    #[arg(long, default_value = "bench/.tools/bin/sockudo")]
    pub sockudo: PathBuf,
    /// Folder for the JSON results (none: do not write).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Regenerate this Markdown file with the results.
    #[arg(long)]
    pub docs: Option<PathBuf>,
    /// Scratch folder (databases, logs, tokens).
    #[arg(long, default_value = "/tmp/backchannel-bench")]
    pub work: PathBuf,
    /// The command line to print in the results (defaults to this one).
    #[arg(long)]
    pub command: Option<String>,
    /// Exit non-zero when any message was lost, duplicated or out of order.
    #[arg(long)]
    pub strict: bool,
}

/// One load phase's figures.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub struct Load {
    pub offered_rate: f64,
    pub messages: u64,
    pub receivers: u64,
    pub expected: u64,
    pub deliveries: u64,
    pub lost: u64,
    pub reordered: u64,
    pub dups: u64,
    pub stream_gaps: u64,
    pub stream_dups: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub duration_s: f64,
    pub deliveries_per_s: f64,
    pub cpu_s: f64,
    pub cpu_s_per_1m: f64,
    pub timed_out: bool,
    pub closes: std::collections::BTreeMap<String, u64>,
}

/// W5's figures.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub struct SlowReaders {
    pub stalled: u64,
    pub stalled_closed: u64,
    pub others: Load,
    pub p99_vs_w2a: f64,
    pub rss_before_kb: u64,
    pub rss_after_kb: u64,
    pub close_codes: std::collections::BTreeMap<String, u64>,
}

/// W5 on Backchannel with a small queue cap: a baseline, then the same with
/// stalled readers.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub struct SlowReadersCap {
    pub queue_bytes: Option<usize>,
    pub subscribers: u64,
    pub payload: usize,
    pub baseline: Load,
    pub slow: SlowReaders,
}

/// One server's row.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub struct PeerResult {
    pub name: String,
    pub label: String,
    pub conns_ready: u64,
    pub conns_failed: u64,
    pub connect_s: f64,
    pub rss_empty_kb: u64,
    pub rss_conns_kb: u64,
    pub kb_per_conn: f64,
    pub idle_cpu_pct: f64,
    pub w2a: Option<Load>,
    pub w2b: Option<Load>,
    pub w5: Option<SlowReaders>,
    pub rss_peak_kb: u64,
    pub notes: Vec<String>,
}

/// W3's figures (one poll).
#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub struct VoteRun {
    pub voters: u64,
    pub votes_offered: u64,
    pub offered_per_s: f64,
    pub votes_sent: u64,
    pub acks: u64,
    pub errors: std::collections::BTreeMap<String, u64>,
    pub ack_p50_ms: f64,
    pub ack_p99_ms: f64,
    pub ack_max_ms: f64,
    pub acked_per_s: f64,
    pub duration_s: f64,
    pub tally_ballots: u64,
    pub tally_counts: Value,
    pub expected_counts: Value,
    pub tally_exact: bool,
    pub clients_ballots_min: u64,
    pub clients_ballots_max: u64,
    pub counters_frames: u64,
    pub tally_frames_per_client_per_s: f64,
    pub cpu_s: f64,
}

/// W3.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub struct VoteStorm {
    pub storm: VoteRun,
    pub stress: VoteRun,
}

/// W4.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub struct ReconnectStorm {
    pub subscribers: u64,
    pub notes: u64,
    pub down_s: f64,
    pub resumed: u64,
    pub resumed_conns: u64,
    pub not_recovered: u64,
    pub snapshots: u64,
    pub reconnects: u64,
    pub all_resumed: bool,
    pub resumed_after_kill_s: f64,
    pub resumed_after_restart_s: f64,
    pub load: Load,
    pub publisher_errors: std::collections::BTreeMap<String, u64>,
}

/// A whole run.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub struct RunResult {
    pub date: String,
    pub machine: String,
    pub command: String,
    pub conns: usize,
    pub payload: usize,
    pub load_before: f64,
    pub load_after: f64,
    pub pinned: String,
    pub peers: Vec<PeerResult>,
    pub w3: Option<VoteStorm>,
    pub w4: Option<ReconnectStorm>,
    pub w5_cap: Option<SlowReadersCap>,
    #[serde(default)]
    pub w6: Option<crate::cluster::ClusterRun>,
    pub failures: Vec<String>,
}

pub(crate) struct Server {
    child: Child,
    pub(crate) addr: SocketAddr,
}

impl Server {
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn stop(mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        for _ in 0..100 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) struct Peer {
    pub(crate) name: String,
    pub(crate) label: &'static str,
    pub(crate) adapter: Adapter,
    pub(crate) path: &'static str,
    pub(crate) port: u16,
}

pub(crate) fn peer(name: &str) -> io::Result<Peer> {
    let (label, adapter, path, port) = match name {
        "backchannel" => ("Backchannel", Adapter::Backchannel, "/ws", 18080),
        "bun" => ("Bun publish (uWS)", Adapter::Plain, "/", 18081),
        "ws" => ("Node ws (naive)", Adapter::Plain, "/", 18082),
        "socketio" => (
            "Socket.IO",
            Adapter::Socketio,
            "/socket.io/?EIO=4&transport=websocket",
            18083,
        ),
        "floor" => ("raw TCP floor", Adapter::Floor, "", 18084),
        "sockudo" => (
            "sockudo (Pusher)",
            Adapter::Pusher,
            "/app/bench-key?protocol=7&client=bench&version=1",
            18085,
        ),
        other => return Err(io::Error::other(format!("unknown peer {other}"))),
    };
    Ok(Peer {
        name: name.to_string(),
        label,
        adapter,
        path,
        port,
    })
}

pub(crate) struct Ctx {
    pub(crate) args: RunArgs,
    exe: String,
    seq: u64,
}

impl Ctx {
    fn core(v: i64) -> Option<usize> {
        (v >= 0).then_some(v as usize)
    }

    /// Backchannel's command line (before any node-specific options).
    pub(crate) fn backchannel_argv(
        &self,
        addr: SocketAddr,
        database_url: String,
        queue_bytes: Option<usize>,
    ) -> Vec<String> {
        let mut v = vec![
            self.args.bin_dir.join("backchannel").display().to_string(),
            "--bind".into(),
            addr.to_string(),
            "--database-url".into(),
            database_url,
            "--admin-token".into(),
            ADMIN_TOKEN.into(),
            "--max-connections-per-ip".into(),
            "100000".into(),
            "--log-format".into(),
            "json".into(),
        ];
        if Self::core(self.args.server_core).is_some() {
            v.extend(["--worker-threads".into(), "1".into()]);
        }
        if let Some(q) = queue_bytes.or(self.args.queue_bytes) {
            v.extend(["--outbound-queue-bytes".into(), q.to_string()]);
        }
        v
    }

    fn take_seqs(&mut self, n: u64) -> (u64, u64) {
        let lo = self.seq + 1;
        self.seq += n;
        (lo, self.seq)
    }

    fn start(&self, p: &Peer, fresh_db: bool, queue_bytes: Option<usize>) -> io::Result<Server> {
        let addr: SocketAddr = format!("127.0.0.1:{}", p.port).parse().expect("addr");
        let dir = self.args.work.join(&p.name);
        if fresh_db {
            let _ = std::fs::remove_dir_all(&dir);
        }
        std::fs::create_dir_all(&dir)?;
        let peers_dir = &self.args.peers_dir;
        let argv: Vec<String> = match p.name.as_str() {
            "backchannel" => self.backchannel_argv(
                addr,
                format!("sqlite://{}", dir.join("bc.db").display()),
                queue_bytes,
            ),
            "bun" => vec![
                peers_dir
                    .join("node_modules/bun/bin/bun.exe")
                    .display()
                    .to_string(),
                peers_dir.join("bun-server.js").display().to_string(),
            ],
            "ws" => vec![
                "node".into(),
                peers_dir.join("ws-server.js").display().to_string(),
            ],
            "socketio" => vec![
                "node".into(),
                peers_dir.join("socketio-server.js").display().to_string(),
            ],
            "floor" => vec![
                self.exe.clone(),
                "floor".into(),
                "--addr".into(),
                addr.to_string(),
            ],
            "sockudo" => vec![self.args.sockudo.display().to_string()],
            _ => unreachable!(),
        };
        self.launch(&p.name, &argv, addr, &dir)
    }

    /// Start `argv` on the server core, logging to `dir/server.log`, and
    /// wait until it answers (Backchannel: `/healthz`; others: a TCP connect).
    pub(crate) fn launch(
        &self,
        name: &str,
        argv: &[String],
        addr: SocketAddr,
        dir: &Path,
    ) -> io::Result<Server> {
        let mut cmd = match Self::core(self.args.server_core) {
            Some(core) => {
                let mut c = Command::new("taskset");
                c.arg("-c").arg(core.to_string());
                c.args(argv);
                c
            }
            None => {
                let mut c = Command::new(&argv[0]);
                c.args(&argv[1..]);
                c
            }
        };
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("server.log"))?;
        cmd.env("PORT", addr.port().to_string())
            .env("RUST_LOG", "warn")
            .env("HOST", "127.0.0.1")
            .env("SOCKUDO_DEFAULT_APP_ID", "bench")
            .env("SOCKUDO_DEFAULT_APP_KEY", "bench-key")
            .env("SOCKUDO_DEFAULT_APP_SECRET", "bench-secret")
            .env("SOCKUDO_DEFAULT_APP_MAX_CONNECTIONS", "1000000")
            .env(
                "SOCKUDO_DEFAULT_APP_MAX_BACKEND_EVENTS_PER_SECOND",
                "1000000",
            )
            .env("RATE_LIMITER_ENABLED", "false")
            .env("METRICS_ENABLED", "false")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        let child = cmd
            .spawn()
            .map_err(|e| io::Error::other(format!("starting {}: {e}", argv[0])))?;
        let mut server = Server { child, addr };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(io::Error::other(format!(
                    "{name} exited at start ({status}); see {}",
                    dir.join("server.log").display()
                )));
            }
            let up = if argv[0].ends_with("backchannel") {
                http::healthy(addr, "/healthz")
            } else {
                std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
            };
            if up {
                break;
            }
            if Instant::now() > deadline {
                server.stop();
                return Err(io::Error::other(format!("{name} did not start")));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    pub(crate) fn spawn_workers(
        &self,
        p: &Peer,
        addr: SocketAddr,
        tokens: Option<&str>,
        conns: usize,
        slow_fraction: f64,
        reconnect: bool,
    ) -> io::Result<Workers> {
        Workers::spawn(&Spec {
            exe: &self.exe,
            core: Self::core(self.args.client_core),
            adapter: p.adapter,
            addr,
            path: p.path,
            conns,
            tokens,
            slow_fraction,
            reconnect,
        })
    }
}

/// What Backchannel needs before the timed part.
pub(crate) struct BcSetup {
    session_id: String,
    speaker_token: String,
    pub(crate) tokens_file: String,
}

pub(crate) fn bc_setup(addr: SocketAddr, n: usize, dir: &Path) -> io::Result<BcSetup> {
    let mut h = Http::new(addr);
    let ev = h.json(
        "POST",
        "/api/v1/events",
        Some(ADMIN_TOKEN),
        Some(&json!({"name": "Benchmark conference"})),
    )?;
    let event_id = ev["id"].as_str().unwrap_or_default().to_string();
    let organizer = ev["organizer_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let s = h.json(
        "POST",
        &format!("/api/v1/events/{event_id}/sessions"),
        Some(&organizer),
        Some(&json!({"title": "Fanout under load"})),
    )?;
    let session_id = s["id"].as_str().unwrap_or_default().to_string();
    let code = s["join_code"].as_str().unwrap_or_default().to_string();
    let speaker_token = s["speaker_token"].as_str().unwrap_or_default().to_string();
    let threads = 4;
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let code = code.clone();
            std::thread::spawn(move || -> io::Result<Vec<String>> {
                let mut h = Http::new(addr);
                let count = (t + 1) * n / threads - t * n / threads;
                let mut out = Vec::with_capacity(count);
                for _ in 0..count {
                    let j = h.json("POST", "/api/v1/join", None, Some(&json!({"code": code})))?;
                    out.push(j["attendee_token"].as_str().unwrap_or_default().to_string());
                }
                Ok(out)
            })
        })
        .collect();
    let mut tokens = Vec::with_capacity(n);
    for h in handles {
        tokens.extend(
            h.join()
                .map_err(|_| io::Error::other("join thread panicked"))??,
        );
    }
    let tokens_file = dir.join("tokens.txt");
    std::fs::write(&tokens_file, tokens.join("\n") + "\n")?;
    Ok(BcSetup {
        session_id,
        speaker_token,
        tokens_file: tokens_file.display().to_string(),
    })
}

pub(crate) fn publisher_for(
    p: &Peer,
    addr: SocketAddr,
    setup: Option<&BcSetup>,
) -> io::Result<Publisher> {
    match p.adapter {
        Adapter::Backchannel => {
            let s = setup.expect("backchannel setup");
            let mut bc = BcPublisher::connect(addr, &s.speaker_token, 8)?;
            let _ = bc.command("session.start", &json!({}), Duration::from_secs(10));
            Ok(Publisher::Backchannel(Box::new(bc)))
        }
        Adapter::Plain => Publisher::plain(addr, "/pub"),
        Adapter::Socketio => Publisher::socketio(addr, p.path),
        Adapter::Floor => Publisher::floor(addr),
        Adapter::Pusher => Err(io::Error::other(
            "the Pusher publisher (signed HTTP API) is not implemented",
        )),
    }
}

fn load_from(m: &Merged, offered_rate: f64, messages: u64, receivers: u64) -> Load {
    let expected = messages * receivers;
    Load {
        offered_rate,
        messages,
        receivers,
        expected,
        deliveries: m.sum("deliveries"),
        lost: m.sum("lost"),
        reordered: m.sum("reordered"),
        dups: m.sum("dups"),
        stream_gaps: m.sum("stream_gaps"),
        stream_dups: m.sum("stream_dups"),
        p50_ms: m.ms(0.5),
        p99_ms: m.ms(0.99),
        max_ms: m.max_ms(),
        timed_out: m.timed_out(),
        closes: m.map("closes"),
        ..Load::default()
    }
}

/// What one measured phase sends.
pub(crate) struct Shape {
    pub(crate) rate: f64,
    pub(crate) count: u64,
    pub(crate) receivers: u64,
    pub(crate) payload: usize,
}

/// Publish `count` messages at `rate` and wait for every reading subscriber to get them.
fn measure(
    ctx: &mut Ctx,
    workers: &mut Workers,
    publisher: &mut Publisher,
    pid: u32,
    shape: Shape,
) -> io::Result<Load> {
    let receivers = shape.receivers;
    let (all, _) = measure_split(ctx, &mut [(workers, receivers)], publisher, &[pid], shape)?;
    Ok(all)
}

/// [`measure`] over several sets of workers (e.g. one per cluster node),
/// each with its number of receivers; the CPU is the sum over `pids`.
/// Returns the figures over everyone, and per set.
pub(crate) fn measure_split(
    ctx: &mut Ctx,
    sets: &mut [(&mut Workers, u64)],
    publisher: &mut Publisher,
    pids: &[u32],
    shape: Shape,
) -> io::Result<(Load, Vec<Load>)> {
    let Shape {
        rate,
        count,
        payload,
        ..
    } = shape;
    let (lo, hi) = ctx.take_seqs(count);
    for (workers, _) in sets.iter_mut() {
        workers.tell(&format!("phase {lo} {hi}"))?;
    }
    std::thread::sleep(Duration::from_millis(200));
    let cpu = || pids.iter().map(|&p| procfs::cpu_secs(p)).sum::<f64>();
    let cpu0 = cpu();
    let t0 = now_us();
    publisher::paced(publisher, lo, count, rate, payload)?;
    let publish_err = publisher.finish(Duration::from_secs(60)).err();
    let send_s = count as f64 / rate;
    let timeout_ms = (send_s * 1000.0) as u64 + 30_000;
    let ask = format!("wait {hi} {timeout_ms}");
    for (workers, _) in sets.iter_mut() {
        workers.tell(&ask)?;
    }
    let mut reports = Vec::new();
    for (workers, _) in sets.iter_mut() {
        reports.push(workers.collect(Duration::from_millis(timeout_ms + 30_000))?);
    }
    let cpu_s = cpu() - cpu0;
    let figures = |m: &Merged, receivers: u64| {
        let mut load = load_from(m, rate, count, receivers);
        let last = m.max("last_recv_us");
        load.duration_s = last.saturating_sub(t0) as f64 / 1e6;
        if load.duration_s > 0.0 {
            load.deliveries_per_s = load.deliveries as f64 / load.duration_s;
        }
        load.cpu_s = cpu_s;
        if load.deliveries > 0 {
            load.cpu_s_per_1m = load.cpu_s / load.deliveries as f64 * 1e6;
        }
        if let Some(e) = &publish_err {
            load.closes.insert(format!("publisher: {e}"), 1);
        }
        load
    };
    let receivers = sets.iter().map(|(_, r)| r).sum();
    let all = figures(&crate::workers::merge(&reports.concat()), receivers);
    // CPU per delivery is the phase's: every set's deliveries cost the same CPU.
    let each: Vec<Load> = reports
        .iter()
        .zip(sets.iter())
        .map(|(r, (_, receivers))| Load {
            cpu_s_per_1m: all.cpu_s_per_1m,
            ..figures(&crate::workers::merge(r), *receivers)
        })
        .collect();
    Ok((all, each))
}

pub(crate) fn log(msg: &str) {
    eprintln!("[bench {:>8.1}s] {msg}", now_us() as f64 / 1e6 % 100_000.0);
}

fn bench_peer(ctx: &mut Ctx, name: &str) -> io::Result<PeerResult> {
    let p = peer(name)?;
    let conns = ctx.args.conns;
    log(&format!("{}: starting", p.label));
    let server = ctx.start(&p, true, None)?;
    let pid = server.pid();
    let addr = server.addr;
    let mut result = PeerResult {
        name: p.name.clone(),
        label: p.label.to_string(),
        ..PeerResult::default()
    };
    let outcome = (|| -> io::Result<()> {
        let dir = ctx.args.work.join(&p.name);
        let setup = if p.adapter == Adapter::Backchannel {
            log("backchannel: creating the event, the session and the attendees");
            Some(bc_setup(addr, conns, &dir)?)
        } else {
            None
        };
        let mut publisher = publisher_for(&p, addr, setup.as_ref())?;
        std::thread::sleep(Duration::from_secs(1));
        result.rss_empty_kb = procfs::rss_kb(pid);
        let t0 = Instant::now();
        let w5 = ctx.args.w5_fraction > 0.0;
        let mut workers = ctx.spawn_workers(
            &p,
            addr,
            setup.as_ref().map(|s| s.tokens_file.as_str()),
            conns,
            if w5 { ctx.args.w5_fraction } else { 0.0 },
            false,
        )?;
        let ready = crate::workers::merge(&workers.collect(Duration::from_secs(300))?);
        result.connect_s = t0.elapsed().as_secs_f64();
        result.conns_ready = ready.sum("ready");
        result.conns_failed = ready.sum("failed");
        log(&format!(
            "{}: {} sockets ready, {} failed, in {:.1}s",
            p.label, result.conns_ready, result.conns_failed, result.connect_s
        ));
        std::thread::sleep(Duration::from_secs(2));
        result.rss_conns_kb = procfs::rss_kb(pid);
        if result.conns_ready > 0 {
            result.kb_per_conn = result.rss_conns_kb.saturating_sub(result.rss_empty_kb) as f64
                / result.conns_ready as f64;
        }
        if ctx.args.idle_secs > 0 {
            let c0 = procfs::cpu_secs(pid);
            std::thread::sleep(Duration::from_secs(ctx.args.idle_secs));
            result.idle_cpu_pct = (procfs::cpu_secs(pid) - c0) / ctx.args.idle_secs as f64 * 100.0;
        }
        let receivers = result.conns_ready;
        log(&format!("{}: W2a", p.label));
        let w2a = measure(
            ctx,
            &mut workers,
            &mut publisher,
            pid,
            Shape {
                rate: ctx.args.w2a_rate,
                count: ctx.args.w2a_count,
                receivers,
                payload: ctx.args.payload,
            },
        )?;
        log(&format!(
            "{}: W2a p50 {:.1} ms p99 {:.1} ms, lost {}, cpu/1M {:.2}s",
            p.label, w2a.p50_ms, w2a.p99_ms, w2a.lost, w2a.cpu_s_per_1m
        ));
        result.w2a = Some(w2a.clone());
        log(&format!("{}: W2b", p.label));
        let w2b = measure(
            ctx,
            &mut workers,
            &mut publisher,
            pid,
            Shape {
                rate: ctx.args.w2b_rate,
                count: ctx.args.w2b_count,
                receivers,
                payload: ctx.args.payload,
            },
        )?;
        log(&format!(
            "{}: W2b {:.0} deliveries/s, p99 {:.1} ms, lost {}, cpu/1M {:.2}s",
            p.label, w2b.deliveries_per_s, w2b.p99_ms, w2b.lost, w2b.cpu_s_per_1m
        ));
        result.w2b = Some(w2b);
        if w5 {
            log(&format!("{}: W5", p.label));
            let s = stalled_phase(
                ctx,
                &mut workers,
                &mut publisher,
                pid,
                Shape {
                    rate: ctx.args.w2a_rate,
                    count: ctx.args.w5_count,
                    receivers,
                    payload: ctx.args.payload,
                },
                w2a.p99_ms,
            )?;
            log(&format!(
                "{}: W5 others p99 {:.1} ms ({:.2}x W2a), lost {}, stalled closed {}/{}",
                p.label, s.others.p99_ms, s.p99_vs_w2a, s.others.lost, s.stalled_closed, s.stalled
            ));
            result.w5 = Some(s);
        }
        result.rss_peak_kb = procfs::hwm_kb(pid);
        workers.quit();
        Ok(())
    })();
    server.stop();
    if let Err(e) = outcome {
        log(&format!("{}: FAILED: {e}", p.label));
        result.notes.push(format!("failed: {e}"));
    }
    Ok(result)
}

/// W5: stall each worker's slow sockets, send `shape` (whose `receivers`
/// counts every socket), and see what the server did with the stalled ones.
fn stalled_phase(
    ctx: &mut Ctx,
    workers: &mut Workers,
    publisher: &mut Publisher,
    pid: u32,
    shape: Shape,
    baseline_p99_ms: f64,
) -> io::Result<SlowReaders> {
    let stalls: Vec<String> = workers.slow.iter().map(|k| format!("stall {k}")).collect();
    workers.tell_each(&stalls)?;
    workers.collect(Duration::from_secs(10))?;
    let stalled: u64 = workers.slow.iter().map(|&k| k as u64).sum();
    let rss_before = procfs::rss_kb(pid);
    let shape = Shape {
        receivers: shape.receivers.saturating_sub(stalled),
        ..shape
    };
    let others = measure(ctx, workers, publisher, pid, shape)?;
    let rss_after = procfs::rss_kb(pid);
    workers.ask("drain_stalled 5000", Duration::from_secs(30))?;
    let r = workers.ask("report", Duration::from_secs(10))?;
    Ok(SlowReaders {
        stalled,
        stalled_closed: r.sum("stalled_closed"),
        p99_vs_w2a: if baseline_p99_ms > 0.0 {
            others.p99_ms / baseline_p99_ms
        } else {
            0.0
        },
        close_codes: r.map("closes"),
        others,
        rss_before_kb: rss_before,
        rss_after_kb: rss_after,
    })
}

fn expected_counts(voters: u64, options: usize, round: usize) -> Value {
    let mut counts = vec![0u64; options];
    for g in 0..voters as usize {
        counts[(g + round) % options] += 1;
    }
    let map: serde_json::Map<String, Value> = counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(i, c)| (i.to_string(), json!(c)))
        .collect();
    Value::Object(map)
}

/// The tally of `poll` in a counters frame text, if present.
fn tally_of(frame: &str, poll: &str) -> Option<Value> {
    let key = format!("\"poll:{poll}\":");
    let at = frame.find(&key)? + key.len();
    serde_json::Deserializer::from_str(&frame[at..])
        .into_iter::<Value>()
        .next()?
        .ok()
}

fn vote_run(
    workers: &mut Workers,
    bc: &mut BcPublisher,
    pid: u32,
    voters: u64,
    rate: f64,
    rounds: usize,
) -> io::Result<VoteRun> {
    const OPTIONS: usize = 4;
    let poll = bc.command(
        "poll.create",
        &json!({"kind": "single_choice", "question": "Which runtime?", "options": ["Rust", "Bun", "Node", "Go"], "open": true, "results_live": true}),
        Duration::from_secs(10),
    )?;
    let poll_id = poll["result"]["id"]
        .as_str()
        .ok_or_else(|| io::Error::other(format!("poll.create answered {poll}")))?
        .to_string();
    std::thread::sleep(Duration::from_millis(500));
    workers.tell("phase 0 0")?;
    let cpu0 = procfs::cpu_secs(pid);
    let start = now_us() + 200_000;
    workers.tell(&format!("vote {poll_id} {start} {rate} {rounds} {OPTIONS}"))?;
    let total = voters * rounds as u64;
    let offered_s = total as f64 / rate;
    // Wait for every vote's answer (however slowly they come), within reason.
    let deadline =
        Instant::now() + Duration::from_secs_f64(offered_s + 30.0 + total as f64 / 500.0);
    let mut m;
    loop {
        std::thread::sleep(Duration::from_millis(250));
        m = workers.ask("report", Duration::from_secs(10))?;
        // Retried refusals are not answers yet: their retry's answer will be.
        let answered = m.sum("acks")
            + m.map("errors")
                .iter()
                .filter(|(k, _)| !k.contains("(retried)"))
                .map(|(_, n)| n)
                .sum::<u64>();
        if answered >= total || Instant::now() > deadline {
            break;
        }
    }
    let last_ack = m.max("last_ack_us");
    // The final tally goes out on the next tick (every 100 ms).
    std::thread::sleep(Duration::from_millis(600));
    let m2 = workers.ask("report", Duration::from_secs(10))?;
    let cpu1 = procfs::cpu_secs(pid);
    let tally = m2
        .raw
        .iter()
        .filter_map(|r| r["tally"].as_str())
        .find_map(|t| tally_of(t, &poll_id))
        .unwrap_or(Value::Null);
    let expected = expected_counts(voters, OPTIONS, rounds - 1);
    let duration_s = last_ack.saturating_sub(start) as f64 / 1e6;
    let window_s = (now_us().saturating_sub(start) as f64 / 1e6).max(0.001);
    let counters_frames = m2.sum("counters_frames");
    Ok(VoteRun {
        voters,
        votes_offered: total,
        offered_per_s: rate,
        votes_sent: m2.sum("votes_sent"),
        acks: m2.sum("acks"),
        errors: m2.map("errors"),
        ack_p50_ms: quantile_ms(&m2.ack_hist, 0.5),
        ack_p99_ms: quantile_ms(&m2.ack_hist, 0.99),
        ack_max_ms: m2.ack_hist.max() as f64 / 1000.0,
        acked_per_s: if duration_s > 0.0 {
            m2.sum("acks") as f64 / duration_s
        } else {
            0.0
        },
        duration_s,
        tally_ballots: tally["ballots"].as_u64().unwrap_or(0),
        tally_exact: tally["ballots"].as_u64() == Some(voters) && tally["counts"] == expected,
        tally_counts: tally["counts"].clone(),
        expected_counts: expected,
        clients_ballots_min: m2.min_nonzero("ballots_min"),
        clients_ballots_max: m2.max("ballots_max"),
        counters_frames,
        tally_frames_per_client_per_s: counters_frames as f64 / voters as f64 / window_s,
        cpu_s: cpu1 - cpu0,
    })
}

fn quantile_ms(h: &hdrhistogram::Histogram<u64>, q: f64) -> f64 {
    if h.is_empty() {
        0.0
    } else {
        h.value_at_quantile(q) as f64 / 1000.0
    }
}

/// W3 then W4 on one Backchannel server.
fn bench_bc_storms(ctx: &mut Ctx) -> io::Result<(Option<VoteStorm>, Option<ReconnectStorm>)> {
    let p = peer("backchannel")?;
    let conns = ctx.args.conns;
    log("Backchannel: W3/W4 server starting");
    let mut server = ctx.start(&p, true, None)?;
    let addr = server.addr;
    let dir = ctx.args.work.join(&p.name);
    let setup = bc_setup(addr, conns, &dir)?;
    let mut bc = BcPublisher::connect(addr, &setup.speaker_token, 8)?;
    let _ = bc.command("session.start", &json!({}), Duration::from_secs(10));
    let _ = &setup.session_id;
    let mut workers = ctx.spawn_workers(&p, addr, Some(&setup.tokens_file), conns, 0.0, true)?;
    let ready = crate::workers::merge(&workers.collect(Duration::from_secs(300))?);
    let voters = ready.sum("ready");
    log(&format!("Backchannel: {voters} attendees ready for W3/W4"));
    let mut w3 = None;
    let outcome = (|| -> io::Result<()> {
        if !ctx.args.skip_w3 {
            log("Backchannel: W3 vote storm");
            let storm = vote_run(
                &mut workers,
                &mut bc,
                server.pid(),
                voters,
                voters as f64 / 2.0,
                1,
            )?;
            log(&format!(
                "W3 storm: {} acks, p99 {:.1} ms, tally exact {}, {:.1} tally frames/client/s",
                storm.acks,
                storm.ack_p99_ms,
                storm.tally_exact,
                storm.tally_frames_per_client_per_s
            ));
            log("Backchannel: W3 stress");
            let stress = vote_run(
                &mut workers,
                &mut bc,
                server.pid(),
                voters,
                ctx.args.w3_stress_rate,
                ctx.args.w3_stress_rounds,
            )?;
            log(&format!(
                "W3 stress: {} acks at {:.0}/s, p99 {:.1} ms, tally exact {}",
                stress.acks, stress.acked_per_s, stress.ack_p99_ms, stress.tally_exact
            ));
            w3 = Some(VoteStorm { storm, stress });
        }
        Ok(())
    })();
    if let Err(e) = outcome {
        log(&format!("W3 failed: {e}"));
    }
    let mut w4 = None;
    if !ctx.args.skip_w4 {
        log("Backchannel: W4 reconnect storm");
        let rate = 10.0;
        let count = ctx.args.w4_secs * 10;
        let (lo, hi) = ctx.take_seqs(count);
        workers.tell(&format!("phase {lo} {hi}"))?;
        std::thread::sleep(Duration::from_millis(200));
        let payload = ctx.args.payload;
        let mut publisher = Publisher::Backchannel(Box::new(bc));
        let sender = std::thread::spawn(move || {
            let r = publisher::paced(&mut publisher, lo, count, rate, payload);
            let f = publisher.finish(Duration::from_secs(60));
            (publisher, r.and(f))
        });
        std::thread::sleep(Duration::from_secs_f64(ctx.args.w4_secs as f64 / 4.0));
        let t_kill = now_us();
        server.stop();
        let t_down = now_us();
        server = ctx.start(&p, false, None)?;
        let t_up = now_us();
        log(&format!(
            "W4: server stopped in {:.2}s, back after {:.2}s",
            (t_down - t_kill) as f64 / 1e6,
            (t_up - t_kill) as f64 / 1e6
        ));
        let (publisher, sent) = sender
            .join()
            .map_err(|_| io::Error::other("publisher thread panicked"))?;
        let m = workers.ask(&format!("wait {hi} 180000"), Duration::from_secs(240))?;
        let mut load = load_from(&m, rate, count, voters);
        load.duration_s = m.max("last_recv_us").saturating_sub(t_kill) as f64 / 1e6;
        if let Err(e) = sent {
            load.closes.insert(format!("publisher: {e}"), 1);
        }
        let last_resumed = m.max("last_resumed_us");
        let resumed = m.sum("resumed");
        let resumed_conns = m.sum("resumed_conns");
        let r = ReconnectStorm {
            subscribers: voters,
            notes: count,
            down_s: (t_up - t_kill) as f64 / 1e6,
            resumed,
            resumed_conns,
            not_recovered: m.sum("not_recovered"),
            snapshots: m.sum("snapshots"),
            reconnects: m.sum("reconnects"),
            all_resumed: resumed_conns >= voters,
            resumed_after_kill_s: last_resumed.saturating_sub(t_kill) as f64 / 1e6,
            resumed_after_restart_s: last_resumed.saturating_sub(t_up) as f64 / 1e6,
            load,
            publisher_errors: match &publisher {
                Publisher::Backchannel(b) => b.errors(),
                _ => Default::default(),
            },
        };
        log(&format!(
            "W4: {}/{} sockets resumed ({} resumes), {:.2}s after the kill ({:.2}s after the restart), lost {}, stream gaps {} dups {}",
            r.resumed_conns,
            voters,
            r.resumed,
            r.resumed_after_kill_s,
            r.resumed_after_restart_s,
            r.load.lost,
            r.load.stream_gaps,
            r.load.stream_dups
        ));
        w4 = Some(r);
    }
    workers.quit();
    server.stop();
    Ok((w3, w4))
}

/// Backchannel's count of slow consumers it dropped, from /metrics.
fn bc_queue_drops(addr: SocketAddr) -> Option<f64> {
    let (_, text) = Http::new(addr)
        .request("GET", "/metrics", None, None)
        .ok()?;
    text.lines()
        .filter(|l| !l.starts_with('#') && l.contains("queue_drop"))
        .filter_map(|l| l.split_whitespace().last()?.parse::<f64>().ok())
        .reduce(|a, b| a + b)
}

fn bench_bc_cap(ctx: &mut Ctx) -> io::Result<SlowReadersCap> {
    let p = peer("backchannel")?;
    let conns = ctx.args.w5_cap_conns;
    let queue_bytes = ctx.args.w5_cap_queue_bytes;
    let payload = ctx.args.w5_cap_payload;
    log(&format!(
        "Backchannel: W5 at the queue cap ({conns} subscribers, {payload}-byte notes)"
    ));
    let server = ctx.start(&p, true, queue_bytes)?;
    let pid = server.pid();
    let outcome = (|| -> io::Result<SlowReadersCap> {
        let dir = ctx.args.work.join(&p.name);
        let setup = bc_setup(server.addr, conns, &dir)?;
        let mut publisher = publisher_for(&p, server.addr, Some(&setup))?;
        let mut workers = ctx.spawn_workers(
            &p,
            server.addr,
            Some(&setup.tokens_file),
            conns,
            ctx.args.w5_fraction,
            false,
        )?;
        let ready = crate::workers::merge(&workers.collect(Duration::from_secs(300))?);
        let receivers = ready.sum("ready");
        std::thread::sleep(Duration::from_secs(1));
        let (rate, count) = (ctx.args.w2b_rate, ctx.args.w5_cap_count);
        let baseline = measure(
            ctx,
            &mut workers,
            &mut publisher,
            pid,
            Shape {
                rate,
                count,
                receivers,
                payload,
            },
        )?;
        if let Some(d) = bc_queue_drops(server.addr) {
            log(&format!(
                "W5 cap: server counted {d} slow-consumer drops so far"
            ));
        }
        let slow = stalled_phase(
            ctx,
            &mut workers,
            &mut publisher,
            pid,
            Shape {
                rate,
                count,
                receivers,
                payload,
            },
            baseline.p99_ms,
        )?;
        if let Some(d) = bc_queue_drops(server.addr) {
            log(&format!("W5 cap: server counted {d} slow-consumer drops"));
        }
        log(&format!(
            "W5 cap: others p99 {:.1} ms vs {:.1} ms without stalls ({:.2}x), lost {}, stalled dropped {}/{}",
            slow.others.p99_ms,
            baseline.p99_ms,
            slow.p99_vs_w2a,
            slow.others.lost,
            slow.stalled_closed,
            slow.stalled
        ));
        workers.quit();
        Ok(SlowReadersCap {
            queue_bytes,
            subscribers: receivers,
            payload,
            baseline,
            slow,
        })
    })();
    server.stop();
    outcome
}

/// Run the benchmark; returns the process exit code.
pub fn run(args: RunArgs) -> io::Result<i32> {
    crate::client::raise_nofile();
    let exe = std::env::current_exe()?.display().to_string();
    std::fs::create_dir_all(&args.work)?;
    let command = args
        .command
        .clone()
        .unwrap_or_else(|| std::env::args().collect::<Vec<_>>().join(" "));
    let mut ctx = Ctx {
        args: args.clone(),
        exe,
        seq: 0,
    };
    let mut result = RunResult {
        date: report::today(),
        machine: procfs::machine(),
        command,
        conns: args.conns,
        payload: args.payload,
        load_before: procfs::loadavg(),
        pinned: match (Ctx::core(args.server_core), Ctx::core(args.client_core)) {
            (Some(s), Some(c)) => format!("server on core {s}, load client on core {c}"),
            _ => "server and load client not pinned".to_string(),
        },
        ..RunResult::default()
    };
    for name in &args.peers {
        let r = bench_peer(&mut ctx, name)?;
        result.peers.push(r);
    }
    if args.peers.iter().any(|p| p == "backchannel")
        && args.w5_cap_conns > 0
        && args.w5_fraction > 0.0
    {
        match bench_bc_cap(&mut ctx) {
            Ok(r) => result.w5_cap = Some(r),
            Err(e) => result.failures.push(format!("W5 (queue cap): {e}")),
        }
    }
    if args.peers.iter().any(|p| p == "backchannel") && !(args.skip_w3 && args.skip_w4) {
        match bench_bc_storms(&mut ctx) {
            Ok((w3, w4)) => {
                result.w3 = w3;
                result.w4 = w4;
            }
            Err(e) => result.failures.push(format!("W3/W4: {e}")),
        }
    }
    if args.peers.iter().any(|p| p == "backchannel") && !args.skip_w6 {
        match crate::cluster::bench_cluster(&mut ctx) {
            Ok(r) => result.w6 = Some(r),
            Err(e) => result.failures.push(format!("W6: {e}")),
        }
    }
    result.load_after = procfs::loadavg();
    result.failures.extend(report::failures(&result));
    let table = report::table(&result);
    println!("{table}");
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out)?;
        let path = out.join(format!("{}.json", report::stamp_name()));
        std::fs::write(&path, serde_json::to_string_pretty(&result)?)?;
        std::fs::write(
            out.join("latest.json"),
            serde_json::to_string_pretty(&result)?,
        )?;
        eprintln!("results written to {}", path.display());
    }
    if let Some(docs) = &args.docs {
        report::write_docs(docs, &result, &table)?;
        eprintln!("{} regenerated", docs.display());
    }
    if !result.failures.is_empty() {
        eprintln!("FAILURES:");
        for f in &result.failures {
            eprintln!("  - {f}");
        }
        if args.strict {
            return Ok(1);
        }
    }
    Ok(0)
}
