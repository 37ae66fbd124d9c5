//! The public archive's pages: the event's index and the embedded
//! recording of a session page (the rest of a session page is
//! [`super::html::render`] in archive mode).

use std::fmt::Write;

use super::highlights::{Export, SessionHighlights};
use super::html::{Mode, esc, head};
use super::text::span;
use super::timeline::Recording;

/// The recording, embedded to start at `start` seconds: an iframe player
/// (YouTube, Vimeo, any https page) or a `<video>` (a media file). Only https
/// sources are embedded (the page's CSP frames and plays nothing else);
/// the URL is always linked.
pub(super) fn recording(out: &mut String, s: &SessionHighlights, start: i64) {
    let Some(rec) = s.stream_url.as_deref().and_then(Recording::parse) else {
        return;
    };
    let src = rec.embed_at(start);
    let https = src.starts_with("https://");
    let title = format!("Recording: {}", s.title);
    out.push_str("<div class=\"recording\" id=\"recording\">\n");
    match rec {
        Recording::Media(_) if https => {
            let _ = writeln!(
                out,
                "<video controls preload=\"metadata\" src=\"{}\" title=\"{}\"></video>",
                esc(&src),
                esc(&title)
            );
        }
        Recording::YouTube(_) | Recording::Vimeo(_) | Recording::Page(_) if https => {
            let _ = writeln!(
                out,
                "<iframe src=\"{}\" title=\"{}\" allow=\"encrypted-media; fullscreen; picture-in-picture\" \
                 allowfullscreen referrerpolicy=\"strict-origin-when-cross-origin\" loading=\"lazy\"></iframe>",
                esc(&src),
                esc(&title)
            );
        }
        _ => {}
    }
    if let Some(url) = &s.stream_url {
        let _ = writeln!(
            out,
            "<p class=\"source\">Recording: <a href=\"{}\" rel=\"noopener noreferrer\">{}</a></p>",
            esc(url),
            esc(url)
        );
    }
    out.push_str("</div>\n");
}

/// The archive's front page of an event: its sessions, linking to each.
pub fn archive_index(export: &Export, base: &str) -> String {
    let mut out = String::new();
    head(
        &mut out,
        &format!("{}: archive", export.event.name),
        &Mode::Archive {
            start: 0,
            index: base.to_string(),
            head: String::new(),
            share: String::new(),
            links: Default::default(),
        },
    );
    let _ = writeln!(
        out,
        "<header class=\"doc-head\">\n<p class=\"eyebrow\">Archive</p>\n<h1>{}</h1>\n</header>\n<main>",
        esc(&export.event.name)
    );
    if !export.event.description.trim().is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"lead\">{}</p>",
            esc(export.event.description.trim())
        );
    }
    if export.sessions.is_empty() {
        out.push_str("<p class=\"empty\">No sessions.</p>\n");
    } else {
        out.push_str("<ol class=\"archive-sessions\">\n");
        for s in &export.sessions {
            let speakers: Vec<String> = s.speakers.iter().map(|sp| esc(&sp.name)).collect();
            let _ = writeln!(
                out,
                "<li><a href=\"{}/{}\">{}</a><p class=\"meta\">{}</p><p class=\"meta\">{} · {} question{} · {} note{} · {} poll{}</p></li>",
                esc(base),
                esc(&s.id),
                esc(&s.title),
                speakers.join(", "),
                esc(&span(s.starts_at, s.ends_at)),
                s.questions.len(),
                if s.questions.len() == 1 { "" } else { "s" },
                s.notes.len(),
                if s.notes.len() == 1 { "" } else { "s" },
                s.polls.len(),
                if s.polls.len() == 1 { "" } else { "s" },
            );
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}
