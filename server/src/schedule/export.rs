//! Export an event's schedule as pretalx / frab JSON (the c3voc schema).
//!
//! Imported talks are written back as they came, with only the fields that
//! changed in Backchannel since (title, times, room, track, abstract,
//! speakers) replaced; sessions created here get talk objects of their own.
//! Sessions without a scheduled start cannot be placed in a day and are left out.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{TalkFields, format_datetime, format_hhmm, local_date_time, talk_fields, text};
use crate::domain::event::EventView;
use crate::error::{AppError, AppResult};
use crate::export::text::slug;
use crate::store::schedule::{self, TalkLink};
use crate::store::sessions::SessionRow;
use crate::store::sql::SqlConn;
use crate::store::{events, sessions};

/// The fields of a session as a schedule talk would state them.
fn current(row: &SessionRow, offset: i64) -> Option<TalkFields> {
    let v = &row.view;
    let starts_at = v.starts_at?;
    Some(TalkFields {
        title: v.title.clone(),
        summary: v.summary.clone(),
        speakers: v.speakers.iter().map(|s| s.name.clone()).collect(),
        track: v.track.clone(),
        room: v.room.clone(),
        starts_at,
        ends_at: v.ends_at.unwrap_or(starts_at).max(starts_at),
        utc_offset: offset,
    })
}

/// The talk object for a session: the imported one with what changed applied.
fn talk(row: &SessionRow, link: Option<&TalkLink>, now: &TalkFields, index: usize) -> Value {
    let mut obj: Map<String, Value> = link
        .and_then(|l| l.talk.as_object().cloned())
        .unwrap_or_default();
    let was =
        link.and_then(|l| talk_fields(&l.talk, &json!({ "date": l.day }), "", l.utc_offset).ok());
    let changed = |f: &dyn Fn(&TalkFields) -> bool| was.as_ref().is_none_or(|w| !f(w));
    if link.is_none() {
        obj.insert("guid".into(), json!(row.view.id));
        obj.insert("id".into(), json!(index + 1));
        obj.insert("slug".into(), json!(slug(&row.view.title)));
        obj.insert("type".into(), json!("Talk"));
    }
    if changed(&|w| w.starts_at == now.starts_at && w.utc_offset == now.utc_offset) {
        obj.insert(
            "date".into(),
            json!(format_datetime(now.starts_at, now.utc_offset)),
        );
        if let Some((_, tod)) = local_date_time(now.starts_at, now.utc_offset) {
            obj.insert("start".into(), json!(format_hhmm(tod)));
        }
    }
    if changed(&|w| w.ends_at - w.starts_at == now.ends_at - now.starts_at) {
        obj.insert(
            "duration".into(),
            json!(format_hhmm((now.ends_at - now.starts_at) / 1000)),
        );
    }
    if changed(&|w| w.title == now.title) {
        obj.insert("title".into(), json!(now.title));
    }
    if changed(&|w| w.room == now.room) {
        obj.insert("room".into(), json!(now.room));
    }
    if changed(&|w| w.track == now.track) {
        obj.insert(
            "track".into(),
            if now.track.is_empty() {
                Value::Null
            } else {
                json!(now.track)
            },
        );
    }
    if changed(&|w| w.summary == now.summary) {
        obj.insert("abstract".into(), json!(now.summary));
    }
    if changed(&|w| w.speakers == now.speakers) {
        let before: Vec<Value> = obj
            .get("persons")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let persons: Vec<Value> = now
            .speakers
            .iter()
            .map(|name| {
                before
                    .iter()
                    .find(|p| text(p, "public_name") == *name || text(p, "name") == *name)
                    .cloned()
                    .unwrap_or_else(|| json!({ "public_name": name }))
            })
            .collect();
        obj.insert("persons".into(), Value::Array(persons));
    }
    Value::Object(obj)
}

fn fresh_header(event: &EventView) -> Value {
    json!({
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": { "name": "backchannel", "version": env!("CARGO_PKG_VERSION") },
        "schedule": {
            "version": "1.0",
            "conference": {
                "acronym": slug(&event.name),
                "title": event.name,
                "start": event.starts_on,
                "end": event.ends_on,
                "time_zone_name": event.timezone,
                "timeslot_duration": "00:15",
                "days": [],
            }
        }
    })
}

/// The event's schedule document.
pub fn export(conn: &mut dyn SqlConn, event_id: &str) -> AppResult<Value> {
    let event = events::get(conn, event_id)?.ok_or_else(|| AppError::not_found("event"))?;
    let rows = sessions::list_for_event(conn, event_id)?;
    let links: BTreeMap<String, TalkLink> = schedule::talks(conn, event_id)?
        .into_iter()
        .map(|l| (l.session_id.clone(), l))
        .collect();
    let (mut doc, default_offset) = match schedule::conference(conn, event_id)? {
        Some((header, offset)) => (header, offset),
        None => (fresh_header(&event), 0),
    };
    // day date → room → talks (with their start, for ordering)
    let mut days: BTreeMap<String, BTreeMap<String, Vec<(i64, Value)>>> = BTreeMap::new();
    let mut rooms_seen: Vec<String> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let link = links.get(&row.view.id);
        let offset = link.map_or(default_offset, |l| l.utc_offset);
        let Some(now) = current(row, offset) else {
            continue;
        };
        let day = match link {
            Some(l) if !l.day.is_empty() => l.day.clone(),
            _ => local_date_time(now.starts_at, offset)
                .map(|(d, _)| d)
                .unwrap_or_default(),
        };
        if !rooms_seen.contains(&now.room) {
            rooms_seen.push(now.room.clone());
        }
        let value = talk(row, link, &now, index);
        days.entry(day)
            .or_default()
            .entry(now.room.clone())
            .or_default()
            .push((now.starts_at, value));
    }
    let Some(conference) = doc
        .pointer_mut("/schedule/conference")
        .and_then(Value::as_object_mut)
    else {
        return Err(AppError::internal(
            "stored schedule header has no conference",
        ));
    };
    conference.insert("title".into(), json!(event.name));
    // Days: the imported ones in their order (with their metadata), then new dates.
    let mut out_days: Vec<Value> = conference
        .get("days")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for date in days.keys() {
        if !out_days.iter().any(|d| text(d, "date") == *date) {
            out_days.push(json!({ "index": out_days.len() + 1, "date": date, "rooms": {} }));
        }
    }
    for day in &mut out_days {
        let date = text(day, "date");
        let mut rooms = Map::new();
        if let Some(by_room) = days.remove(&date) {
            for (room, mut talks) in by_room {
                talks.sort_by_key(|(start, _)| *start);
                rooms.insert(
                    room,
                    Value::Array(talks.into_iter().map(|(_, t)| t).collect()),
                );
            }
        }
        if let Some(obj) = day.as_object_mut() {
            obj.insert("rooms".into(), Value::Object(rooms));
        }
    }
    conference.insert("daysCount".into(), json!(out_days.len()));
    conference.insert("days".into(), Value::Array(out_days));
    // Rooms: the imported list, plus rooms only sessions know.
    let mut room_list: Vec<Value> = conference
        .get("rooms")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for room in rooms_seen {
        if !room.is_empty() && !room_list.iter().any(|r| text(r, "name") == room) {
            room_list.push(json!({ "name": room }));
        }
    }
    conference.insert("rooms".into(), Value::Array(room_list));
    Ok(doc)
}
