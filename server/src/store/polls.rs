//! Rows of the `polls`, `ballots` and `poll_tallies` tables. Tallies change in
//! the same transaction as the ballot, so they always equal a recount.

use super::sql::{Row, SqlConn, StoreError, StoreResult};
use crate::domain::poll::{PollKind, PollState, PollView, Tally};
use crate::params;

const COLUMNS: &str = "id, session_id, kind, question, options, scale_max, state, results_visible, created_at, opened_at, closed_at";

fn view(row: &Row) -> StoreResult<PollView> {
    let kind = row.text(2)?;
    let state = row.text(6)?;
    Ok(PollView {
        id: row.text(0)?,
        session_id: row.text(1)?,
        kind: PollKind::parse(&kind)
            .ok_or_else(|| StoreError::Shape(format!("poll kind {kind}")))?,
        question: row.text(3)?,
        options: row.json(4)?,
        scale_max: row.opt_int(5)?,
        state: PollState::parse(&state)
            .ok_or_else(|| StoreError::Shape(format!("poll state {state}")))?,
        results_visible: row.flag(7)?,
        results: None,
        created_at: row.int(8)?,
        opened_at: row.opt_int(9)?,
        closed_at: row.opt_int(10)?,
    })
}

/// Insert a poll.
pub fn insert(conn: &mut dyn SqlConn, poll: &PollView) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO polls (id, session_id, kind, question, options, scale_max, state, results_visible, created_at,
                            opened_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            &poll.id,
            &poll.session_id,
            poll.kind.as_str(),
            &poll.question,
            serde_json::to_string(&poll.options).unwrap_or_else(|_| "[]".into()),
            poll.scale_max,
            poll.state.as_str(),
            poll.results_visible,
            poll.created_at,
            poll.opened_at,
            poll.created_at
        ],
    )?;
    Ok(())
}

/// One poll (without results).
pub fn get(conn: &mut dyn SqlConn, id: &str) -> StoreResult<Option<PollView>> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM polls WHERE id = ?"),
        params![id],
    )?
    .map(|r| view(&r))
    .transpose()
}

/// A session's polls, oldest first (without results); `drafts` includes drafts.
pub fn list(conn: &mut dyn SqlConn, session_id: &str, drafts: bool) -> StoreResult<Vec<PollView>> {
    let filter = if drafts { "" } else { " AND state <> 'draft'" };
    conn.query(
        &format!(
            "SELECT {COLUMNS} FROM polls WHERE session_id = ?{filter} ORDER BY created_at, id"
        ),
        params![session_id],
    )?
    .iter()
    .map(view)
    .collect()
}

/// Save state, visibility and timestamps.
pub fn update(conn: &mut dyn SqlConn, poll: &PollView, now: i64) -> StoreResult<()> {
    conn.execute(
        "UPDATE polls SET state = ?, results_visible = ?, opened_at = ?, closed_at = ?, updated_at = ? WHERE id = ?",
        params![
            poll.state.as_str(),
            poll.results_visible,
            poll.opened_at,
            poll.closed_at,
            now,
            &poll.id
        ],
    )?;
    Ok(())
}

/// Delete a poll (and its ballots by cascade).
pub fn delete(conn: &mut dyn SqlConn, id: &str) -> StoreResult<()> {
    conn.execute("DELETE FROM polls WHERE id = ?", params![id])?;
    Ok(())
}

/// An attendee's current ballot keys on a poll.
pub fn ballot(
    conn: &mut dyn SqlConn,
    poll_id: &str,
    attendee_id: &str,
) -> StoreResult<Option<Vec<String>>> {
    conn.query_opt(
        "SELECT choice FROM ballots WHERE poll_id = ? AND attendee_id = ?",
        params![poll_id, attendee_id],
    )?
    .map(|r| r.json(0))
    .transpose()
}

