//! The benchmark command: start each server pinned to one core, load it from
//! the other with the same client, measure, and write the results.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::args::RunArgs;
use crate::client::Adapter;
use crate::http::{self, Http};
use crate::measure::{Shape, measure_trials};
use crate::procfs;
use crate::publisher::{BcPublisher, Publisher};
use crate::report;
use crate::results::{PeerResult, RunResult};
use crate::slow::{bench_bc_cap, stalled_phase};
use crate::stamp::now_us;
use crate::storms::bench_bc_storms;
use crate::workers::{Spec, Workers};

pub(crate) const ADMIN_TOKEN: &str = "bench-admin-token-0123456789";

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

    pub(crate) fn take_seqs(&mut self, n: u64) -> (u64, u64) {
        let lo = self.seq + 1;
        self.seq += n;
        (lo, self.seq)
    }

    pub(crate) fn start(
        &self,
        p: &Peer,
        fresh_db: bool,
        queue_bytes: Option<usize>,
    ) -> io::Result<Server> {
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
            .env("HEARTBEAT_SECS", self.args.heartbeat_secs.to_string())
            .env(
                "BACKCHANNEL_HEARTBEAT_SECS",
                self.args.heartbeat_secs.to_string(),
            )
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
    pub(crate) session_id: String,
    pub(crate) speaker_token: String,
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
            workers.tell("phase 0 0")?;
            let c0 = procfs::cpu_secs(pid);
            std::thread::sleep(Duration::from_secs(ctx.args.idle_secs));
            result.idle_cpu_pct = (procfs::cpu_secs(pid) - c0) / ctx.args.idle_secs as f64 * 100.0;
            result.idle_pings = workers.ask("report", Duration::from_secs(30))?.sum("pings");
        }
        let receivers = result.conns_ready;
        log(&format!("{}: W2a", p.label));
        let w2a = measure_trials(
            ctx,
            &mut workers,
            &mut publisher,
            pid,
            &format!("{}: W2a", p.label),
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
        let w2b = measure_trials(
            ctx,
            &mut workers,
            &mut publisher,
            pid,
            &format!("{}: W2b", p.label),
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
        heartbeat_secs: args.heartbeat_secs,
        trials: args.trials,
        idle_secs: args.idle_secs,
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
