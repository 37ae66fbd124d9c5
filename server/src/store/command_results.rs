//! Rows of `command_results`: the first answer to each (caller, command id).

use super::sql::{SqlConn, StoreResult};
use crate::params;

/// The stored answer for this caller's command id, as JSON text.
pub fn find(conn: &mut dyn SqlConn, actor: &str, command_id: &str) -> StoreResult<Option<String>> {
    conn.query_opt(
        "SELECT result FROM command_results WHERE actor = ? AND command_id = ?",
        params![actor, command_id],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// Remember the answer.
pub fn record(
    conn: &mut dyn SqlConn,
    actor: &str,
    command_id: &str,
    result: &str,
    now: i64,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO command_results (actor, command_id, result, created_at) VALUES (?, ?, ?, ?)",
        params![actor, command_id, result, now],
    )?;
    Ok(())
}

/// Forget answers older than `before` (retries come within minutes, not days).
pub fn prune(conn: &mut dyn SqlConn, before: i64) -> StoreResult<u64> {
    conn.execute(
        "DELETE FROM command_results WHERE created_at < ?",
        params![before],
    )
}
