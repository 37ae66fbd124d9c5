//! The live stream's vocabulary: log events, coalesced counters, side effects.
//!
//! Every state change of a session is a [`LogEvent`] with a `log_seq` (the
//! session's total order across nodes). Each event is visible to one or both
//! audiences, and each audience has its own gap-free numbering: attendees and
//! projectors read the public stream (`public_seq`), staff read the staff
//! stream (`staff_seq`). A client only ever sees its own audience's `seq`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Which clients see an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Attendees and projectors (the public stream).
    Attendees,
    /// Speakers, moderators and organizers (the staff stream).
    Staff,
}

/// Which streams an event is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Both streams.
    Everyone,
    /// Only the staff stream (pending questions, moderation detail).
    StaffOnly,
    /// Only the public stream (e.g. "this question is gone", which staff see as a state change).
    AttendeesOnly,
}

impl Visibility {
    /// Whether the public stream carries the event.
    pub fn public(self) -> bool {
        matches!(self, Visibility::Everyone | Visibility::AttendeesOnly)
    }
    /// Whether the staff stream carries the event.
    pub fn staff(self) -> bool {
        matches!(self, Visibility::Everyone | Visibility::StaffOnly)
    }
}

/// One committed state change of a session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogEvent {
    /// The session whose log this is.
    pub session_id: Arc<str>,
    /// Position in the session's full log (all audiences).
    pub log_seq: u64,
    /// Position in the public stream, if attendees see it.
    pub public_seq: Option<u64>,
    /// Position in the staff stream, if staff see it.
    pub staff_seq: Option<u64>,
    /// Commit time, Unix milliseconds.
    pub ts: i64,
    /// What happened, e.g. `note.posted` (see docs/protocol.md).
    pub kind: Arc<str>,
    /// The payload, as JSON text.
    pub data: Arc<str>,
}

impl LogEvent {
    /// The event's position in `audience`'s stream, if that audience sees it.
    pub fn seq_for(&self, audience: Audience) -> Option<u64> {
        match audience {
            Audience::Attendees => self.public_seq,
            Audience::Staff => self.staff_seq,
        }
    }
}

/// The latest value of a fast-changing number (upvotes, tallies, reactions).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CounterUpdate {
    /// The session it belongs to.
    pub session_id: Arc<str>,
    /// Stable key, e.g. `question:ID`, `poll:ID`, `reactions`.
    pub key: String,
    /// The value as JSON text.
    pub value: Arc<str>,
    /// Staff only (e.g. the tally of a poll whose results are hidden).
    pub staff_only: bool,
    /// The session's counter version at commit: a node keeps the value with
    /// the highest version, whatever order updates arrive in.
    pub version: u64,
}

/// Something besides events that other connections must react to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Effect {
    /// These token hashes no longer grant access: close their sockets (1008).
    TokensRevoked(Vec<String>),
    /// The session is gone: close its sockets.
    SessionDeleted(Arc<str>),
}

/// Everything one committed transaction produced, in commit order.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Committed {
    /// Log events, ordered by `log_seq` within each session.
    pub events: Vec<LogEvent>,
    /// Latest counter values touched by the transaction.
    pub counters: Vec<CounterUpdate>,
    /// Side effects for live connections.
    pub effects: Vec<Effect>,
}

impl Committed {
    /// Whether there is nothing to publish.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.counters.is_empty() && self.effects.is_empty()
    }
}
