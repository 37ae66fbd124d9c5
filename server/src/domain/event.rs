//! Events (conferences): what organizers create and what the API returns.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::limits::{self, EVENT_NAME_MAX, LONG_TEXT_MAX, SHORT_TEXT_MAX};
use crate::error::{AppError, AppResult};

/// Per-event settings an organizer controls.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct EventSettings {
    /// Show askers' display names on shared cards when they asked non-anonymously.
    pub allow_names_on_cards: bool,
    /// Code of conduct shown to attendees (Markdown).
    pub code_of_conduct: Option<String>,
    /// Attendees must acknowledge the code of conduct before their first question.
    pub require_coc_ack: bool,
    /// Delete attendees' personal data this many days after the event's sessions end.
    pub retention_days: Option<u32>,
}

impl EventSettings {
    fn validate(mut self) -> AppResult<Self> {
        if let Some(coc) = self.code_of_conduct.take() {
            let coc = limits::optional_text("settings.code_of_conduct", &coc, LONG_TEXT_MAX)?;
            self.code_of_conduct = (!coc.is_empty()).then_some(coc);
        }
        if self.require_coc_ack && self.code_of_conduct.is_none() {
            return Err(AppError::invalid(
                "settings.require_coc_ack needs settings.code_of_conduct",
            ));
        }
        if let Some(days) = self.retention_days
            && (days == 0 || days > 3650)
        {
            return Err(AppError::invalid(
                "settings.retention_days must be between 1 and 3650",
            ));
        }
        Ok(self)
    }
}

/// An event as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventView {
    /// Identifier.
    pub id: String,
    /// Name, e.g. "RustConf 2026".
    pub name: String,
    /// Free text (Markdown).
    pub description: String,
    /// IANA timezone the schedule is shown in, e.g. "Europe/Berlin".
    pub timezone: String,
    /// First day (YYYY-MM-DD), if set.
    pub starts_on: Option<String>,
    /// Last day (YYYY-MM-DD), if set.
    pub ends_on: Option<String>,
    /// Organizer settings.
    pub settings: EventSettings,
    /// Whether the post-event archive is public.
    pub archive_published: bool,
    /// Creation time (RFC 3339).
    #[serde(with = "super::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: i64,
    /// Last change (RFC 3339).
    #[serde(with = "super::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: i64,
}

/// The body of `POST /api/v1/events`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    /// Name (1–200 characters).
    pub name: String,
    /// Free text (Markdown).
    #[serde(default)]
    pub description: String,
    /// IANA timezone; default "UTC".
    #[serde(default)]
    pub timezone: Option<String>,
    /// First day (YYYY-MM-DD).
    #[serde(default)]
    pub starts_on: Option<String>,
    /// Last day (YYYY-MM-DD).
    #[serde(default)]
    pub ends_on: Option<String>,
    /// Organizer settings.
    #[serde(default)]
    pub settings: EventSettings,
}

/// The body of `PATCH /api/v1/events/{event_id}`: only the fields present change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventPatch {
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New timezone.
    pub timezone: Option<String>,
    /// New first day (YYYY-MM-DD).
    pub starts_on: Option<String>,
    /// New last day (YYYY-MM-DD).
    pub ends_on: Option<String>,
    /// New settings (replaces the whole settings object).
    pub settings: Option<EventSettings>,
}

/// The response to creating an event: the event and its organizer token (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct EventCreated {
    /// The event.
    #[serde(flatten)]
    pub event: EventView,
    /// Bearer token for organizing this event. Store it: it is not shown again.
    pub organizer_token: String,
}

/// Validated fields of an event, ready to store.
#[derive(Debug, Clone)]
pub struct EventFields {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Timezone.
    pub timezone: String,
    /// First day.
    pub starts_on: Option<String>,
    /// Last day.
    pub ends_on: Option<String>,
    /// Settings.
    pub settings: EventSettings,
}

fn date(field: &str, text: Option<String>) -> AppResult<Option<String>> {
    let Some(text) = text else { return Ok(None) };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text.trim(), &format)
        .map_err(|_| AppError::invalid(format!("{field} must be a date like 2026-05-04")))?;
    Ok(Some(text.trim().to_string()))
}

impl NewEvent {
    /// Check every field.
    pub fn validate(self) -> AppResult<EventFields> {
        let fields = EventFields {
            name: limits::single_line("name", &self.name, EVENT_NAME_MAX)?,
            description: limits::optional_text("description", &self.description, LONG_TEXT_MAX)?,
            timezone: match self.timezone {
                Some(tz) => limits::single_line("timezone", &tz, SHORT_TEXT_MAX)?,
                None => "UTC".into(),
            },
            starts_on: date("starts_on", self.starts_on)?,
            ends_on: date("ends_on", self.ends_on)?,
            settings: self.settings.validate()?,
        };
        check_dates(&fields)?;
        Ok(fields)
    }
}

fn check_dates(fields: &EventFields) -> AppResult<()> {
    if let (Some(a), Some(b)) = (&fields.starts_on, &fields.ends_on)
        && b < a
    {
        return Err(AppError::invalid("ends_on is before starts_on"));
    }
    Ok(())
}

impl EventPatch {
    /// Apply the patch to the current fields, checking what changes.
    pub fn apply(self, current: EventFields) -> AppResult<EventFields> {
        let mut next = current;
        if let Some(name) = self.name {
            next.name = limits::single_line("name", &name, EVENT_NAME_MAX)?;
        }
        if let Some(d) = self.description {
            next.description = limits::optional_text("description", &d, LONG_TEXT_MAX)?;
        }
        if let Some(tz) = self.timezone {
            next.timezone = limits::single_line("timezone", &tz, SHORT_TEXT_MAX)?;
        }
        if self.starts_on.is_some() {
            next.starts_on = date("starts_on", self.starts_on)?;
        }
        if self.ends_on.is_some() {
            next.ends_on = date("ends_on", self.ends_on)?;
        }
        if let Some(settings) = self.settings {
            next.settings = settings.validate()?;
        }
        check_dates(&next)?;
        Ok(next)
    }
}
