//! Load-client worker processes, driven over stdin/stdout (see [`crate::client`]).

use std::io::{self, BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use hdrhistogram::Histogram;
use serde_json::Value;

use crate::client::Adapter;

/// Sockets per worker process (the open-file limit is 20,000 per process).
pub const PER_PROCESS: usize = 19_000;

/// How to start the workers.
pub struct Spec<'a> {
    /// Path of this executable.
    pub exe: &'a str,
    /// Core to pin the workers to (None: no pinning).
    pub core: Option<usize>,
    /// Adapter.
    pub adapter: Adapter,
    /// Server address.
    pub addr: SocketAddr,
    /// Websocket path.
    pub path: &'a str,
    /// Sockets in all.
    pub conns: usize,
    /// Token file (Backchannel).
    pub tokens: Option<&'a str>,
    /// Fraction of each worker's sockets opened with a small receive buffer (stall candidates).
    pub slow_fraction: f64,
    /// Reconnect and resume.
    pub reconnect: bool,
}

/// Running workers.
pub struct Workers {
    children: Vec<Child>,
    stdins: Vec<ChildStdin>,
    lines: Vec<Receiver<String>>,
    /// Sockets per worker that may be stalled.
    pub slow: Vec<usize>,
}

impl Workers {
    /// Start the workers; they begin connecting at once.
    pub fn spawn(spec: &Spec<'_>) -> io::Result<Self> {
        let n = spec.conns.div_ceil(PER_PROCESS).max(1);
        let mut w = Workers {
            children: Vec::new(),
            stdins: Vec::new(),
            lines: Vec::new(),
            slow: Vec::new(),
        };
        for i in 0..n {
            let first = i * spec.conns / n;
            let count = (i + 1) * spec.conns / n - first;
            let slow = (count as f64 * spec.slow_fraction).round() as usize;
            let mut cmd = match spec.core {
                Some(core) => {
                    let mut c = Command::new("taskset");
                    c.arg("-c").arg(core.to_string()).arg(spec.exe);
                    c
                }
                None => Command::new(spec.exe),
            };
            cmd.arg("client")
                .arg("--adapter")
                .arg(adapter_name(spec.adapter))
                .arg("--addr")
                .arg(spec.addr.to_string())
                .arg("--path")
                .arg(spec.path)
                .arg("--conns")
                .arg(count.to_string())
                .arg("--offset")
                .arg(first.to_string())
                .arg("--total")
                .arg(spec.conns.to_string())
                .arg("--slow")
                .arg(slow.to_string());
            if let Some(t) = spec.tokens {
                cmd.arg("--tokens").arg(t);
            }
            if spec.reconnect {
                cmd.arg("--reconnect");
            }
            let mut child = cmd
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()?;
            let stdout = child.stdout.take().expect("piped");
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            w.stdins.push(child.stdin.take().expect("piped"));
            w.children.push(child);
            w.lines.push(rx);
            w.slow.push(slow);
        }
        Ok(w)
    }

    /// Read one JSON line from every worker.
    pub fn collect(&mut self, timeout: Duration) -> io::Result<Vec<Value>> {
        let mut out = Vec::new();
        for rx in &self.lines {
            let line = rx
                .recv_timeout(timeout)
                .map_err(|_| io::Error::other("a load-client worker did not answer"))?;
            out.push(serde_json::from_str(&line).map_err(io::Error::other)?);
        }
        Ok(out)
    }

    /// Send a command line to every worker.
    pub fn tell(&mut self, line: &str) -> io::Result<()> {
        for s in &mut self.stdins {
            writeln!(s, "{line}")?;
            s.flush()?;
        }
        Ok(())
    }

    /// Send worker-specific command lines (one per worker).
    pub fn tell_each(&mut self, lines: &[String]) -> io::Result<()> {
        for (s, line) in self.stdins.iter_mut().zip(lines) {
            writeln!(s, "{line}")?;
            s.flush()?;
        }
        Ok(())
    }

    /// Send a command and collect the answers, merged.
    pub fn ask(&mut self, line: &str, timeout: Duration) -> io::Result<Merged> {
        self.tell(line)?;
        Ok(merge(&self.collect(timeout)?))
    }

    /// Stop the workers.
    pub fn quit(mut self) {
        let _ = self.tell("quit");
        for mut c in self.children.drain(..) {
            for _ in 0..50 {
                if matches!(c.try_wait(), Ok(Some(_))) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn adapter_name(a: Adapter) -> &'static str {
    match a {
        Adapter::Backchannel => "backchannel",
        Adapter::Plain => "plain",
        Adapter::Socketio => "socketio",
        Adapter::Pusher => "pusher",
        Adapter::Floor => "floor",
    }
}

/// The workers' reports added up.
pub struct Merged {
    /// Sum of each numeric field (by name).
    pub raw: Vec<Value>,
    /// Delivery latencies (µs).
    pub hist: Histogram<u64>,
    /// Ack latencies (µs).
    pub ack_hist: Histogram<u64>,
}

/// Add up workers' reports.
pub fn merge(reports: &[Value]) -> Merged {
    Merged::from_reports(reports)
}

impl Merged {
    fn from_reports(reports: &[Value]) -> Self {
        let mut hist = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).expect("bounds");
        let mut ack_hist = hist.clone();
        for r in reports {
            for (h, key) in [(&mut hist, "hist"), (&mut ack_hist, "ack_hist")] {
                for pair in r[key].as_array().into_iter().flatten() {
                    let v = pair[0].as_u64().unwrap_or(1).max(1);
                    let c = pair[1].as_u64().unwrap_or(0);
                    let _ = h.record_n(v, c);
                }
            }
        }
        Merged {
            raw: reports.to_vec(),
            hist,
            ack_hist,
        }
    }

    /// Sum of a numeric field over the workers.
    pub fn sum(&self, key: &str) -> u64 {
        self.raw.iter().map(|r| r[key].as_u64().unwrap_or(0)).sum()
    }

    /// Max of a numeric field over the workers.
    pub fn max(&self, key: &str) -> u64 {
        self.raw
            .iter()
            .map(|r| r[key].as_u64().unwrap_or(0))
            .max()
            .unwrap_or(0)
    }

    /// Min of a numeric field over the workers (ignoring zeros).
    pub fn min_nonzero(&self, key: &str) -> u64 {
        self.raw
            .iter()
            .map(|r| r[key].as_u64().unwrap_or(0))
            .filter(|&v| v > 0)
            .min()
            .unwrap_or(0)
    }

    /// A map field (e.g. errors, closes) summed over the workers.
    pub fn map(&self, key: &str) -> std::collections::BTreeMap<String, u64> {
        let mut out = std::collections::BTreeMap::new();
        for r in &self.raw {
            if let Some(m) = r[key].as_object() {
                for (k, v) in m {
                    *out.entry(k.clone()).or_default() += v.as_u64().unwrap_or(0);
                }
            }
        }
        out
    }

    /// Whether any worker hit its timeout.
    pub fn timed_out(&self) -> bool {
        self.raw
            .iter()
            .any(|r| r["timed_out"].as_bool() == Some(true))
    }

    /// Latency quantile in ms.
    pub fn ms(&self, q: f64) -> f64 {
        if self.hist.is_empty() {
            return 0.0;
        }
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }

    /// Max latency in ms.
    pub fn max_ms(&self) -> f64 {
        self.hist.max() as f64 / 1000.0
    }
}
