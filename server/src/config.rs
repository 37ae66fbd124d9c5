//! Server configuration: command-line flags, each with an environment twin.
//!
//! Every option has a sensible default so `backchannel` starts with no setup:
//! 127.0.0.1:8080, a SQLite database under ./data, a generated admin token.
//! Secrets ([`Secret`]) never print, not even in `Debug` output.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, ValueEnum};

/// A value that must never appear in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() {
            return Err("must not be empty".into());
        }
        Ok(Secret(s.to_string()))
    }
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Everything the server needs to run. Parsed by clap; built directly by tests.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(
        global = true,
        long,
        env = "BACKCHANNEL_BIND",
        default_value = "127.0.0.1:8080"
    )]
    pub bind: SocketAddr,

    /// Store location: `sqlite://PATH` (created on first start) or `postgres://…`.
    #[arg(
        global = true,
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://./data/backchannel.db",
        hide_env_values = true
    )]
    pub database_url: DatabaseUrl,

    /// Admin token for creating events. When unset, one is generated on first
    /// start, only its hash is stored, and a sign-in URL is printed once.
    #[arg(
        global = true,
        long,
        env = "BACKCHANNEL_ADMIN_TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<Secret>,

    /// Origins allowed to open the websocket, comma-separated, exact match
    /// (e.g. `https://live.example.org`). Empty: same origin only.
    #[arg(
        global = true,
        long,
        env = "BACKCHANNEL_ALLOWED_ORIGINS",
        value_delimiter = ',',
        num_args = 0..
    )]
    pub allowed_origins: Vec<String>,

    /// Public base URL used in printed and exported links (defaults to http://BIND).
    #[arg(global = true, long, env = "BACKCHANNEL_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Log format.
    #[arg(
        global = true,
        long,
        env = "BACKCHANNEL_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    pub log_format: LogFormat,

    /// Largest websocket message or REST body accepted, in bytes.
    #[arg(global = true, long, env = "BACKCHANNEL_MAX_MESSAGE_BYTES", default_value_t = 64 * 1024)]
    pub max_message_bytes: usize,

    /// Bytes queued for one slow websocket client before it is disconnected (close 4000).
    #[arg(global = true, long, env = "BACKCHANNEL_OUTBOUND_QUEUE_BYTES", default_value_t = 512 * 1024)]
    pub outbound_queue_bytes: usize,

    /// Seconds between heartbeat pings; a client silent for three intervals is closed
    /// (at its next turn, so within four).
    #[arg(
        global = true,
        long,
        env = "BACKCHANNEL_HEARTBEAT_SECS",
        default_value_t = 30
    )]
    pub heartbeat_secs: u64,

    /// Most open connections (HTTP and websocket) at once.
    #[arg(
        global = true,
        long,
        env = "BACKCHANNEL_MAX_CONNECTIONS",
        default_value_t = 100_000
    )]
    pub max_connections: usize,

    /// Most open connections from one IP address.
    #[arg(
        global = true,
        long,
        env = "BACKCHANNEL_MAX_CONNECTIONS_PER_IP",
        default_value_t = 20_000
    )]
    pub max_connections_per_ip: usize,

    /// Events a reconnecting client may be replayed; beyond that it gets a snapshot.
    #[arg(
        global = true,
        long,
        env = "BACKCHANNEL_REPLAY_LIMIT",
        default_value_t = 5_000
    )]
    pub replay_limit: u64,

    /// Redis for cross-node fanout (`redis://host:6379`). Unset: one node, in-process.
    #[arg(
        global = true,
        long,
        env = "BACKCHANNEL_REDIS_URL",
        hide_env_values = true
    )]
    pub redis_url: Option<Secret>,

    /// Namespace of this deployment's Redis channel.
    #[arg(
        global = true,
        long,
        env = "BACKCHANNEL_REDIS_PREFIX",
        default_value = "backchannel"
    )]
    pub redis_prefix: String,

    /// This node's name in logs and between nodes (default: random).
    #[arg(global = true, long, env = "BACKCHANNEL_NODE_ID")]
    pub node_id: Option<String>,

    /// Tokio worker threads (default: one per core).
    #[arg(global = true, long, env = "BACKCHANNEL_WORKER_THREADS")]
    pub worker_threads: Option<usize>,
}

impl Config {
    /// A configuration for tests and embedding: an ephemeral port and the given store.
    pub fn for_store(database_url: DatabaseUrl) -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url,
            admin_token: None,
            allowed_origins: Vec::new(),
            public_url: None,
            log_format: LogFormat::Text,
            max_message_bytes: 64 * 1024,
            outbound_queue_bytes: 512 * 1024,
            heartbeat_secs: 30,
            max_connections: 100_000,
            max_connections_per_ip: 20_000,
            replay_limit: 5_000,
            redis_url: None,
            redis_prefix: "backchannel".into(),
            node_id: None,
            worker_threads: None,
        }
    }

    /// The heartbeat period.
    pub fn heartbeat_interval(&self) -> Duration {
        Duration::from_secs(self.heartbeat_secs.max(1))
    }
}

/// Where the store lives. `Debug` and `Display` hide any password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file (created with its parent directory if missing).
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL connection string.
    Postgres(Secret),
}

impl std::str::FromStr for DatabaseUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(path) = s.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(
                    "sqlite:// needs a file path, e.g. sqlite://./data/backchannel.db".into(),
                );
            }
            Ok(DatabaseUrl::Sqlite(path.into()))
        } else if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Ok(DatabaseUrl::Postgres(Secret(s.to_string())))
        } else {
            Err("expected sqlite://PATH or postgres://USER@HOST/DB".into())
        }
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => {
                // Show scheme, host and database, never the password.
                let s = url.expose();
                let after_scheme = s.split_once("://").map(|(_, rest)| rest).unwrap_or(s);
                let host_part = after_scheme
                    .rsplit_once('@')
                    .map(|(_, host)| host)
                    .unwrap_or(after_scheme);
                write!(f, "postgres://***@{host_part}")
            }
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_password_never_prints() {
        let url: DatabaseUrl = "postgres://app:hunter2hunter2@db:5432/bc".parse().unwrap();
        assert_eq!(format!("{url}"), "postgres://***@db:5432/bc");
        assert!(!format!("{url:?}").contains("hunter2"));
    }

    #[test]
    fn unknown_scheme_is_a_clear_error() {
        let err = "mysql://x".parse::<DatabaseUrl>().unwrap_err();
        assert!(err.contains("sqlite://"), "{err}");
    }

    #[test]
    fn secret_debug_is_masked() {
        let s: Secret = "0123456789abcdef-secret".parse().unwrap();
        assert_eq!(format!("{s:?}"), "Secret(***)");
    }
}
