//! The Redis broker: cross-node fanout over one pub/sub channel.
//!
//! Every node publishes its commits (events, counters, effects) and its
//! attendee counts. Redis is a fast path, not the source of truth: the store
//! is. A node that sees a hole fills it from the store; a sweep every
//! [`SWEEP_EVERY`] compares each room with the store and catches up, so a
//! Redis outage delays cross-node delivery (by up to one sweep) but loses
//! nothing, and counters converge from the store's versions.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::domain::stream::Committed;
use crate::hub::{Gap, Hub};
use crate::store::{CommitSink, Store, counters, log};

/// How often each room is compared with the store.
pub const SWEEP_EVERY: Duration = Duration::from_secs(2);
/// How often a node announces its attendee counts.
const PRESENCE_EVERY: Duration = Duration::from_secs(1);
/// Another node's counts are forgotten after this long without news.
const PRESENCE_TTL: Duration = Duration::from_secs(10);
/// Longest wait for a Redis command.
const REDIS_TIMEOUT: Duration = Duration::from_millis(500);

/// Settings of the Redis broker.
#[derive(Debug, Clone)]
pub struct RedisSettings {
    /// `redis://host:port[/db]`.
    pub url: String,
    /// Channel namespace, so several deployments (or tests) share one Redis.
    pub prefix: String,
    /// This node's name (for logs, and to skip its own messages).
    pub node: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Wire {
    Commit {
        node: String,
        batch: Committed,
    },
    Presence {
        node: String,
        counts: BTreeMap<String, i64>,
    },
}

enum Inbound {
    /// A commit of this node: publish it (it was delivered locally already).
    Publish(Committed),
    /// A hole found while delivering locally: fill it from the store.
    Fill(Gap),
    /// A message from another node.
    Remote(Wire),
    /// Time to compare rooms with the store.
    Sweep,
    /// Time to announce this node's presence.
    AnnouncePresence,
}

/// Cross-node fanout through Redis.
pub struct RedisBroker {
    hub: Hub,
    settings: RedisSettings,
    inbound: mpsc::UnboundedSender<Inbound>,
    up: AtomicBool,
}

impl RedisBroker {
    /// A broker for `hub`; call [`RedisBroker::start`] once the store is open.
    pub fn new(hub: Hub, settings: RedisSettings) -> (Arc<Self>, BrokerTasks) {
        let (inbound, rx) = mpsc::unbounded_channel();
        let broker = Arc::new(RedisBroker {
            hub,
            settings,
            inbound,
            up: AtomicBool::new(false),
        });
        (broker, BrokerTasks { rx })
    }

