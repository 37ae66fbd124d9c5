//! The CSV format: a zip archive with one table per kind, covering every
//! session of the export (`sessions.csv`, `notes.csv`, `questions.csv`,
//! `polls.csv`, `reactions.csv`, and `audit.csv` for organizer event exports).
//!
//! Times are RFC 3339 (UTC). A text cell written by a person that starts
//! with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`,
//! so a spreadsheet never runs it as a formula.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

use super::highlights::{Export, SessionHighlights};
use super::timeline::Moment;
use crate::domain::time::to_rfc3339;
use crate::error::{AppError, AppResult};

/// Defuse a person's text for spreadsheets.
pub fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn time(ms: Option<i64>) -> String {
    ms.map(to_rfc3339).unwrap_or_default()
}

fn moment(at: &Option<Moment>) -> [String; 3] {
    match at {
        Some(m) => [
            m.offset_seconds.to_string(),
            m.offset.clone(),
            m.link.clone().unwrap_or_default(),
        ],
        None => Default::default(),
    }
}

type Table = (&'static str, Vec<&'static str>, Vec<Vec<String>>);

fn tables(export: &Export) -> Vec<Table> {
    let mut sessions = Vec::new();
    let mut notes = Vec::new();
    let mut questions = Vec::new();
    let mut polls = Vec::new();
    let mut reactions = Vec::new();
    for s in &export.sessions {
        sessions.push(session_row(s));
        let head = || vec![s.id.clone(), cell(&s.title)];
        for n in &s.notes {
            let mut row = head();
            row.extend([
                n.id.clone(),
                n.takeaway.to_string(),
                n.author.clone(),
                time(Some(n.created_at)),
            ]);
            row.extend(moment(&n.at));
            row.push(cell(&n.body));
            notes.push(row);
        }
        for q in &s.questions {
            let mut row = head();
            row.extend([
                q.id.clone(),
                q.rank.to_string(),
                q.upvotes.to_string(),
                q.answered.to_string(),
                cell(&q.labels.join("; ")),
                cell(q.author_name.as_deref().unwrap_or("")),
                time(Some(q.created_at)),
            ]);
            row.extend(moment(&q.at));
            row.push(cell(&q.body));
            row.push(cell(q.answer.as_deref().unwrap_or("")));
            row.push(time(q.answered_at));
            row.extend(moment(&q.answer_at));
            questions.push(row);
        }
        for p in &s.polls {
            let mut base = head();
            base.extend([
                p.id.clone(),
                p.kind.as_str().to_string(),
                cell(&p.question),
                p.state.as_str().to_string(),
                time(p.opened_at),
                time(p.closed_at),
            ]);
            base.extend(moment(&p.at));
            base.push(p.ballots.map(|b| b.to_string()).unwrap_or_default());
            match p.results.as_deref() {
                Some(results) if !results.is_empty() => {
                    for r in results {
                        let mut row = base.clone();
                        row.extend([cell(&r.key), cell(&r.label), r.count.to_string()]);
                        polls.push(row);
                    }
                }
                _ => {
                    let mut row = base;
                    row.extend([String::new(), String::new(), String::new()]);
                    polls.push(row);
                }
            }
        }
        for r in &s.reactions {
            let mut row = head();
            row.extend([r.emoji.clone(), r.count.to_string()]);
            reactions.push(row);
        }
    }
    let at = |prefix: &'static str| -> [&'static str; 3] {
        match prefix {
            "answer" => ["answer_offset_seconds", "answer_offset", "answer_link"],
            _ => ["offset_seconds", "offset", "link"],
        }
    };
    let mut out: Vec<Table> = vec![
        (
            "sessions.csv",
            vec![
                "session_id",
                "title",
                "track",
                "room",
                "state",
                "speakers",
                "disclosures",
                "starts_at",
                "ends_at",
                "started_at",
                "ended_at",
                "stream_url",
                "peak_attendance",
                "total_attendance",
                "notes",
                "questions",
                "polls",
            ],
            sessions,
        ),
        (
            "notes.csv",
            [
                &[
                    "session_id",
                    "session_title",
                    "note_id",
                    "takeaway",
                    "author",
                    "created_at",
                ][..],
                &at(""),
                &["body"],
            ]
            .concat(),
            notes,
        ),
        (
            "questions.csv",
            [
                &[
                    "session_id",
                    "session_title",
                    "question_id",
                    "rank",
                    "upvotes",
                    "answered",
                    "labels",
                    "author_name",
                    "created_at",
                ][..],
                &at(""),
                &["body", "answer", "answered_at"],
                &at("answer"),
            ]
            .concat(),
            questions,
        ),
        (
            "polls.csv",
            [
                &[
                    "session_id",
                    "session_title",
                    "poll_id",
                    "kind",
                    "question",
                    "state",
                    "opened_at",
                    "closed_at",
                ][..],
                &at(""),
                &["ballots", "result_key", "result_label", "count"],
            ]
            .concat(),
            polls,
        ),
        (
            "reactions.csv",
            vec!["session_id", "session_title", "emoji", "count"],
            reactions,
        ),
    ];
    if let Some(audit) = &export.audit {
        out.push((
            "audit.csv",
            vec![
                "created_at",
                "session_id",
                "actor",
                "action",
                "target",
                "detail",
            ],
            audit
                .iter()
                .map(|e| {
                    vec![
                        to_rfc3339(e.created_at),
                        e.session_id.clone().unwrap_or_default(),
                        e.actor.clone(),
                        e.action.clone(),
                        e.target.clone(),
                        cell(&e.detail),
                    ]
                })
                .collect(),
        ));
    }
    out
}

fn session_row(s: &SessionHighlights) -> Vec<String> {
    let speakers: Vec<String> = s
        .speakers
        .iter()
        .map(|sp| match &sp.affiliation {
            Some(a) => format!("{} ({a})", sp.name),
            None => sp.name.clone(),
        })
        .collect();
    vec![
        s.id.clone(),
        cell(&s.title),
        cell(&s.track),
        cell(&s.room),
        s.state.as_str().to_string(),
        cell(&speakers.join("; ")),
        cell(&s.disclosures),
        time(s.starts_at),
        time(s.ends_at),
        time(s.started_at),
        time(s.ended_at),
        s.stream_url.clone().unwrap_or_default(),
        s.attendance.peak.to_string(),
        s.attendance.total.to_string(),
        s.notes.len().to_string(),
        s.questions.len().to_string(),
        s.polls.len().to_string(),
    ]
}

/// One table as CSV bytes.
fn write_table(header: &[&str], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header).map_err(AppError::internal)?;
    for row in rows {
        writer.write_record(row).map_err(AppError::internal)?;
    }
    writer.into_inner().map_err(AppError::internal)
}

/// Render an export as a zip of CSV tables.
pub fn render(export: &Export) -> AppResult<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, header, rows) in tables(export) {
        zip.start_file(name, options).map_err(AppError::internal)?;
        zip.write_all(&write_table(&header, &rows)?)
            .map_err(AppError::internal)?;
    }
    Ok(zip.finish().map_err(AppError::internal)?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("plain"), "plain");
    }
}
