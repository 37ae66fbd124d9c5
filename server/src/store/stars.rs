//! Rows of the `stars` table: the notes and answered questions an attendee
//! saved to "my takeaways". Private to that attendee.

use super::sql::{SqlConn, StoreResult};
use crate::params;

/// Star (or unstar) a target; returns whether anything changed.
pub fn set(
    conn: &mut dyn SqlConn,
    attendee_id: &str,
    kind: &str,
    target_id: &str,
    starred: bool,
    now: i64,
) -> StoreResult<bool> {
    let changed = if starred {
        conn.execute(
            "INSERT INTO stars (attendee_id, target_kind, target_id, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (attendee_id, target_kind, target_id) DO NOTHING",
            params![attendee_id, kind, target_id, now],
        )?
    } else {
        conn.execute(
            "DELETE FROM stars WHERE attendee_id = ? AND target_kind = ? AND target_id = ?",
            params![attendee_id, kind, target_id],
        )?
    };
    Ok(changed > 0)
}

/// An attendee's stars, oldest first: (kind, target id, starred at).
pub fn list(conn: &mut dyn SqlConn, attendee_id: &str) -> StoreResult<Vec<(String, String, i64)>> {
    conn.query(
        "SELECT target_kind, target_id, created_at FROM stars WHERE attendee_id = ?
          ORDER BY created_at, target_kind, target_id",
        params![attendee_id],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.text(1)?, r.int(2)?)))
    .collect()
}
