//! The highlights model: what a takeaways pack holds, as every export
//! format and the archive see it (serialized as the JSON export, described
//! by docs/export.schema.json).

use serde::Serialize;

use super::timeline::Moment;
use crate::domain::poll::{PollKind, PollState};
use crate::domain::session::{SessionState, Speaker};
use crate::store::audit::AuditEntry;

/// Version of the export document; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Who the highlights are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Organizers and speakers: askers' names, every opened poll's results.
    Staff,
    /// The public archive: askers' names only where the event allows them on
    /// shared cards; a poll's results once revealed or closed.
    Public,
}

/// The event, as exports describe it.
#[derive(Debug, Clone, Serialize)]
pub struct EventInfo {
    /// Identifier.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description (Markdown).
    pub description: String,
    /// IANA timezone of the schedule.
    pub timezone: String,
    /// First day (YYYY-MM-DD).
    pub starts_on: Option<String>,
    /// Last day (YYYY-MM-DD).
    pub ends_on: Option<String>,
    /// Whether the public archive is published.
    pub archive_published: bool,
}

/// Attendance figures.
#[derive(Debug, Clone, Serialize)]
pub struct Attendance {
    /// Most attendees connected at once.
    pub peak: i64,
    /// Attendees who ever joined.
    pub total: i64,
}

/// A live note.
#[derive(Debug, Clone, Serialize)]
pub struct NoteItem {
    /// Identifier.
    pub id: String,
    /// Markdown source.
    pub body: String,
    /// Sanitized HTML of `body`.
    pub html: String,
    /// Marked as a key takeaway.
    pub takeaway: bool,
    /// `speaker` or `organizer`.
    pub author: String,
    /// Posted at.
    #[serde(with = "crate::domain::time::rfc3339")]
    pub created_at: i64,
    /// Last edited at.
    #[serde(with = "crate::domain::time::rfc3339")]
    pub updated_at: i64,
    /// When it was posted, on the session's timeline.
    pub at: Option<Moment>,
}

/// A visible question, ranked.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionItem {
    /// Identifier.
    pub id: String,
    /// 1 for the most upvoted.
    pub rank: usize,
    /// The question (plain text).
    pub body: String,
    /// The asker's name, when they asked with it (and the viewer may see it).
    pub author_name: Option<String>,
    /// Upvotes.
    pub upvotes: i64,
    /// Marked answered.
    pub answered: bool,
    /// The written answer (Markdown), if any.
    pub answer: Option<String>,
    /// Sanitized HTML of `answer`.
    pub answer_html: Option<String>,
    /// Labels.
    pub labels: Vec<String>,
    /// Asked at.
    #[serde(with = "crate::domain::time::rfc3339")]
    pub created_at: i64,
    /// Answered at.
    #[serde(with = "crate::domain::time::opt_rfc3339")]
    pub answered_at: Option<i64>,
    /// When it was asked, on the timeline.
    pub at: Option<Moment>,
    /// When it was answered, on the timeline.
    pub answer_at: Option<Moment>,
}

/// One line of a poll's results.
#[derive(Debug, Clone, Serialize)]
pub struct PollResult {
    /// The tally key: option index, rating, or the normalised word.
    pub key: String,
    /// What was chosen: the option's text, the rating, the word.
    pub label: String,
    /// How many ballots chose it.
    pub count: i64,
}

/// A poll with its final (or current) tally.
#[derive(Debug, Clone, Serialize)]
pub struct PollItem {
    /// Identifier.
    pub id: String,
    /// `single_choice`, `multiple_choice`, `rating` or `word_cloud`.
    pub kind: PollKind,
    /// The question asked.
    pub question: String,
    /// `open` or `closed`.
    pub state: PollState,
    /// Options of a choice poll.
    pub options: Vec<String>,
    /// Top of a rating scale.
    pub scale_max: Option<i64>,
    /// Opened at.
    #[serde(with = "crate::domain::time::opt_rfc3339")]
    pub opened_at: Option<i64>,
    /// Closed at.
    #[serde(with = "crate::domain::time::opt_rfc3339")]
    pub closed_at: Option<i64>,
    /// When it opened, on the timeline.
    pub at: Option<Moment>,
    /// Attendees who voted (null when the results are not shown).
    pub ballots: Option<i64>,
    /// Results, most chosen first for word clouds, in option order otherwise
    /// (null when the viewer may not see them).
    pub results: Option<Vec<PollResult>>,
}

/// One emoji's total.
#[derive(Debug, Clone, Serialize)]
pub struct ReactionCount {
    /// The emoji.
    pub emoji: String,
    /// How often it was sent.
    pub count: i64,
}

/// Everything worth keeping from one session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionHighlights {
    /// Identifier.
    pub id: String,
    /// Title.
    pub title: String,
    /// Abstract (Markdown).
    #[serde(rename = "abstract")]
    pub summary: String,
    /// Track.
    pub track: String,
    /// Room.
    pub room: String,
    /// `scheduled`, `live` or `ended` when exported.
    pub state: SessionState,
    /// Speakers with their affiliations and disclosures.
    pub speakers: Vec<Speaker>,
    /// Session-level disclosures.
    pub disclosures: String,
    /// Scheduled start.
    #[serde(with = "crate::domain::time::opt_rfc3339")]
    pub starts_at: Option<i64>,
    /// Scheduled end.
    #[serde(with = "crate::domain::time::opt_rfc3339")]
    pub ends_at: Option<i64>,
    /// When it went live (offsets count from here).
    #[serde(with = "crate::domain::time::opt_rfc3339")]
    pub started_at: Option<i64>,
    /// When it ended.
    #[serde(with = "crate::domain::time::opt_rfc3339")]
    pub ended_at: Option<i64>,
    /// The stream / recording URL.
    pub stream_url: Option<String>,
    /// `youtube`, `vimeo`, `media`, `page`, or null without a stream.
    pub recording_kind: Option<&'static str>,
    /// Attendance.
    pub attendance: Attendance,
    /// Notes marked as key takeaways, oldest first.
    pub key_takeaways: Vec<NoteItem>,
    /// Every note, oldest first.
    pub notes: Vec<NoteItem>,
    /// Visible questions, most upvoted first.
    pub questions: Vec<QuestionItem>,
    /// Polls (never drafts), oldest first.
    pub polls: Vec<PollItem>,
    /// Reaction totals, most sent first.
    pub reactions: Vec<ReactionCount>,
}

/// The highlights of a session or of a whole event: the export document.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// `session` or `event`.
    pub scope: &'static str,
    /// When the export was made (a snapshot while sessions are live).
    #[serde(with = "crate::domain::time::rfc3339")]
    pub generated_at: i64,
    /// The event.
    pub event: EventInfo,
    /// The sessions (one for a session export), in schedule order.
    pub sessions: Vec<SessionHighlights>,
    /// The moderation audit log (event exports for organizers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<Vec<AuditEntry>>,
}
