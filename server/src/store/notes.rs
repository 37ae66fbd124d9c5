//! Rows of the `notes` table.

use super::sql::{Row, SqlConn, StoreResult};
use crate::domain::note::NoteView;
use crate::params;

const COLUMNS: &str = "id, session_id, body, html, takeaway, author, created_at, updated_at";

fn view(row: &Row) -> StoreResult<NoteView> {
    Ok(NoteView {
        id: row.text(0)?,
        session_id: row.text(1)?,
        body: row.text(2)?,
        html: row.text(3)?,
        takeaway: row.flag(4)?,
        author: row.text(5)?,
        created_at: row.int(6)?,
        updated_at: row.int(7)?,
    })
}

/// Insert a note.
pub fn insert(conn: &mut dyn SqlConn, note: &NoteView) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO notes (id, session_id, body, html, takeaway, author, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            &note.id,
            &note.session_id,
            &note.body,
            &note.html,
            note.takeaway,
            &note.author,
            note.created_at,
            note.updated_at
        ],
    )?;
    Ok(())
}

/// A live (not deleted) note.
pub fn get(conn: &mut dyn SqlConn, id: &str) -> StoreResult<Option<NoteView>> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM notes WHERE id = ? AND deleted_at IS NULL"),
        params![id],
    )?
    .map(|r| view(&r))
    .transpose()
}

/// A session's live notes, oldest first.
pub fn list(conn: &mut dyn SqlConn, session_id: &str) -> StoreResult<Vec<NoteView>> {
    conn.query(
        &format!("SELECT {COLUMNS} FROM notes WHERE session_id = ? AND deleted_at IS NULL ORDER BY created_at, id"),
        params![session_id],
    )?
    .iter()
    .map(view)
    .collect()
}

/// Save a changed note.
pub fn update(conn: &mut dyn SqlConn, note: &NoteView) -> StoreResult<()> {
    conn.execute(
        "UPDATE notes SET body = ?, html = ?, takeaway = ?, updated_at = ? WHERE id = ?",
        params![
            &note.body,
            &note.html,
            note.takeaway,
            note.updated_at,
            &note.id
        ],
    )?;
    Ok(())
}

/// Delete a note (kept as a tombstone so the log stays consistent).
pub fn delete(conn: &mut dyn SqlConn, id: &str, now: i64) -> StoreResult<()> {
    conn.execute(
        "UPDATE notes SET deleted_at = ?, body = '', html = '' WHERE id = ?",
        params![now, id],
    )?;
    Ok(())
}
