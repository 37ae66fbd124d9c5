//! W5: slow readers. Some subscribers stop reading while the load goes on;
//! the others' latency must not move, and (at the queue cap) the server must
//! drop the stalled ones.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;

use crate::http::Http;
use crate::measure::{Shape, measure};
use crate::procfs;
use crate::publisher::Publisher;
use crate::results::Load;
use crate::run::{Ctx, bc_setup, log, peer, publisher_for};
use crate::workers::Workers;

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

/// W5: stall each worker's slow sockets, send `shape` (whose `receivers`
/// counts every socket), and see what the server did with the stalled ones.
pub(crate) fn stalled_phase(
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

pub(crate) fn bench_bc_cap(ctx: &mut Ctx) -> io::Result<SlowReadersCap> {
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
