//! A room: the live subscribers of one session on this node, the order in
//! which the session's events are delivered, and its coalesced counters.
//!
//! Events are encoded once per audience and the same bytes go to every
//! subscriber of that audience. A subscriber that is joining is first
//! *catching up*: events delivered meanwhile are buffered for it (by
//! `log_seq`) while its snapshot or replay is read from the store, then
//! [`Room::go_live`] sends the snapshot and the buffered events newer than it,
//! under the room lock, so nothing falls in between and nothing is repeated.
//! The store can be ahead of the room (an event committed, and read by a
//! joining client, before the writer hands it to the hub): a subscriber
//! remembers the `log_seq` its snapshot covers and skips live events up to it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use parking_lot::Mutex;

use super::conn::ConnHandle;
use super::frames;
use crate::domain::stream::{Audience, CounterUpdate, LogEvent};

/// Most frames buffered for one catching-up subscriber before it is closed.
const CATCH_UP_LIMIT: usize = 10_000;

struct Subscriber {
    conn: Arc<ConnHandle>,
    audience: Audience,
    attendee: bool,
    /// Some while joining: (log_seq, frame) delivered since it subscribed.
    catching: Option<Vec<(u64, Bytes)>>,
    /// The `log_seq` its snapshot or replay covered: live events up to it
    /// were already sent (0 once the room has caught up with it).
    covered: u64,
}

#[derive(Default)]
struct Counters {
    /// key → (JSON value, staff only, version)
    values: BTreeMap<String, (Arc<str>, bool, u64)>,
    dirty: BTreeSet<String>,
}

struct Inner {
    subscribers: Vec<Subscriber>,
    /// The next `log_seq` this node expects to deliver (None until known).
    next_log_seq: Option<u64>,
    counters: Counters,
    attendees: i64,
    /// Attendees of this session connected to other nodes.
    remote_attendees: i64,
    presence_dirty: bool,
    /// When counters last went out: never more often than [`super::TICK`].
    last_tick: Option<std::time::Instant>,
}

/// One session's live state on this node.
pub struct Room {
    /// The session.
    pub session_id: Arc<str>,
    inner: Mutex<Inner>,
}

/// Outcome of offering an event to a room.
#[derive(Debug, PartialEq, Eq)]
pub enum Offer {
    /// Delivered (or already delivered before).
    Done,
    /// The room expected an earlier event: the caller must fill the gap first.
    Gap {
        /// The first missing `log_seq`.
        expected: u64,
    },
}

impl Room {
    /// An empty room.
    pub fn new(session_id: Arc<str>) -> Self {
        Room {
            session_id,
            inner: Mutex::new(Inner {
                subscribers: Vec::new(),
                next_log_seq: None,
                counters: Counters::default(),
                attendees: 0,
                remote_attendees: 0,
                presence_dirty: false,
                last_tick: None,
            }),
        }
    }

    /// Number of subscribers (all audiences).
    pub fn len(&self) -> usize {
        self.inner.lock().subscribers.len()
    }

    /// Whether nobody is subscribed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Connected attendees, on every node.
    pub fn attendees(&self) -> i64 {
        let inner = self.inner.lock();
        inner.attendees + inner.remote_attendees
    }

    /// Connected attendees on this node.
    pub fn local_attendees(&self) -> i64 {
        self.inner.lock().attendees
    }

    /// Set the number of this session's attendees on other nodes.
    pub fn set_remote_attendees(&self, count: i64) {
        let mut inner = self.inner.lock();
        if inner.remote_attendees != count {
            inner.remote_attendees = count;
            inner.presence_dirty = true;
        }
    }

    /// The next `log_seq` this room expects (None until it has seen one).
    pub fn next_log_seq(&self) -> Option<u64> {
        self.inner.lock().next_log_seq
    }

