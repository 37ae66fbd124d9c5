//! Import a pretalx / frab schedule: every talk becomes a session of the
//! event (or updates the session imported earlier from the same guid), in
//! one transaction: a file with one bad talk changes nothing.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{TalkFields, parse_date, parse_datetime, talk_fields, text};
use crate::domain::event::{EventSettings, NewEvent};
use crate::domain::ids::{is_id, new_id, new_join_code};
use crate::domain::roles::Role;
use crate::domain::session::{NewSession, SessionFields, Speaker};
use crate::domain::tokens::{hash_token, new_token};
use crate::error::{AppError, AppResult};
use crate::store::schedule::{self, TalkLink};
use crate::store::{Store, events, sessions, tokens};

/// What an import did.
#[derive(Debug, Clone)]
pub struct ImportReport {
    /// The event the sessions are in.
    pub event_id: String,
    /// The organizer token of an event created by the import (shown once).
    pub organizer_token: Option<String>,
    /// Sessions created.
    pub created: usize,
    /// Sessions updated (matched by talk guid).
    pub updated: usize,
}

/// One talk, checked and ready to store.
struct Planned {
    guid: String,
    day: String,
    talk: Value,
    fields: TalkFields,
    session: SessionFields,
}

fn session_fields(f: &TalkFields) -> Result<SessionFields, AppError> {
    NewSession {
        title: f.title.clone(),
        summary: f.summary.clone(),
        speakers: f
            .speakers
            .iter()
            .map(|name| Speaker {
                name: name.clone(),
                affiliation: None,
                disclosure: None,
            })
            .collect(),
        track: f.track.clone(),
        room: f.room.clone(),
        starts_at: Some(f.starts_at),
        ends_at: Some(f.ends_at),
        stream_url: None,
        disclosures: String::new(),
        moderation: Default::default(),
    }
    .validate()
}

/// Read and check every talk of a schedule document.
fn plan(root: &Value) -> anyhow::Result<(Vec<Planned>, Value, i64)> {
    let conference = root
        .pointer("/schedule/conference")
        .ok_or_else(|| anyhow::anyhow!("not a schedule: no schedule.conference"))?;
    let days = conference
        .get("days")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow::anyhow!("not a schedule: no schedule.conference.days"))?;
    let default_offset = days
        .iter()
        .find_map(|d| parse_datetime(&text(d, "day_start")))
        .map_or(0, |(_, o)| o);
    let mut planned = Vec::new();
    let mut guids = BTreeSet::new();
    for day in days {
        let rooms = match day.get("rooms") {
            Some(Value::Object(rooms)) => rooms,
            Some(_) => anyhow::bail!(
                "day {}: `rooms` must map room names to talks",
                text(day, "date")
            ),
            None => continue,
        };
        for (room, talks) in rooms {
            let talks = talks
                .as_array()
                .ok_or_else(|| anyhow::anyhow!("room `{room}`: talks must be a list"))?;
            for talk in talks {
                let fields =
                    talk_fields(talk, day, room, default_offset).map_err(anyhow::Error::msg)?;
                let session = session_fields(&fields)
                    .map_err(|e| anyhow::anyhow!("talk `{}`: {}", fields.title, e.message))?;
                let guid = match (text(talk, "guid"), text(talk, "id")) {
                    (g, _) if !g.is_empty() => g,
                    (_, id) if !id.is_empty() => format!("id:{id}"),
                    _ => format!("{}@{}", fields.title, fields.starts_at),
                };
                if !guids.insert(guid.clone()) {
                    anyhow::bail!("talk `{}`: guid {guid} appears twice", fields.title);
                }
                let day_date = parse_date(&text(day, "date"))
                    .map(|d| d.to_string())
                    .or_else(|| {
                        super::local_date_time(fields.starts_at, fields.utc_offset).map(|(d, _)| d)
                    })
                    .unwrap_or_default();
                planned.push(Planned {
                    guid,
                    day: day_date,
                    talk: talk.clone(),
                    fields,
                    session,
                });
            }
        }
    }
    // What is kept of the document itself: everything but the talks.
    let mut header = root.clone();
    if let Some(days) = header
        .pointer_mut("/schedule/conference/days")
        .and_then(Value::as_array_mut)
    {
        for day in days {
            if let Some(obj) = day.as_object_mut() {
                obj.insert("rooms".into(), Value::Object(Default::default()));
            }
        }
    }
    Ok((planned, header, default_offset))
}

