//! The options of `backchannel-bench run`.

use std::path::PathBuf;

/// Options of `run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Servers to measure, in order (backchannel, bun, ws, socketio, floor, sockudo).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "backchannel,bun,ws,socketio,floor"
    )]
    pub peers: Vec<String>,
    /// Subscribers.
    #[arg(long, default_value_t = 10_000)]
    pub conns: usize,
    /// Message body size in bytes.
    #[arg(long, default_value_t = 100)]
    pub payload: usize,
    /// W2a rate (messages per second).
    #[arg(long, default_value_t = 10.0)]
    pub w2a_rate: f64,
    /// W2a messages.
    #[arg(long, default_value_t = 100)]
    pub w2a_count: u64,
    /// W2b offered rate.
    #[arg(long, default_value_t = 100.0)]
    pub w2b_rate: f64,
    /// W2b messages.
    #[arg(long, default_value_t = 100)]
    pub w2b_count: u64,
    /// Times W2a and W2b each run on the same connections: the table shows
    /// each figure's median over the trials and the losses of all of them
    /// (one short burst is at the mercy of the machine's noise).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub trials: u32,
    /// Seconds of idle measurement for W1 (0: skip the idle CPU figure).
    /// At least one heartbeat period, so every server pays its pings once.
    #[arg(long, default_value_t = 30)]
    pub idle_secs: u64,
    /// Heartbeat period given to every server (Backchannel's
    /// `--heartbeat-secs`, Bun's `idleTimeout`, Socket.IO's `pingInterval`,
    /// Node ws's ping loop): the same liveness check for all. 30 is
    /// Backchannel's default, under the 60 s idle limit of common proxies.
    #[arg(long, default_value_t = 30)]
    pub heartbeat_secs: u64,
    /// W5: fraction of subscribers that stop reading (0: skip W5).
    #[arg(long, default_value_t = 0.01)]
    pub w5_fraction: f64,
    /// W5 messages (sent at the W2a rate).
    #[arg(long, default_value_t = 100)]
    pub w5_count: u64,
    /// Backchannel's outbound queue cap for the whole run (server default when absent).
    #[arg(long)]
    pub queue_bytes: Option<usize>,
    /// W5 at the queue cap (Backchannel only; 0: skip): subscribers. On
    /// loopback the kernel absorbs ~3 MB per stalled socket before the server
    /// sees backpressure, so W2a's 100 small notes never reach the cap; this
    /// run sends large notes to a smaller audience to show the drop.
    #[arg(long, default_value_t = 100)]
    pub w5_cap_conns: usize,
    /// W5 at the queue cap: note body size.
    #[arg(long, default_value_t = 8000)]
    pub w5_cap_payload: usize,
    /// W5 at the queue cap: notes (sent at the W2b rate), before and after the stall.
    #[arg(long, default_value_t = 500)]
    pub w5_cap_count: u64,
    /// W5 at the queue cap: Backchannel's queue cap (server default when absent).
    #[arg(long)]
    pub w5_cap_queue_bytes: Option<usize>,
    /// Skip W3 (vote storm).
    #[arg(long)]
    pub skip_w3: bool,
    /// Skip W4 (reconnect storm).
    #[arg(long)]
    pub skip_w4: bool,
    /// W3 stress: offered votes per second.
    #[arg(long, default_value_t = 50_000.0)]
    pub w3_stress_rate: f64,
    /// W3 stress: votes per attendee.
    #[arg(long, default_value_t = 5)]
    pub w3_stress_rounds: usize,
    /// Skip W6 (two nodes on PostgreSQL and Redis).
    #[arg(long)]
    pub skip_w6: bool,
    /// W6: the PostgreSQL database the nodes share (the run creates and drops a schema in it).
    #[arg(long, default_value = "postgres://root@127.0.0.1:5432/test")]
    pub w6_database_url: String,
    /// W6: the Redis between the nodes (the run uses its own channel prefix).
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    pub w6_redis_url: String,
    /// W4: seconds of notes (10/s); the server restarts after a quarter of it.
    #[arg(long, default_value_t = 12)]
    pub w4_secs: u64,
    /// Core for the server (`taskset`); negative: no pinning.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub server_core: i64,
    /// Core for the load client; negative: no pinning.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    pub client_core: i64,
    /// Where the backchannel binary is.
    #[arg(long, default_value = "target/release")]
    pub bin_dir: PathBuf,
    /// The peers' folder (package.json, servers).
    #[arg(long, default_value = "bench/peers")]
    pub peers_dir: PathBuf,
    /// sockudo's binary (bench/.tools/bin/sockudo after `cargo install`).
    #[arg(long, default_value = "bench/.tools/bin/sockudo")]
    pub sockudo: PathBuf,
    /// Folder for the JSON results (none: do not write).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Regenerate this Markdown file with the results.
    #[arg(long)]
    pub docs: Option<PathBuf>,
    /// Scratch folder (databases, logs, tokens).
    #[arg(long, default_value = "/tmp/backchannel-bench")]
    pub work: PathBuf,
    /// The command line to print in the results (defaults to this one).
    #[arg(long)]
    pub command: Option<String>,
    /// Exit non-zero when any message was lost, duplicated or out of order.
    #[arg(long)]
    pub strict: bool,
}