/// An attendee's ballots in a session: poll id → keys.
pub fn ballots_of(
    conn: &mut dyn SqlConn,
    session_id: &str,
    attendee_id: &str,
) -> StoreResult<Vec<(String, Vec<String>)>> {
    conn.query(
        "SELECT b.poll_id, b.choice FROM ballots b JOIN polls p ON p.id = b.poll_id
          WHERE p.session_id = ? AND b.attendee_id = ?",
        params![session_id, attendee_id],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.json(1)?)))
    .collect()
}

/// Record (or replace) a ballot and move the tally from the old keys to the new.
/// Returns false when the ballot is unchanged.
pub fn cast(
    conn: &mut dyn SqlConn,
    poll_id: &str,
    attendee_id: &str,
    keys: &[String],
    now: i64,
) -> StoreResult<bool> {
    let previous = ballot(conn, poll_id, attendee_id)?;
    if previous.as_deref() == Some(keys) {
        return Ok(false);
    }
    let choice = serde_json::to_string(keys).unwrap_or_else(|_| "[]".into());
    match &previous {
        Some(old) => {
            conn.execute(
                "UPDATE ballots SET choice = ?, updated_at = ? WHERE poll_id = ? AND attendee_id = ?",
                params![choice, now, poll_id, attendee_id],
            )?;
            for key in old {
                conn.execute(
                    "UPDATE poll_tallies SET count = count - 1 WHERE poll_id = ? AND key = ?",
                    params![poll_id, key],
                )?;
            }
        }
        None => {
            conn.execute(
                "INSERT INTO ballots (poll_id, attendee_id, choice, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                params![poll_id, attendee_id, choice, now, now],
            )?;
        }
    }
    for key in keys {
        conn.execute(
            "INSERT INTO poll_tallies (poll_id, key, count) VALUES (?, ?, 1)
             ON CONFLICT (poll_id, key) DO UPDATE SET count = poll_tallies.count + 1",
            params![poll_id, key],
        )?;
    }
    conn.execute(
        "DELETE FROM poll_tallies WHERE poll_id = ? AND count <= 0",
        params![poll_id],
    )?;
    Ok(true)
}

/// The running tally of a poll.
pub fn tally(conn: &mut dyn SqlConn, poll_id: &str) -> StoreResult<Tally> {
    let ballots = conn
        .query_one(
            "SELECT COUNT(*) FROM ballots WHERE poll_id = ?",
            params![poll_id],
        )?
        .int(0)?;
    let counts = conn
        .query(
            "SELECT key, count FROM poll_tallies WHERE poll_id = ? AND count > 0",
            params![poll_id],
        )?
        .iter()
        .map(|r| Ok((r.text(0)?, r.int(1)?)))
        .collect::<StoreResult<_>>()?;
    Ok(Tally { ballots, counts })
}

/// Every ballot of an attendee: (poll id, session id, tally keys).
pub fn ballots_by(
    conn: &mut dyn SqlConn,
    attendee_id: &str,
) -> StoreResult<Vec<(String, String, Vec<String>)>> {
    conn.query(
        "SELECT b.poll_id, p.session_id, b.choice FROM ballots b JOIN polls p ON p.id = b.poll_id WHERE b.attendee_id = ?",
        params![attendee_id],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.text(1)?, r.json(2)?)))
    .collect()
}

/// Take back an attendee's ballot, moving the tally with it.
pub fn retract(conn: &mut dyn SqlConn, poll_id: &str, attendee_id: &str) -> StoreResult<bool> {
    let Some(keys) = ballot(conn, poll_id, attendee_id)? else {
        return Ok(false);
    };
    for key in &keys {
        conn.execute(
            "UPDATE poll_tallies SET count = count - 1 WHERE poll_id = ? AND key = ?",
            params![poll_id, key],
        )?;
    }
    conn.execute(
        "DELETE FROM poll_tallies WHERE poll_id = ? AND count <= 0",
        params![poll_id],
    )?;
    conn.execute(
        "DELETE FROM ballots WHERE poll_id = ? AND attendee_id = ?",
        params![poll_id, attendee_id],
    )?;
    Ok(true)
}
