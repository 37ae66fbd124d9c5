//! The Markdown format: one readable document per session or event.
//!
//! Plain text written by people (titles, names, questions, options) is
//! escaped so it cannot turn into markup; notes and answers are Markdown
//! already and are kept as written.

use std::fmt::Write;

use super::highlights::{Export, PollItem, SessionHighlights};
use super::text::{clock, poll_kind_label, span};
use super::timeline::Moment;

/// Escape plain text for inline Markdown (one line).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// A link target safe inside `(…)`.
fn target(url: &str) -> String {
    url.replace('(', "%28")
        .replace(')', "%29")
        .replace(' ', "%20")
}

/// `[12:34](link)`, `12:34`, or nothing.
fn stamp(at: &Option<Moment>) -> String {
    match at {
        Some(Moment {
            offset,
            link: Some(link),
            ..
        }) => format!("[{offset}]({})", target(link)),
        Some(Moment { offset, .. }) => offset.clone(),
        None => String::new(),
    }
}

/// Indent every line after the first (for multi-line list items).
fn indent(text: &str, pad: &str) -> String {
    text.trim_end().replace('\n', &format!("\n{pad}"))
}

/// Render an export (session or event) as Markdown.
pub fn render(export: &Export) -> String {
    let mut out = String::new();
    if export.scope == "event" {
        let _ = writeln!(out, "# {}: highlights\n", esc(&export.event.name));
        if !export.event.description.trim().is_empty() {
            let _ = writeln!(out, "{}\n", export.event.description.trim());
        }
        let _ = writeln!(out, "Exported {}.\n", clock(export.generated_at));
        for s in &export.sessions {
            session(&mut out, s, &export.event.name, 2);
        }
        if let Some(audit) = &export.audit {
            let _ = writeln!(out, "## Moderation audit log\n");
            if audit.is_empty() {
                let _ = writeln!(out, "No moderation actions.\n");
            } else {
                let _ = writeln!(
                    out,
                    "| when | who | action | target | detail |\n|---|---|---|---|---|"
                );
                for e in audit {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} |",
                        clock(e.created_at),
                        esc(&e.actor),
                        esc(&e.action),
                        esc(&e.target),
                        esc(&e.detail)
                    );
                }
                out.push('\n');
            }
        }
    } else {
        for s in &export.sessions {
            session(&mut out, s, &export.event.name, 1);
        }
        let _ = writeln!(out, "Exported {}.\n", clock(export.generated_at));
    }
    format!("{}\n", out.trim_end())
}

