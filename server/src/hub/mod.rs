//! The hub: every live connection on this node, grouped into rooms by
//! session, fed in commit order by the store (through [`CommitSink`]).
//!
//! Nothing here awaits a socket. Fanout encodes each event once per audience
//! and hands the same bytes to every subscriber's outbox ([`conn`]); a
//! subscriber that cannot keep up is closed, never waited for. Fast counters
//! (upvotes, tallies, reactions, presence) are not fanned out per change: the
//! room keeps their latest values and [`Hub::tick`] sends what changed at
//! most ten times a second, so a vote storm costs ticks × attendees.

pub mod broker;
pub mod conn;
pub mod frames;
pub mod prefetch;
pub mod registry;
pub mod room;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dashmap::DashMap;

use crate::domain::stream::{Committed, Effect, LogEvent};
use crate::metrics::Metrics;
use crate::store::CommitSink;
use crate::ws::frame::{close, ping_frame};
use conn::ConnHandle;
use registry::Registry;
use room::{Offer, Room};

/// How often coalesced counters go out (at most).
pub const TICK: Duration = Duration::from_millis(100);
/// A connection must join within this long.
pub const JOIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Cheap handle to the hub; clone freely.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<HubInner>,
}

struct HubInner {
    rooms: DashMap<Arc<str>, Arc<Room>>,
    conns: Registry,
    next_id: AtomicU64,
    metrics: Arc<Metrics>,
    /// Attendees connected to other nodes, per session (with a broker).
    remote_presence: parking_lot::Mutex<BTreeMap<String, i64>>,
    /// Fires when a counter or a presence may have changed ([`Hub::tick`] runs on demand).
    changes: tokio::sync::Notify,
}

