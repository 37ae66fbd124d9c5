//! Sessions (talks): schedule fields, lifecycle state, moderation mode.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::limits::{
    self, DISCLOSURE_MAX, LONG_TEXT_MAX, NAME_MAX, SHORT_TEXT_MAX, SPEAKERS_MAX, TITLE_MAX,
};
use crate::error::{AppError, AppResult};

/// Where a session is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Not started yet; attendees may join and read, but not ask or vote.
    Scheduled,
    /// Running: everything is open.
    Live,
    /// Over: read-only; the highlights are final.
    Ended,
}

impl SessionState {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Scheduled => "scheduled",
            SessionState::Live => "live",
            SessionState::Ended => "ended",
        }
    }
    /// Parse the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "scheduled" => SessionState::Scheduled,
            "live" => SessionState::Live,
            "ended" => SessionState::Ended,
            _ => return None,
        })
    }
}

/// How questions become visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Moderation {
    /// Visible at once; moderators can hide them afterwards.
    #[default]
    Post,
    /// Held in a queue until a moderator approves them.
    Pre,
}

impl Moderation {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Moderation::Post => "post",
            Moderation::Pre => "pre",
        }
    }
    /// Parse the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "post" => Moderation::Post,
            "pre" => Moderation::Pre,
            _ => return None,
        })
    }
}

/// A speaker of a session, with what they disclose.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Speaker {
    /// Full name.
    pub name: String,
    /// Employer or organisation.
    #[serde(default)]
    pub affiliation: Option<String>,
    /// Conflicts of interest, funding, relationships the audience should know.
    #[serde(default)]
    pub disclosure: Option<String>,
}

/// A session as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    /// Identifier.
    pub id: String,
    /// The event it belongs to.
    pub event_id: String,
    /// Title.
    pub title: String,
    /// Abstract (Markdown).
    #[serde(rename = "abstract")]
    pub summary: String,
    /// Speakers with their disclosures.
    pub speakers: Vec<Speaker>,
    /// Track (shown as a column in the schedule).
    pub track: String,
    /// Room.
    pub room: String,
    /// Scheduled start (RFC 3339).
    #[serde(with = "super::time::opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<i64>,
    /// Scheduled end (RFC 3339).
    #[serde(with = "super::time::opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<i64>,
    /// The talk's stream: an embed URL (YouTube, Vimeo, any iframe) or an HLS/MP4 file.
    pub stream_url: Option<String>,
    /// Session-level disclosures (sponsorship, conflicts).
    pub disclosures: String,
    /// Lifecycle state.
    pub state: SessionState,
    /// Question moderation mode.
    pub moderation: Moderation,
    /// Short code attendees type to join.
    pub join_code: String,
    /// When it actually went live (RFC 3339).
    #[serde(with = "super::time::opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started_at: Option<i64>,
    /// When it actually ended (RFC 3339).
    #[serde(with = "super::time::opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ended_at: Option<i64>,
}

/// The body of `POST /api/v1/events/{event_id}/sessions`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    /// Title (1–300 characters).
    pub title: String,
    /// Abstract (Markdown).
    #[serde(default, rename = "abstract")]
    pub summary: String,
    /// Speakers.
    #[serde(default)]
    pub speakers: Vec<Speaker>,
    /// Track.
    #[serde(default)]
    pub track: String,
    /// Room.
    #[serde(default)]
    pub room: String,
    /// Scheduled start (RFC 3339).
    #[serde(default, with = "super::time::opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<i64>,
    /// Scheduled end (RFC 3339).
    #[serde(default, with = "super::time::opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<i64>,
    /// Stream URL (http or https).
    #[serde(default)]
    pub stream_url: Option<String>,
    /// Session-level disclosures.
    #[serde(default)]
    pub disclosures: String,
    /// Question moderation mode (default `post`).
    #[serde(default)]
    pub moderation: Moderation,
}

/// The body of `PATCH /api/v1/sessions/{session_id}`: only the fields present change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionPatch {
    /// New title.
    pub title: Option<String>,
    /// New abstract.
    #[serde(rename = "abstract")]
    pub summary: Option<String>,
    /// New speakers (replaces the list).
    pub speakers: Option<Vec<Speaker>>,
    /// New track.
    pub track: Option<String>,
    /// New room.
    pub room: Option<String>,
    /// New scheduled start (RFC 3339).
    #[serde(default, with = "super::time::opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<i64>,
    /// New scheduled end (RFC 3339).
    #[serde(default, with = "super::time::opt_rfc3339")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<i64>,
    /// New stream URL; an empty string removes it.
    pub stream_url: Option<String>,
    /// New disclosures.
    pub disclosures: Option<String>,
    /// New moderation mode.
    pub moderation: Option<Moderation>,
}

