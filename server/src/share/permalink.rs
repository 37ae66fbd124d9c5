//! Which items of a published session get a permalink, and what their page,
//! preview and card say.
//!
//! | kind | gets a permalink when |
//! |---|---|
//! | `note` | it is a key takeaway and not deleted |
//! | `question` | it is visible (never pending, rejected, hidden or withdrawn) and answered |
//! | `poll` | it is closed (its results are then public) |
//!
//! Items are looked up in the session's *public* highlights, so the rules of
//! the archive (visibility, names, poll results) apply unchanged.

use super::card::Card;
use super::{clip, plain};
use crate::domain::poll::PollState;
use crate::domain::session::Speaker;
use crate::export::highlights::{Export, NoteItem, PollItem, QuestionItem, SessionHighlights};
use crate::export::timeline::Moment;

/// The kinds of shareable item (the path segment of their URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A key-takeaway note.
    Note,
    /// An answered question, with its answer.
    Question,
    /// A closed poll's results.
    Poll,
}

impl Kind {
    /// The path segment: `note`, `question` or `poll`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Note => "note",
            Kind::Question => "question",
            Kind::Poll => "poll",
        }
    }

    /// Parse a path segment.
    pub fn parse(text: &str) -> Option<Kind> {
        match text {
            "note" => Some(Kind::Note),
            "question" => Some(Kind::Question),
            "poll" => Some(Kind::Poll),
            _ => None,
        }
    }

    /// The label above the quote on the page and the card.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Note => "Key takeaway",
            Kind::Question => "Answered question",
            Kind::Poll => "Poll result",
        }
    }
}

/// The path of an item's permalink page (append `/card.png` for its card).
pub fn path(event_id: &str, session_id: &str, kind: Kind, id: &str) -> String {
    format!("/t/{event_id}/{session_id}/{}/{id}", kind.as_str())
}

/// A shareable item, borrowed from the session's public highlights.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    /// A key takeaway.
    Note(&'a NoteItem),
    /// An answered question.
    Question(&'a QuestionItem),
    /// A closed poll.
    Poll(&'a PollItem),
}

impl<'a> Item<'a> {
    /// Its kind.
    pub fn kind(&self) -> Kind {
        match self {
            Item::Note(_) => Kind::Note,
            Item::Question(_) => Kind::Question,
            Item::Poll(_) => Kind::Poll,
        }
    }

    /// Its id.
    pub fn id(&self) -> &'a str {
        match self {
            Item::Note(n) => &n.id,
            Item::Question(q) => &q.id,
            Item::Poll(p) => &p.id,
        }
    }

    /// Its moment on the session's timeline.
    pub fn at(&self) -> Option<&'a Moment> {
        match self {
            Item::Note(n) => n.at.as_ref(),
            Item::Question(q) => q.at.as_ref(),
            Item::Poll(p) => p.at.as_ref(),
        }
    }

    /// The quote as plain text (the note, the question, the poll's question).
    pub fn quote(&self) -> String {
        match self {
            Item::Note(n) => plain(&n.body),
            Item::Question(q) => q.body.clone(),
            Item::Poll(p) => p.question.clone(),
        }
    }
}

/// Every item of a session that has a permalink: key takeaways, answered
/// questions (by rank), closed polls, in that order.
pub fn items(s: &SessionHighlights) -> Vec<Item<'_>> {
    let notes = s.key_takeaways.iter().map(Item::Note);
    let questions = s
        .questions
        .iter()
        .filter(|q| q.answered)
        .map(Item::Question);
    let polls = s
        .polls
        .iter()
        .filter(|p| p.state == PollState::Closed && p.results.is_some())
        .map(Item::Poll);
    notes.chain(questions).chain(polls).collect()
}

/// The item `kind`/`id` of a session, if it has a permalink.
pub fn find<'a>(s: &'a SessionHighlights, kind: Kind, id: &str) -> Option<Item<'a>> {
    items(s)
        .into_iter()
        .find(|item| item.kind() == kind && item.id() == id)
}

