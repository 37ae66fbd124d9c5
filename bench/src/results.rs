//! What a run measures: one phase's figures, one server's row, the whole
//! run (written as JSON under bench/results/ and read back by the report).

use serde::Serialize;

use crate::slow::SlowReaders;
use crate::slow::SlowReadersCap;
use crate::storms::{ReconnectStorm, VoteStorm};

/// One load phase's figures.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub struct Load {
    pub offered_rate: f64,
    pub messages: u64,
    pub receivers: u64,
    pub expected: u64,
    pub deliveries: u64,
    pub lost: u64,
    pub reordered: u64,
    pub dups: u64,
    pub stream_gaps: u64,
    pub stream_dups: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub duration_s: f64,
    pub deliveries_per_s: f64,
    pub cpu_s: f64,
    pub cpu_s_per_1m: f64,
    pub timed_out: bool,
    pub closes: std::collections::BTreeMap<String, u64>,
}

/// One server's row.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub struct PeerResult {
    pub name: String,
    pub label: String,
    pub conns_ready: u64,
    pub conns_failed: u64,
    pub connect_s: f64,
    pub rss_empty_kb: u64,
    pub rss_conns_kb: u64,
    pub kb_per_conn: f64,
    pub idle_cpu_pct: f64,
    /// Heartbeat pings the subscribers got during the idle window.
    #[serde(default)]
    pub idle_pings: u64,
    pub w2a: Option<Load>,
    pub w2b: Option<Load>,
    pub w5: Option<SlowReaders>,
    pub rss_peak_kb: u64,
    pub notes: Vec<String>,
}

/// A whole run.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub struct RunResult {
    pub date: String,
    pub machine: String,
    pub command: String,
    pub conns: usize,
    pub payload: usize,
    pub load_before: f64,
    pub load_after: f64,
    pub pinned: String,
    /// Every server's heartbeat period, seconds; W1's idle window, seconds.
    #[serde(default)]
    pub heartbeat_secs: u64,
    #[serde(default)]
    pub idle_secs: u64,
    pub peers: Vec<PeerResult>,
    pub w3: Option<VoteStorm>,
    pub w4: Option<ReconnectStorm>,
    pub w5_cap: Option<SlowReadersCap>,
    #[serde(default)]
    pub w6: Option<crate::cluster::ClusterRun>,
    pub failures: Vec<String>,
}
