//! W3 and W4 on one Backchannel server: the vote storm (every attendee votes
//! at once; the tally must be exact and reach clients as at most ~10
//! `counters` frames a second) and the reconnect storm (the server restarts
//! under load; every subscriber must resume with no gap).

use std::io;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};

use crate::measure::load_from;
use crate::procfs;
use crate::publisher::{self, BcPublisher, Publisher};
use crate::results::Load;
use crate::run::{Ctx, bc_setup, log, peer};
use crate::stamp::now_us;
use crate::workers::Workers;

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
pub(crate) fn bench_bc_storms(
    ctx: &mut Ctx,
) -> io::Result<(Option<VoteStorm>, Option<ReconnectStorm>)> {
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
