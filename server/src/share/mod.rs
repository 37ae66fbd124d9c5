//! Takeaways that travel: stable public URLs for the key takeaways,
//! answered questions and closed polls of a published archive, the Open
//! Graph / Twitter card metadata that makes their links preview well, the
//! share card images those previews show, and speakers' opt-in pages.
//!
//! Nothing here is public until the organizer publishes the event's archive:
//! every page and card is computed from the public highlights
//! ([`crate::export::highlights`] with `Viewer::Public`), so what a visitor
//! can share is exactly what the archive shows (visible questions, live
//! notes, revealed or closed polls, askers' names only where the event
//! allows them), and unpublishing makes all of it answer 404.
//!
//! | module | owns |
//! |---|---|
//! | [`permalink`] | which items get a URL, and what their page and card say |
//! | [`card`] | the 1200×630 PNG, drawn with the fonts in `fonts/` |
//! | [`cache`] | rendered cards, bounded, keyed by content hash |
//! | [`meta`] | Open Graph / Twitter tags and the share bar (intent URLs) |
//! | [`page`] | a permalink's HTML page |
//! | [`speaker_page`] | a speaker's public page |

pub mod cache;
pub mod card;
pub mod meta;
pub mod page;
pub mod permalink;
pub mod speaker_page;

use pulldown_cmark::{Event, Parser, TagEnd};

/// The plain text of Markdown (for descriptions and cards): the words,
/// blocks separated by spaces, whitespace collapsed.
pub fn plain(markdown: &str) -> String {
    let mut out = String::new();
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak | Event::HardBreak | Event::Rule => out.push(' '),
            Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => out.push(' '),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters of `text`, cut at a word with an ellipsis.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().take(max.saturating_sub(1)).collect();
    // Cut at the last space when it leaves more than half (counted in
    // characters, as the web client counts them).
    let end = match chars.iter().rposition(|&c| c == ' ') {
        Some(i) if i > max / 2 => i,
        _ => chars.len(),
    };
    let cut: String = chars[..end].iter().collect();
    format!("{}…", cut.trim_end())
}

/// Percent-encode like JavaScript's `encodeURIComponent` (the web client
/// builds the same intent URLs, and the browser tests compare them).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_plain_text() {
        assert_eq!(
            plain("**Ownership** is a `compile-time`\nthing.\n\n- one\n- two"),
            "Ownership is a compile-time thing. one two"
        );
        assert_eq!(plain("a <b>bold</b> ok"), "a bold ok");
    }

    #[test]
    fn clipping_and_encoding() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("one two three four five", 12), "one two…");
        // Counted in characters, not bytes: a space at character 7 is past
        // half of 12 and cuts; one at character 4 (byte 8) is not and does not.
        assert_eq!(clip("ééééééé éééééé", 12), "ééééééé…");
        assert_eq!(clip("éééé éééééééééé", 12), "éééé éééééé…");
        assert_eq!(
            encode_component("a b&c=d/é?#'()"),
            "a%20b%26c%3Dd%2F%C3%A9%3F%23'()"
        );
    }
}
