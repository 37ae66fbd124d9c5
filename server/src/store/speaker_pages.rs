//! Rows of `speaker_pages` (a speaker's claimed slug, with the hash of the
//! key that lets them add more sessions) and `speaker_page_sessions` (the
//! sessions they opted in, each with a speaker token of that session).

use super::sql::{SqlConn, StoreResult};
use crate::params;

/// A claimed speaker page.
#[derive(Debug, Clone)]
pub struct PageRow {
    /// The slug in `/speakers/{slug}`.
    pub slug: String,
    /// The name shown as the page's title.
    pub name: String,
    /// SHA-256 of the page key.
    pub key_hash: String,
}

/// A session on a speaker's page.
#[derive(Debug, Clone)]
pub struct PageSession {
    /// The session.
    pub session_id: String,
    /// Which of the session's speakers the page is about.
    pub speaker_name: String,
}

/// The page with this slug.
pub fn get(conn: &mut dyn SqlConn, slug: &str) -> StoreResult<Option<PageRow>> {
    conn.query_opt(
        "SELECT slug, name, key_hash FROM speaker_pages WHERE slug = ?",
        params![slug],
    )?
    .map(|r| {
        Ok(PageRow {
            slug: r.text(0)?,
            name: r.text(1)?,
            key_hash: r.text(2)?,
        })
    })
    .transpose()
}

/// Claim a new slug.
pub fn create(conn: &mut dyn SqlConn, page: &PageRow, now: i64) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO speaker_pages (slug, name, key_hash, created_at) VALUES (?, ?, ?, ?)",
        params![&page.slug, &page.name, &page.key_hash, now],
    )?;
    Ok(())
}

/// Put a session on a page (or change which speaker it is about).
pub fn add_session(
    conn: &mut dyn SqlConn,
    slug: &str,
    session_id: &str,
    speaker_name: &str,
    now: i64,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO speaker_page_sessions (slug, session_id, speaker_name, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (slug, session_id) DO UPDATE SET speaker_name = excluded.speaker_name",
        params![slug, session_id, speaker_name, now],
    )?;
    Ok(())
}

/// Take a session off every page it is on; returns how many it was on.
pub fn remove_session(conn: &mut dyn SqlConn, session_id: &str) -> StoreResult<u64> {
    conn.execute(
        "DELETE FROM speaker_page_sessions WHERE session_id = ?",
        params![session_id],
    )
}

/// The pages a session is on (slugs).
pub fn pages_of(conn: &mut dyn SqlConn, session_id: &str) -> StoreResult<Vec<String>> {
    conn.query(
        "SELECT slug FROM speaker_page_sessions WHERE session_id = ? ORDER BY slug",
        params![session_id],
    )?
    .iter()
    .map(|r| r.text(0))
    .collect()
}

/// The sessions on a page, in the order they were added.
pub fn sessions(conn: &mut dyn SqlConn, slug: &str) -> StoreResult<Vec<PageSession>> {
    conn.query(
        "SELECT session_id, speaker_name FROM speaker_page_sessions WHERE slug = ?
          ORDER BY created_at, session_id",
        params![slug],
    )?
    .iter()
    .map(|r| {
        Ok(PageSession {
            session_id: r.text(0)?,
            speaker_name: r.text(1)?,
        })
    })
    .collect()
}
