//! A permalink's page: the item in context (the quote, the speaker(s) with
//! their disclosures, the session and event, the moment in the recording),
//! its link-preview tags and the share bar. Server-rendered; every text a
//! person wrote is escaped, notes and answers are the HTML the server
//! sanitized when they were written.

use std::fmt::Write;

use super::meta::{self, Head};
use super::permalink::{Item, Preview};
use crate::export::highlights::{Export, PollItem, SessionHighlights};
use crate::export::html::esc;
use crate::export::timeline::{Moment, Recording};

/// Absolute URLs of a permalink page.
#[derive(Debug, Clone)]
pub struct Urls {
    /// The page itself (canonical).
    pub page: String,
    /// Its card, versioned by content hash.
    pub card: String,
    /// The session's archive page (a path).
    pub session: String,
    /// The event's archive page (a path).
    pub event: String,
}

/// Render the page of `item`.
pub fn render(
    export: &Export,
    s: &SessionHighlights,
    item: Item<'_>,
    preview: &Preview,
    urls: &Urls,
) -> String {
    let mut out = String::new();
    meta::head(
        &mut out,
        &Head {
            title: preview.title.clone(),
            description: preview.description.clone(),
            url: urls.page.clone(),
            image: urls.card.clone(),
            image_alt: preview.image_alt.clone(),
            kind: "article",
            site: export.event.name.clone(),
        },
    );
    let _ = writeln!(
        out,
        "<header class=\"doc-head\">\n<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><a href=\"{}\">{}</a> › <a href=\"{}\">{}</a></nav>\n\
         <p class=\"eyebrow\">{}</p>\n<h1>{}</h1>\n</header>\n<main>",
        esc(&urls.event),
        esc(&export.event.name),
        esc(&urls.session),
        esc(&s.title),
        esc(item.kind().label()),
        esc(&format!("{} from “{}”", item.kind().label(), s.title)),
    );
    out.push_str("<figure class=\"permalink\">\n<blockquote class=\"quote\">\n");
    match item {
        Item::Note(n) => out.push_str(&n.html),
        Item::Question(q) => {
            let _ = writeln!(out, "<p>{}</p>", esc(&q.body));
        }
        Item::Poll(p) => {
            let _ = writeln!(out, "<p>{}</p>", esc(&p.question));
        }
    }
    out.push_str("</blockquote>\n<figcaption>");
    let mut caption = Vec::new();
    if let Item::Question(q) = item
        && let Some(name) = &q.author_name
    {
        caption.push(format!("Asked by {}", esc(name)));
    }
    let speakers = super::permalink::speakers_line(&s.speakers);
    if !speakers.is_empty() {
        caption.push(esc(&speakers));
    }
    caption.push(format!(
        "<cite>{}</cite>, {}",
        esc(&s.title),
        esc(&export.event.name)
    ));
    let _ = writeln!(out, "{}</figcaption>\n</figure>", caption.join(" · "));

    match item {
        Item::Question(q) => {
            out.push_str("<section class=\"answer\" aria-labelledby=\"answer-heading\">\n<h2 id=\"answer-heading\">Answer</h2>\n");
            match &q.answer_html {
                Some(html) => out.push_str(html),
                None => out.push_str("<p>Answered live in the session.</p>\n"),
            }
            moment(&mut out, "Answered", q.answer_at.as_ref(), s, urls);
            out.push_str("</section>\n");
        }
        Item::Poll(p) => results(&mut out, p),
        Item::Note(_) => {}
    }
    moment(&mut out, item_verb(item), item.at(), s, urls);
    speakers_section(&mut out, s);
    meta::share_bar(&mut out, &urls.page, &preview.title, 2);
    let _ = writeln!(
        out,
        "<p class=\"card-preview\"><img src=\"{}\" alt=\"{}\" width=\"600\" height=\"315\"></p>",
        esc(&urls.card),
        esc(&preview.image_alt)
    );
    let _ = writeln!(
        out,
        "<p><a href=\"{}\">All highlights of this session</a></p>\n</main>\n</body>\n</html>",
        esc(&urls.session)
    );
    out
}

fn item_verb(item: Item<'_>) -> &'static str {
    match item {
        Item::Note(_) => "Said",
        Item::Question(_) => "Asked",
        Item::Poll(_) => "Opened",
    }
}

/// `Said at 12:34 — watch from there` (on the archive page, and in the
/// original recording when the stream URL allows a link).
fn moment(out: &mut String, verb: &str, at: Option<&Moment>, s: &SessionHighlights, urls: &Urls) {
    let Some(m) = at else { return };
    let seekable = s
        .stream_url
        .as_deref()
        .and_then(Recording::parse)
        .is_some_and(|r| !matches!(r, Recording::Page(_)));
    let _ = write!(
        out,
        "<p class=\"moment\">{verb} at <span class=\"at\">{}</span> into the session",
        esc(&m.offset)
    );
    if seekable {
        let _ = write!(
            out,
            " — <a href=\"{}?t={}#recording\">watch from {}</a>",
            esc(&urls.session),
            m.offset_seconds,
            esc(&m.offset)
        );
    }
    if let Some(link) = &m.link {
        let _ = write!(
            out,
            " (<a href=\"{}\" rel=\"noopener noreferrer\">in the original recording</a>)",
            esc(link)
        );
    }
    out.push_str("</p>\n");
}

fn results(out: &mut String, p: &PollItem) {
    let Some(results) = &p.results else { return };
    let ballots = p.ballots.unwrap_or(0);
    let _ = writeln!(
        out,
        "<section class=\"poll\" aria-labelledby=\"results-heading\">\n<h2 id=\"results-heading\">Results</h2>\n\
         <p class=\"meta\">{ballots} ballot{}</p>",
        if ballots == 1 { "" } else { "s" }
    );
    if results.is_empty() {
        out.push_str("<p class=\"empty\">No answers.</p>\n</section>\n");
        return;
    }
    out.push_str(
        "<table class=\"results\">\n<thead><tr><th scope=\"col\">Answer</th><th scope=\"col\">Votes</th>\
         <th scope=\"col\">Share of ballots</th></tr></thead>\n<tbody>\n",
    );
    let max = ballots.max(1);
    for r in results {
        let percent = (r.count * 100 + max / 2) / max;
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td><meter min=\"0\" max=\"{max}\" value=\"{}\">{percent}%</meter> {percent}%</td></tr>",
            esc(&r.label),
            r.count,
            r.count
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// The speakers with their affiliations and disclosures.
pub(super) fn speakers_section(out: &mut String, s: &SessionHighlights) {
    if s.speakers.is_empty() && s.disclosures.trim().is_empty() {
        return;
    }
    out.push_str("<section class=\"speakers-box\" aria-labelledby=\"speakers-heading\">\n<h2 id=\"speakers-heading\">Speakers</h2>\n<ul class=\"speakers\">\n");
    for sp in &s.speakers {
        let _ = write!(out, "<li><strong>{}</strong>", esc(&sp.name));
        if let Some(a) = sp.affiliation.as_deref().filter(|a| !a.trim().is_empty()) {
            let _ = write!(out, " ({})", esc(a));
        }
        if let Some(d) = sp.disclosure.as_deref().filter(|d| !d.trim().is_empty()) {
            let _ = write!(
                out,
                "<br><span class=\"disclosure\">Disclosure: {}</span>",
                esc(d)
            );
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ul>\n");
    if !s.disclosures.trim().is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"disclosure\">Disclosures: {}</p>",
            esc(&s.disclosures)
        );
    }
    out.push_str("</section>\n");
}
