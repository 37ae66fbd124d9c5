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
    /// Each trial's figures when the phase ran more than once: the figures
    /// above are then the medians over them, and the counts (deliveries,
    /// losses, closes) the totals, so no loss in any trial is hidden.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trials: Vec<Load>,
}

impl Load {
    /// One phase's figures from several trials of it (see [`Load::trials`]).
    pub fn combine(trials: Vec<Load>) -> Load {
        if trials.len() < 2 {
            return trials.into_iter().next().unwrap_or_default();
        }
        let median = |field: fn(&Load) -> f64| median(trials.iter().map(field).collect());
        let total = |field: fn(&Load) -> u64| trials.iter().map(field).sum::<u64>();
        let mut closes = std::collections::BTreeMap::new();
        for (why, n) in trials.iter().flat_map(|t| t.closes.iter()) {
            *closes.entry(why.clone()).or_insert(0) += n;
        }
        Load {
            offered_rate: trials[0].offered_rate,
            messages: total(|t| t.messages),
            receivers: trials[0].receivers,
            expected: total(|t| t.expected),
            deliveries: total(|t| t.deliveries),
            lost: total(|t| t.lost),
            reordered: total(|t| t.reordered),
            dups: total(|t| t.dups),
            stream_gaps: total(|t| t.stream_gaps),
            stream_dups: total(|t| t.stream_dups),
            p50_ms: median(|t| t.p50_ms),
            p99_ms: median(|t| t.p99_ms),
            max_ms: median(|t| t.max_ms),
            duration_s: median(|t| t.duration_s),
            deliveries_per_s: median(|t| t.deliveries_per_s),
            cpu_s: median(|t| t.cpu_s),
            cpu_s_per_1m: median(|t| t.cpu_s_per_1m),
            timed_out: trials.iter().any(|t| t.timed_out),
            closes,
            trials,
        }
    }
}

/// The median (the mean of the middle two for an even count; 0 for none).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
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
    /// Trials of W2a and W2b per server (their figures are medians).
    #[serde(default)]
    pub trials: u32,
    pub peers: Vec<PeerResult>,
    pub w3: Option<VoteStorm>,
    pub w4: Option<ReconnectStorm>,
    pub w5_cap: Option<SlowReadersCap>,
    #[serde(default)]
    pub w6: Option<crate::cluster::ClusterRun>,
    pub failures: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trial(p99_ms: f64, deliveries_per_s: f64, lost: u64) -> Load {
        Load {
            messages: 100,
            expected: 1000,
            deliveries: 1000 - lost,
            lost,
            p99_ms,
            deliveries_per_s,
            closes: [("4000".to_string(), 1)].into_iter().collect(),
            ..Load::default()
        }
    }

    #[test]
    fn figures_are_medians_and_counts_are_totals() {
        let combined = Load::combine(vec![
            trial(30.0, 900.0, 0),
            trial(10.0, 700.0, 2),
            trial(20.0, 800.0, 0),
        ]);
        assert_eq!(combined.p99_ms, 20.0);
        assert_eq!(combined.deliveries_per_s, 800.0);
        assert_eq!(combined.lost, 2, "a loss in one trial shows in the total");
        assert_eq!(combined.messages, 300);
        assert_eq!(combined.expected, 3000);
        assert_eq!(combined.deliveries, 2998);
        assert_eq!(combined.closes["4000"], 3);
        assert_eq!(combined.trials.len(), 3);
    }

    #[test]
    fn an_even_count_takes_the_middle_pair() {
        let combined = Load::combine(vec![trial(10.0, 1.0, 0), trial(20.0, 3.0, 0)]);
        assert_eq!(combined.p99_ms, 15.0);
        assert_eq!(combined.deliveries_per_s, 2.0);
    }

    #[test]
    fn one_trial_is_itself() {
        let combined = Load::combine(vec![trial(10.0, 1.0, 1)]);
        assert_eq!(combined.p99_ms, 10.0);
        assert_eq!(combined.lost, 1);
        assert!(combined.trials.is_empty());
    }
}
