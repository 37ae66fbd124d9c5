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

/// The current value of one counter, as an update stamped with `version`.
fn current(
    conn: &mut dyn SqlConn,
    counter: &CounterRef,
    version: u64,
) -> StoreResult<Option<CounterUpdate>> {
    Ok(Some(match counter {
        CounterRef::Upvotes {
            session_id,
            question_id,
        } => {
            let Some((count, state)) = questions::upvotes(conn, question_id)? else {
                return Ok(None);
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
            let Some(poll) = polls::get(conn, poll_id)? else {
                return Ok(None);
            };
            let tally = polls::tally(conn, poll_id)?;
            CounterUpdate {
                session_id: Arc::from(session_id.as_str()),
                key: tally_key(poll_id),
                value: Arc::from(serde_json::to_string(&tally).unwrap_or_default()),
                staff_only: !poll.results_visible || poll.state == PollState::Draft,
                version,
            }
        }
        CounterRef::Reactions { session_id } => {
            let totals = reactions(conn, session_id)?;
            CounterUpdate {
                session_id: Arc::from(session_id.as_str()),
                key: REACTIONS_KEY.to_string(),
                value: Arc::from(serde_json::to_string(&totals).unwrap_or_default()),
                staff_only: false,
                version,
            }
        }
    }))
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
        if let Some(update) = current(tx.conn, &counter, version)? {
            tx.out.counters.push(update);
        }
    }
    Ok(())
}

/// Every counter of a session at its current version (for a node that may
/// have missed updates, e.g. while the broker was down).
pub fn all(conn: &mut dyn SqlConn, session_id: &str) -> StoreResult<Vec<CounterUpdate>> {
    let Some(row) = conn.query_opt(
        "SELECT counter_version FROM sessions WHERE id = ?",
        params![session_id],
    )?
    else {
        return Ok(Vec::new());
    };
    let version = u64::try_from(row.int(0)?).unwrap_or(0);
    let session = session_id.to_string();
    let mut refs: Vec<CounterRef> = questions::list(conn, session_id, true)?
        .into_iter()
        .map(|q| CounterRef::Upvotes {
            session_id: session.clone(),
            question_id: q.view.id,
        })
        .collect();
    refs.extend(
        polls::list(conn, session_id, true)?
            .into_iter()
            .map(|p| CounterRef::Tally {
                session_id: session.clone(),
                poll_id: p.id,
            }),
    );
    refs.push(CounterRef::Reactions {
        session_id: session,
    });
    let mut out = Vec::with_capacity(refs.len());
    for r in &refs {
        if let Some(update) = current(conn, r, version)? {
            out.push(update);
        }
    }
    Ok(out)
}

/// A session's stream position and counter version (what a node compares
/// against what it has delivered).
pub fn position(conn: &mut dyn SqlConn, session_id: &str) -> StoreResult<Option<(u64, u64)>> {
    let Some(row) = conn.query_opt(
        "SELECT last_log_seq, counter_version FROM sessions WHERE id = ?",
        params![session_id],
    )?
    else {
        return Ok(None);
    };
    Ok(Some((
        u64::try_from(row.int(0)?).unwrap_or(0),
        u64::try_from(row.int(1)?).unwrap_or(0),
    )))
}
