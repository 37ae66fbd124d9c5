//! Rows of `schedule_talks` and `schedule_conferences`: what an imported
//! pretalx / frab schedule said, kept so the schedule export round-trips it
//! and every session stays keyed to its talk's guid.

use super::sql::{SqlConn, StoreResult};
use crate::params;

/// The talk a session was imported from.
#[derive(Debug, Clone)]
pub struct TalkLink {
    /// The session.
    pub session_id: String,
    /// The talk's guid in the schedule.
    pub guid: String,
    /// The schedule day (YYYY-MM-DD) the talk was listed under.
    pub day: String,
    /// The talk's UTC offset in seconds (for local times in the export).
    pub utc_offset: i64,
    /// The talk object as imported.
    pub talk: serde_json::Value,
}

/// Every imported talk of an event.
pub fn talks(conn: &mut dyn SqlConn, event_id: &str) -> StoreResult<Vec<TalkLink>> {
    conn.query(
        "SELECT session_id, guid, day, utc_offset, talk FROM schedule_talks WHERE event_id = ?",
        params![event_id],
    )?
    .iter()
    .map(|r| {
        Ok(TalkLink {
            session_id: r.text(0)?,
            guid: r.text(1)?,
            day: r.text(2)?,
            utc_offset: r.int(3)?,
            talk: r.json(4)?,
        })
    })
    .collect()
}

/// The session imported from talk `guid`, if any.
pub fn session_for(
    conn: &mut dyn SqlConn,
    event_id: &str,
    guid: &str,
) -> StoreResult<Option<String>> {
    conn.query_opt(
        "SELECT session_id FROM schedule_talks WHERE event_id = ? AND guid = ?",
        params![event_id, guid],
    )?
    .map(|r| r.text(0))
    .transpose()
}

/// Record (or replace) the talk behind a session.
pub fn put_talk(conn: &mut dyn SqlConn, event_id: &str, link: &TalkLink) -> StoreResult<()> {
    let talk = serde_json::to_string(&link.talk).unwrap_or_else(|_| "{}".into());
    conn.execute(
        "INSERT INTO schedule_talks (session_id, event_id, guid, day, utc_offset, talk) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (session_id) DO UPDATE SET guid = excluded.guid, day = excluded.day,
             utc_offset = excluded.utc_offset, talk = excluded.talk",
        params![&link.session_id, event_id, &link.guid, &link.day, link.utc_offset, talk],
    )?;
    Ok(())
}

/// The imported conference header and its UTC offset, if a schedule was imported.
pub fn conference(
    conn: &mut dyn SqlConn,
    event_id: &str,
) -> StoreResult<Option<(serde_json::Value, i64)>> {
    conn.query_opt(
        "SELECT conference, utc_offset FROM schedule_conferences WHERE event_id = ?",
        params![event_id],
    )?
    .map(|r| Ok((r.json(0)?, r.int(1)?)))
    .transpose()
}

/// Record (or replace) the conference header.
pub fn put_conference(
    conn: &mut dyn SqlConn,
    event_id: &str,
    conference: &serde_json::Value,
    utc_offset: i64,
    now: i64,
) -> StoreResult<()> {
    let text = serde_json::to_string(conference).unwrap_or_else(|_| "{}".into());
    conn.execute(
        "INSERT INTO schedule_conferences (event_id, conference, utc_offset, imported_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (event_id) DO UPDATE SET conference = excluded.conference,
             utc_offset = excluded.utc_offset, imported_at = excluded.imported_at",
        params![event_id, text, utc_offset, now],
    )?;
    Ok(())
}
