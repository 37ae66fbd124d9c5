//! The node's background work: coalesced counters, reaction flushes,
//! heartbeats, retention, attendance peaks and webhook deliveries.
//!
//! Counters and reactions run on demand: their task sleeps until something
//! changed, then works at most once per period. An idle node (10k quiet
//! sockets, no votes) therefore wakes only for the once-a-second heartbeat
//! and the slow pollers, instead of 14 timer wake-ups a second.

use std::future::Future;
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::state::AppState;
use crate::{commands, domain, export, hub, webhooks};

/// Start the background tasks; they stop at shutdown.
pub fn spawn(state: &AppState) {
    let s = state.clone();
    tokio::spawn(async move {
        let (signal, shutdown) = (s.hub().changes(), s.shutdown().clone());
        on_demand(signal, hub::TICK, &shutdown, || async { s.hub().tick() }).await;
    });
    let s = state.clone();
    tokio::spawn(async move {
        let (signal, shutdown) = (s.reactions().counted(), s.shutdown().clone());
        on_demand(signal, commands::reactions::FLUSH_EVERY, &shutdown, || {
            commands::reactions::flush(&s)
        })
        .await;
    });
    let s = state.clone();
    tokio::spawn(async move {
        let interval = s.config().heartbeat_interval();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut seconds = 0u64;
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    seconds += 1;
                    s.hub().heartbeat(domain::time::now_ms(), interval * 3, seconds, interval.as_secs());
                    // Retention: one second after start, then hourly.
                    if seconds % 3600 == 1 {
                        match commands::privacy::apply_retention(&s).await {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(attendees = n, "retention: removed personal data of ended events"),
                            Err(err) => tracing::warn!(error = %err.message, "retention pass failed"),
                        }
                    }
                    if seconds.is_multiple_of(60) {
                        s.rate_limits().prune();
                    }
                }
                _ = s.shutdown().cancelled() => break,
            }
        }
    });
    tokio::spawn(export::attendance::run(state.clone()));
    tokio::spawn(webhooks::worker::run(state.clone()));
}

/// Run `work` each time `signal` fires, at most once per `period`, until
/// shutdown. A signal that fires while `work` runs or during the pause is
/// kept (a `Notify` permit), so no change waits longer than one period.
async fn on_demand<F, Fut>(signal: &Notify, period: Duration, shutdown: &CancellationToken, work: F)
where
    F: Fn() -> Fut,
    Fut: Future,
{
    loop {
        tokio::select! {
            _ = signal.notified() => {}
            _ = shutdown.cancelled() => return,
        }
        work().await;
        tokio::select! {
            _ = tokio::time::sleep(period) => {}
            _ = shutdown.cancelled() => return,
        }
    }
}
