//! Rows of the `sessions` table: schedule fields, lifecycle, stream counters.

use super::sql::{Row, SqlConn, StoreError, StoreResult};
use crate::domain::session::{Moderation, SessionFields, SessionState, SessionView};
use crate::params;

/// A stored session with the bookkeeping the API does not show.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// What the API shows.
    pub view: SessionView,
    /// Random id of this session's stream; changes only if the log is reset.
    pub epoch: String,
    /// Last position in the full log.
    pub last_log_seq: u64,
    /// Last position in the public stream.
    pub last_public_seq: u64,
    /// Last position in the staff stream.
    pub last_staff_seq: u64,
    /// The question pinned as "now answering".
    pub pinned_question_id: Option<String>,
    /// Most attendees connected at once.
    pub peak_attendance: i64,
}

const COLUMNS: &str = "id, event_id, title, abstract, speakers, track, room, starts_at, ends_at, stream_url,
    disclosures, state, moderation, join_code, started_at, ended_at, epoch, last_log_seq, last_public_seq,
    last_staff_seq, pinned_question_id, peak_attendance";

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn row_to_session(row: &Row) -> StoreResult<SessionRow> {
    let state = row.text(11)?;
    let moderation = row.text(12)?;
    Ok(SessionRow {
        view: SessionView {
            id: row.text(0)?,
            event_id: row.text(1)?,
            title: row.text(2)?,
            summary: row.text(3)?,
            speakers: row.json(4)?,
            track: row.text(5)?,
            room: row.text(6)?,
            starts_at: row.opt_int(7)?,
            ends_at: row.opt_int(8)?,
            stream_url: row.opt_text(9)?,
            disclosures: row.text(10)?,
            state: SessionState::parse(&state)
                .ok_or_else(|| StoreError::Shape(format!("session state {state}")))?,
            moderation: Moderation::parse(&moderation)
                .ok_or_else(|| StoreError::Shape(format!("moderation {moderation}")))?,
            join_code: row.text(13)?,
            started_at: row.opt_int(14)?,
            ended_at: row.opt_int(15)?,
        },
        epoch: row.text(16)?,
        last_log_seq: to_u64(row.int(17)?),
        last_public_seq: to_u64(row.int(18)?),
        last_staff_seq: to_u64(row.int(19)?),
        pinned_question_id: row.opt_text(20)?,
        peak_attendance: row.int(21)?,
    })
}

fn speakers_json(fields: &SessionFields) -> String {
    serde_json::to_string(&fields.speakers).unwrap_or_else(|_| "[]".into())
}

/// Insert a session with a fresh join code and epoch.
pub fn insert(
    conn: &mut dyn SqlConn,
    id: &str,
    event_id: &str,
    fields: &SessionFields,
    join_code: &str,
    now: i64,
) -> StoreResult<SessionRow> {
    conn.execute(
        "INSERT INTO sessions (id, event_id, title, abstract, speakers, track, room, starts_at, ends_at, stream_url,
                               disclosures, moderation, join_code, epoch, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            id,
            event_id,
            &fields.title,
            &fields.summary,
            speakers_json(fields),
            &fields.track,
            &fields.room,
            fields.starts_at,
            fields.ends_at,
            fields.stream_url.clone(),
            &fields.disclosures,
            fields.moderation.as_str(),
            join_code,
            crate::domain::ids::new_id(),
            now,
            now
        ],
    )?;
    get(conn, id)?.ok_or_else(|| StoreError::Shape("inserted session vanished".into()))
}

/// One session by id.
pub fn get(conn: &mut dyn SqlConn, id: &str) -> StoreResult<Option<SessionRow>> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM sessions WHERE id = ?"),
        params![id],
    )?
    .map(|r| row_to_session(&r))
    .transpose()
}

/// One session by its join code.
pub fn by_join_code(conn: &mut dyn SqlConn, code: &str) -> StoreResult<Option<SessionRow>> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM sessions WHERE join_code = ?"),
        params![code],
    )?
    .map(|r| row_to_session(&r))
    .transpose()
}

/// Whether a join code is taken.
pub fn code_taken(conn: &mut dyn SqlConn, code: &str) -> StoreResult<bool> {
    Ok(conn
        .query_opt("SELECT 1 FROM sessions WHERE join_code = ?", params![code])?
        .is_some())
}

