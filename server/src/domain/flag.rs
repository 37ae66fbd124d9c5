//! Flags: an attendee reports a question or note to the session's
//! moderators, with a reason; a moderator dismisses the flag or acts on it
//! (hides the question, deletes the note). Flags are staff-only.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Why something was flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagReason {
    /// Advertising or repeated posts.
    Spam,
    /// Abusive, harassing or hateful.
    Abusive,
    /// Against the event's code of conduct.
    CodeOfConduct,
    /// Reveals someone's personal information.
    PersonalInfo,
    /// Not about the session.
    OffTopic,
    /// Something else (say what in `detail`).
    Other,
}

impl FlagReason {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            FlagReason::Spam => "spam",
            FlagReason::Abusive => "abusive",
            FlagReason::CodeOfConduct => "code_of_conduct",
            FlagReason::PersonalInfo => "personal_info",
            FlagReason::OffTopic => "off_topic",
            FlagReason::Other => "other",
        }
    }

    /// Parse the stored form.
    pub fn parse(text: &str) -> Option<FlagReason> {
        Some(match text {
            "spam" => FlagReason::Spam,
            "abusive" => FlagReason::Abusive,
            "code_of_conduct" => FlagReason::CodeOfConduct,
            "personal_info" => FlagReason::PersonalInfo,
            "off_topic" => FlagReason::OffTopic,
            "other" => FlagReason::Other,
            _ => return None,
        })
    }
}

/// What can be flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagTarget {
    /// A visible question.
    Question,
    /// A live note.
    Note,
}

impl FlagTarget {
    /// The stored form (also the prefix of audit targets, `question:ID`).
    pub fn as_str(self) -> &'static str {
        match self {
            FlagTarget::Question => "question",
            FlagTarget::Note => "note",
        }
    }

    /// Parse the stored form.
    pub fn parse(text: &str) -> Option<FlagTarget> {
        match text {
            "question" => Some(FlagTarget::Question),
            "note" => Some(FlagTarget::Note),
            _ => None,
        }
    }
}

/// Where a flag stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagState {
    /// Waiting for a moderator.
    Open,
    /// A moderator kept the content.
    Dismissed,
    /// A moderator removed the content (question hidden, note deleted).
    Removed,
}

impl FlagState {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            FlagState::Open => "open",
            FlagState::Dismissed => "dismissed",
            FlagState::Removed => "removed",
        }
    }

    /// Parse the stored form.
    pub fn parse(text: &str) -> Option<FlagState> {
        match text {
            "open" => Some(FlagState::Open),
            "dismissed" => Some(FlagState::Dismissed),
            "removed" => Some(FlagState::Removed),
            _ => None,
        }
    }
}

/// A moderator's decision on a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FlagAction {
    /// Keep the content; close the flag(s).
    Dismiss,
    /// Hide the question or delete the note; close the flag(s).
    Remove,
}

/// A flag as moderators see it (never sent to attendees).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FlagView {
    /// Identifier.
    pub id: String,
    /// The session.
    pub session_id: String,
    /// `question` or `note`.
    pub target_kind: FlagTarget,
    /// The flagged question or note.
    pub target_id: String,
    /// Why.
    pub reason: FlagReason,
    /// The attendee's words (may be empty).
    pub detail: String,
    /// The flagged text when it was flagged.
    pub excerpt: String,
    /// `open`, `dismissed` or `removed`.
    pub state: FlagState,
    /// Role of the moderator who resolved it.
    pub resolved_by: Option<String>,
    /// Raised at (RFC 3339).
    #[serde(with = "super::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    /// Resolved at (RFC 3339).
    #[serde(with = "super::time::opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub resolved_at: Option<i64>,
}

/// The body of `POST /api/v1/sessions/{session_id}/flags`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFlag {
    /// `question` or `note`.
    pub kind: FlagTarget,
    /// The question or note.
    pub id: String,
    /// Why.
    pub reason: FlagReason,
    /// More words for the moderators (up to 500 characters).
    #[serde(default)]
    pub detail: String,
}

/// The body of `POST /api/v1/sessions/{session_id}/flags/{flag_id}/resolve`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagResolution {
    /// `dismiss` or `remove`.
    pub action: FlagAction,
}
