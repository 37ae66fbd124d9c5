//! A write transaction as the command layer sees it: the connection, the
//! commit time, and what the transaction will publish once it commits.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::sql::{SqlConn, StoreResult};
use crate::domain::stream::{Committed, Effect, LogEvent, Visibility};
use crate::params;

/// A counter whose latest value must be published after commit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum CounterRef {
    /// A question's upvote count.
    Upvotes {
        /// Session of the question.
        session_id: String,
        /// The question.
        question_id: String,
    },
    /// A poll's tally.
    Tally {
        /// Session of the poll.
        session_id: String,
        /// The poll.
        poll_id: String,
    },
    /// A session's reaction totals.
    Reactions {
        /// The session.
        session_id: String,
    },
}

/// One open write transaction inside the writer's batch.
pub struct Tx<'c> {
    /// The connection, for repository functions.
    pub conn: &'c mut dyn SqlConn,
    /// Commit time of the batch, Unix milliseconds.
    pub now: i64,
    pub(super) out: Committed,
    pub(super) touched: BTreeSet<CounterRef>,
    /// Counter version of each session locked in this transaction.
    pub(super) versions: BTreeMap<String, u64>,
}

impl<'c> Tx<'c> {
    pub(super) fn new(conn: &'c mut dyn SqlConn, now: i64) -> Self {
        Tx {
            conn,
            now,
            out: Committed::default(),
            touched: BTreeSet::new(),
            versions: BTreeMap::new(),
        }
    }

    /// Lock the session's row until commit and bump its counter version.
    /// Every command takes this first: writers of one session serialize (on
    /// PostgreSQL across nodes too), a retried command id sees the first
    /// attempt's result, and counters published after commit carry a version
    /// that orders them. Returns None if the session does not exist.
    pub fn lock_session(&mut self, session_id: &str) -> StoreResult<Option<u64>> {
        let row = self.conn.query_opt(
            "UPDATE sessions SET counter_version = counter_version + 1 WHERE id = ? RETURNING counter_version",
            params![session_id],
        )?;
        let Some(row) = row else { return Ok(None) };
        let version = u64::try_from(row.int(0)?).unwrap_or(0);
        self.versions.insert(session_id.to_string(), version);
        Ok(Some(version))
    }

    /// The counter version of a session in this transaction (locking it if needed).
    pub(super) fn version_of(&mut self, session_id: &str) -> StoreResult<u64> {
        match self.versions.get(session_id) {
            Some(v) => Ok(*v),
            None => Ok(self.lock_session(session_id)?.unwrap_or(0)),
        }
    }

    /// Append an event to a session's log, numbering it in each stream that sees it.
    pub fn emit(
        &mut self,
        session_id: &str,
        visibility: Visibility,
        kind: &str,
        entity: Option<&str>,
        data: &impl serde::Serialize,
    ) -> StoreResult<LogEvent> {
        let data = serde_json::to_string(data)
            .map_err(|e| super::sql::StoreError::Shape(format!("event payload: {e}")))?;
        let row = self.conn.query_one(
            "UPDATE sessions
                SET last_log_seq = last_log_seq + 1,
                    last_public_seq = last_public_seq + ?,
                    last_staff_seq = last_staff_seq + ?
              WHERE id = ?
          RETURNING last_log_seq, last_public_seq, last_staff_seq",
            params![visibility.public(), visibility.staff(), session_id],
        )?;
        let seq = |i: usize| -> StoreResult<u64> { Ok(u64::try_from(row.int(i)?).unwrap_or(0)) };
        let event = LogEvent {
            session_id: Arc::from(session_id),
            log_seq: seq(0)?,
            public_seq: visibility.public().then(|| seq(1)).transpose()?,
            staff_seq: visibility.staff().then(|| seq(2)).transpose()?,
            ts: self.now,
            kind: Arc::from(kind),
            data: Arc::from(data),
        };
        self.conn.execute(
            "INSERT INTO session_log (session_id, log_seq, public_seq, staff_seq, ts, kind, entity, data)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            params![
                session_id,
                event.log_seq,
                event.public_seq,
                event.staff_seq,
                event.ts,
                kind,
                entity,
                &*event.data
            ],
        )?;
        self.out.events.push(event.clone());
        Ok(event)
    }

    /// Blank out the public history of an entity (a hidden question, a deleted
    /// note): a replay then carries `redacted` events in their place, so the
    /// numbering stays gap-free and the content is never delivered again.
    pub fn redact(&mut self, session_id: &str, entity: &str) -> StoreResult<()> {
        self.conn.execute(
            "UPDATE session_log SET kind = 'redacted', data = '{}'
              WHERE session_id = ? AND entity = ? AND kind <> 'redacted'",
            params![session_id, entity],
        )?;
        Ok(())
    }

    /// Publish this counter's latest value after commit.
    pub fn touch(&mut self, counter: CounterRef) {
        self.touched.insert(counter);
    }

    /// Ask live connections to react to something after commit.
    pub fn effect(&mut self, effect: Effect) {
        self.out.effects.push(effect);
    }

    pub(super) fn mark(&self) -> (usize, usize) {
        (self.out.events.len(), self.out.effects.len())
    }

    pub(super) fn rewind(&mut self, mark: (usize, usize)) {
        self.out.events.truncate(mark.0);
        self.out.effects.truncate(mark.1);
    }
}