/// `Ana (Crab Co)` or `Ana, Bo` — who spoke.
pub fn speakers_line(speakers: &[Speaker]) -> String {
    match speakers {
        [] => String::new(),
        [one] => match &one.affiliation {
            Some(a) if !a.trim().is_empty() => format!("{} ({})", one.name, a.trim()),
            _ => one.name.clone(),
        },
        many => many
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// What the preview of an item says.
#[derive(Debug, Clone)]
pub struct Preview {
    /// `og:title` and the page's `<title>`.
    pub title: String,
    /// `og:description`.
    pub description: String,
    /// `og:image:alt`: the card, in words.
    pub image_alt: String,
    /// The card.
    pub card: Card,
}

/// The preview of `item` of session `s` of `export`.
pub fn preview(export: &Export, s: &SessionHighlights, item: Item<'_>) -> Preview {
    let speakers = speakers_line(&s.speakers);
    let context = format!("{} · {}", s.title, export.event.name);
    let quote = item.quote();
    let mut card = Card {
        eyebrow: item.kind().label().to_uppercase(),
        quote: clip(&quote, 400),
        secondary: None,
        bars: Vec::new(),
        byline: speakers.clone(),
        context: context.clone(),
    };
    let mut description = clip(&quote, 280);
    match item {
        Item::Note(_) => {}
        Item::Question(q) => {
            if let Some(answer) = q.answer.as_deref().map(plain).filter(|a| !a.is_empty()) {
                description = clip(&format!("Q: {quote} A: {answer}"), 280);
                card.secondary = Some(clip(&answer, 400));
            }
            card.byline = match (&q.author_name, speakers.is_empty()) {
                (Some(name), true) => format!("Asked by {name}"),
                (Some(name), false) => format!("Asked by {name} · answered by {speakers}"),
                (None, false) => format!("Answered by {speakers}"),
                (None, true) => String::new(),
            };
        }
        Item::Poll(p) => {
            let results = p.results.as_deref().unwrap_or_default();
            card.bars = results
                .iter()
                .take(6)
                .map(|r| (clip(&r.label, 60), r.count))
                .collect();
            let ballots = p.ballots.unwrap_or(0);
            let summary: Vec<String> = results
                .iter()
                .take(6)
                .map(|r| format!("{}: {}", r.label, r.count))
                .collect();
            description = clip(
                &format!(
                    "{quote} — {ballots} ballot{}: {}",
                    if ballots == 1 { "" } else { "s" },
                    summary.join(", ")
                ),
                280,
            );
        }
    }
    let who = if card.byline.is_empty() {
        String::new()
    } else {
        format!(", {}", card.byline)
    };
    Preview {
        title: clip(&format!("{}: {}", item.kind().label(), quote), 110),
        image_alt: clip(
            &format!(
                "{} card: “{}”{who} — {context}",
                item.kind().label(),
                clip(&quote, 300)
            ),
            420,
        ),
        description,
        card,
    }
}

/// The preview of a session's archive page.
pub fn session_preview(export: &Export, s: &SessionHighlights) -> Preview {
    let speakers = speakers_line(&s.speakers);
    let summary = plain(&s.summary);
    let first = s.key_takeaways.first().map(|n| plain(&n.body));
    let answered = s.questions.iter().filter(|q| q.answered).count();
    let counts = format!(
        "{} key takeaway{}, {} answered question{}, {} poll{}",
        s.key_takeaways.len(),
        if s.key_takeaways.len() == 1 { "" } else { "s" },
        answered,
        if answered == 1 { "" } else { "s" },
        s.polls.len(),
        if s.polls.len() == 1 { "" } else { "s" },
    );
    let description = if summary.is_empty() {
        counts.clone()
    } else {
        clip(&summary, 280)
    };
    let card = Card {
        eyebrow: "SESSION HIGHLIGHTS".into(),
        quote: clip(&s.title, 300),
        secondary: Some(first.map(|t| clip(&t, 300)).unwrap_or(counts)),
        bars: Vec::new(),
        byline: speakers.clone(),
        context: export.event.name.clone(),
    };
    Preview {
        title: clip(&format!("{} · {}", s.title, export.event.name), 110),
        image_alt: clip(
            &format!(
                "Session highlights card: {}{} — {}",
                s.title,
                if speakers.is_empty() {
                    String::new()
                } else {
                    format!(", {speakers}")
                },
                export.event.name
            ),
            420,
        ),
        description,
        card,
    }
}
