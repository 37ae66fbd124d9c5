//! Prometheus metrics: what an operator needs to see the hub and the store.
//!
//! Updated with relaxed atomics on hot paths (one `inc_by` per fanout, not per
//! recipient) and rendered in the text format at `/metrics`.

use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Every metric the server exports.
pub struct Metrics {
    registry: Registry,
    /// Open websocket connections.
    pub ws_connections: Gauge,
    /// Sessions with at least one subscriber on this node.
    pub rooms: Gauge,
    /// Open TCP connections (HTTP and websocket).
    pub tcp_connections: Gauge,
    /// Websocket messages received from clients.
    pub messages_in: Counter,
    /// Frames delivered to websocket clients (events, counters, replies).
    pub deliveries: Counter,
    /// Connections closed because their outbound queue overflowed.
    pub queue_drops: Counter,
    /// Commands applied (acknowledged).
    pub commands_ok: Counter,
    /// Commands refused with an error.
    pub commands_failed: Counter,
    /// Time per store write batch (one transaction, one fsync).
    pub store_write_seconds: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Register every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("backchannel");
        let ws_connections = Gauge::default();
        let rooms = Gauge::default();
        let tcp_connections = Gauge::default();
        let messages_in = Counter::default();
        let deliveries = Counter::default();
        let queue_drops = Counter::default();
        let commands_ok = Counter::default();
        let commands_failed = Counter::default();
        let store_write_seconds = Histogram::new([
            0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
        ]);
        registry.register(
            "ws_connections",
            "Open websocket connections",
            ws_connections.clone(),
        );
        registry.register(
            "rooms",
            "Sessions with live subscribers on this node",
            rooms.clone(),
        );
        registry.register(
            "tcp_connections",
            "Open TCP connections",
            tcp_connections.clone(),
        );
        registry.register(
            "ws_messages_in",
            "Websocket messages received",
            messages_in.clone(),
        );
        registry.register(
            "ws_deliveries",
            "Frames delivered to websocket clients",
            deliveries.clone(),
        );
        registry.register(
            "ws_queue_drops",
            "Connections closed because their outbound queue overflowed",
            queue_drops.clone(),
        );
        registry.register("commands_ok", "Commands applied", commands_ok.clone());
        registry.register(
            "commands_failed",
            "Commands refused with an error",
            commands_failed.clone(),
        );
        registry.register(
            "store_write_batch_seconds",
            "Duration of one store write batch (transaction and commit)",
            store_write_seconds.clone(),
        );
        Metrics {
            registry,
            ws_connections,
            rooms,
            tcp_connections,
            messages_in,
            deliveries,
            queue_drops,
            commands_ok,
            commands_failed,
            store_write_seconds,
        }
    }

    /// Record the duration of one write batch.
    pub fn observe_store_write(&self, elapsed: Duration) {
        self.store_write_seconds.observe(elapsed.as_secs_f64());
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
