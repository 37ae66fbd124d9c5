//! Rows of `webhooks` (an event's registered receivers) and
//! `webhook_deliveries` (the outbox the delivery task works through).
//!
//! A delivery row is written in the same transaction as what caused it (a
//! session ending, an export), so a notification is never lost nor sent for
//! something that was rolled back. Nodes claim a due delivery with a lease
//! (`locked_until`), so two nodes never post the same attempt.

use serde::Serialize;
use utoipa::ToSchema;

use super::sql::{Row, SqlConn, StoreResult};
use crate::params;

/// A registered receiver, as the API shows it (never with its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Webhook {
    /// Identifier.
    pub id: String,
    /// The event it belongs to.
    pub event_id: String,
    /// Where deliveries are POSTed (http or https).
    pub url: String,
    /// The kinds it receives: `session.ended`, `event.exported`.
    pub kinds: Vec<String>,
    /// Registered at (RFC 3339).
    #[serde(with = "crate::domain::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    /// Identifier (also sent as `X-Backchannel-Delivery`).
    pub id: String,
    /// The receiver.
    pub webhook_id: String,
    /// The receiver's URL.
    pub url: String,
    /// What happened: `session.ended` or `event.exported`.
    pub kind: String,
    /// `pending` (waiting for its next attempt), `delivered` or `failed` (gave up).
    pub state: String,
    /// Attempts made so far.
    pub attempts: i64,
    /// The next attempt (RFC 3339), while pending.
    #[serde(with = "crate::domain::time::opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<i64>,
    /// HTTP status of the last attempt, if the receiver answered.
    pub last_status: Option<i64>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Queued at (RFC 3339).
    #[serde(with = "crate::domain::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    /// Delivered at (RFC 3339).
    #[serde(with = "crate::domain::time::opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<i64>,
}

/// A delivery claimed for one attempt, with what is needed to send it.
#[derive(Clone)]
pub struct Claimed {
    /// Delivery id.
    pub id: String,
    /// Target URL.
    pub url: String,
    /// The HMAC key (never logged).
    pub secret: String,
    /// Kind of notification.
    pub kind: String,
    /// The JSON body, byte for byte what is signed and sent.
    pub payload: String,
    /// Attempts before this one.
    pub attempts: i64,
}

impl std::fmt::Debug for Claimed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claimed")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("kind", &self.kind)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

fn webhook(row: &Row) -> StoreResult<Webhook> {
    Ok(Webhook {
        id: row.text(0)?,
        event_id: row.text(1)?,
        url: row.text(2)?,
        kinds: row.json(3)?,
        created_at: row.int(4)?,
    })
}

/// Register a receiver.
pub fn insert(conn: &mut dyn SqlConn, hook: &Webhook, secret: &str) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO webhooks (id, event_id, url, secret, kinds, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        params![
            &hook.id,
            &hook.event_id,
            &hook.url,
            secret,
            serde_json::to_string(&hook.kinds).unwrap_or_else(|_| "[]".into()),
            hook.created_at
        ],
    )?;
    Ok(())
}

/// An event's receivers, oldest first.
pub fn list(conn: &mut dyn SqlConn, event_id: &str) -> StoreResult<Vec<Webhook>> {
    conn.query(
        "SELECT id, event_id, url, kinds, created_at FROM webhooks WHERE event_id = ? ORDER BY created_at, id",
        params![event_id],
    )?
    .iter()
    .map(webhook)
    .collect()
}

/// Remove a receiver (and its deliveries); returns whether it existed.
pub fn delete(conn: &mut dyn SqlConn, event_id: &str, id: &str) -> StoreResult<bool> {
    Ok(conn.execute(
        "DELETE FROM webhooks WHERE id = ? AND event_id = ?",
        params![id, event_id],
    )? > 0)
}