    /// The highest counter version this room has applied.
    pub fn counter_version(&self) -> u64 {
        self.inner
            .lock()
            .counters
            .values
            .values()
            .map(|(_, _, v)| *v)
            .max()
            .unwrap_or(0)
    }

    /// Add a subscriber in catching-up mode.
    pub fn subscribe(&self, conn: Arc<ConnHandle>, audience: Audience, attendee: bool) {
        let mut inner = self.inner.lock();
        conn.slot.store(inner.subscribers.len(), Ordering::Release);
        inner.subscribers.push(Subscriber {
            conn,
            audience,
            attendee,
            catching: Some(Vec::new()),
            covered: 0,
        });
        if attendee {
            inner.attendees += 1;
            inner.presence_dirty = true;
        }
    }

    /// Remove a subscriber (idempotent).
    pub fn unsubscribe(&self, conn: &ConnHandle) {
        let mut inner = self.inner.lock();
        let slot = conn.slot.load(Ordering::Acquire);
        let Some(sub) = inner.subscribers.get(slot) else {
            return;
        };
        if sub.conn.id != conn.id {
            return;
        }
        let removed = inner.subscribers.swap_remove(slot);
        if let Some(moved) = inner.subscribers.get(slot) {
            moved.conn.slot.store(slot, Ordering::Release);
        }
        conn.slot.store(usize::MAX, Ordering::Release);
        if removed.attendee {
            inner.attendees -= 1;
            inner.presence_dirty = true;
        }
    }

    /// Finish a join: send `initial` (snapshot or replay, reflecting the log up
    /// to `upto_log_seq`), then every buffered event after it, and go live.
    pub fn go_live(&self, conn: &ConnHandle, upto_log_seq: u64, initial: &[Bytes]) -> bool {
        let mut inner = self.inner.lock();
        if inner.next_log_seq.is_none() {
            inner.next_log_seq = Some(upto_log_seq + 1);
        }
        let counters = counters_frame(
            &inner.counters,
            inner.attendees + inner.remote_attendees,
            true,
            None,
        );
        // The room may not have delivered everything the snapshot covers yet.
        let room_behind = inner.next_log_seq.is_some_and(|next| next <= upto_log_seq);
        let slot = conn.slot.load(Ordering::Acquire);
        let Some(sub) = inner
            .subscribers
            .get_mut(slot)
            .filter(|s| s.conn.id == conn.id)
        else {
            return false;
        };
        let buffered = sub.catching.take().unwrap_or_default();
        if room_behind {
            sub.covered = upto_log_seq;
        }
        let mut frames: Vec<Bytes> = initial.to_vec();
        frames.extend(
            buffered
                .into_iter()
                .filter(|(seq, _)| *seq > upto_log_seq)
                .map(|(_, f)| f),
        );
        if let Some(c) = counters.get(sub.audience) {
            frames.push(c);
        }
        conn.send(&frames)
    }

