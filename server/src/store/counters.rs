//! Reading the latest value of every counter a batch touched, just before it
//! commits, so the hub can publish them coalesced.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::sql::{SqlConn, StoreResult};
use super::tx::{CounterRef, Tx};
use super::{polls, questions};
use crate::domain::poll::PollState;
use crate::domain::question::QuestionState;
use crate::domain::stream::CounterUpdate;
use crate::params;

/// The key of a question's upvote counter.
pub fn upvotes_key(question_id: &str) -> String {
    format!("question:{question_id}")
}

/// The key of a poll's tally counter.
pub fn tally_key(poll_id: &str) -> String {
    format!("poll:{poll_id}")
}

/// The key of a session's reaction totals.
pub const REACTIONS_KEY: &str = "reactions";

/// A session's reaction totals.
pub fn reactions(conn: &mut dyn SqlConn, session_id: &str) -> StoreResult<BTreeMap<String, i64>> {
    conn.query(
        "SELECT emoji, count FROM reactions WHERE session_id = ?",
        params![session_id],
    )?
    .iter()
    .map(|r| Ok((r.text(0)?, r.int(1)?)))
    .collect()
}

/// Add `delta` to a session's count of `emoji`.
pub fn add_reaction(
    conn: &mut dyn SqlConn,
    session_id: &str,
    emoji: &str,
    delta: i64,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO reactions (session_id, emoji, count) VALUES (?, ?, ?)
         ON CONFLICT (session_id, emoji) DO UPDATE SET count = reactions.count + excluded.count",
        params![session_id, emoji, delta],
    )?;
    Ok(())
}

/// Turn every touched counter into an update carrying its current value.
pub(super) fn collect(tx: &mut Tx<'_>) -> StoreResult<()> {
    let touched = std::mem::take(&mut tx.touched);
    for counter in touched {
        let session = match &counter {
            CounterRef::Upvotes { session_id, .. }
            | CounterRef::Tally { session_id, .. }
            | CounterRef::Reactions { session_id } => session_id.clone(),
        };
        let version = tx.version_of(&session)?;
        let update = match &counter {
            CounterRef::Upvotes {
                session_id,
                question_id,
            } => {
                let Some((count, state)) = questions::upvotes(tx.conn, question_id)? else {
                    continue;
                };
                CounterUpdate {
                    session_id: Arc::from(session_id.as_str()),
                    key: upvotes_key(question_id),
                    value: Arc::from(count.to_string()),
                    staff_only: state != QuestionState::Visible,
                    version,
                }
            }
            CounterRef::Tally {
                session_id,
                poll_id,
            } => {
                let Some(poll) = polls::get(tx.conn, poll_id)? else {
                    continue;
                };
                let tally = polls::tally(tx.conn, poll_id)?;
                CounterUpdate {
                    session_id: Arc::from(session_id.as_str()),
                    key: tally_key(poll_id),
                    value: Arc::from(serde_json::to_string(&tally).unwrap_or_default()),
                    staff_only: !poll.results_visible || poll.state == PollState::Draft,
                    version,
                }
            }
            CounterRef::Reactions { session_id } => {
                let totals = reactions(tx.conn, session_id)?;
                CounterUpdate {
                    session_id: Arc::from(session_id.as_str()),
                    key: REACTIONS_KEY.to_string(),
                    value: Arc::from(serde_json::to_string(&totals).unwrap_or_default()),
                    staff_only: false,
                    version,
                }
            }
        };
        tx.out.counters.push(update);
    }
    Ok(())
}
