//! W3's votes: cast on the orchestrator's schedule, and retried once with
//! the same id after an `unavailable`.

use super::*;

impl Worker {
    pub(super) fn send_retries(&mut self, now: u64) {
        if self.retries.is_empty() {
            return;
        }
        let due: Vec<(u64, usize, Vec<u8>)>;
        (due, self.retries) = std::mem::take(&mut self.retries)
            .into_iter()
            .partition(|(at, _, _)| *at <= now);
        for (_, idx, frame) in due {
            if self.conns[idx].st == St::Ready {
                self.send(idx, frame);
            }
        }
    }

    pub(super) fn send_votes(&mut self, now: u64) {
        let Some(v) = &mut self.votes else { return };
        let total = self.args.total.max(self.conns.len());
        let mut out: Vec<(usize, Vec<u8>)> = Vec::new();
        while v.k < v.rounds {
            let g = self.args.offset + v.i;
            let slot = (v.k * total + g) as f64;
            let due = v.start_us + (slot * 1e6 / v.rate) as u64;
            if due > now {
                break;
            }
            let option = (g + v.k) % v.options;
            let t = now_us();
            let cmd = format!(
                r#"{{"type":"command","id":"v{}.{t}","action":"poll.vote","args":{{"poll_id":"{}","ballot":{{"option":{option}}}}}}}"#,
                v.k, v.poll
            );
            out.push((v.i, ws::text(cmd.as_bytes())));
            v.i += 1;
            if v.i >= self.conns.len() {
                v.i = 0;
                v.k += 1;
            }
        }
        if self.votes.as_ref().is_some_and(|v| v.k >= v.rounds) {
            self.votes = None;
        }
        for (idx, frame) in out {
            if self.conns[idx].st == St::Ready {
                self.phase.votes_sent += 1;
                self.send(idx, frame);
            } else {
                *self
                    .phase
                    .errors
                    .entry("vote_not_ready".into())
                    .or_default() += 1;
            }
        }
    }
}
