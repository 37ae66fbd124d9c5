//! Conference schedules in the pretalx / frab JSON format (the c3voc
//! schedule schema): `schedule.conference` with its `days`, each day's
//! `rooms` mapping a room name to its talks (`guid`, `title`, `date`,
//! `start` "HH:MM", `duration` "HH:MM", `room`, `track`, `abstract`,
//! `persons[].public_name`, …).
//!
//! [`import`] creates (or, by talk guid, updates) an event's sessions from
//! such a file; [`export`] writes an event's schedule back in the same
//! format. The talk objects are kept as imported, so fields Backchannel does
//! not model (subtitles, languages, links, person ids…) survive the round
//! trip, and a session keeps its talk's guid.

pub mod export;
pub mod import;

use serde_json::Value;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// What a talk says about itself, as Backchannel reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct TalkFields {
    /// Title.
    pub title: String,
    /// Abstract (or, without one, the description).
    pub summary: String,
    /// Speakers' public names.
    pub speakers: Vec<String>,
    /// Track.
    pub track: String,
    /// Room.
    pub room: String,
    /// Start, Unix milliseconds.
    pub starts_at: i64,
    /// End, Unix milliseconds.
    pub ends_at: i64,
    /// The start's UTC offset, seconds.
    pub utc_offset: i64,
}

/// A string field of a JSON object ("" when absent or not a string).
pub fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// Parse "HH:MM" or "HH:MM:SS" (also "H:MM") into seconds.
pub fn parse_hhmm(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    let num = |s: &str| s.parse::<i64>().ok().filter(|n| *n >= 0);
    match parts.as_slice() {
        [h, m] => Some(num(h)? * 3600 + num(m)? * 60),
        [h, m, s] => Some(num(h)? * 3600 + num(m)? * 60 + num(s)?),
        _ => None,
    }
}

/// Seconds as "HH:MM" (a duration or a time of day).
pub fn format_hhmm(seconds: i64) -> String {
    let s = seconds.max(0);
    format!("{:02}:{:02}", s / 3600, (s % 3600) / 60)
}

/// Parse an ISO 8601 date-time with an offset (`2026-05-04T10:00:00+02:00`)
/// into (Unix milliseconds, offset seconds).
pub fn parse_datetime(text: &str) -> Option<(i64, i64)> {
    let t = OffsetDateTime::parse(
        text.trim(),
        &time::format_description::well_known::Iso8601::DEFAULT,
    )
    .ok()?;
    let ms = i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()?;
    Some((ms, i64::from(t.offset().whole_seconds())))
}

/// Parse `YYYY-MM-DD` (the first ten characters of `text`).
pub fn parse_date(text: &str) -> Option<Date> {
    let head = text.trim().get(..10)?;
    Date::parse(head, format_description!("[year]-[month]-[day]")).ok()
}

fn local(ms: i64, offset: i64) -> Option<OffsetDateTime> {
    let offset = UtcOffset::from_whole_seconds(i32::try_from(offset).ok()?).ok()?;
    Some(
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .ok()?
            .to_offset(offset),
    )
}

/// Unix milliseconds as `2026-05-04T10:00:00+02:00` at `offset` seconds.
pub fn format_datetime(ms: i64, offset: i64) -> String {
    let format = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    local(ms, offset)
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// The local date (`YYYY-MM-DD`) and time of day (seconds) of `ms` at `offset`.
pub fn local_date_time(ms: i64, offset: i64) -> Option<(String, i64)> {
    let t = local(ms, offset)?;
    let date = t
        .date()
        .format(format_description!("[year]-[month]-[day]"))
        .ok()?;
    Some((
        date,
        i64::from(t.time().hour()) * 3600 + i64::from(t.time().minute()) * 60,
    ))
}

/// `date` at `seconds` after local midnight, at `offset`, as Unix milliseconds.
pub fn at_local(date: Date, seconds: i64, offset: i64) -> Option<i64> {
    let offset = UtcOffset::from_whole_seconds(i32::try_from(offset).ok()?).ok()?;
    let midnight = PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_offset(offset);
    let ms = i64::try_from(midnight.unix_timestamp_nanos() / 1_000_000).ok()?;
    Some(ms + seconds * 1000)
}

/// Read a talk's fields. `day` is the day object it is listed under and
/// `room` the room key; `fallback_offset` applies when the talk has no full date.
pub fn talk_fields(
    talk: &Value,
    day: &Value,
    room: &str,
    fallback_offset: i64,
) -> Result<TalkFields, String> {
    let title = text(talk, "title");
    let what = if title.is_empty() {
        "a talk without a title".to_string()
    } else {
        format!("talk `{title}`")
    };
    let (starts_at, utc_offset) = match parse_datetime(&text(talk, "date")) {
        Some(v) => v,
        None => {
            let day_date = parse_date(&text(day, "date"))
                .ok_or_else(|| format!("{what}: no `date` and its day has no date"))?;
            let start = parse_hhmm(&text(talk, "start"))
                .ok_or_else(|| format!("{what}: `start` must be HH:MM"))?;
            let offset =
                parse_datetime(&text(day, "day_start")).map_or(fallback_offset, |(_, o)| o);
            (
                at_local(day_date, start, offset).ok_or_else(|| format!("{what}: bad start"))?,
                offset,
            )
        }
    };
    let duration = match text(talk, "duration").as_str() {
        "" => 0,
        d => parse_hhmm(d).ok_or_else(|| format!("{what}: `duration` must be HH:MM"))?,
    };
    let speakers = talk
        .get("persons")
        .and_then(Value::as_array)
        .map(|persons| {
            persons
                .iter()
                .map(|p| {
                    ["public_name", "name", "full_public_name"]
                        .iter()
                        .map(|k| text(p, k))
                        .find(|n| !n.is_empty())
                        .unwrap_or_default()
                })
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let summary = match text(talk, "abstract") {
        a if a.is_empty() => text(talk, "description"),
        a => a,
    };
    let talk_room = text(talk, "room");
    Ok(TalkFields {
        title,
        summary,
        speakers,
        track: text(talk, "track"),
        room: if talk_room.is_empty() {
            room.trim().to_string()
        } else {
            talk_room
        },
        starts_at,
        ends_at: starts_at + duration * 1000,
        utc_offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        let (ms, off) = parse_datetime("2026-05-04T10:00:00+02:00").unwrap();
        assert_eq!(off, 7200);
        assert_eq!(format_datetime(ms, off), "2026-05-04T10:00:00+02:00");
        assert_eq!(
            local_date_time(ms, off).unwrap(),
            ("2026-05-04".to_string(), 36000)
        );
        assert_eq!(parse_hhmm("01:30"), Some(5400));
        assert_eq!(format_hhmm(5400), "01:30");
        assert_eq!(parse_hhmm("soon"), None);
        let date = parse_date("2026-05-04").unwrap();
        assert_eq!(at_local(date, 36000, 7200), Some(ms));
    }
}
