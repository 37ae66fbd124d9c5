//! The delivery task: claims due deliveries from the outbox, POSTs them
//! (several at once, each bounded by [`REQUEST_TIMEOUT`]), and records the
//! outcome. A failure is retried after 1 s, 2 s, 4 s… (at most
//! [`MAX_DELAY`] apart), [`MAX_ATTEMPTS`] times in all; then it is marked
//! `failed`. It runs beside the server and never blocks a command.

use std::time::Duration;

use crate::domain::time::now_ms;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::Store;
use crate::store::webhooks::{self, Attempt, Claimed};

/// How often the outbox is checked for due deliveries.
pub const POLL_EVERY: Duration = Duration::from_secs(1);
/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i64 = 10;
/// The first retry's delay; each further one doubles it.
pub const FIRST_RETRY: Duration = Duration::from_secs(1);
/// The longest wait between two attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(3600);
/// How long a receiver has to answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries attempted at once.
const BATCH: i64 = 16;
/// How long a claim keeps other nodes off a delivery.
const LEASE: Duration = Duration::from_secs(60);
/// Longest error text kept.
const ERROR_MAX: usize = 300;

/// The delay before attempt `attempts + 1`, after `attempts` failed ones.
pub fn backoff(attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 30) - 1).unwrap_or(0);
    FIRST_RETRY
        .saturating_mul(2u32.saturating_pow(exp))
        .min(MAX_DELAY)
}

/// The HTTP client deliveries go out with: rustls with the platform's
/// roots, no redirects followed, bounded time.
pub fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("Backchannel-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// POST one delivery and say how it went.
pub async fn attempt(client: &reqwest::Client, delivery: &Claimed, now: i64) -> Attempt {
    let signature = super::sign(&delivery.secret, delivery.payload.as_bytes());
    let sent = client
        .post(&delivery.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Backchannel-Event", &delivery.kind)
        .header("X-Backchannel-Delivery", &delivery.id)
        .header("X-Backchannel-Timestamp", (now / 1000).to_string())
        .header("X-Backchannel-Signature", signature)
        .body(delivery.payload.clone())
        .send()
        .await;
    let (status, error) = match sent {
        Ok(resp) if resp.status().is_success() => (Some(i64::from(resp.status().as_u16())), None),
        Ok(resp) => (
            Some(i64::from(resp.status().as_u16())),
            Some(format!("the receiver answered {}", resp.status())),
        ),
        Err(err) => (None, Some(describe(&err))),
    };
    let attempts = delivery.attempts + 1;
    let retry_at = (error.is_some() && attempts < MAX_ATTEMPTS)
        .then(|| now + i64::try_from(backoff(attempts).as_millis()).unwrap_or(i64::MAX / 2));
    Attempt {
        status,
        error: error.map(|e| e.chars().take(ERROR_MAX).collect()),
        retry_at,
    }
}

/// An error for the organizer: what failed, without the URL's query (which may hold a key).
fn describe(err: &reqwest::Error) -> String {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_request() {
        "request failed"
    } else {
        "failed"
    };
    let mut source = std::error::Error::source(err);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        what.to_string()
    } else {
        format!("{what}: {detail}")
    }
}

/// One pass: claim what is due, send it, record the outcomes. Returns how many were attempted.
pub async fn pass(store: &Store, client: &reqwest::Client) -> AppResult<usize> {
    let now = now_ms();
    let due = store
        .read(move |conn| Ok(webhooks::due(conn, now, BATCH)?))
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let lease = now + i64::try_from(LEASE.as_millis()).unwrap_or(60_000);
    let claimed = store
        .write(move |tx| {
            let mut out = Vec::new();
            for id in &due {
                if let Some(c) = webhooks::claim(tx.conn, id, tx.now, lease)? {
                    out.push(c);
                }
            }
            Ok(out)
        })
        .await?;
    let outcomes = futures_util::future::join_all(claimed.iter().map(|d| async move {
        let outcome = attempt(client, d, now_ms()).await;
        if let Some(err) = &outcome.error {
            tracing::warn!(delivery = %d.id, kind = %d.kind, attempt = d.attempts + 1, error = %err,
                "webhook delivery failed");
        }
        (d.id.clone(), outcome)
    }))
    .await;
    let n = outcomes.len();
    store
        .write(move |tx| {
            for (id, outcome) in &outcomes {
                webhooks::record(tx.conn, id, outcome, tx.now)?;
            }
            Ok(())
        })
        .await?;
    Ok(n)
}

/// Deliver until shutdown.
pub async fn run(state: AppState) {
    let client = match client() {
        Ok(c) => c,
        Err(err) => {
            tracing::error!(error = %err, "webhooks disabled: cannot build the HTTP client");
            return;
        }
    };
    let mut tick = tokio::time::interval(POLL_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(err) = pass(state.store(), &client).await {
                    log_pass_error(&err);
                }
            }
            _ = state.shutdown().cancelled() => break,
        }
    }
}

fn log_pass_error(err: &AppError) {
    tracing::warn!(error = %err.message, "webhook delivery pass failed");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(5), Duration::from_secs(16));
        assert_eq!(backoff(40), MAX_DELAY);
    }
}
