//! Small text helpers the formats share: clock times, time spans, labels,
//! file names.

use time::OffsetDateTime;
use time::macros::format_description;

use crate::domain::poll::PollKind;

/// `2026-05-04 09:30:05 UTC` (exports state times in UTC).
pub fn clock(ms: i64) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// `start – end`, `from start`, or `not yet`.
pub fn span(start: Option<i64>, end: Option<i64>) -> String {
    match (start, end) {
        (Some(a), Some(b)) => format!("{} – {}", clock(a), clock(b)),
        (Some(a), None) => format!("from {}", clock(a)),
        (None, Some(b)) => format!("until {}", clock(b)),
        (None, None) => "not yet".into(),
    }
}

/// A poll kind for people.
pub fn poll_kind_label(kind: PollKind) -> &'static str {
    match kind {
        PollKind::SingleChoice => "Single choice",
        PollKind::MultipleChoice => "Multiple choice",
        PollKind::Rating => "Rating",
        PollKind::WordCloud => "Word cloud",
    }
}

/// A file-name-safe slug of a title: lowercase ASCII letters and digits
/// joined by dashes, at most 60 characters (`export` if nothing is left).
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= 60 {
            break;
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() { "export".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_safe() {
        assert_eq!(slug("Async Rust: in practice!"), "async-rust-in-practice");
        assert_eq!(slug("Ünïcödé ☃"), "n-c-d");
        assert_eq!(slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(slug("☃"), "export");
    }

    #[test]
    fn clock_is_utc() {
        assert_eq!(clock(0), "1970-01-01 00:00:00 UTC");
    }
}
