//! A speaker's public page: the published highlights of the sessions they
//! opted in, across events, each with the affiliation and disclosure they
//! gave for that session. Only sessions whose event published its archive
//! are listed; a page with none answers 404.

use std::fmt::Write;

use super::card::Card;
use super::meta::{self, Head};
use super::permalink::{self, Item};
use super::{clip, plain};
use crate::domain::session::Speaker;
use crate::export::highlights::Export;
use crate::export::html::esc;
use crate::export::text::span;

/// One session on the page: its public highlights (a session export) and
/// the speaker as that session lists them.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The session's public highlights.
    pub export: Export,
    /// The speaker, as the session lists them.
    pub speaker: Speaker,
}

/// The card of a speaker's page.
pub fn card(name: &str, entries: &[Entry]) -> Card {
    let takeaways: usize = entries
        .iter()
        .flat_map(|e| e.export.sessions.iter())
        .map(|s| permalink::items(s).len())
        .sum();
    let events: Vec<String> = entries.iter().fold(Vec::new(), |mut acc, e| {
        if !acc.contains(&e.export.event.name) {
            acc.push(e.export.event.name.clone());
        }
        acc
    });
    let affiliation = entries
        .iter()
        .rev()
        .find_map(|e| e.speaker.affiliation.clone())
        .unwrap_or_default();
    Card {
        eyebrow: "SPEAKER".into(),
        quote: clip(name, 120),
        secondary: Some(format!(
            "{} session{} · {} shared highlight{}",
            entries.len(),
            if entries.len() == 1 { "" } else { "s" },
            takeaways,
            if takeaways == 1 { "" } else { "s" }
        )),
        bars: Vec::new(),
        byline: affiliation,
        context: clip(&events.join(" · "), 200),
    }
}

/// Render the page. `url` and `image` are absolute.
pub fn render(name: &str, entries: &[Entry], url: &str, image: &str) -> String {
    let card = card(name, entries);
    let description = card.secondary.clone().unwrap_or_default();
    let mut out = String::new();
    meta::head(
        &mut out,
        &Head {
            title: format!("{name}: talks and takeaways"),
            description: format!("{description}: {}", card.context),
            url: url.to_string(),
            image: image.to_string(),
            image_alt: format!("Speaker card: {name}, {description}, at {}", card.context),
            kind: "profile",
            site: "Backchannel".into(),
        },
    );
    let _ = writeln!(
        out,
        "<header class=\"doc-head\">\n<p class=\"eyebrow\">Speaker</p>\n<h1>{}</h1>\n<p class=\"lead\">{}</p>\n</header>\n<main>",
        esc(name),
        esc(&description)
    );
    for (i, entry) in entries.iter().enumerate() {
        let Some(s) = entry.export.sessions.first() else {
            continue;
        };
        let event = &entry.export.event;
        let archive = format!("/archive/{}/{}", event.id, s.id);
        let _ = writeln!(
            out,
            "<article class=\"session\" aria-labelledby=\"session-{i}\">\n<h2 id=\"session-{i}\"><a href=\"{}\">{}</a></h2>\n\
             <p class=\"meta\">{} · {}</p>",
            esc(&archive),
            esc(&s.title),
            esc(&event.name),
            esc(&span(
                s.started_at.or(s.starts_at),
                s.ended_at.or(s.ends_at)
            ))
        );
        let sp = &entry.speaker;
        let mut who = format!("<strong>{}</strong>", esc(&sp.name));
        if let Some(a) = sp.affiliation.as_deref().filter(|a| !a.trim().is_empty()) {
            let _ = write!(who, " ({})", esc(a));
        }
        let _ = writeln!(out, "<p class=\"speaker\">{who}</p>");
        match sp.disclosure.as_deref().filter(|d| !d.trim().is_empty()) {
            Some(d) => {
                let _ = writeln!(out, "<p class=\"disclosure\">Disclosure: {}</p>", esc(d));
            }
            None => out.push_str("<p class=\"disclosure\">Disclosure: none given.</p>\n"),
        }
        if !s.disclosures.trim().is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"disclosure\">Session disclosures: {}</p>",
                esc(&s.disclosures)
            );
        }
        let items = permalink::items(s);
        if items.is_empty() {
            out.push_str("<p class=\"empty\">No shared highlights.</p>\n");
        } else {
            out.push_str("<ul class=\"highlights\">\n");
            for item in items {
                let href = permalink::path(&event.id, &s.id, item.kind(), item.id());
                let text = match item {
                    Item::Question(q) => match q.answer.as_deref().map(plain) {
                        Some(a) if !a.is_empty() => format!("{} — {}", q.body, a),
                        _ => q.body.clone(),
                    },
                    _ => item.quote(),
                };
                let _ = writeln!(
                    out,
                    "<li><span class=\"kind\">{}:</span> <a href=\"{}\">{}</a></li>",
                    esc(item.kind().label()),
                    esc(&href),
                    esc(&clip(&text, 200))
                );
            }
            out.push_str("</ul>\n");
        }
        out.push_str("</article>\n");
    }
    meta::share_bar(&mut out, url, &format!("{name}: talks and takeaways"), 2);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}