/// The response to creating a session: the session and its tokens (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    /// The session.
    #[serde(flatten)]
    pub session: SessionView,
    /// Bearer token for the speaker console (moderate, post notes, run polls).
    pub speaker_token: String,
    /// Read-only token for the projector / OBS overlay.
    pub projector_token: String,
}

/// Validated schedule fields of a session, ready to store.
#[derive(Debug, Clone)]
pub struct SessionFields {
    /// Title.
    pub title: String,
    /// Abstract.
    pub summary: String,
    /// Speakers.
    pub speakers: Vec<Speaker>,
    /// Track.
    pub track: String,
    /// Room.
    pub room: String,
    /// Scheduled start.
    pub starts_at: Option<i64>,
    /// Scheduled end.
    pub ends_at: Option<i64>,
    /// Stream URL.
    pub stream_url: Option<String>,
    /// Disclosures.
    pub disclosures: String,
    /// Moderation mode.
    pub moderation: Moderation,
}

fn speakers(list: Vec<Speaker>) -> AppResult<Vec<Speaker>> {
    if list.len() > SPEAKERS_MAX {
        return Err(AppError::invalid(format!(
            "a session has at most {SPEAKERS_MAX} speakers"
        )));
    }
    list.into_iter()
        .map(|s| {
            let optional = |field: &str, v: Option<String>, max| -> AppResult<Option<String>> {
                match v {
                    None => Ok(None),
                    Some(v) => {
                        let v = limits::optional_text(field, &v, max)?;
                        Ok((!v.is_empty()).then_some(v))
                    }
                }
            };
            Ok(Speaker {
                name: limits::single_line("speakers[].name", &s.name, NAME_MAX)?,
                affiliation: optional("speakers[].affiliation", s.affiliation, NAME_MAX)?,
                disclosure: optional("speakers[].disclosure", s.disclosure, DISCLOSURE_MAX)?,
            })
        })
        .collect()
}

fn stream_url(url: Option<String>) -> AppResult<Option<String>> {
    match url {
        None => Ok(None),
        Some(u) if u.trim().is_empty() => Ok(None),
        Some(u) => limits::http_url("stream_url", &u).map(Some),
    }
}

fn check_times(fields: &SessionFields) -> AppResult<()> {
    if let (Some(a), Some(b)) = (fields.starts_at, fields.ends_at)
        && b < a
    {
        return Err(AppError::invalid("ends_at is before starts_at"));
    }
    Ok(())
}

impl NewSession {
    /// Check every field.
    pub fn validate(self) -> AppResult<SessionFields> {
        let fields = SessionFields {
            title: limits::single_line("title", &self.title, TITLE_MAX)?,
            summary: limits::optional_text("abstract", &self.summary, LONG_TEXT_MAX)?,
            speakers: speakers(self.speakers)?,
            track: limits::optional_text("track", &self.track, SHORT_TEXT_MAX)?,
            room: limits::optional_text("room", &self.room, SHORT_TEXT_MAX)?,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            stream_url: stream_url(self.stream_url)?,
            disclosures: limits::optional_text("disclosures", &self.disclosures, DISCLOSURE_MAX)?,
            moderation: self.moderation,
        };
        check_times(&fields)?;
        Ok(fields)
    }
}

impl SessionPatch {
    /// Apply the patch to the current fields, checking what changes.
    pub fn apply(self, current: SessionFields) -> AppResult<SessionFields> {
        let mut next = current;
        if let Some(v) = self.title {
            next.title = limits::single_line("title", &v, TITLE_MAX)?;
        }
        if let Some(v) = self.summary {
            next.summary = limits::optional_text("abstract", &v, LONG_TEXT_MAX)?;
        }
        if let Some(v) = self.speakers {
            next.speakers = speakers(v)?;
        }
        if let Some(v) = self.track {
            next.track = limits::optional_text("track", &v, SHORT_TEXT_MAX)?;
        }
        if let Some(v) = self.room {
            next.room = limits::optional_text("room", &v, SHORT_TEXT_MAX)?;
        }
        if self.starts_at.is_some() {
            next.starts_at = self.starts_at;
        }
        if self.ends_at.is_some() {
            next.ends_at = self.ends_at;
        }
        if self.stream_url.is_some() {
            next.stream_url = stream_url(self.stream_url)?;
        }
        if let Some(v) = self.disclosures {
            next.disclosures = limits::optional_text("disclosures", &v, DISCLOSURE_MAX)?;
        }
        if let Some(v) = self.moderation {
            next.moderation = v;
        }
        check_times(&next)?;
        Ok(next)
    }
}
