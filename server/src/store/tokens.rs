//! Rows of the `tokens` and `attendees` tables. Tokens are looked up by hash only.

use super::sql::{SqlConn, StoreResult};
use crate::domain::roles::{Actor, Role};
use crate::params;

/// Store a token's hash with its role and scope.
pub fn insert(
    conn: &mut dyn SqlConn,
    hash: &str,
    role: Role,
    event_id: Option<&str>,
    session_id: Option<&str>,
    attendee_id: Option<&str>,
    now: i64,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO tokens (hash, role, event_id, session_id, attendee_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        params![hash, role.as_str(), event_id, session_id, attendee_id, now],
    )?;
    Ok(())
}

/// The actor behind a token hash, unless unknown or revoked.
pub fn actor(conn: &mut dyn SqlConn, hash: &str) -> StoreResult<Option<Actor>> {
    let row = conn.query_opt(
        "SELECT t.role, t.event_id, t.session_id, t.attendee_id, a.display_name
           FROM tokens t LEFT JOIN attendees a ON a.id = t.attendee_id
          WHERE t.hash = ? AND t.revoked_at IS NULL",
        params![hash],
    )?;
    let Some(row) = row else { return Ok(None) };
    let Some(role) = Role::parse(&row.text(0)?) else {
        return Ok(None);
    };
    Ok(Some(Actor {
        role,
        event_id: row.opt_text(1)?,
        session_id: row.opt_text(2)?,
        attendee_id: row.opt_text(3)?,
        display_name: row.opt_text(4)?,
        token_hash: hash.to_string(),
    }))
}

/// Revoke the live tokens of `role` in a session; returns their hashes.
pub fn revoke_session_role(
    conn: &mut dyn SqlConn,
    session_id: &str,
    role: Role,
    now: i64,
) -> StoreResult<Vec<String>> {
    let hashes = conn
        .query(
            "SELECT hash FROM tokens WHERE session_id = ? AND role = ? AND revoked_at IS NULL",
            params![session_id, role.as_str()],
        )?
        .iter()
        .map(|r| r.text(0))
        .collect::<StoreResult<Vec<_>>>()?;
    conn.execute(
        "UPDATE tokens SET revoked_at = ? WHERE session_id = ? AND role = ? AND revoked_at IS NULL",
        params![now, session_id, role.as_str()],
    )?;
    Ok(hashes)
}

/// Revoke one token by hash; returns whether it was live.
pub fn revoke(conn: &mut dyn SqlConn, hash: &str, now: i64) -> StoreResult<bool> {
    Ok(conn.execute(
        "UPDATE tokens SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL",
        params![now, hash],
    )? > 0)
}

/// Hashes of every token scoped to an event (to close their sockets when it goes).
pub fn hashes_for_event(conn: &mut dyn SqlConn, event_id: &str) -> StoreResult<Vec<String>> {
    conn.query(
        "SELECT hash FROM tokens WHERE event_id = ?",
        params![event_id],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// Create an attendee of a session.
pub fn insert_attendee(
    conn: &mut dyn SqlConn,
    id: &str,
    session_id: &str,
    display_name: Option<&str>,
    now: i64,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO attendees (id, session_id, display_name, created_at) VALUES (?, ?, ?, ?)",
        params![id, session_id, display_name, now],
    )?;
    Ok(())
}

/// An attendee as the organizer sees it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct AttendeeRow {
    /// Attendee id.
    pub attendee_id: String,
    /// Their session.
    pub session_id: String,
    /// The display name they gave, if any.
    pub display_name: Option<String>,
    /// When they joined (RFC 3339).
    #[serde(with = "crate::domain::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: i64,
}

fn attendee_row(r: &super::sql::Row) -> StoreResult<AttendeeRow> {
    Ok(AttendeeRow {
        attendee_id: r.text(0)?,
        session_id: r.text(1)?,
        display_name: r.opt_text(2)?,
        joined_at: r.int(3)?,
    })
}

/// One attendee.
pub fn attendee(conn: &mut dyn SqlConn, attendee_id: &str) -> StoreResult<Option<AttendeeRow>> {
    conn.query_opt(
        "SELECT id, session_id, display_name, created_at FROM attendees WHERE id = ?",
        params![attendee_id],
    )?
    .map(|r| attendee_row(&r))
    .transpose()
}

/// A session's attendees, in joining order.
pub fn attendees(conn: &mut dyn SqlConn, session_id: &str) -> StoreResult<Vec<AttendeeRow>> {
    conn.query(
        "SELECT id, session_id, display_name, created_at FROM attendees WHERE session_id = ? ORDER BY created_at, id",
        params![session_id],
    )?
    .iter()
    .map(attendee_row)
    .collect()
}

/// The hashes of an attendee's tokens.
pub fn attendee_token_hashes(
    conn: &mut dyn SqlConn,
    attendee_id: &str,
) -> StoreResult<Vec<String>> {
    conn.query(
        "SELECT hash FROM tokens WHERE attendee_id = ?",
        params![attendee_id],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// Delete an attendee (their tokens, upvotes, ballots and stars go with them).
pub fn delete_attendee(conn: &mut dyn SqlConn, attendee_id: &str) -> StoreResult<()> {
    conn.execute("DELETE FROM attendees WHERE id = ?", params![attendee_id])?;
    Ok(())
}

/// Strip the personal data of a session's attendees: display names (also on
/// their questions) and tokens. Returns how many attendees were affected.
pub fn anonymize_session(conn: &mut dyn SqlConn, session_id: &str) -> StoreResult<u64> {
    let n = conn.execute(
        "UPDATE attendees SET display_name = NULL WHERE session_id = ? AND display_name IS NOT NULL",
        params![session_id],
    )?;
    conn.execute(
        "UPDATE questions SET author_name = NULL, anonymous = 1 WHERE session_id = ? AND author_name IS NOT NULL",
        params![session_id],
    )?;
    conn.execute(
        "DELETE FROM tokens WHERE session_id = ? AND role = 'attendee'",
        params![session_id],
    )?;
    Ok(n)
}
