//! Who is acting: the role a token grants and the scope it is bound to.

use serde::{Deserialize, Serialize};

use super::stream::Audience;

/// What a token lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Server-wide: creates events.
    Admin,
    /// Event-wide: schedules sessions, moderates any of them, exports.
    Organizer,
    /// Session-wide: posts notes, moderates, runs polls.
    Speaker,
    /// Session-wide: reads, asks, votes, reacts.
    Attendee,
    /// Session-wide, read-only: the big-screen / OBS overlay.
    Projector,
}

impl Role {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Organizer => "organizer",
            Role::Speaker => "speaker",
            Role::Attendee => "attendee",
            Role::Projector => "projector",
        }
    }

    /// Parse the stored form.
    pub fn parse(text: &str) -> Option<Role> {
        Some(match text {
            "admin" => Role::Admin,
            "organizer" => Role::Organizer,
            "speaker" => Role::Speaker,
            "attendee" => Role::Attendee,
            "projector" => Role::Projector,
            _ => return None,
        })
    }
}

/// An authenticated caller: the role and scope of the token presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The token's role.
    pub role: Role,
    /// The event the token is bound to (organizer, speaker, attendee, projector).
    pub event_id: Option<String>,
    /// The session the token is bound to (speaker, attendee, projector).
    pub session_id: Option<String>,
    /// The attendee behind an attendee token.
    pub attendee_id: Option<String>,
    /// The attendee's display name, if they gave one.
    pub display_name: Option<String>,
    /// The hash of the token: identifies the caller for idempotency and revocation.
    pub token_hash: String,
}

impl Actor {
    /// Whether the actor moderates `session_id` of `event_id`.
    pub fn is_staff_of(&self, event_id: &str, session_id: &str) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Organizer => self.event_id.as_deref() == Some(event_id),
            Role::Speaker => self.session_id.as_deref() == Some(session_id),
            Role::Attendee | Role::Projector => false,
        }
    }

    /// Whether the actor may read the live stream of `session_id` of `event_id`.
    pub fn can_watch(&self, event_id: &str, session_id: &str) -> bool {
        self.is_staff_of(event_id, session_id)
            || (matches!(self.role, Role::Attendee | Role::Projector)
                && self.session_id.as_deref() == Some(session_id))
    }

    /// Whether the actor organises `event_id`.
    pub fn organizes(&self, event_id: &str) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Organizer => self.event_id.as_deref() == Some(event_id),
            _ => false,
        }
    }

    /// Which stream the actor reads: staff see the full log, everyone else the public one.
    pub fn audience(&self) -> Audience {
        match self.role {
            Role::Admin | Role::Organizer | Role::Speaker => Audience::Staff,
            Role::Attendee | Role::Projector => Audience::Attendees,
        }
    }
}