/// An event's sessions in schedule order.
pub fn list_for_event(conn: &mut dyn SqlConn, event_id: &str) -> StoreResult<Vec<SessionRow>> {
    conn.query(
        &format!(
            "SELECT {COLUMNS} FROM sessions WHERE event_id = ?
              ORDER BY CASE WHEN starts_at IS NULL THEN 1 ELSE 0 END, starts_at, track, title, id"
        ),
        params![event_id],
    )?
    .iter()
    .map(row_to_session)
    .collect()
}

/// The editable fields of a stored session.
pub fn fields(view: &SessionView) -> SessionFields {
    SessionFields {
        title: view.title.clone(),
        summary: view.summary.clone(),
        speakers: view.speakers.clone(),
        track: view.track.clone(),
        room: view.room.clone(),
        starts_at: view.starts_at,
        ends_at: view.ends_at,
        stream_url: view.stream_url.clone(),
        disclosures: view.disclosures.clone(),
        moderation: view.moderation,
    }
}

/// Overwrite the editable fields.
pub fn update(
    conn: &mut dyn SqlConn,
    id: &str,
    fields: &SessionFields,
    now: i64,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE sessions SET title = ?, abstract = ?, speakers = ?, track = ?, room = ?, starts_at = ?, ends_at = ?,
                stream_url = ?, disclosures = ?, moderation = ?, updated_at = ?
          WHERE id = ?",
        params![
            &fields.title,
            &fields.summary,
            speakers_json(fields),
            &fields.track,
            &fields.room,
            fields.starts_at,
            fields.ends_at,
            fields.stream_url.clone(),
            &fields.disclosures,
            fields.moderation.as_str(),
            now,
            id
        ],
    )?;
    Ok(())
}

/// Move the session to `state`, stamping the actual start or end.
pub fn set_state(
    conn: &mut dyn SqlConn,
    id: &str,
    state: SessionState,
    now: i64,
) -> StoreResult<()> {
    match state {
        SessionState::Live => conn.execute(
            "UPDATE sessions SET state = 'live', started_at = COALESCE(started_at, ?), ended_at = NULL, updated_at = ?
              WHERE id = ?",
            params![now, now, id],
        )?,
        SessionState::Ended => conn.execute(
            "UPDATE sessions SET state = 'ended', ended_at = ?, updated_at = ? WHERE id = ?",
            params![now, now, id],
        )?,
        SessionState::Scheduled => conn.execute(
            "UPDATE sessions SET state = 'scheduled', started_at = NULL, ended_at = NULL, updated_at = ? WHERE id = ?",
            params![now, id],
        )?,
    };
    Ok(())
}

/// Set or clear the pinned question.
pub fn set_pinned(conn: &mut dyn SqlConn, id: &str, question_id: Option<&str>) -> StoreResult<()> {
    conn.execute(
        "UPDATE sessions SET pinned_question_id = ? WHERE id = ?",
        params![question_id, id],
    )?;
    Ok(())
}

/// Raise the attendance peak if `current` is higher.
pub fn record_peak(conn: &mut dyn SqlConn, id: &str, current: i64) -> StoreResult<()> {
    conn.execute(
        "UPDATE sessions SET peak_attendance = ? WHERE id = ? AND peak_attendance < ?",
        params![current, id, current],
    )?;
    Ok(())
}

/// Attendees who ever joined the session.
pub fn total_attendance(conn: &mut dyn SqlConn, id: &str) -> StoreResult<i64> {
    conn.query_one(
        "SELECT COUNT(*) FROM attendees WHERE session_id = ?",
        params![id],
    )?
    .int(0)
}

/// Delete a session and, by cascade, everything of it.
pub fn delete(conn: &mut dyn SqlConn, id: &str) -> StoreResult<bool> {
    Ok(conn.execute("DELETE FROM sessions WHERE id = ?", params![id])? > 0)
}

/// Give every session a new epoch (after a restore); returns how many.
pub async fn rotate_epochs_all(store: &super::Store) -> anyhow::Result<usize> {
    store
        .write(|tx| {
            let ids = tx
                .conn
                .query("SELECT id FROM sessions", params![])?
                .iter()
                .map(|r| r.text(0))
                .collect::<StoreResult<Vec<_>>>()?;
            for id in &ids {
                tx.conn.execute(
                    "UPDATE sessions SET epoch = ? WHERE id = ?",
                    params![crate::domain::ids::new_id(), id],
                )?;
            }
            Ok(ids.len())
        })
        .await
        .map_err(|e| anyhow::anyhow!(e.message))
}
