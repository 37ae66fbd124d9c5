//! The HTML format: a print-ready page (prints cleanly to PDF from a
//! browser), and the public archive's pages, from one renderer.
//!
//! Every piece of text a person wrote is escaped; notes and answers are the
//! HTML the server sanitized when they were written. There is no script.
//! The downloadable file carries its stylesheet in a `<style>` element (it
//! is opened from disk, so nothing else is needed); archive pages, served
//! under the server's Content-Security-Policy (`style-src 'self'`), link
//! `/export.css` instead.

use std::fmt::Write;

use super::highlights::{Export, PollItem, SessionHighlights};
use super::text::{clock, poll_kind_label, span};
use super::timeline::{Moment, Recording};
use crate::domain::poll::PollKind;

/// The stylesheet of every export page (also served at `/export.css`).
pub const CSS: &str = include_str!("export.css");

/// Escape text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Where the page will be shown.
#[derive(Debug, Clone)]
pub enum Mode {
    /// A downloaded file: styles inline, moments link to the recording.
    File,
    /// An archive page: styles linked, the recording embedded (starting at
    /// `start` seconds), moments reload the page at that point.
    Archive {
        /// Seconds into the recording the player starts at.
        start: i64,
        /// Link back to the event's archive.
        index: String,
        /// Extra `<head>` content: the link-preview tags (pre-rendered, escaped).
        head: String,
        /// The share bar at the end of the page (pre-rendered, escaped).
        share: String,
        /// Permalinks of the shareable items: item id → path.
        links: std::collections::HashMap<String, String>,
    },
}

pub(super) fn head(out: &mut String, title: &str, mode: &Mode) {
    let _ = writeln!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>",
        esc(title)
    );
    match mode {
        Mode::File => {
            let _ = writeln!(out, "<style>\n{CSS}</style>");
        }
        Mode::Archive { head, .. } => {
            out.push_str(head);
            out.push_str(
                "<link rel=\"stylesheet\" href=\"/export.css\">\n<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\n",
            );
            if !head.is_empty() {
                out.push_str("<script type=\"module\" src=\"/js/share-page.js\"></script>\n");
            }
        }
    }
    out.push_str("</head>\n<body class=\"export\">\n");
}