impl Hub {
    /// An empty hub.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Hub {
            inner: Arc::new(HubInner {
                rooms: DashMap::new(),
                conns: Registry::default(),
                next_id: AtomicU64::new(1),
                metrics,
                remote_presence: parking_lot::Mutex::new(BTreeMap::new()),
                changes: tokio::sync::Notify::new(),
            }),
        }
    }

    /// A fresh connection id.
    pub fn next_conn_id(&self) -> u64 {
        self.inner.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Track a new connection (for heartbeats, revocation, shutdown).
    pub fn register(&self, conn: Arc<ConnHandle>) {
        self.inner.conns.insert(conn);
        self.inner.metrics.ws_connections.inc();
    }

    /// Forget a connection and leave its room.
    pub fn unregister(&self, conn: &ConnHandle) {
        if self.inner.conns.remove(conn.id) {
            self.inner.metrics.ws_connections.dec();
        }
        let member = conn.member.lock().clone();
        if let Some(member) = member {
            self.leave(&member.session_id, conn);
        }
    }

    /// Subscribe `conn` to a session's room in catching-up mode.
    pub fn subscribe(&self, conn: &Arc<ConnHandle>, mut member: conn::Member) -> Arc<Room> {
        let entry = self
            .inner
            .rooms
            .entry(member.session_id.clone())
            .or_insert_with(|| Arc::new(Room::new(member.session_id.clone())));
        // Subscribing under the map's shard lock: a concurrent `leave` cannot
        // drop the room between lookup and subscription.
        entry.subscribe(conn.clone(), member.audience, member.attendee);
        // Share the room's copy of the session id.
        member.session_id = entry.session_id.clone();
        let room = entry.clone();
        drop(entry);
        *conn.member.lock() = Some(member);
        self.inner.metrics.rooms.set(self.inner.rooms.len() as i64);
        self.inner.changes.notify_one();
        room
    }

    /// Leave the session `conn` joined (after a failed join), keeping the connection.
    pub fn unsubscribe(&self, conn: &ConnHandle) {
        let member = conn.member.lock().take();
        if let Some(member) = member {
            self.leave(&member.session_id, conn);
        }
    }

    fn leave(&self, session_id: &Arc<str>, conn: &ConnHandle) {
        if let Some(room) = self.inner.rooms.get(session_id).map(|r| r.clone()) {
            room.unsubscribe(conn);
        }
        self.inner
            .rooms
            .remove_if(session_id, |_, room| room.is_empty());
        self.inner.metrics.rooms.set(self.inner.rooms.len() as i64);
        self.inner.changes.notify_one();
    }

    /// Deliver committed events to the rooms that have subscribers here.
    /// Returns the holes found: `(session, first missing log_seq, last
    /// log_seq offered)` for each room that expected an earlier event; the
    /// caller fills them from the store and delivers again.
    pub fn deliver(&self, events: &[LogEvent]) -> Vec<Gap> {
        let mut gaps = Vec::new();
        let mut start = 0;
        while start < events.len() {
            let session = &events[start].session_id;
            let end = events[start..]
                .iter()
                .position(|e| &e.session_id != session)
                .map_or(events.len(), |p| start + p);
            if let Some(room) = self.room(session) {
                let (offer, delivered) = room.deliver(&events[start..end]);
                self.inner.metrics.deliveries.inc_by(delivered as u64);
                if let Offer::Gap { expected } = offer {
                    gaps.push(Gap {
                        session_id: session.clone(),
                        expected,
                        up_to: events[end - 1].log_seq,
                    });
                }
            }
            start = end;
        }
        gaps
    }

    /// Apply a committed batch's counters and effects (its events go through [`Hub::deliver`]).
    pub fn apply_side_effects(&self, batch: &Committed) {
        for update in &batch.counters {
            if let Some(room) = self.room(&update.session_id) {
                room.set_counter(update);
            }
        }
        for effect in &batch.effects {
            self.apply_effect(effect);
        }
        if !batch.counters.is_empty() {
            self.inner.changes.notify_one();
        }
    }

    /// The room of a session, if anyone here watches it.
    pub fn room(&self, session_id: &str) -> Option<Arc<Room>> {
        self.inner.rooms.get(session_id).map(|r| r.clone())
    }

    /// Every room on this node.
    pub fn rooms(&self) -> Vec<Arc<Room>> {
        self.inner.rooms.iter().map(|r| r.value().clone()).collect()
    }

    /// Record other nodes' attendee counts (summed per session).
    pub fn set_remote_presence(&self, totals: BTreeMap<String, i64>) {
        for room in self.rooms() {
            room.set_remote_attendees(totals.get(&*room.session_id).copied().unwrap_or(0));
        }
        *self.inner.remote_presence.lock() = totals;
        self.inner.changes.notify_one();
    }

    /// This node's attendee count per session.
    pub fn local_presence(&self) -> BTreeMap<String, i64> {
        self.rooms()
            .iter()
            .map(|r| (r.session_id.to_string(), r.local_attendees()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Fires when counters or presence may have changed: time for [`Hub::tick`].
    pub fn changes(&self) -> &tokio::sync::Notify {
        &self.inner.changes
    }

    /// Send changed counters and presence, at most once per room per call.
    pub fn tick(&self) {
        let mut sent = 0;
        for room in self.rooms() {
            sent += room.tick();
        }
        self.inner.metrics.deliveries.inc_by(sent as u64);
    }

    /// Heartbeat pass, once a second: close the connections that never
    /// asked to join within [`JOIN_TIMEOUT`]; then, of the connections whose
    /// turn it is (each comes up once every `period_secs`, see
    /// [`registry`]), close the ones silent for `timeout` and ping the
    /// joined ones. A silent client is closed between `timeout` and
    /// `timeout` + one period after its last frame.
    pub fn heartbeat(&self, now_ms: i64, timeout: Duration, second: u64, period_secs: u64) {
        let silent_before = now_ms - i64::try_from(timeout.as_millis()).unwrap_or(i64::MAX);
        let join_before = now_ms - i64::try_from(JOIN_TIMEOUT.as_millis()).unwrap_or(i64::MAX);
        for conn in self.inner.conns.join_overdue(join_before) {
            conn.request_close(close::JOIN_TIMEOUT);
        }
        let frame = ping_frame(b"hb");
        self.inner.conns.for_each_due(second, period_secs, |conn| {
            let last_seen = i64::try_from(conn.last_seen_ms.load(Ordering::Relaxed)).unwrap_or(0);
            if last_seen < silent_before {
                conn.request_close(close::HEARTBEAT_TIMEOUT);
            } else if conn.member.lock().is_some() {
                conn.send(std::slice::from_ref(&frame));
            }
        });
    }

    /// Live attendee counts of the given sessions, across nodes.
    pub fn presence(&self, session_ids: &[String]) -> BTreeMap<String, i64> {
        session_ids
            .iter()
            .map(|id| (id.clone(), self.attendees(id)))
            .collect()
    }

    /// Live attendees of one session, across nodes.
    pub fn attendees(&self, session_id: &str) -> i64 {
        let local = self
            .room(session_id)
            .map(|r| r.local_attendees())
            .unwrap_or(0);
        let remote = self
            .inner
            .remote_presence
            .lock()
            .get(session_id)
            .copied()
            .unwrap_or(0);
        local + remote
    }

    /// Open websocket connections on this node.
    pub fn connection_count(&self) -> usize {
        self.inner.conns.len()
    }

    /// Ask every connection to close (shutdown).
    pub fn close_all(&self, code: u16) {
        self.inner.conns.for_each(|conn| conn.request_close(code));
    }

    /// Act on a side effect (close revoked or deleted sessions' sockets).
    pub fn apply_effect(&self, effect: &Effect) {
        match effect {
            Effect::TokensRevoked(hashes) => {
                self.inner.conns.for_each(|conn| {
                    let revoked = conn
                        .member
                        .lock()
                        .as_ref()
                        .is_some_and(|m| hashes.contains(&m.actor.token_hash));
                    if revoked {
                        conn.request_close(close::POLICY_VIOLATION);
                    }
                });
            }
            Effect::SessionDeleted(session_id) => {
                if let Some(room) = self.inner.rooms.get(session_id).map(|r| r.clone()) {
                    room.close_all(close::SESSION_DELETED);
                }
            }
        }
    }
}

/// A hole in a room's sequence of events, to fill from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// The session.
    pub session_id: Arc<str>,
    /// The first `log_seq` the room is missing.
    pub expected: u64,
    /// The last `log_seq` that was offered.
    pub up_to: u64,
}

/// With a single node, the store's writer hands commits straight to the hub:
/// events arrive in commit order, so a hole cannot happen. Should one appear
/// anyway, every subscriber of that room is sent away to resume from the store.
impl CommitSink for Hub {
    fn committed(&self, batch: Committed) {
        for gap in self.deliver(&batch.events) {
            tracing::error!(session = %gap.session_id, expected = gap.expected, "gap in the event stream; subscribers will resume");
            if let Some(room) = self.room(&gap.session_id) {
                room.close_all(close::GOING_AWAY);
            }
            self.inner.rooms.remove(&gap.session_id);
        }
        self.apply_side_effects(&batch);
    }
}
