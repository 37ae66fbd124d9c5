//! An attendee's personal takeaways: the notes and questions they starred,
//! as Markdown. Only what is still visible is included (a deleted note or a
//! hidden question drops out), with its moment on the session's timeline.

use std::fmt::Write;

use super::markdown::esc;
use super::timeline::{self, Moment, Recording};
use crate::domain::question::QuestionState;
use crate::error::{AppError, AppResult};
use crate::store::sql::SqlConn;
use crate::store::{events, notes, questions, sessions, stars};

/// What can be starred.
pub const KINDS: &[&str] = &["note", "question"];

fn stamp(at: Option<Moment>) -> String {
    match at {
        Some(Moment {
            offset,
            link: Some(link),
            ..
        }) => format!("[{offset}]({link}) "),
        Some(Moment { offset, .. }) => format!("{offset} "),
        None => String::new(),
    }
}

/// The attendee's takeaways of `session_id` as a Markdown document.
pub fn markdown(conn: &mut dyn SqlConn, session_id: &str, attendee_id: &str) -> AppResult<String> {
    let session = sessions::get(conn, session_id)?.ok_or_else(|| AppError::not_found("session"))?;
    let event =
        events::get(conn, &session.view.event_id)?.ok_or_else(|| AppError::not_found("event"))?;
    let view = &session.view;
    let recording = view.stream_url.as_deref().and_then(Recording::parse);
    let at = |ms: Option<i64>| timeline::moment(view.started_at, ms, recording.as_ref());

    let mut starred_notes = Vec::new();
    let mut starred_questions = Vec::new();
    for (kind, id, _) in stars::list(conn, attendee_id)? {
        match kind.as_str() {
            "note" => {
                if let Some(n) = notes::get(conn, &id)?.filter(|n| n.session_id == view.id) {
                    starred_notes.push(n);
                }
            }
            "question" => {
                if let Some(q) = questions::get(conn, &id)?.filter(|q| {
                    q.view.session_id == view.id && q.view.state == QuestionState::Visible
                }) {
                    starred_questions.push(q.view);
                }
            }
            _ => {}
        }
    }
    starred_notes.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    starred_questions.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));

    let mut out = format!("# My takeaways: {}\n\n", esc(&view.title));
    let place: Vec<String> = [&event.name, &view.track]
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| esc(p))
        .collect();
    let _ = writeln!(out, "{}\n", place.join(" · "));
    if !view.speakers.is_empty() {
        let names: Vec<String> = view.speakers.iter().map(|s| esc(&s.name)).collect();
        let _ = writeln!(out, "Speakers: {}\n", names.join(", "));
    }
    if starred_notes.is_empty() && starred_questions.is_empty() {
        out.push_str("Nothing saved yet: star notes and answers to collect them here.\n");
        return Ok(out);
    }
    if !starred_notes.is_empty() {
        out.push_str("## Notes\n\n");
        for n in &starred_notes {
            let body = n.body.trim_end().replace('\n', "\n  ");
            let _ = writeln!(out, "- {}{body}", stamp(at(Some(n.created_at))));
        }
        out.push('\n');
    }
    if !starred_questions.is_empty() {
        out.push_str("## Questions and answers\n\n");
        for q in &starred_questions {
            let _ = writeln!(out, "### {}\n", esc(&q.body));
            match (&q.answer, q.answered) {
                (Some(answer), _) => {
                    let _ = writeln!(out, "{}{}\n", stamp(at(q.answered_at)), answer.trim());
                }
                (None, true) => out.push_str("_Answered live._\n\n"),
                (None, false) => out.push_str("_Not answered yet._\n\n"),
            }
        }
    }
    Ok(format!("{}\n", out.trim_end()))
}
