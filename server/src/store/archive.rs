//! The post-event archive switch of an event (`events.archive_published`).

use super::sql::{SqlConn, StoreResult};
use crate::params;

/// Publish or unpublish an event's archive; returns false if there is no such event.
pub fn set_published(
    conn: &mut dyn SqlConn,
    event_id: &str,
    published: bool,
    now: i64,
) -> StoreResult<bool> {
    Ok(conn.execute(
        "UPDATE events SET archive_published = ?, updated_at = ? WHERE id = ?",
        params![published, now, event_id],
    )? > 0)
}
