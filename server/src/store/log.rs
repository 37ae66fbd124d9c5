//! Reading a session's log back: replays for reconnecting clients and gap
//! fills for nodes that saw events out of order.

use std::sync::Arc;

use super::sql::{Row, SqlConn, StoreResult};
use crate::domain::stream::{Audience, LogEvent};
use crate::params;

const COLUMNS: &str = "log_seq, public_seq, staff_seq, ts, kind, data";

fn to_event(session_id: &Arc<str>, row: &Row) -> StoreResult<LogEvent> {
    let seq = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
    Ok(LogEvent {
        session_id: session_id.clone(),
        log_seq: u64::try_from(row.int(0)?).unwrap_or(0),
        public_seq: seq(row.opt_int(1)?),
        staff_seq: seq(row.opt_int(2)?),
        ts: row.int(3)?,
        kind: Arc::from(row.text(4)?),
        data: Arc::from(row.text(5)?),
    })
}

/// Events of `audience`'s stream with seq in `(after, up_to]`, in order.
pub fn replay(
    conn: &mut dyn SqlConn,
    session_id: &str,
    audience: Audience,
    after: u64,
    up_to: u64,
) -> StoreResult<Vec<LogEvent>> {
    let column = match audience {
        Audience::Attendees => "public_seq",
        Audience::Staff => "staff_seq",
    };
    let sid: Arc<str> = Arc::from(session_id);
    conn.query(
        &format!(
            "SELECT {COLUMNS} FROM session_log
              WHERE session_id = ? AND {column} > ? AND {column} <= ?
              ORDER BY {column}"
        ),
        params![session_id, after, up_to],
    )?
    .iter()
    .map(|r| to_event(&sid, r))
    .collect()
}

/// Events with `log_seq` in `(after, up_to]`, in order (all audiences).
pub fn range(
    conn: &mut dyn SqlConn,
    session_id: &str,
    after: u64,
    up_to: u64,
) -> StoreResult<Vec<LogEvent>> {
    let sid: Arc<str> = Arc::from(session_id);
    conn.query(
        &format!(
            "SELECT {COLUMNS} FROM session_log WHERE session_id = ? AND log_seq > ? AND log_seq <= ? ORDER BY log_seq"
        ),
        params![session_id, after, up_to],
    )?
    .iter()
    .map(|r| to_event(&sid, r))
    .collect()
}
