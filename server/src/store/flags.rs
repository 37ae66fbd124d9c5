//! Rows of the `flags` table (attendees' reports to moderators) and the
//! attendees' code-of-conduct acknowledgements.

use super::sql::{Row, SqlConn, StoreError, StoreResult};
use crate::domain::flag::{FlagReason, FlagState, FlagTarget, FlagView};
use crate::params;

const COLUMNS: &str = "id, session_id, target_kind, target_id, reason, detail, excerpt, state, \
                       resolved_by, created_at, resolved_at";

fn view(row: &Row) -> StoreResult<FlagView> {
    let shape = |what: &str, text: String| StoreError::Shape(format!("flag {what}: {text}"));
    let kind = row.text(2)?;
    let reason = row.text(4)?;
    let state = row.text(7)?;
    Ok(FlagView {
        id: row.text(0)?,
        session_id: row.text(1)?,
        target_kind: FlagTarget::parse(&kind).ok_or_else(|| shape("kind", kind))?,
        target_id: row.text(3)?,
        reason: FlagReason::parse(&reason).ok_or_else(|| shape("reason", reason))?,
        detail: row.text(5)?,
        excerpt: row.text(6)?,
        state: FlagState::parse(&state).ok_or_else(|| shape("state", state))?,
        resolved_by: row.opt_text(8)?,
        created_at: row.int(9)?,
        resolved_at: row.opt_int(10)?,
    })
}

/// Store a new (open) flag raised by `attendee_id` in `event_id`.
pub fn insert(
    conn: &mut dyn SqlConn,
    event_id: &str,
    attendee_id: &str,
    flag: &FlagView,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO flags (id, event_id, session_id, attendee_id, target_kind, target_id, reason,
                            detail, excerpt, state, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            &flag.id,
            event_id,
            &flag.session_id,
            attendee_id,
            flag.target_kind.as_str(),
            &flag.target_id,
            flag.reason.as_str(),
            &flag.detail,
            &flag.excerpt,
            flag.state.as_str(),
            flag.created_at
        ],
    )?;
    Ok(())
}

/// One flag.
pub fn get(conn: &mut dyn SqlConn, flag_id: &str) -> StoreResult<Option<FlagView>> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM flags WHERE id = ?"),
        params![flag_id],
    )?
    .map(|r| view(&r))
    .transpose()
}

/// Whether `attendee_id` has an open flag on this target already.
pub fn open_by(
    conn: &mut dyn SqlConn,
    attendee_id: &str,
    kind: FlagTarget,
    target_id: &str,
) -> StoreResult<bool> {
    Ok(conn
        .query_opt(
            "SELECT id FROM flags WHERE attendee_id = ? AND target_kind = ? AND target_id = ? AND state = 'open'",
            params![attendee_id, kind.as_str(), target_id],
        )?
        .is_some())
}

/// A session's flags, oldest first; with `open_only`, those still open.
pub fn list(
    conn: &mut dyn SqlConn,
    session_id: &str,
    open_only: bool,
) -> StoreResult<Vec<FlagView>> {
    let filter = if open_only { " AND state = 'open'" } else { "" };
    conn.query(
        &format!(
            "SELECT {COLUMNS} FROM flags WHERE session_id = ?{filter} ORDER BY created_at, id"
        ),
        params![session_id],
    )?
    .iter()
    .map(view)
    .collect()
}

/// The open flags on one target, oldest first.
pub fn open_on(
    conn: &mut dyn SqlConn,
    kind: FlagTarget,
    target_id: &str,
) -> StoreResult<Vec<FlagView>> {
    conn.query(
        &format!(
            "SELECT {COLUMNS} FROM flags WHERE target_kind = ? AND target_id = ? AND state = 'open'
              ORDER BY created_at, id"
        ),
        params![kind.as_str(), target_id],
    )?
    .iter()
    .map(view)
    .collect()
}

/// Close an open flag with `state`.
pub fn resolve(
    conn: &mut dyn SqlConn,
    flag_id: &str,
    state: FlagState,
    by: &str,
    now: i64,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE flags SET state = ?, resolved_by = ?, resolved_at = ? WHERE id = ? AND state = 'open'",
        params![state.as_str(), by, now, flag_id],
    )?;
    Ok(())
}

/// Ids of the targets `attendee_id` flagged (open or not), for their snapshot.
pub fn targets_of(conn: &mut dyn SqlConn, attendee_id: &str) -> StoreResult<Vec<String>> {
    conn.query(
        "SELECT DISTINCT target_id FROM flags WHERE attendee_id = ? ORDER BY target_id",
        params![attendee_id],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// When the attendee acknowledged the code of conduct, if they did.
pub fn coc_acknowledged_at(conn: &mut dyn SqlConn, attendee_id: &str) -> StoreResult<Option<i64>> {
    Ok(conn
        .query_opt(
            "SELECT coc_acknowledged_at FROM attendees WHERE id = ?",
            params![attendee_id],
        )?
        .map(|r| r.opt_int(0))
        .transpose()?
        .flatten())
}

/// Record the acknowledgement (the first one counts); returns its time.
pub fn acknowledge_coc(conn: &mut dyn SqlConn, attendee_id: &str, now: i64) -> StoreResult<i64> {
    conn.execute(
        "UPDATE attendees SET coc_acknowledged_at = COALESCE(coc_acknowledged_at, ?) WHERE id = ?",
        params![now, attendee_id],
    )?;
    Ok(coc_acknowledged_at(conn, attendee_id)?.unwrap_or(now))
}