    /// Deliver events in `log_seq` order. Events already delivered are
    /// skipped; an event after a hole is refused with [`Offer::Gap`].
    pub fn deliver(&self, events: &[LogEvent]) -> (Offer, usize) {
        let mut inner = self.inner.lock();
        let mut public = Vec::new();
        let mut staff = Vec::new();
        let mut last = None;
        let mut outcome = Offer::Done;
        for event in events {
            if let Some(next) = inner.next_log_seq {
                if event.log_seq < next {
                    continue;
                }
                if event.log_seq > next {
                    outcome = Offer::Gap { expected: next };
                    break;
                }
            }
            inner.next_log_seq = Some(event.log_seq + 1);
            if let Some(seq) = event.public_seq {
                public.push((event.log_seq, frames::event(event, seq)));
            }
            if let Some(seq) = event.staff_seq {
                staff.push((event.log_seq, frames::event(event, seq)));
            }
            last = Some(event.log_seq);
        }
        if last.is_none() {
            return (outcome, 0);
        }
        let public_frames: Vec<Bytes> = public.iter().map(|(_, f)| f.clone()).collect();
        let staff_frames: Vec<Bytes> = staff.iter().map(|(_, f)| f.clone()).collect();
        let mut delivered = 0;
        let count = inner.subscribers.len();
        for i in 0..count {
            if let Some(ahead) = inner.subscribers.get(i + super::prefetch::AHEAD) {
                ahead.conn.prefetch();
            }
            let sub = &mut inner.subscribers[i];
            let (tagged, plain) = match sub.audience {
                Audience::Attendees => (&public, &public_frames),
                Audience::Staff => (&staff, &staff_frames),
            };
            if plain.is_empty() {
                continue;
            }
            match &mut sub.catching {
                Some(buffer) => {
                    buffer.extend(tagged.iter().cloned());
                    if buffer.len() > CATCH_UP_LIMIT {
                        buffer.clear();
                        sub.conn
                            .request_close(crate::ws::frame::close::SLOW_CONSUMER);
                    }
                }
                None if sub.covered > 0 => {
                    // Skip what its snapshot or replay already had.
                    let covered = sub.covered;
                    let newer: Vec<Bytes> = tagged
                        .iter()
                        .filter(|(seq, _)| *seq > covered)
                        .map(|(_, f)| f.clone())
                        .collect();
                    if last.is_some_and(|l| l >= covered) {
                        sub.covered = 0;
                    }
                    if !newer.is_empty() && sub.conn.send(&newer) {
                        delivered += newer.len();
                    }
                }
                None => {
                    if sub.conn.send(plain) {
                        delivered += plain.len();
                    }
                }
            }
        }
        (outcome, delivered)
    }

    /// Record the latest value of a counter; it goes out on the next tick.
    pub fn set_counter(&self, update: &CounterUpdate) {
        let mut inner = self.inner.lock();
        let current = inner.counters.values.get(&update.key);
        if current.is_some_and(|(_, _, version)| *version > update.version) {
            return; // an older value arriving late
        }
        let changed = current.is_none_or(|(value, staff_only, _)| {
            *value != update.value || *staff_only != update.staff_only
        });
        let entry = (update.value.clone(), update.staff_only, update.version);
        inner.counters.values.insert(update.key.clone(), entry);
        if changed {
            inner.counters.dirty.insert(update.key.clone());
        }
    }

    /// Send what changed since the last tick (at most once per tick per room).
    /// Returns the number of frames sent.
    pub fn tick(&self) -> usize {
        let mut inner = self.inner.lock();
        if inner.counters.dirty.is_empty() && !inner.presence_dirty {
            return 0;
        }
        // A late tick followed by a punctual one must not send twice in one period.
        let now = std::time::Instant::now();
        if inner
            .last_tick
            .is_some_and(|t| now.duration_since(t) < super::TICK.mul_f32(0.95))
        {
            return 0;
        }
        inner.last_tick = Some(now);
        let dirty = std::mem::take(&mut inner.counters.dirty);
        let presence = inner.presence_dirty;
        inner.presence_dirty = false;
        let frames = counters_frame(
            &inner.counters,
            inner.attendees + inner.remote_attendees,
            presence,
            Some(&dirty),
        );
        let mut sent = 0;
        for sub in inner.subscribers.iter().filter(|s| s.catching.is_none()) {
            if let Some(frame) = frames.get(sub.audience)
                && sub.conn.send(std::slice::from_ref(&frame))
            {
                sent += 1;
            }
        }
        sent
    }

    /// Close every subscriber with `code`.
    pub fn close_all(&self, code: u16) {
        for sub in self.inner.lock().subscribers.iter() {
            sub.conn.request_close(code);
        }
    }
}

/// A counters frame per audience (None where there is nothing to say).
struct AudienceFrames {
    public: Option<Bytes>,
    staff: Option<Bytes>,
}

