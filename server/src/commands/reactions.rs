//! Reactions: a fixed emoji set, counted in memory and flushed as totals.
//!
//! Reactions are not stored one by one (a storm of applause would otherwise
//! cost one write each): each node adds them up per session and, every
//! [`FLUSH_EVERY`] at most (and only when some were counted), adds the sums
//! to the stored totals in one transaction.
//! The new totals then go out as the coalesced `reactions` counter. A
//! reaction's ack means "counted"; it is durable within one flush period.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::json;

use super::Ack;
use crate::domain::roles::{Actor, Role};
use crate::domain::session::SessionState;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{CounterRef, counters, sessions};

/// The emoji attendees can react with.
pub const EMOJI: &[&str] = &["👏", "❤️", "😂", "😮", "🤔", "🎉", "👍", "🔥"];

/// How often counted reactions are written and published.
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);

/// Reactions counted since the last flush: session → emoji → count.
#[derive(Default)]
pub struct ReactionBuffer {
    pending: Mutex<HashMap<String, BTreeMap<&'static str, i64>>>,
    /// Fires when a reaction is counted (the flush runs on demand).
    counted: tokio::sync::Notify,
}

impl ReactionBuffer {
    fn add(&self, session_id: &str, emoji: &'static str) {
        {
            let mut pending = self.pending.lock();
            *pending
                .entry(session_id.to_string())
                .or_default()
                .entry(emoji)
                .or_default() += 1;
        }
        self.counted.notify_one();
    }

    /// Fires after reactions were counted (see [`flush`]).
    pub fn counted(&self) -> &tokio::sync::Notify {
        &self.counted
    }

    fn take(&self) -> HashMap<String, BTreeMap<&'static str, i64>> {
        std::mem::take(&mut *self.pending.lock())
    }
}

/// Count a reaction (attendees of the session only).
pub(super) async fn send(
    state: &AppState,
    actor: &Actor,
    session_id: &str,
    emoji: &str,
) -> AppResult<Ack> {
    if actor.role != Role::Attendee || actor.session_id.as_deref() != Some(session_id) {
        return Err(AppError::forbidden(
            "only attendees of this session may react",
        ));
    }
    let Some(emoji) = EMOJI.iter().find(|e| **e == emoji) else {
        return Err(AppError::invalid(format!(
            "emoji must be one of {}",
            EMOJI.join(" ")
        )));
    };
    state.reactions().add(session_id, emoji);
    Ok(Ack {
        seq: None,
        result: json!({ "emoji": emoji, "counted": true }),
    })
}

/// Write the counted reactions to the store (at most every [`FLUSH_EVERY`], and at shutdown).
pub async fn flush(state: &AppState) {
    let pending = state.reactions().take();
    if pending.is_empty() {
        return;
    }
    let result = state
        .store()
        .write(move |tx| {
            // Sessions in a fixed order, so row locks are always taken in the
            // same order (no deadlock with another node's flush).
            let mut pending: Vec<_> = pending.into_iter().collect();
            pending.sort_by(|a, b| a.0.cmp(&b.0));
            for (session_id, counts) in pending {
                if tx.lock_session(&session_id)?.is_none() {
                    continue;
                }
                let Some(session) = sessions::get(tx.conn, &session_id)? else {
                    continue;
                };
                if session.view.state == SessionState::Ended {
                    continue;
                }
                for (emoji, count) in counts {
                    counters::add_reaction(tx.conn, &session_id, emoji, count)?;
                }
                tx.touch(CounterRef::Reactions { session_id });
            }
            Ok(())
        })
        .await;
    if let Err(err) = result {
        tracing::warn!(error = %err.message, "could not store reaction totals; they are dropped");
    }
}
