//! The highlights of a session (its takeaways pack) and of an event, read
//! from the store in one snapshot. Every export format and the public
//! archive render this one model.
//!
//! Only what the session's audience could see is included: questions that
//! are `visible` (never pending, rejected, hidden or withdrawn), live notes
//! (deleted ones are gone), polls that were opened (never drafts).

use std::collections::BTreeMap;

pub use super::model::*;
use super::timeline::{self, Recording};
use crate::domain::event::EventView;
use crate::domain::poll::{PollKind, PollState, PollView};
use crate::error::{AppError, AppResult};
use crate::store::audit;
use crate::store::sessions::SessionRow;
use crate::store::sql::SqlConn;
use crate::store::{counters, events, notes, polls, questions, sessions};

/// The event part of an export.
pub fn event_info(event: EventView) -> EventInfo {
    EventInfo {
        id: event.id,
        name: event.name,
        description: event.description,
        timezone: event.timezone,
        starts_on: event.starts_on,
        ends_on: event.ends_on,
        archive_published: event.archive_published,
    }
}

/// Read one session's highlights. `live` is the attendee count connected
/// now (the peak may not have been stored yet).
pub fn session(
    conn: &mut dyn SqlConn,
    session_id: &str,
    viewer: Viewer,
    live: i64,
    now: i64,
) -> AppResult<Export> {
    let row = sessions::get(conn, session_id)?.ok_or_else(|| AppError::not_found("session"))?;
    let event =
        events::get(conn, &row.view.event_id)?.ok_or_else(|| AppError::not_found("event"))?;
    let names = viewer == Viewer::Staff || event.settings.allow_names_on_cards;
    let highlights = load(conn, row, viewer, names, live)?;
    Ok(Export {
        schema_version: SCHEMA_VERSION,
        scope: "session",
        generated_at: now,
        event: event_info(event),
        sessions: vec![highlights],
        audit: None,
    })
}

/// Read an event's highlights, every session in schedule order; with
/// `with_audit`, its moderation audit log too. `live` maps session ids to
/// the attendees connected now.
pub fn event(
    conn: &mut dyn SqlConn,
    event_id: &str,
    viewer: Viewer,
    with_audit: bool,
    live: &BTreeMap<String, i64>,
    now: i64,
) -> AppResult<Export> {
    let event = events::get(conn, event_id)?.ok_or_else(|| AppError::not_found("event"))?;
    let names = viewer == Viewer::Staff || event.settings.allow_names_on_cards;
    let mut list = Vec::new();
    for row in sessions::list_for_event(conn, event_id)? {
        let count = live.get(&row.view.id).copied().unwrap_or(0);
        list.push(load(conn, row, viewer, names, count)?);
    }
    let audit = if with_audit {
        Some(audit::list(conn, event_id)?)
    } else {
        None
    };
    Ok(Export {
        schema_version: SCHEMA_VERSION,
        scope: "event",
        generated_at: now,
        event: event_info(event),
        sessions: list,
        audit,
    })
}

/// The highlights of one stored session.
pub fn load(
    conn: &mut dyn SqlConn,
    row: SessionRow,
    viewer: Viewer,
    names: bool,
    live: i64,
) -> AppResult<SessionHighlights> {
    let view = row.view;
    let id = view.id.clone();
    let recording = view.stream_url.as_deref().and_then(Recording::parse);
    let start = view.started_at;
    let at = |ms: Option<i64>| timeline::moment(start, ms, recording.as_ref());

    let notes: Vec<NoteItem> = notes::list(conn, &id)?
        .into_iter()
        .map(|n| NoteItem {
            at: at(Some(n.created_at)),
            id: n.id,
            body: n.body,
            html: n.html,
            takeaway: n.takeaway,
            author: n.author,
            created_at: n.created_at,
            updated_at: n.updated_at,
        })
        .collect();

    let mut visible: Vec<_> = questions::list(conn, &id, false)?
        .into_iter()
        .map(|q| q.view)
        .collect();
    visible.sort_by(|a, b| {
        b.upvotes
            .cmp(&a.upvotes)
            .then(a.created_at.cmp(&b.created_at))
            .then(a.id.cmp(&b.id))
    });
    let questions = visible
        .into_iter()
        .enumerate()
        .map(|(i, q)| QuestionItem {
            rank: i + 1,
            at: at(Some(q.created_at)),
            answer_at: at(q.answered_at),
            author_name: if names { q.author_name } else { None },
            id: q.id,
            body: q.body,
            upvotes: q.upvotes,
            answered: q.answered,
            answer: q.answer,
            answer_html: q.answer_html,
            labels: q.labels,
            created_at: q.created_at,
            answered_at: q.answered_at,
        })
        .collect();

    let mut poll_items = Vec::new();
    for poll in polls::list(conn, &id, false)? {
        let shown =
            viewer == Viewer::Staff || poll.results_visible || poll.state == PollState::Closed;
        let tally = if shown {
            Some(polls::tally(conn, &poll.id)?)
        } else {
            None
        };
        poll_items.push(PollItem {
            at: at(poll.opened_at),
            ballots: tally.as_ref().map(|t| t.ballots),
            results: tally.map(|t| results(&poll, &t.counts)),
            id: poll.id,
            kind: poll.kind,
            question: poll.question,
            state: poll.state,
            options: poll.options,
            scale_max: poll.scale_max,
            opened_at: poll.opened_at,
            closed_at: poll.closed_at,
        });
    }

    let mut reactions: Vec<ReactionCount> = counters::reactions(conn, &id)?
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(emoji, count)| ReactionCount { emoji, count })
        .collect();
    reactions.sort_by(|a, b| b.count.cmp(&a.count).then(a.emoji.cmp(&b.emoji)));

    let total = sessions::total_attendance(conn, &id)?;
    Ok(SessionHighlights {
        id,
        title: view.title,
        summary: view.summary,
        track: view.track,
        room: view.room,
        state: view.state,
        speakers: view.speakers,
        disclosures: view.disclosures,
        starts_at: view.starts_at,
        ends_at: view.ends_at,
        started_at: view.started_at,
        ended_at: view.ended_at,
        recording_kind: recording.as_ref().map(Recording::kind),
        stream_url: view.stream_url,
        attendance: Attendance {
            peak: row.peak_attendance.max(live),
            total,
        },
        key_takeaways: notes.iter().filter(|n| n.takeaway).cloned().collect(),
        notes,
        questions,
        polls: poll_items,
        reactions,
    })
}

/// A poll's results with labels: every option (or rating) in order, or the
/// words of a word cloud, most chosen first.
fn results(poll: &PollView, counts: &BTreeMap<String, i64>) -> Vec<PollResult> {
    let count = |key: &str| counts.get(key).copied().unwrap_or(0);
    match poll.kind {
        PollKind::SingleChoice | PollKind::MultipleChoice => poll
            .options
            .iter()
            .enumerate()
            .map(|(i, label)| PollResult {
                key: i.to_string(),
                label: label.clone(),
                count: count(&i.to_string()),
            })
            .collect(),
        PollKind::Rating => (1..=poll.scale_max.unwrap_or(5))
            .map(|r| PollResult {
                key: r.to_string(),
                label: r.to_string(),
                count: count(&r.to_string()),
            })
            .collect(),
        PollKind::WordCloud => {
            let mut words: Vec<PollResult> = counts
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(k, n)| PollResult {
                    key: k.clone(),
                    label: k.clone(),
                    count: *n,
                })
                .collect();
            words.sort_by(|a, b| b.count.cmp(&a.count).then(a.key.cmp(&b.key)));
            words
        }
    }
}
