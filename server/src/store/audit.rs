//! Rows of `audit_log`: who moderated what, and when.

use serde::Serialize;
use utoipa::ToSchema;

use super::sql::{SqlConn, StoreResult};
use crate::params;

/// One moderation action.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Identifier.
    pub id: String,
    /// The session, if the action was in one.
    pub session_id: Option<String>,
    /// Role of whoever acted (`speaker`, `organizer`, `admin`).
    pub actor: String,
    /// What they did, e.g. `question.hide`.
    pub action: String,
    /// What it was done to, e.g. `question:ID`.
    pub target: String,
    /// Context (e.g. the question's text at the time).
    pub detail: String,
    /// When (RFC 3339).
    #[serde(with = "crate::domain::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
}

/// Record an action.
#[allow(clippy::too_many_arguments)]
pub fn record(
    conn: &mut dyn SqlConn,
    event_id: &str,
    session_id: Option<&str>,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
    now: i64,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO audit_log (id, event_id, session_id, actor, action, target, detail, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        params![crate::domain::ids::new_id(), event_id, session_id, actor, action, target, detail, now],
    )?;
    Ok(())
}

/// An event's audit log, oldest first.
pub fn list(conn: &mut dyn SqlConn, event_id: &str) -> StoreResult<Vec<AuditEntry>> {
    conn.query(
        "SELECT id, session_id, actor, action, target, detail, created_at FROM audit_log
          WHERE event_id = ? ORDER BY created_at, id",
        params![event_id],
    )?
    .iter()
    .map(|r| {
        Ok(AuditEntry {
            id: r.text(0)?,
            session_id: r.opt_text(1)?,
            actor: r.text(2)?,
            action: r.text(3)?,
            target: r.text(4)?,
            detail: r.text(5)?,
            created_at: r.int(6)?,
        })
    })
    .collect()
}
