//! Every open connection on this node, laid out for the heartbeat.
//!
//! Connections live in a wheel of [`SLOTS`] slots by id. The heartbeat
//! visits, each second, only the slots whose turn it is, so a node with 10k
//! idle sockets touches ~1/period of them per second instead of walking them
//! all (at 10k sockets the walk alone, a cache miss per connection, was half
//! of an idle node's CPU). Runs of [`RUN`] consecutive ids share a slot and
//! a slot is walked in id order, so a visit meets sockets opened one after
//! the other: neighbours in the kernel's file table and in memory.
//! Connections that have not asked to join yet are also kept aside, so the
//! join deadline is checked every second on a list that is almost always
//! empty.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::Mutex;

use super::conn::ConnHandle;

/// Slots in the wheel. Any heartbeat period works: slot `i` is visited in
/// the seconds `s` where `s % period == i % period`, once per period.
pub const SLOTS: usize = 60;
/// Consecutive connection ids that share a slot.
pub const RUN: u64 = 64;

type Conns = BTreeMap<u64, Arc<ConnHandle>>;

/// The node's open connections.
pub struct Registry {
    slots: Box<[Mutex<Conns>]>,
    /// Connections that have not sent `join` yet (pruned as they do).
    awaiting_join: Mutex<Conns>,
    len: AtomicUsize,
}

impl Default for Registry {
    fn default() -> Self {
        Registry {
            slots: (0..SLOTS).map(|_| Mutex::new(BTreeMap::new())).collect(),
            awaiting_join: Mutex::new(BTreeMap::new()),
            len: AtomicUsize::new(0),
        }
    }
}

impl Registry {
    fn slot(&self, id: u64) -> &Mutex<Conns> {
        // SLOTS is small: the remainder always fits in usize.
        &self.slots[((id / RUN) % SLOTS as u64) as usize]
    }

    /// Track a new connection.
    pub fn insert(&self, conn: Arc<ConnHandle>) {
        self.awaiting_join.lock().insert(conn.id, conn.clone());
        if self.slot(conn.id).lock().insert(conn.id, conn).is_none() {
            self.len.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Forget a connection; false if it was not tracked.
    pub fn remove(&self, id: u64) -> bool {
        self.awaiting_join.lock().remove(&id);
        let removed = self.slot(id).lock().remove(&id).is_some();
        if removed {
            self.len.fetch_sub(1, Ordering::Relaxed);
        }
        removed
    }

    /// How many connections are open.
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// Whether no connection is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Call `f` on every connection (shutdown, revocation).
    pub fn for_each(&self, mut f: impl FnMut(&ConnHandle)) {
        for slot in self.slots.iter() {
            for conn in slot.lock().values() {
                f(conn);
            }
        }
    }

    /// Call `f` on the connections whose heartbeat turn is `second`, with a
    /// heartbeat every `period` seconds: each connection comes up once per
    /// period. `f` runs under the slot's lock (registering or dropping a
    /// connection of that slot waits), so it must not block.
    pub fn for_each_due(&self, second: u64, period: u64, mut f: impl FnMut(&ConnHandle)) {
        let period = period.max(1);
        for (i, slot) in self.slots.iter().enumerate() {
            if i as u64 % period == second % period {
                let conns = slot.lock();
                // A second walk runs ahead so the connections coming up are
                // prefetched: each visit otherwise starts with cache misses.
                let mut ahead = conns.values().skip(super::prefetch::AHEAD);
                for conn in conns.values() {
                    if let Some(next) = ahead.next() {
                        next.prefetch_liveness();
                        next.prefetch();
                    }
                    f(conn);
                }
            }
        }
    }

    /// Connections opened before `opened_before` (Unix ms) that never asked
    /// to join. They leave the waiting list; the ones that asked leave it too.
    pub fn join_overdue(&self, opened_before: i64) -> Vec<Arc<ConnHandle>> {
        let mut overdue = Vec::new();
        self.awaiting_join.lock().retain(|_, conn| {
            if conn.join_requested.load(Ordering::Relaxed) {
                false
            } else if conn.opened_ms < opened_before {
                overdue.push(conn.clone());
                false
            } else {
                true
            }
        });
        overdue
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::hub::conn::loopback;

    #[tokio::test]
    async fn every_connection_comes_up_once_per_period_whatever_the_period() {
        let registry = Registry::default();
        let mut ends = Vec::new();
        // Ids up to ~4000: runs of RUN ids fill every slot.
        for id in (1..=130).map(|i| i * 31) {
            let (conn, client) = loopback(id, 0).await;
            registry.insert(conn);
            ends.push(client);
        }
        assert_eq!(registry.len(), 130);
        for period in [1, 7, 30, 45, 60, 90, 3600] {
            let mut seen: HashMap<u64, usize> = HashMap::new();
            for second in 1000..1000 + period {
                let mut visited = Vec::new();
                registry.for_each_due(second, period, |conn| {
                    *seen.entry(conn.id).or_default() += 1;
                    visited.push(conn.id);
                });
                if period == SLOTS as u64 {
                    assert!(visited.is_sorted(), "one slot, walked in id order");
                    assert!(
                        visited
                            .iter()
                            .all(|id| id / RUN % period == second % period)
                    );
                }
            }
            assert_eq!(seen.len(), 130, "period {period}: everyone comes up");
            assert!(
                seen.values().all(|&n| n == 1),
                "period {period}: exactly once"
            );
        }
        assert!(registry.remove(7 * 31));
        assert!(!registry.remove(7 * 31));
        assert_eq!(registry.len(), 129);
        let mut all = 0;
        registry.for_each(|_| all += 1);
        assert_eq!(all, 129);
    }

    #[tokio::test]
    async fn only_connections_that_never_asked_to_join_are_overdue() {
        let registry = Registry::default();
        let (old_silent, _a) = loopback(1, 1_000).await;
        let (old_asked, _b) = loopback(2, 1_000).await;
        let (young, _c) = loopback(3, 9_000).await;
        for conn in [&old_silent, &old_asked, &young] {
            registry.insert(conn.clone());
        }
        old_asked.join_requested.store(true, Ordering::Relaxed);
        let overdue: Vec<u64> = registry.join_overdue(5_000).iter().map(|c| c.id).collect();
        assert_eq!(overdue, vec![1]);
        // Reported once; the young one becomes overdue later unless it asks.
        assert!(registry.join_overdue(5_000).is_empty());
        let later: Vec<u64> = registry.join_overdue(10_000).iter().map(|c| c.id).collect();
        assert_eq!(later, vec![3]);
        // Overdue connections stay registered until their task ends.
        assert_eq!(registry.len(), 3);
    }
}