/// Queue `payload` for every receiver of `event_id` that takes `kind`;
/// returns how many deliveries were queued.
pub fn enqueue(
    conn: &mut dyn SqlConn,
    event_id: &str,
    kind: &str,
    payload: &str,
    now: i64,
) -> StoreResult<usize> {
    let hooks = list(conn, event_id)?;
    let mut queued = 0;
    for hook in hooks.iter().filter(|h| h.kinds.iter().any(|k| k == kind)) {
        conn.execute(
            "INSERT INTO webhook_deliveries (id, webhook_id, event_id, kind, payload, state, attempts,
                                             next_attempt_at, created_at)
             VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
            params![
                crate::domain::ids::new_id(),
                &hook.id,
                event_id,
                kind,
                payload,
                now,
                now
            ],
        )?;
        queued += 1;
    }
    Ok(queued)
}

/// An event's most recent deliveries, newest first.
pub fn deliveries(
    conn: &mut dyn SqlConn,
    event_id: &str,
    limit: i64,
) -> StoreResult<Vec<Delivery>> {
    conn.query(
        "SELECT d.id, d.webhook_id, w.url, d.kind, d.state, d.attempts, d.next_attempt_at, d.last_status,
                d.last_error, d.created_at, d.delivered_at
           FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
          WHERE d.event_id = ? ORDER BY d.created_at DESC, d.id DESC LIMIT ?",
        params![event_id, limit],
    )?
    .iter()
    .map(|r| {
        let state = r.text(4)?;
        Ok(Delivery {
            id: r.text(0)?,
            webhook_id: r.text(1)?,
            url: r.text(2)?,
            kind: r.text(3)?,
            next_attempt_at: if state == "pending" { Some(r.int(6)?) } else { None },
            state,
            attempts: r.int(5)?,
            last_status: r.opt_int(7)?,
            last_error: r.opt_text(8)?,
            created_at: r.int(9)?,
            delivered_at: r.opt_int(10)?,
        })
    })
    .collect()
}

/// Ids of deliveries due for an attempt at `now` and not leased by a node.
pub fn due(conn: &mut dyn SqlConn, now: i64, limit: i64) -> StoreResult<Vec<String>> {
    conn.query(
        "SELECT id FROM webhook_deliveries
          WHERE state = 'pending' AND next_attempt_at <= ? AND (locked_until IS NULL OR locked_until < ?)
          ORDER BY next_attempt_at, id LIMIT ?",
        params![now, now, limit],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// Lease a due delivery until `lease_until`; None if another node has it or it is no longer due.
pub fn claim(
    conn: &mut dyn SqlConn,
    id: &str,
    now: i64,
    lease_until: i64,
) -> StoreResult<Option<Claimed>> {
    let leased = conn.execute(
        "UPDATE webhook_deliveries SET locked_until = ?
          WHERE id = ? AND state = 'pending' AND next_attempt_at <= ?
            AND (locked_until IS NULL OR locked_until < ?)",
        params![lease_until, id, now, now],
    )?;
    if leased == 0 {
        return Ok(None);
    }
    conn.query_opt(
        "SELECT d.id, w.url, w.secret, d.kind, d.payload, d.attempts
           FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = ?",
        params![id],
    )?
    .map(|r| {
        Ok(Claimed {
            id: r.text(0)?,
            url: r.text(1)?,
            secret: r.text(2)?,
            kind: r.text(3)?,
            payload: r.text(4)?,
            attempts: r.int(5)?,
        })
    })
    .transpose()
}

/// The outcome of one attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// HTTP status, if the receiver answered.
    pub status: Option<i64>,
    /// Why it failed (None: delivered).
    pub error: Option<String>,
    /// When to try again (None with an error: give up).
    pub retry_at: Option<i64>,
}

/// Record an attempt and release the lease.
pub fn record(conn: &mut dyn SqlConn, id: &str, attempt: &Attempt, now: i64) -> StoreResult<()> {
    let (state, next) = match (&attempt.error, attempt.retry_at) {
        (None, _) => ("delivered", now),
        (Some(_), Some(at)) => ("pending", at),
        (Some(_), None) => ("failed", now),
    };
    conn.execute(
        "UPDATE webhook_deliveries
            SET state = ?, attempts = attempts + 1, next_attempt_at = ?, locked_until = NULL,
                last_status = ?, last_error = ?, delivered_at = ?
          WHERE id = ?",
        params![
            state,
            next,
            attempt.status,
            attempt.error.clone(),
            (state == "delivered").then_some(now),
            id
        ],
    )?;
    Ok(())
}