impl AudienceFrames {
    fn get(&self, audience: Audience) -> Option<Bytes> {
        match audience {
            Audience::Attendees => self.public.clone(),
            Audience::Staff => self.staff.clone(),
        }
    }
}

fn counters_frame(
    counters: &Counters,
    attendees: i64,
    with_presence: bool,
    only: Option<&BTreeSet<String>>,
) -> AudienceFrames {
    let pick = |staff: bool| -> Vec<(&str, &str)> {
        counters
            .values
            .iter()
            .filter(|(k, _)| only.is_none_or(|o| o.contains(*k)))
            .filter(|(_, (_, staff_only, _))| staff || !staff_only)
            .map(|(k, (v, _, _))| (k.as_str(), &**v))
            .collect()
    };
    let presence = with_presence.then_some(attendees);
    let public = pick(false);
    let staff = pick(true);
    AudienceFrames {
        public: (!public.is_empty() || presence.is_some())
            .then(|| frames::counters(&public, presence)),
        staff: (!staff.is_empty() || presence.is_some())
            .then(|| frames::counters(&staff, presence)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpStream;

    fn event(log_seq: u64) -> LogEvent {
        LogEvent {
            session_id: Arc::from("s"),
            log_seq,
            public_seq: Some(log_seq),
            staff_seq: Some(log_seq),
            ts: 0,
            kind: Arc::from("note.posted"),
            data: Arc::from("{}"),
        }
    }

    /// The `seq` of every event frame the client end has received so far.
    async fn event_seqs(client: &mut TcpStream) -> Vec<u64> {
        let mut bytes = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(Ok(n)) =
            tokio::time::timeout(std::time::Duration::from_millis(200), client.read(&mut buf)).await
        {
            if n == 0 {
                break;
            }
            bytes.extend_from_slice(&buf[..n]);
        }
        let mut seqs = Vec::new();
        let mut at = 0;
        while at + 2 <= bytes.len() {
            let (len, head) = match bytes[at + 1] & 0x7f {
                126 => (
                    usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]])),
                    4,
                ),
                n => (usize::from(n), 2),
            };
            let payload: serde_json::Value =
                serde_json::from_slice(&bytes[at + head..at + head + len]).expect("json");
            if payload["type"] == "event" {
                seqs.push(payload["seq"].as_u64().expect("seq"));
            }
            at += head + len;
        }
        seqs
    }

    /// A room that has delivered up to log_seq 10, and an attendee that has
    /// just subscribed (catching up), with the client end of its socket.
    async fn room_with_joining_attendee() -> (Room, Arc<ConnHandle>, TcpStream) {
        let (conn, client) = crate::hub::conn::loopback(1, 0).await;
        let room = Room::new(Arc::from("s"));
        room.deliver(&[event(10)]);
        room.subscribe(conn.clone(), Audience::Attendees, true);
        (room, conn, client)
    }

    #[tokio::test]
    async fn a_subscriber_whose_snapshot_is_ahead_of_the_room_gets_nothing_twice() {
        let (room, conn, mut client) = room_with_joining_attendee().await;
        // 11 and 12 are committed and in the joining client's replay, but the
        // writer has not handed them to the hub yet.
        assert!(room.go_live(&conn, 12, &[]));
        room.deliver(&[event(11), event(12)]);
        room.deliver(&[event(13)]);
        room.deliver(&[event(14)]);
        assert_eq!(event_seqs(&mut client).await, vec![13, 14]);
    }

    #[tokio::test]
    async fn events_buffered_while_catching_up_follow_the_snapshot_once() {
        let (room, conn, mut client) = room_with_joining_attendee().await;
        // Delivered while its snapshot (which covers 11) is being read.
        room.deliver(&[event(11), event(12)]);
        assert!(room.go_live(&conn, 11, &[]));
        room.deliver(&[event(13)]);
        assert_eq!(event_seqs(&mut client).await, vec![12, 13]);
    }
}