fn session(out: &mut String, s: &SessionHighlights, event_name: &str, level: usize) {
    let h = |n: usize| "#".repeat(level + n);
    let _ = writeln!(out, "{} {}\n", h(0), esc(&s.title));
    let place: Vec<String> = [event_name, &s.track, &s.room]
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| esc(p))
        .collect();
    let _ = writeln!(out, "{}\n", place.join(" · "));
    for sp in &s.speakers {
        let mut line = format!("- **{}**", esc(&sp.name));
        if let Some(a) = &sp.affiliation {
            let _ = write!(line, " ({})", esc(a));
        }
        if let Some(d) = &sp.disclosure {
            let _ = write!(line, ". Disclosure: {}", esc(d));
        }
        let _ = writeln!(out, "{line}");
    }
    if !s.speakers.is_empty() {
        out.push('\n');
    }
    if !s.disclosures.trim().is_empty() {
        let _ = writeln!(out, "Disclosures: {}\n", esc(&s.disclosures));
    }
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Scheduled | {} |", span(s.starts_at, s.ends_at));
    let _ = writeln!(out, "| Held | {} |", span(s.started_at, s.ended_at));
    let _ = writeln!(out, "| State | {} |", s.state.as_str());
    let _ = writeln!(
        out,
        "| Attendance | {} at peak, {} in total |",
        s.attendance.peak, s.attendance.total
    );
    if let Some(url) = &s.stream_url {
        let _ = writeln!(out, "| Recording | <{}> |", target(url));
    }
    out.push('\n');
    if !s.summary.trim().is_empty() {
        let _ = writeln!(out, "{}\n", s.summary.trim());
    }

    let _ = writeln!(out, "{} Key takeaways\n", h(1));
    if s.key_takeaways.is_empty() {
        let _ = writeln!(out, "None marked.\n");
    }
    for n in &s.key_takeaways {
        let _ = writeln!(out, "- {} {}", stamp(&n.at), indent(&n.body, "  "));
    }
    if !s.key_takeaways.is_empty() {
        out.push('\n');
    }

    let _ = writeln!(out, "{} Questions\n", h(1));
    if s.questions.is_empty() {
        let _ = writeln!(out, "No questions.\n");
    }
    for q in &s.questions {
        let mut meta = vec![format!(
            "{} upvote{}",
            q.upvotes,
            if q.upvotes == 1 { "" } else { "s" }
        )];
        if q.answered {
            meta.push("answered".into());
        }
        if !q.labels.is_empty() {
            meta.push(format!(
                "labels: {}",
                q.labels
                    .iter()
                    .map(|l| esc(l))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(name) = &q.author_name {
            meta.push(format!("asked by {}", esc(name)));
        }
        let when = stamp(&q.at);
        if !when.is_empty() {
            meta.push(format!("asked at {when}"));
        }
        let _ = writeln!(
            out,
            "{}. **{}** ({})",
            q.rank,
            esc(&q.body),
            meta.join(" · ")
        );
        if let Some(answer) = &q.answer {
            let when = stamp(&q.answer_at);
            let label = if when.is_empty() {
                String::new()
            } else {
                format!(" ({when})")
            };
            let _ = writeln!(out, "\n   > **Answer{label}:** {}", indent(answer, "   > "));
        }
        out.push('\n');
    }

    let _ = writeln!(out, "{} Polls\n", h(1));
    if s.polls.is_empty() {
        let _ = writeln!(out, "No polls.\n");
    }
    for p in &s.polls {
        poll(out, p, &h(2));
    }

    let _ = writeln!(out, "{} Notes\n", h(1));
    if s.notes.is_empty() {
        let _ = writeln!(out, "No notes.\n");
    }
    for n in &s.notes {
        let star = if n.takeaway { " ★" } else { "" };
        let _ = writeln!(out, "- {}{star} {}", stamp(&n.at), indent(&n.body, "  "));
    }
    if !s.notes.is_empty() {
        out.push('\n');
    }

    let _ = writeln!(out, "{} Reactions\n", h(1));
    if s.reactions.is_empty() {
        let _ = writeln!(out, "No reactions.\n");
    } else {
        let list: Vec<String> = s
            .reactions
            .iter()
            .map(|r| format!("{} {}", r.emoji, r.count))
            .collect();
        let _ = writeln!(out, "{}\n", list.join(" · "));
    }
}

fn poll(out: &mut String, p: &PollItem, heading: &str) {
    let when = stamp(&p.at);
    let when = if when.is_empty() {
        String::new()
    } else {
        format!(", opened at {when}")
    };
    let _ = writeln!(out, "{heading} {}\n", esc(&p.question));
    let ballots = match p.ballots {
        Some(n) => format!("{n} ballot{}", if n == 1 { "" } else { "s" }),
        None => "results not shown".into(),
    };
    let _ = writeln!(
        out,
        "{}, {}, {ballots}{when}.\n",
        poll_kind_label(p.kind),
        p.state.as_str()
    );
    if let Some(results) = &p.results {
        if results.is_empty() {
            let _ = writeln!(out, "No answers.\n");
            return;
        }
        let _ = writeln!(out, "| answer | votes |\n|---|---:|");
        for r in results {
            let _ = writeln!(out, "| {} | {} |", esc(&r.label), r.count);
        }
        out.push('\n');
    }
}
