//! One measured phase: publish at a rate, wait until every reading
//! subscriber has the messages, and turn the client's reports and the
//! server's CPU into a [`Load`] (once, or over several trials).

use std::io;
use std::time::Duration;

use crate::procfs;
use crate::publisher::{self, Publisher};
use crate::results::Load;
use crate::run::{Ctx, log};
use crate::stamp::now_us;
use crate::workers::{Merged, Workers, merge};

/// A phase's figures from the workers' merged report: `messages` sent at
/// `offered_rate` to `receivers` subscribers (timing and CPU left for the caller).
pub(crate) fn load_from(m: &Merged, offered_rate: f64, messages: u64, receivers: u64) -> Load {
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
#[derive(Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) rate: f64,
    pub(crate) count: u64,
    pub(crate) receivers: u64,
    pub(crate) payload: usize,
}

/// Publish `count` messages at `rate` and wait for every reading subscriber to get them.
pub(crate) fn measure(
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

/// [`measure`] `ctx.args.trials` times on the same connections, logging each
/// trial; the figures combined as [`Load::combine`] does.
pub(crate) fn measure_trials(
    ctx: &mut Ctx,
    workers: &mut Workers,
    publisher: &mut Publisher,
    pid: u32,
    phase: &str,
    shape: Shape,
) -> io::Result<Load> {
    let trials = ctx.args.trials.max(1);
    let mut loads = Vec::new();
    for trial in 1..=trials {
        let load = measure(ctx, workers, publisher, pid, shape)?;
        if trials > 1 {
            log(&format!(
                "{phase} trial {trial}/{trials}: p50 {:.1} ms, p99 {:.1} ms, {:.0} deliveries/s, lost {}, cpu/1M {:.2}s",
                load.p50_ms, load.p99_ms, load.deliveries_per_s, load.lost, load.cpu_s_per_1m
            ));
        }
        loads.push(load);
    }
    Ok(Load::combine(loads))
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
    let all = figures(&merge(&reports.concat()), receivers);
    // CPU per delivery is the phase's: every set's deliveries cost the same CPU.
    let each: Vec<Load> = reports
        .iter()
        .zip(sets.iter())
        .map(|(r, (_, receivers))| Load {
            cpu_s_per_1m: all.cpu_s_per_1m,
            ..figures(&merge(r), *receivers)
        })
        .collect();
    Ok((all, each))
}
