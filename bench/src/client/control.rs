//! The orchestrator's side of a worker: its commands on stdin, the reports
//! on stdout, and draining stalled sockets at the end of W5.

use super::*;

impl Worker {
    /// Read what the stalled sockets hold, to learn whether the server
    /// dropped them (a close frame or EOF behind the data), for up to `ms`.
    pub(super) fn drain_stalled(&mut self, ms: u64) {
        let deadline = now_us() + ms * 1000;
        let mut scratch = vec![0u8; 256 * 1024];
        let mut open: Vec<usize> = (0..self.conns.len())
            .filter(|&i| self.conns[i].stalled && self.conns[i].sock.is_some())
            .collect();
        while !open.is_empty() && now_us() < deadline {
            let mut progressed = false;
            open.retain(|&idx| {
                let c = &mut self.conns[idx];
                let Some(sock) = c.sock.as_mut() else {
                    return false;
                };
                let mut closed = None;
                loop {
                    match sock.read(&mut scratch) {
                        Ok(0) => {
                            closed = Some(1006);
                            break;
                        }
                        Ok(n) => {
                            progressed = true;
                            c.rbuf.extend_from_slice(&scratch[..n]);
                            let mut pos = 0;
                            while let Some((frame, used)) = ws::parse_frame(&c.rbuf[pos..]) {
                                if frame.opcode == ws::OP_CLOSE {
                                    closed = Some(ws::close_code(frame.payload));
                                }
                                pos += used;
                            }
                            c.rbuf.drain(..pos);
                            if closed.is_some() {
                                break;
                            }
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(_) => break,
                    }
                }
                match closed {
                    Some(code) => {
                        *self.phase.closes.entry(code).or_default() += 1;
                        c.sock = None;
                        c.rbuf = Vec::new();
                        false
                    }
                    None => true,
                }
            });
            if !progressed {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    }

    /// Run one orchestrator command; false to quit.
    pub(super) fn command(&mut self, line: &str) -> bool {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let num = |i: usize| -> u64 { parts.get(i).and_then(|s| s.parse().ok()).unwrap_or(0) };
        match parts.first().copied() {
            Some("quit") | None => return false,
            Some("phase") => {
                let (lo, hi) = (num(1), num(2));
                self.phase = Phase::new(lo, hi);
                let words = if hi >= lo && hi > 0 {
                    ((hi - lo + 1) as usize).div_ceil(64)
                } else {
                    0
                };
                for c in &mut self.conns {
                    c.phase_got = 0;
                    c.resumed = false;
                    c.seen = vec![0; words];
                }
            }
            Some("wait") => {
                self.wait = Some((num(1), now_us() + num(2) * 1000));
            }
            Some("report") => emit(&self.report("phase")),
            Some("stall") => {
                let k = (num(1) as usize).min(self.conns.len());
                for idx in 0..k {
                    self.conns[idx].stalled = true;
                    if let Some(sock) = self.conns[idx].sock.as_mut() {
                        let _ = self.poll.registry().deregister(sock);
                    }
                }
                emit(&serde_json::json!({"kind": "stalled", "n": k}));
            }
            Some("drain_stalled") => {
                self.drain_stalled(num(1));
                emit(&serde_json::json!({"kind": "drained"}));
            }
            Some("vote") => {
                self.vote_poll = parts.get(1).unwrap_or(&"").to_string();
                self.vote_rounds = num(4) as usize;
                self.vote_options = (num(5) as usize).max(1);
                self.votes = Some(Votes {
                    poll: parts.get(1).unwrap_or(&"").to_string(),
                    start_us: num(2),
                    rate: parts.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000.0),
                    rounds: num(4) as usize,
                    options: (num(5) as usize).max(1),
                    k: 0,
                    i: 0,
                });
            }
            Some(other) => eprintln!("unknown command {other}"),
        }
        true
    }

    pub(super) fn report(&self, kind: &'static str) -> Report {
        let p = &self.phase;
        let expected = if p.hi >= p.lo && p.hi > 0 {
            p.hi - p.lo + 1
        } else {
            0
        };
        let mut r = Report {
            kind,
            conns: self.conns.len(),
            failed: self.failed,
            deliveries: p.deliveries,
            reordered: p.reordered,
            dups: p.dups,
            stream_gaps: p.stream_gaps,
            stream_dups: p.stream_dups,
            first_recv_us: p.first_recv_us,
            last_recv_us: p.last_recv_us,
            hist: export(&p.hist),
            counters_frames: p.counters_frames,
            acks: p.acks,
            ack_hist: export(&p.ack_hist),
            errors: p.errors.clone(),
            closes: p.closes.clone(),
            resumed: p.resumed,
            not_recovered: p.not_recovered,
            snapshots: p.snapshots,
            last_resumed_us: p.last_resumed_us,
            last_ack_us: p.last_ack_us,
            reconnects: p.reconnects,
            ballots_min: u64::MAX,
            tally: self.tally.clone(),
            votes_sent: p.votes_sent,
            pings: p.pings,
            ..Report::default()
        };
        for c in &self.conns {
            if c.st == St::Ready {
                r.ready += 1;
            }
            if c.resumed {
                r.resumed_conns += 1;
            }
            if c.sock.is_some() {
                r.open += 1;
            }
            if c.stalled {
                r.stalled += 1;
                if c.sock.is_none() {
                    r.stalled_closed += 1;
                }
                continue;
            }
            if c.ever_ready {
                r.lost += expected.saturating_sub(u64::from(c.phase_got));
                r.ballots_min = r.ballots_min.min(c.ballots);
                r.ballots_max = r.ballots_max.max(c.ballots);
            }
        }
        if r.ballots_min == u64::MAX {
            r.ballots_min = 0;
        }
        r
    }
}
