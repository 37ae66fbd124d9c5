//! Questions: asked by attendees, moderated and answered by staff.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where a question stands in moderation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionState {
    /// Waiting for approval (pre-moderated sessions); staff and the asker only.
    Pending,
    /// Visible to everyone.
    Visible,
    /// Declined by a moderator; staff only.
    Rejected,
    /// Removed from view by a moderator; staff only.
    Hidden,
    /// Taken back by the asker; nobody sees it.
    Withdrawn,
}

impl QuestionState {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionState::Pending => "pending",
            QuestionState::Visible => "visible",
            QuestionState::Rejected => "rejected",
            QuestionState::Hidden => "hidden",
            QuestionState::Withdrawn => "withdrawn",
        }
    }
    /// Parse the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "pending" => QuestionState::Pending,
            "visible" => QuestionState::Visible,
            "rejected" => QuestionState::Rejected,
            "hidden" => QuestionState::Hidden,
            "withdrawn" => QuestionState::Withdrawn,
            _ => return None,
        })
    }
}

/// A question as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuestionView {
    /// Identifier.
    pub id: String,
    /// The session.
    pub session_id: String,
    /// The question text (plain text; render it as text, never as HTML).
    pub body: String,
    /// The asker's display name, only when they chose to ask non-anonymously.
    pub author_name: Option<String>,
    /// Moderation state.
    pub state: QuestionState,
    /// Marked as answered.
    pub answered: bool,
    /// The speaker's written reply (Markdown source), if any.
    pub answer: Option<String>,
    /// Sanitized HTML of `answer`.
    pub answer_html: Option<String>,
    /// Labels a moderator added.
    pub labels: Vec<String>,
    /// Number of upvotes.
    pub upvotes: i64,
    /// Asked at (RFC 3339).
    #[serde(with = "super::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    /// Last change (RFC 3339).
    #[serde(with = "super::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
    /// Answered at (RFC 3339).
    #[serde(with = "super::time::opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub answered_at: Option<i64>,
}

/// Ask a question.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQuestion {
    /// The question (1–500 characters).
    pub body: String,
    /// Ask without your display name (the default).
    #[serde(default = "yes")]
    pub anonymous: bool,
}

fn yes() -> bool {
    true
}

/// Edit your own question.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionEdit {
    /// The new text (1–500 characters).
    pub body: String,
}

/// Answer a question (staff).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionAnswer {
    /// Mark answered (default true) or back to unanswered.
    #[serde(default = "yes")]
    pub answered: bool,
    /// A written reply (Markdown, up to 5,000 characters); omit to keep the current one,
    /// empty to remove it.
    #[serde(default)]
    pub reply: Option<String>,
}

/// Replace a question's labels (staff).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionLabels {
    /// Up to 10 labels of up to 100 characters.
    pub labels: Vec<String>,
}

/// Upvote a question or take the upvote back.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionUpvote {
    /// true to upvote (default), false to take it back.
    #[serde(default = "yes")]
    pub up: bool,
}