fn new_event(conference: &Value) -> Result<crate::domain::event::EventFields, AppError> {
    let name = [text(conference, "title"), text(conference, "acronym")]
        .into_iter()
        .find(|n| !n.is_empty())
        .unwrap_or_else(|| "Imported schedule".into());
    let tz = text(conference, "time_zone_name");
    let day = |key: &str| parse_date(&text(conference, key)).map(|d| d.to_string());
    NewEvent {
        name,
        description: String::new(),
        timezone: (!tz.is_empty()).then_some(tz),
        starts_on: day("start"),
        ends_on: day("end"),
        settings: EventSettings::default(),
    }
    .validate()
}

/// Import `document` (schedule JSON) into `event_id`, or into a new event.
/// A file that is not a schedule, or a talk that fails validation, is `invalid`.
pub async fn import(
    store: &Store,
    event_id: Option<String>,
    document: &str,
) -> AppResult<ImportReport> {
    let root: Value =
        serde_json::from_str(document).map_err(|e| AppError::invalid(format!("not JSON: {e}")))?;
    let (planned, header, default_offset) =
        plan(&root).map_err(|e| AppError::invalid(format!("{e:#}")))?;
    let conference = header
        .pointer("/schedule/conference")
        .cloned()
        .unwrap_or(Value::Null);
    let create = match &event_id {
        Some(id) if !is_id(id) => return Err(AppError::not_found("event")),
        Some(_) => None,
        None => Some((new_event(&conference)?, new_token("o"))),
    };
    let shown_token = create.as_ref().map(|(_, t)| t.clone());
    let report = store
        .write(move |tx| {
            let event_id = match (event_id, create) {
                (Some(id), _) => {
                    if events::get(tx.conn, &id)?.is_none() {
                        return Err(AppError::not_found("event"));
                    }
                    id
                }
                (None, Some((fields, token))) => {
                    let id = new_id();
                    events::insert(tx.conn, &id, &fields, tx.now)?;
                    tokens::insert(
                        tx.conn,
                        &hash_token(&token),
                        Role::Organizer,
                        Some(&id),
                        None,
                        None,
                        tx.now,
                    )?;
                    id
                }
                (None, None) => return Err(AppError::internal("no event to import into")),
            };
            let (mut created, mut updated) = (0, 0);
            for p in planned {
                let session_id = match schedule::session_for(tx.conn, &event_id, &p.guid)? {
                    Some(id) => {
                        let current = sessions::get(tx.conn, &id)?
                            .ok_or_else(|| AppError::not_found("session"))?;
                        let mut fields = p.session.clone();
                        // Keep what the schedule does not carry.
                        let old = sessions::fields(&current.view);
                        fields.stream_url = old.stream_url;
                        fields.disclosures = old.disclosures;
                        fields.moderation = old.moderation;
                        for sp in &mut fields.speakers {
                            if let Some(prev) = old.speakers.iter().find(|o| o.name == sp.name) {
                                sp.affiliation = prev.affiliation.clone();
                                sp.disclosure = prev.disclosure.clone();
                            }
                        }
                        sessions::update(tx.conn, &id, &fields, tx.now)?;
                        crate::commands::sessions::emit_updated(tx, &id)?;
                        updated += 1;
                        id
                    }
                    None => {
                        let mut code = new_join_code();
                        while sessions::code_taken(tx.conn, &code)? {
                            code = new_join_code();
                        }
                        let id = new_id();
                        sessions::insert(tx.conn, &id, &event_id, &p.session, &code, tx.now)?;
                        created += 1;
                        id
                    }
                };
                schedule::put_talk(
                    tx.conn,
                    &event_id,
                    &TalkLink {
                        session_id,
                        guid: p.guid,
                        day: p.day,
                        utc_offset: p.fields.utc_offset,
                        talk: p.talk,
                    },
                )?;
            }
            schedule::put_conference(tx.conn, &event_id, &header, default_offset, tx.now)?;
            Ok(ImportReport {
                event_id,
                organizer_token: None,
                created,
                updated,
            })
        })
        .await?;
    Ok(ImportReport {
        organizer_token: shown_token,
        ..report
    })
}
