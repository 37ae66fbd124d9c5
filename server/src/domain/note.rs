//! Live notes: Markdown a speaker posts during the talk.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A note as every audience sees it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NoteView {
    /// Identifier.
    pub id: String,
    /// The session.
    pub session_id: String,
    /// Markdown source.
    pub body: String,
    /// Sanitized HTML rendering of `body` (safe to insert into a page).
    pub html: String,
    /// Marked as a key takeaway.
    pub takeaway: bool,
    /// Who posted it: `speaker` or `organizer`.
    pub author: String,
    /// Posted at (RFC 3339).
    #[serde(with = "super::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    /// Last edited at (RFC 3339).
    #[serde(with = "super::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
}

/// Post a note.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    /// Markdown (1–10,000 characters).
    pub body: String,
    /// Mark it as a key takeaway right away.
    #[serde(default)]
    pub takeaway: bool,
}

/// Change a note: only the fields present change.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteEdit {
    /// New Markdown.
    #[serde(default)]
    pub body: Option<String>,
    /// Mark or unmark as a key takeaway.
    #[serde(default)]
    pub takeaway: Option<bool>,
}
