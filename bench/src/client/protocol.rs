//! What each adapter does once a socket is open: the join dance, and the
//! messages it reads (stamped deliveries, Backchannel's acks, snapshots and
//! resumes, counters).

use super::*;

impl Worker {
    pub(super) fn on_open(&mut self, idx: usize) {
        match self.args.adapter {
            Adapter::Backchannel => {
                self.conns[idx].st = St::Joining;
                let c = &self.conns[idx];
                let token = &self.tokens[idx];
                let join = match (&c.epoch, c.ever_ready) {
                    (Some(epoch), true) => format!(
                        r#"{{"type":"join","token":"{token}","since":{},"epoch":"{epoch}"}}"#,
                        c.stream_seq
                    ),
                    _ => format!(r#"{{"type":"join","token":"{token}"}}"#),
                };
                self.send(idx, ws::text(join.as_bytes()));
            }
            Adapter::Plain => self.ready(idx),
            Adapter::Socketio | Adapter::Pusher => self.conns[idx].st = St::Joining,
            Adapter::Floor => {}
        }
    }

    pub(super) fn ready(&mut self, idx: usize) {
        let c = &mut self.conns[idx];
        if matches!(c.st, St::Connecting | St::Upgrading | St::Joining) {
            self.in_handshake = self.in_handshake.saturating_sub(1);
        }
        c.st = St::Ready;
        c.ever_ready = true;
    }

    pub(super) fn on_message(&mut self, idx: usize, payload: &[u8], now: u64) {
        match self.args.adapter {
            Adapter::Backchannel => self.on_backchannel(idx, payload, now),
            Adapter::Plain | Adapter::Floor => self.on_stamp(idx, payload, now),
            Adapter::Socketio => match payload {
                [b'4', b'2', ..] => self.on_stamp(idx, payload, now),
                [b'2'] => {
                    // Engine.IO's heartbeat is a text packet, not a ping frame.
                    self.phase.pings += 1;
                    self.send(idx, ws::text(b"3"));
                }
                [b'0', ..] => self.send(idx, ws::text(b"40")),
                [b'4', b'0', ..] => self.ready(idx),
                _ => {}
            },
            Adapter::Pusher => {
                if memchr::memmem::find(payload, b"@@").is_some() {
                    self.on_stamp(idx, payload, now);
                } else if memchr::memmem::find(payload, b"pusher:connection_established").is_some()
                {
                    let sub = format!(
                        r#"{{"event":"pusher:subscribe","data":{{"channel":"{}"}}}}"#,
                        self.args.channel
                    );
                    self.send(idx, ws::text(sub.as_bytes()));
                } else if memchr::memmem::find(payload, b"subscription_succeeded").is_some() {
                    self.ready(idx);
                } else if memchr::memmem::find(payload, b"pusher:ping").is_some() {
                    self.phase.pings += 1;
                    self.send(idx, ws::text(br#"{"event":"pusher:pong","data":{}}"#));
                }
            }
        }
    }

    pub(super) fn on_stamp(&mut self, idx: usize, payload: &[u8], now: u64) {
        let Some((seq, t)) = stamp::find(payload) else {
            return;
        };
        let p = &mut self.phase;
        let c = &mut self.conns[idx];
        if seq >= p.lo && seq <= p.hi {
            let bit = (seq - p.lo) as usize;
            let (word, mask) = (bit / 64, 1u64 << (bit % 64));
            if let Some(w) = c.seen.get_mut(word) {
                if *w & mask != 0 {
                    p.dups += 1;
                    return;
                }
                *w |= mask;
                c.phase_got += 1;
            }
        }
        if seq < c.last_stamp {
            // With one publisher this is a reordering; Backchannel's order
            // is its stream `seq`, checked separately (several speaker
            // connections post concurrently there).
            p.reordered += 1;
        }
        c.last_stamp = c.last_stamp.max(seq);
        p.deliveries += 1;
        let _ = p.hist.record(now.saturating_sub(t).max(1));
        if p.first_recv_us == 0 {
            p.first_recv_us = now;
        }
        p.last_recv_us = now;
    }

    pub(super) fn on_backchannel(&mut self, idx: usize, payload: &[u8], now: u64) {
        const PREFIX: &[u8] = br#"{"type":""#;
        if !payload.starts_with(PREFIX) {
            return;
        }
        let rest = &payload[PREFIX.len()..];
        if rest.starts_with(b"event\"") {
            if let Some(seq) = ws::number_after(rest, br#""seq":"#) {
                let p = &mut self.phase;
                let c = &mut self.conns[idx];
                if seq <= c.stream_seq {
                    p.stream_dups += 1;
                } else {
                    if seq > c.stream_seq + 1 {
                        p.stream_gaps += seq - c.stream_seq - 1;
                    }
                    c.stream_seq = seq;
                }
            }
            self.on_stamp(idx, payload, now);
        } else if rest.starts_with(b"counters\"") {
            self.phase.counters_frames += 1;
            if let Some(at) = memchr::memmem::find(rest, br#""poll:"#) {
                if let Some(b) = ws::number_after(&rest[at..], br#""ballots":"#) {
                    self.conns[idx].ballots = b;
                }
                if idx == 0 {
                    self.tally = Some(String::from_utf8_lossy(rest).into_owned());
                }
            }
        } else if rest.starts_with(b"ack\"") {
            if let Some(id) = ws::string_after(rest, br#""id":""#)
                && let Some(t) = id.strip_prefix('v').and_then(|v| v.split('.').nth(1))
                && let Ok(t) = t.parse::<u64>()
            {
                self.phase.acks += 1;
                self.phase.last_ack_us = now;
                let _ = self.phase.ack_hist.record(now.saturating_sub(t).max(1));
            }
        } else if rest.starts_with(b"error\"") {
            let code = ws::string_after(rest, br#""code":""#).unwrap_or("?");
            let mut key = format!("error:{code}");
            // A vote refused with `unavailable` was not applied: a client
            // retries it with the same id. Only each attendee's last vote
            // matters for the tally (earlier ones are superseded), so only
            // that one is retried, 200 ms later.
            if code == "unavailable"
                && let Some(id) = ws::string_after(rest, br#""id":""#)
                && let Some(k) = id
                    .strip_prefix('v')
                    .and_then(|v| v.split('.').next())
                    .and_then(|k| k.parse::<usize>().ok())
                && k + 1 == self.vote_rounds
            {
                let g = self.args.offset + idx;
                let option = (g + k) % self.vote_options.max(1);
                let cmd = format!(
                    r#"{{"type":"command","id":"{id}","action":"poll.vote","args":{{"poll_id":"{}","ballot":{{"option":{option}}}}}}}"#,
                    self.vote_poll
                );
                self.retries
                    .push((now + 200_000, idx, ws::text(cmd.as_bytes())));
                key.push_str(" (retried)");
            }
            *self.phase.errors.entry(key).or_default() += 1;
            if self.conns[idx].st == St::Joining {
                self.fail(idx, "join refused");
            }
        } else if rest.starts_with(b"snapshot\"") {
            let seq = ws::number_after(rest, br#""seq":"#).unwrap_or(0);
            let epoch = ws::string_after(rest, br#""epoch":""#).map(Box::from);
            self.phase.snapshots += 1;
            let c = &mut self.conns[idx];
            c.stream_seq = seq;
            c.epoch = epoch;
            self.ready(idx);
        } else if rest.starts_with(b"resumed\"") {
            if let Some(epoch) = ws::string_after(rest, br#""epoch":""#) {
                self.conns[idx].epoch = Some(Box::from(epoch));
            }
            self.phase.resumed += 1;
            self.phase.last_resumed_us = self.phase.last_resumed_us.max(now);
            self.conns[idx].resumed = true;
            self.ready(idx);
        } else if rest.starts_with(b"not_recovered\"") {
            self.phase.not_recovered += 1;
        }
    }
}
