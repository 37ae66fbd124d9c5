//! Backchannel: a self-hosted live-engagement server for virtual conferences.
//!
//! One binary: a websocket hub that fans out live session notes, Q&A and
//! polls to remote attendees over one ordered, resumable stream per session,
//! a small web client, and exports of the highlights.
//!
//! # Map of the crate
//!
//! | module | owns |
//! |---|---|
//! | [`config`] | flags and environment twins, secrets that never print |
//! | [`domain`] | ids, tokens, roles, resource types and their validation, stream vocabulary |
//! | [`background`] | the node's periodic and on-demand work: counter ticks, heartbeats, reaction flushes, retention |
//! | [`commands`] | every action, checked and applied once for REST and websocket alike |
//! | [`store`] | the storage interface, SQLite backend, migrations, group-commit writer |
//! | [`hub`] | rooms, encode-once fanout, per-connection outboxes, coalesced counters |
//! | [`ws`] | the websocket: handshake, frame codec, protocol messages, the connection loop |
//! | [`http`] | REST routes (one resource per file), OpenAPI, health, metrics, web assets |
//! | [`export`] | highlights (takeaways packs) and their Markdown, JSON, CSV and HTML exports |
//! | [`schedule`] | pretalx / frab schedule import and export |
//! | [`share`] | permalinks of published takeaways, their share cards and pages, speaker pages |
//! | [`webhooks`] | signed notifications to organizers' URLs, delivered from an outbox |
//! | [`server`] | the TCP listener: connection caps, HTTP/1.1 with upgrades, timeouts |
//!
//! Start with [`run`]: it takes a bound listener and a shutdown future, which is
//! the seam the integration tests use.

// One audited exception: the fanout's cache prefetch hint (hub/prefetch.rs).
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod background;
pub mod commands;
pub mod config;
pub mod domain;
pub mod error;
pub mod export;
pub mod http;
pub mod hub;
pub mod metrics;
pub mod schedule;
pub mod server;
pub mod share;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod webhooks;
pub mod ws;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::Config;
pub use state::AppState;

/// How long shutdown waits for websocket tasks to say goodbye.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Open the store and assemble the state. Returns the admin token if one was
/// generated just now (to be shown once).
pub async fn build(
    config: Config,
    public_url: String,
    shutdown: CancellationToken,
) -> anyhow::Result<(AppState, Option<String>)> {
    let metrics = Arc::new(metrics::Metrics::new());
    let hub = hub::Hub::new(metrics.clone());
    let broker = config.redis_url.as_ref().map(|url| {
        hub::broker::redis::RedisBroker::new(
            hub.clone(),
            hub::broker::redis::RedisSettings {
                url: url.expose().to_string(),
                prefix: config.redis_prefix.clone(),
                node: config
                    .node_id
                    .clone()
                    .unwrap_or_else(|| domain::ids::new_id()[24..].to_string()),
            },
        )
    });
    let sink: Arc<dyn store::CommitSink> = match &broker {
        Some((b, _)) => b.clone(),
        None => Arc::new(hub.clone()),
    };
    let store = store::Store::open(&config.database_url, sink, metrics.clone())
        .map_err(|e| anyhow::anyhow!(e.message))
        .with_context(|| format!("opening the store at {}", config.database_url))?;
    let broker = match broker {
        Some((b, tasks)) => {
            b.start(tasks, store.clone(), shutdown.clone())
                .context("starting the Redis broker")?;
            Some(b)
        }
        None => None,
    };
    let (admin_hash, generated) =
        commands::admin::bootstrap_admin(&store, config.admin_token.as_ref())
            .await
            .map_err(|e| anyhow::anyhow!(e.message))
            .context("setting up the admin token")?;
    let state = AppState::new(state::Parts {
        config,
        store,
        hub,
        metrics,
        admin_hash,
        public_url,
        shutdown,
        broker,
    });
    Ok((state, generated))
}

/// Run the server on `listener` until `shutdown` resolves, then close every
/// websocket with 1001 and wait (bounded) for their tasks to finish.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener
        .local_addr()
        .context("reading the listener's address")?;
    let public_url = config
        .public_url
        .clone()
        .map(|u| u.trim_end_matches('/').to_string())
        .unwrap_or_else(|| format!("http://{addr}"));
    let token = CancellationToken::new();
    let (state, generated) = build(config, public_url.clone(), token.clone()).await?;
    if let Some(admin) = generated {
        println!(
            "\n  Backchannel generated an admin token (shown once; only its hash is stored).\n  \
             Organizer dashboard sign-in: {public_url}/admin#token={admin}\n"
        );
    }
    tracing::info!(%addr, store = %state.store().url(), "backchannel listening");

    let signal = token.clone();
    tokio::spawn(async move {
        shutdown.await;
        signal.cancel();
    });
    background::spawn(&state);

    let app = http::app(state.clone());
    server::serve(listener, app, state.clone()).await;

    tracing::info!("shutting down: closing websockets");
    state.hub().close_all(ws::frame::close::GOING_AWAY);
    state.tasks().close();
    if tokio::time::timeout(SHUTDOWN_GRACE, state.tasks().wait())
        .await
        .is_err()
    {
        tracing::warn!("some websocket tasks did not finish within the grace period");
    }
    commands::reactions::flush(&state).await;
    Ok(())
}
