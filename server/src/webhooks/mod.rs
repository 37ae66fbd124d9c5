//! Webhooks: an organizer registers URLs per event and receives
//! `session.ended` and `event.exported` as signed JSON POSTs.
//!
//! Notifications are queued in the store's outbox in the same transaction as
//! what caused them (see [`crate::store::webhooks`]); the delivery task
//! ([`worker`]) posts them after the commit, off the command path, and
//! retries failures with exponential backoff up to [`worker::MAX_ATTEMPTS`]
//! times. Each delivery's state, attempts and last error are listed for the
//! organizer. Bodies are signed with HMAC-SHA256 under the webhook's secret:
//! `X-Backchannel-Signature: sha256=<hex>` over the raw body.

pub mod manage;
pub mod worker;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::domain::time::to_rfc3339;
use crate::error::{AppError, AppResult};
use crate::store::sql::SqlConn;
use crate::store::{Tx, notes, polls, questions, sessions, webhooks};

/// A session ended; its takeaways pack is ready.
pub const SESSION_ENDED: &str = "session.ended";
/// An event's highlights were exported.
pub const EVENT_EXPORTED: &str = "event.exported";
/// Every kind a webhook can receive.
pub const KINDS: &[&str] = &[SESSION_ENDED, EVENT_EXPORTED];

/// The signature header's value for `body` under `secret`: `sha256=<hex>`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Whether `signature` (a header value) is `body` signed under `secret`, in constant time.
pub fn verify(secret: &str, body: &[u8], signature: &str) -> bool {
    let Some(hex_sig) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let Ok(bytes) = hex::decode(hex_sig) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    mac.verify_slice(&bytes).is_ok()
}

/// A notification body: `{id, type, created_at, event_id, data}`.
fn envelope(kind: &str, event_id: &str, now: i64, data: Value) -> String {
    json!({
        "id": crate::domain::ids::new_id(),
        "type": kind,
        "created_at": to_rfc3339(now),
        "event_id": event_id,
        "data": data,
    })
    .to_string()
}

/// Links to a session's pack, relative to the server's public URL.
fn session_links(event_id: &str, session_id: &str) -> Value {
    let export = |f: &str| format!("/api/v1/sessions/{session_id}/export?format={f}");
    json!({
        "md": export("md"), "json": export("json"), "csv": export("csv"), "html": export("html"),
        "archive": format!("/archive/{event_id}/{session_id}"),
    })
}

/// Queue `session.ended` for the event's webhooks (inside the ending transaction).
pub fn session_ended(tx: &mut Tx<'_>, session_id: &str) -> AppResult<()> {
    let data = session_summary(tx.conn, session_id)?;
    let event_id = data["session"]["event_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let body = envelope(SESSION_ENDED, &event_id, tx.now, data);
    webhooks::enqueue(tx.conn, &event_id, SESSION_ENDED, &body, tx.now)?;
    Ok(())
}

fn session_summary(conn: &mut dyn SqlConn, session_id: &str) -> AppResult<Value> {
    let row = sessions::get(conn, session_id)?.ok_or_else(|| AppError::not_found("session"))?;
    let v = &row.view;
    let visible = questions::list(conn, session_id, false)?;
    let note_list = notes::list(conn, session_id)?;
    let poll_count = polls::list(conn, session_id, false)?.len();
    Ok(json!({
        "session": {
            "id": v.id, "event_id": v.event_id, "title": v.title, "track": v.track, "room": v.room,
            "started_at": v.started_at.map(to_rfc3339), "ended_at": v.ended_at.map(to_rfc3339),
        },
        "summary": {
            "questions": visible.len(),
            "answered": visible.iter().filter(|q| q.view.answered).count(),
            "notes": note_list.len(),
            "key_takeaways": note_list.iter().filter(|n| n.takeaway).count(),
            "polls": poll_count,
            "peak_attendance": row.peak_attendance,
            "total_attendance": sessions::total_attendance(conn, session_id)?,
        },
        "links": session_links(&v.event_id, &v.id),
    }))
}

/// Queue `event.exported` for the event's webhooks; returns how many were queued.
pub fn event_exported(
    conn: &mut dyn SqlConn,
    event_id: &str,
    format: &str,
    sessions_exported: usize,
    via: &str,
    now: i64,
) -> AppResult<usize> {
    let data = json!({
        "format": format,
        "sessions": sessions_exported,
        "via": via,
        "links": {
            "export": format!("/api/v1/events/{event_id}/export?format={format}"),
            "archive": format!("/archive/{event_id}"),
        },
    });
    let body = envelope(EVENT_EXPORTED, event_id, now, data);
    Ok(webhooks::enqueue(
        conn,
        event_id,
        EVENT_EXPORTED,
        &body,
        now,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify() {
        // RFC 4231 test case 2.
        let sig = sign("Jefe", b"what do ya want for nothing?");
        assert_eq!(
            sig,
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(verify("Jefe", b"what do ya want for nothing?", &sig));
        assert!(!verify("Jefe", b"what do ya want for nothing!", &sig));
        assert!(!verify("other", b"what do ya want for nothing?", &sig));
        assert!(!verify("Jefe", b"x", "md5=00"));
    }
}
