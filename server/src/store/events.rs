//! Rows of the `events` table (conferences).

use super::sql::{Row, SqlConn, StoreResult};
use crate::domain::event::{EventFields, EventSettings, EventView};
use crate::params;

const COLUMNS: &str = "id, name, description, timezone, starts_on, ends_on, settings, archive_published, created_at, updated_at";

fn view(row: &Row) -> StoreResult<EventView> {
    Ok(EventView {
        id: row.text(0)?,
        name: row.text(1)?,
        description: row.text(2)?,
        timezone: row.text(3)?,
        starts_on: row.opt_text(4)?,
        ends_on: row.opt_text(5)?,
        settings: row.json(6)?,
        archive_published: row.flag(7)?,
        created_at: row.int(8)?,
        updated_at: row.int(9)?,
    })
}

fn settings_json(settings: &EventSettings) -> String {
    serde_json::to_string(settings).unwrap_or_else(|_| "{}".into())
}

/// Insert a new event.
pub fn insert(
    conn: &mut dyn SqlConn,
    id: &str,
    fields: &EventFields,
    now: i64,
) -> StoreResult<EventView> {
    conn.execute(
        "INSERT INTO events (id, name, description, timezone, starts_on, ends_on, settings, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params![
            id,
            &fields.name,
            &fields.description,
            &fields.timezone,
            fields.starts_on.clone(),
            fields.ends_on.clone(),
            settings_json(&fields.settings),
            now,
            now
        ],
    )?;
    get(conn, id)?.ok_or_else(|| super::sql::StoreError::Shape("inserted event vanished".into()))
}

/// One event by id.
pub fn get(conn: &mut dyn SqlConn, id: &str) -> StoreResult<Option<EventView>> {
    conn.query_opt(
        &format!("SELECT {COLUMNS} FROM events WHERE id = ?"),
        params![id],
    )?
    .map(|r| view(&r))
    .transpose()
}

/// All events, newest first.
pub fn list(conn: &mut dyn SqlConn) -> StoreResult<Vec<EventView>> {
    conn.query(
        &format!("SELECT {COLUMNS} FROM events ORDER BY created_at DESC"),
        params![],
    )?
    .iter()
    .map(view)
    .collect()
}

/// The editable fields of a stored event.
pub fn fields(view: &EventView) -> EventFields {
    EventFields {
        name: view.name.clone(),
        description: view.description.clone(),
        timezone: view.timezone.clone(),
        starts_on: view.starts_on.clone(),
        ends_on: view.ends_on.clone(),
        settings: view.settings.clone(),
    }
}

/// Overwrite the editable fields.
pub fn update(conn: &mut dyn SqlConn, id: &str, fields: &EventFields, now: i64) -> StoreResult<()> {
    conn.execute(
        "UPDATE events SET name = ?, description = ?, timezone = ?, starts_on = ?, ends_on = ?, settings = ?, updated_at = ?
          WHERE id = ?",
        params![
            &fields.name,
            &fields.description,
            &fields.timezone,
            fields.starts_on.clone(),
            fields.ends_on.clone(),
            settings_json(&fields.settings),
            now,
            id
        ],
    )?;
    Ok(())
}

/// Delete an event and, by cascade, everything of it.
pub fn delete(conn: &mut dyn SqlConn, id: &str) -> StoreResult<bool> {
    Ok(conn.execute("DELETE FROM events WHERE id = ?", params![id])? > 0)
}

/// Read a server-wide setting.
pub fn setting(conn: &mut dyn SqlConn, key: &str) -> StoreResult<Option<String>> {
    conn.query_opt("SELECT value FROM settings WHERE key = ?", params![key])?
        .map(|r| r.text(0))
        .transpose()
}

/// Write a server-wide setting.
pub fn set_setting(conn: &mut dyn SqlConn, key: &str, value: &str) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
