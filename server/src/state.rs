//! The shared application state handed to every handler and connection.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::commands::rate::RateLimits;
use crate::commands::reactions::ReactionBuffer;
use crate::config::Config;
use crate::hub::Hub;
use crate::hub::broker::redis::RedisBroker;
use crate::metrics::Metrics;
use crate::share::cache::CardCache;
use crate::store::Store;

/// A cheap handle (one `Arc`) to everything the server shares.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    config: Config,
    store: Store,
    hub: Hub,
    metrics: Arc<Metrics>,
    rate_limits: RateLimits,
    reactions: ReactionBuffer,
    /// SHA-256 of the admin token (configured or generated); never the token.
    admin_hash: String,
    /// Base URL for links the server prints or exports.
    public_url: String,
    /// Cancelled when the server begins to shut down.
    shutdown: CancellationToken,
    /// Websocket tasks, which axum's graceful shutdown does not wait for.
    tasks: TaskTracker,
    /// The cross-node broker, when several nodes share the store.
    broker: Option<Arc<RedisBroker>>,
    /// Share cards rendered so far (bounded, keyed by content hash).
    cards: CardCache,
}

/// Everything needed to build an [`AppState`].
pub struct Parts {
    /// Configuration.
    pub config: Config,
    /// The opened store.
    pub store: Store,
    /// The hub (also the store's commit sink).
    pub hub: Hub,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Hash of the admin token.
    pub admin_hash: String,
    /// Public base URL.
    pub public_url: String,
    /// Shutdown signal.
    pub shutdown: CancellationToken,
    /// The Redis broker, if configured.
    pub broker: Option<Arc<RedisBroker>>,
}

impl AppState {
    /// Assemble the state.
    pub fn new(parts: Parts) -> Self {
        AppState {
            inner: Arc::new(Shared {
                config: parts.config,
                store: parts.store,
                hub: parts.hub,
                metrics: parts.metrics,
                rate_limits: RateLimits::default(),
                reactions: ReactionBuffer::default(),
                admin_hash: parts.admin_hash,
                public_url: parts.public_url,
                shutdown: parts.shutdown,
                tasks: TaskTracker::new(),
                broker: parts.broker,
                cards: CardCache::default(),
            }),
        }
    }

    /// Configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }
    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }
    /// The hub.
    pub fn hub(&self) -> &Hub {
        &self.inner.hub
    }
    /// Metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }
    /// Rate limiters.
    pub fn rate_limits(&self) -> &RateLimits {
        &self.inner.rate_limits
    }
    /// Reactions waiting to be flushed.
    pub fn reactions(&self) -> &ReactionBuffer {
        &self.inner.reactions
    }
    /// Public base URL, without a trailing slash.
    pub fn public_url(&self) -> &str {
        &self.inner.public_url
    }
    /// Whether `hash` is the admin token's hash (constant time).
    pub fn is_admin_hash(&self, hash: &str) -> bool {
        let a = self.inner.admin_hash.as_bytes();
        let b = hash.as_bytes();
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
    /// The shutdown signal.
    pub fn shutdown(&self) -> &CancellationToken {
        &self.inner.shutdown
    }
    /// Tracker of long-lived tasks (websockets) to wait for on shutdown.
    pub fn tasks(&self) -> &TaskTracker {
        &self.inner.tasks
    }
    /// Rendered share cards.
    pub fn cards(&self) -> &CardCache {
        &self.inner.cards
    }
    /// The Redis broker, if this node is part of a cluster.
    pub fn broker(&self) -> Option<&Arc<RedisBroker>> {
        self.inner.broker.as_ref()
    }
}