/// Render an export (session or event) as one page.
pub fn render(export: &Export, mode: &Mode) -> String {
    let mut out = String::new();
    let title = match (export.scope, export.sessions.first()) {
        ("session", Some(s)) => format!("{} · {}", s.title, export.event.name),
        _ => format!("{}: highlights", export.event.name),
    };
    head(&mut out, &title, mode);
    let _ = writeln!(out, "<header class=\"doc-head\">");
    if let Mode::Archive { index, .. } = mode {
        let _ = writeln!(
            out,
            "<nav class=\"crumbs\"><a href=\"{}\">{}</a></nav>",
            esc(index),
            esc(&export.event.name)
        );
    } else {
        let _ = writeln!(
            out,
            "<p class=\"eyebrow\">{} · highlights</p>",
            esc(&export.event.name)
        );
    }
    if export.scope == "event" {
        let _ = writeln!(out, "<h1>{}</h1>", esc(&export.event.name));
    }
    let _ = writeln!(
        out,
        "<p class=\"generated\">Exported {}</p>\n</header>\n<main>",
        esc(&clock(export.generated_at))
    );
    let level = if export.scope == "event" { 2 } else { 1 };
    for s in &export.sessions {
        session(&mut out, s, mode, level);
    }
    if let Some(audit) = &export.audit {
        out.push_str("<section class=\"audit\">\n<h2>Moderation audit log</h2>\n");
        if audit.is_empty() {
            out.push_str("<p class=\"empty\">No moderation actions.</p>\n");
        } else {
            out.push_str(
                "<table>\n<thead><tr><th scope=\"col\">When</th><th scope=\"col\">Who</th>\
                 <th scope=\"col\">Action</th><th scope=\"col\">Target</th><th scope=\"col\">Detail</th></tr></thead>\n<tbody>\n",
            );
            for e in audit {
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&clock(e.created_at)),
                    esc(&e.actor),
                    esc(&e.action),
                    esc(&e.target),
                    esc(&e.detail)
                );
            }
            out.push_str("</tbody>\n</table>\n");
        }
        out.push_str("</section>\n");
    }
    if let Mode::Archive { share, .. } = mode {
        out.push_str(share);
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// The permalink of an item on an archive page (empty elsewhere).
fn permalink(mode: &Mode, id: &str) -> String {
    match mode {
        Mode::Archive { links, .. } => links
            .get(id)
            .map(|href| {
                format!(
                    " <a class=\"permalink\" href=\"{}\">Permalink</a>",
                    esc(href)
                )
            })
            .unwrap_or_default(),
        Mode::File => String::new(),
    }
}

/// The link of a moment: to the recording (file) or to this page (archive).
fn stamp(at: &Option<Moment>, mode: &Mode, seekable: bool) -> String {
    let Some(m) = at else { return String::new() };
    let href = match mode {
        Mode::File => m.link.clone(),
        Mode::Archive { .. } => seekable.then(|| format!("?t={}#recording", m.offset_seconds)),
    };
    match href {
        Some(href) => format!(
            "<a class=\"at\" href=\"{}\" title=\"Watch from {}\">{}</a>",
            esc(&href),
            esc(&m.offset),
            esc(&m.offset)
        ),
        None => format!("<span class=\"at\">{}</span>", esc(&m.offset)),
    }
}

fn session(out: &mut String, s: &SessionHighlights, mode: &Mode, level: usize) {
    let h = |n: usize| (level + n).min(6);
    let seekable = s
        .stream_url
        .as_deref()
        .and_then(Recording::parse)
        .is_some_and(|r| !matches!(r, Recording::Page(_)));
    let _ = writeln!(
        out,
        "<article class=\"session\" id=\"session-{}\">\n<h{l}>{}</h{l}>",
        esc(&s.id),
        esc(&s.title),
        l = h(0)
    );
    let place: Vec<String> = [&s.track, &s.room]
        .iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| esc(p))
        .collect();
    if !place.is_empty() {
        let _ = writeln!(out, "<p class=\"meta\">{}</p>", place.join(" · "));
    }
    if !s.speakers.is_empty() {
        out.push_str("<ul class=\"speakers\">\n");
        for sp in &s.speakers {
            let _ = write!(out, "<li><strong>{}</strong>", esc(&sp.name));
            if let Some(a) = &sp.affiliation {
                let _ = write!(out, " ({})", esc(a));
            }
            if let Some(d) = &sp.disclosure {
                let _ = write!(
                    out,
                    "<br><span class=\"disclosure\">Disclosure: {}</span>",
                    esc(d)
                );
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    if !s.disclosures.trim().is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"disclosure\">Disclosures: {}</p>",
            esc(&s.disclosures)
        );
    }
    let _ = writeln!(
        out,
        "<dl class=\"facts\">\n<dt>Scheduled</dt><dd>{}</dd>\n<dt>Held</dt><dd>{}</dd>\n\
         <dt>Attendance</dt><dd>{} at peak, {} in total</dd>\n</dl>",
        esc(&span(s.starts_at, s.ends_at)),
        esc(&span(s.started_at, s.ended_at)),
        s.attendance.peak,
        s.attendance.total
    );
    match mode {
        Mode::Archive { start, .. } => super::archive_page::recording(out, s, *start),
        Mode::File => {
            if let Some(url) = &s.stream_url {
                let _ = writeln!(
                    out,
                    "<p class=\"source\">Recording: <a href=\"{}\">{}</a></p>",
                    esc(url),
                    esc(url)
                );
            }
        }
    }

    section(out, "takeaways", "Key takeaways", h(1));
    notes(out, &s.key_takeaways, mode, seekable, "None marked.");
    out.push_str("</section>\n");

    section(out, "questions", "Questions", h(1));
    if s.questions.is_empty() {
        out.push_str("<p class=\"empty\">No questions.</p>\n");
    } else {
        out.push_str("<ol class=\"questions\">\n");
        for q in &s.questions {
            let _ = write!(
                out,
                "<li>\n<p class=\"q\">{}</p>\n<p class=\"meta\">",
                esc(&q.body)
            );
            let mut meta = vec![format!(
                "{} upvote{}",
                q.upvotes,
                if q.upvotes == 1 { "" } else { "s" }
            )];
            if q.answered {
                meta.push("<span class=\"answered\">answered</span>".into());
            }
            for l in &q.labels {
                meta.push(format!("<span class=\"label\">{}</span>", esc(l)));
            }
            if let Some(name) = &q.author_name {
                meta.push(format!("asked by {}", esc(name)));
            }
            let at = stamp(&q.at, mode, seekable);
            if !at.is_empty() {
                meta.push(format!("asked at {at}"));
            }
            let _ = writeln!(out, "{}{}</p>", meta.join(" · "), permalink(mode, &q.id));
            if let Some(answer) = &q.answer_html {
                let at = stamp(&q.answer_at, mode, seekable);
                let _ = writeln!(
                    out,
                    "<div class=\"answer\"><p class=\"who\">Answer {at}</p>\n{answer}</div>"
                );
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</section>\n");

    section(out, "polls", "Polls", h(1));
    if s.polls.is_empty() {
        out.push_str("<p class=\"empty\">No polls.</p>\n");
    }
    for p in &s.polls {
        poll(out, p, mode, seekable, h(2));
    }
    out.push_str("</section>\n");

    section(out, "notes", "Notes", h(1));
    notes(out, &s.notes, mode, seekable, "No notes.");
    out.push_str("</section>\n");

    section(out, "reactions", "Reactions", h(1));
    if s.reactions.is_empty() {
        out.push_str("<p class=\"empty\">No reactions.</p>\n");
    } else {
        out.push_str("<ul class=\"reactions\">\n");
        for r in &s.reactions {
            let _ = writeln!(
                out,
                "<li><span class=\"emoji\">{}</span> {}</li>",
                esc(&r.emoji),
                r.count
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n</article>\n");
}

/// Open a `<section>` with its heading.
fn section(out: &mut String, class: &str, title: &str, level: usize) {
    let _ = writeln!(
        out,
        "<section class=\"{class}\">\n<h{level}>{title}</h{level}>"
    );
}

fn notes(
    out: &mut String,
    list: &[super::highlights::NoteItem],
    mode: &Mode,
    seekable: bool,
    empty: &str,
) {
    if list.is_empty() {
        let _ = writeln!(out, "<p class=\"empty\">{empty}</p>");
        return;
    }
    out.push_str("<ol class=\"notes\">\n");
    for n in list {
        let class = if n.takeaway {
            " class=\"takeaway\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "<li{class}>{}<div class=\"body\">{}</div>{}</li>",
            stamp(&n.at, mode, seekable),
            n.html,
            permalink(mode, &n.id)
        );
    }
    out.push_str("</ol>\n");
}

fn poll(out: &mut String, p: &PollItem, mode: &Mode, seekable: bool, level: usize) {
    let _ = writeln!(
        out,
        "<div class=\"poll\">\n<h{level}>{}</h{level}>",
        esc(&p.question)
    );
    let ballots = match p.ballots {
        Some(n) => format!("{n} ballot{}", if n == 1 { "" } else { "s" }),
        None => "results not shown".into(),
    };
    let at = stamp(&p.at, mode, seekable);
    let at = if at.is_empty() {
        String::new()
    } else {
        format!(" · opened at {at}")
    };
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} · {} · {ballots}{at}{}</p>",
        poll_kind_label(p.kind),
        p.state.as_str(),
        permalink(mode, &p.id)
    );
    let Some(results) = &p.results else {
        out.push_str("</div>\n");
        return;
    };
    if results.is_empty() {
        out.push_str("<p class=\"empty\">No answers.</p>\n</div>\n");
        return;
    }
    if p.kind == PollKind::WordCloud {
        let top = results.iter().map(|r| r.count).max().unwrap_or(1).max(1);
        out.push_str("<ul class=\"cloud\">\n");
        for r in results {
            let size = 1 + (r.count * 4) / top;
            let _ = writeln!(
                out,
                "<li class=\"size-{size}\">{} <span class=\"count\">{}</span></li>",
                esc(&r.label),
                r.count
            );
        }
        out.push_str("</ul>\n</div>\n");
        return;
    }
    let max = p.ballots.unwrap_or(0).max(1);
    out.push_str(
        "<table class=\"results\">\n<thead><tr><th scope=\"col\">Answer</th><th scope=\"col\">Votes</th>\
         <th scope=\"col\"><span class=\"visually-hidden\">Share</span></th></tr></thead>\n<tbody>\n",
    );
    for r in results {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td><meter min=\"0\" max=\"{max}\" value=\"{}\">{}</meter></td></tr>",
            esc(&r.label),
            r.count,
            r.count,
            r.count
        );
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}