    /// Whether the Redis subscription is live (for /readyz).
    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Relaxed)
    }

    fn channel(&self) -> String {
        format!("{}:stream", self.settings.prefix)
    }

    /// Start the delivery, subscription, presence and sweep tasks.
    pub fn start(
        self: &Arc<Self>,
        tasks: BrokerTasks,
        store: Store,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let client = redis::Client::open(self.settings.url.as_str())
            .map_err(|e| anyhow::anyhow!("bad Redis URL: {e}"))?;
        let me = self.clone();
        let (c, s) = (client.clone(), shutdown.clone());
        tokio::spawn(async move { me.deliver_loop(tasks.rx, c, store, s).await });
        let me = self.clone();
        let s = shutdown.clone();
        tokio::spawn(async move { me.subscribe_loop(client, s).await });
        let me = self.clone();
        tokio::spawn(async move {
            let mut sweep = tokio::time::interval(SWEEP_EVERY);
            let mut presence = tokio::time::interval(PRESENCE_EVERY);
            loop {
                tokio::select! {
                    _ = sweep.tick() => { let _ = me.inbound.send(Inbound::Sweep); }
                    _ = presence.tick() => { let _ = me.inbound.send(Inbound::AnnouncePresence); }
                    _ = shutdown.cancelled() => break,
                }
            }
        });
        Ok(())
    }

    async fn subscribe_loop(self: Arc<Self>, client: redis::Client, shutdown: CancellationToken) {
        let mut backoff = Duration::from_millis(200);
        loop {
            let session = async {
                let mut pubsub = client.get_async_pubsub().await?;
                pubsub.subscribe(self.channel()).await?;
                self.up.store(true, Ordering::Relaxed);
                tracing::info!(node = %self.settings.node, "subscribed to Redis");
                // Anything published while we were away is in the store.
                let _ = self.inbound.send(Inbound::Sweep);
                let mut messages = pubsub.on_message();
                while let Some(msg) = messages.next().await {
                    match serde_json::from_slice::<Wire>(msg.get_payload_bytes()) {
                        Ok(wire) => {
                            let _ = self.inbound.send(Inbound::Remote(wire));
                        }
                        Err(err) => {
                            tracing::warn!(error = %err, "ignoring a malformed broker message")
                        }
                    }
                }
                Ok::<(), redis::RedisError>(())
            };
            tokio::select! {
                result = session => {
                    self.up.store(false, Ordering::Relaxed);
                    match result {
                        Ok(()) => tracing::warn!("Redis subscription ended; reconnecting"),
                        Err(err) => tracing::warn!(error = %err, "Redis unavailable; serving local clients, catching up from the store"),
                    }
                }
                _ = shutdown.cancelled() => return,
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = shutdown.cancelled() => return,
            }
            backoff = (backoff * 2).min(Duration::from_secs(2));
        }
    }

    async fn deliver_loop(
        self: Arc<Self>,
        mut rx: mpsc::UnboundedReceiver<Inbound>,
        client: redis::Client,
        store: Store,
        shutdown: CancellationToken,
    ) {
        let mut publisher = Publisher {
            client,
            conn: None,
            retry_after: None,
        };
        let mut remote_presence: HashMap<String, (Instant, BTreeMap<String, i64>)> = HashMap::new();
        loop {
            let message = tokio::select! {
                m = rx.recv() => match m { Some(m) => m, None => return },
                _ = shutdown.cancelled() => return,
            };
            match message {
                Inbound::Publish(batch) => {
                    let wire = Wire::Commit {
                        node: self.settings.node.clone(),
                        batch,
                    };
                    publisher.publish(&self.channel(), &wire).await;
                }
                Inbound::Fill(gap) => self.fill(&store, gap).await,
                Inbound::Remote(Wire::Commit { node, batch }) => {
                    if node != self.settings.node {
                        for gap in self.hub.deliver(&batch.events) {
                            self.fill(&store, gap).await;
                        }
                        self.hub.apply_side_effects(&batch);
                    }
                }
                Inbound::Remote(Wire::Presence { node, counts }) => {
                    if node != self.settings.node {
                        remote_presence.insert(node, (Instant::now(), counts));
                        self.publish_presence_totals(&mut remote_presence);
                    }
                }
                Inbound::AnnouncePresence => {
                    let wire = Wire::Presence {
                        node: self.settings.node.clone(),
                        counts: self.hub.local_presence(),
                    };
                    publisher.publish(&self.channel(), &wire).await;
                    self.publish_presence_totals(&mut remote_presence);
                }
                Inbound::Sweep => self.sweep(&store).await,
            }
        }
    }

    fn publish_presence_totals(
        &self,
        remote: &mut HashMap<String, (Instant, BTreeMap<String, i64>)>,
    ) {
        remote.retain(|_, (seen, _)| seen.elapsed() < PRESENCE_TTL);
        let mut totals: BTreeMap<String, i64> = BTreeMap::new();
        for (_, counts) in remote.values() {
            for (session, n) in counts {
                *totals.entry(session.clone()).or_default() += n;
            }
        }
        self.hub.set_remote_presence(totals);
    }

    /// Deliver the events of a hole from the store (then the room is whole again).
    async fn fill(&self, store: &Store, gap: Gap) {
        let session = gap.session_id.to_string();
        let after = gap.expected.saturating_sub(1);
        let up_to = gap.up_to;
        match store
            .read(move |c| log::range(c, &session, after, up_to).map_err(Into::into))
            .await
        {
            Ok(events) => {
                for hole in self.hub.deliver(&events) {
                    tracing::error!(session = %hole.session_id, expected = hole.expected, "the store is missing events");
                }
            }
            Err(err) => {
                tracing::warn!(error = %err.message, "could not fill a gap; the next sweep retries")
            }
        }
    }

    /// Compare every room with the store; deliver what is missing and refresh
    /// counters that are behind.
    async fn sweep(&self, store: &Store) {
        let rooms: Vec<(String, Option<u64>, u64)> = self
            .hub
            .rooms()
            .iter()
            .map(|r| {
                (
                    r.session_id.to_string(),
                    r.next_log_seq(),
                    r.counter_version(),
                )
            })
            .collect();
        if rooms.is_empty() {
            return;
        }
        let result = store
            .read(move |c| {
                let mut behind = Vec::new();
                for (session, next, version) in rooms {
                    let Some((last, stored_version)) = counters::position(c, &session)? else {
                        continue;
                    };
                    let events = match next {
                        Some(next) if last >= next => log::range(c, &session, next - 1, last)?,
                        _ => Vec::new(),
                    };
                    let refreshed = if stored_version > version {
                        counters::all(c, &session)?
                    } else {
                        Vec::new()
                    };
                    if !events.is_empty() || !refreshed.is_empty() {
                        behind.push((events, refreshed));
                    }
                }
                Ok(behind)
            })
            .await;
        match result {
            Ok(behind) => {
                for (events, counters) in behind {
                    if !events.is_empty() {
                        tracing::debug!(
                            count = events.len(),
                            "sweep delivers events missed on the broker"
                        );
                    }
                    for hole in self.hub.deliver(&events) {
                        tracing::error!(session = %hole.session_id, "hole after a sweep");
                    }
                    self.hub.apply_side_effects(&Committed {
                        events: Vec::new(),
                        counters,
                        effects: Vec::new(),
                    });
                }
            }
            Err(err) => tracing::debug!(error = %err.message, "sweep skipped: store unavailable"),
        }
    }
}

impl CommitSink for RedisBroker {
    fn committed(&self, batch: Committed) {
        // Local subscribers first, straight from the writer (acks follow their events).
        for gap in self.hub.deliver(&batch.events) {
            let _ = self.inbound.send(Inbound::Fill(gap));
        }
        self.hub.apply_side_effects(&batch);
        let _ = self.inbound.send(Inbound::Publish(batch));
    }
}

/// The receiving end of the broker's queue, handed to [`RedisBroker::start`].
pub struct BrokerTasks {
    rx: mpsc::UnboundedReceiver<Inbound>,
}

struct Publisher {
    client: redis::Client,
    conn: Option<redis::aio::MultiplexedConnection>,
    retry_after: Option<Instant>,
}

impl Publisher {
    /// Publish, best effort: a failure is logged and the store sweep covers it.
    async fn publish(&mut self, channel: &str, wire: &Wire) {
        if self.retry_after.is_some_and(|t| Instant::now() < t) {
            return;
        }
        let Ok(payload) = serde_json::to_vec(wire) else {
            return;
        };
        if self.conn.is_none() {
            match tokio::time::timeout(
                REDIS_TIMEOUT,
                self.client.get_multiplexed_async_connection(),
            )
            .await
            {
                Ok(Ok(conn)) => self.conn = Some(conn),
                _ => {
                    self.retry_after = Some(Instant::now() + Duration::from_secs(1));
                    return;
                }
            }
        }
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let sent: Result<Result<i64, redis::RedisError>, _> =
            tokio::time::timeout(REDIS_TIMEOUT, conn.publish(channel, payload)).await;
        if !matches!(sent, Ok(Ok(_))) {
            tracing::warn!("publishing to Redis failed; other nodes catch up from the store");
            self.conn = None;
            self.retry_after = Some(Instant::now() + Duration::from_secs(1));
        }
    }
}
