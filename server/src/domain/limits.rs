//! Length limits on everything a client can write, and the text checks that apply them.

use crate::error::{AppError, AppResult};

/// Event name.
pub const EVENT_NAME_MAX: usize = 200;
/// Event description, code of conduct, session abstract.
pub const LONG_TEXT_MAX: usize = 20_000;
/// Session title.
pub const TITLE_MAX: usize = 300;
/// Track, room, timezone, label.
pub const SHORT_TEXT_MAX: usize = 100;
/// Speaker name or affiliation; attendee display name is shorter.
pub const NAME_MAX: usize = 200;
/// An attendee's display name.
pub const DISPLAY_NAME_MAX: usize = 60;
/// Speakers per session.
pub const SPEAKERS_MAX: usize = 20;
/// Speaker disclosure text.
pub const DISCLOSURE_MAX: usize = 2_000;
/// Stream URL.
pub const URL_MAX: usize = 2_000;
/// A live note (Markdown source).
pub const NOTE_MAX: usize = 10_000;
/// A question.
pub const QUESTION_MAX: usize = 500;
/// A speaker's reply to a question.
pub const ANSWER_MAX: usize = 5_000;
/// Labels per question.
pub const LABELS_MAX: usize = 10;
/// A poll's question.
pub const POLL_QUESTION_MAX: usize = 300;
/// One poll option.
pub const POLL_OPTION_MAX: usize = 200;
/// Options per choice poll.
pub const POLL_OPTIONS_MAX: usize = 20;
/// One word-cloud / open-text answer.
pub const OPEN_ANSWER_MAX: usize = 60;
/// A client-chosen command id.
pub const COMMAND_ID_MAX: usize = 64;
/// The attendee's words on a flag.
pub const FLAG_DETAIL_MAX: usize = 500;
/// A speaker page's slug.
pub const SLUG_MAX: usize = 60;

/// Trim `text` and check it is non-empty, at most `max` characters, and free of
/// control characters other than newline and tab.
pub fn required_text(field: &str, text: &str, max: usize) -> AppResult<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(AppError::invalid(format!("{field} must not be empty")));
    }
    checked_text(field, trimmed, max)
}

/// Like [`required_text`] but an empty string is allowed.
pub fn optional_text(field: &str, text: &str, max: usize) -> AppResult<String> {
    checked_text(field, text.trim(), max)
}

/// A one-line text: no newlines either.
pub fn single_line(field: &str, text: &str, max: usize) -> AppResult<String> {
    let value = required_text(field, text, max)?;
    if value.contains(['\n', '\r']) {
        return Err(AppError::invalid(format!("{field} must be a single line")));
    }
    Ok(value)
}

fn checked_text(field: &str, text: &str, max: usize) -> AppResult<String> {
    let chars = text.chars().count();
    if chars > max {
        return Err(AppError::invalid(format!(
            "{field} is {chars} characters; the limit is {max}"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(AppError::invalid(format!(
            "{field} contains control characters"
        )));
    }
    Ok(text.to_string())
}

/// An http(s) URL (never `javascript:` or `data:`), at most [`URL_MAX`] long.
pub fn http_url(field: &str, text: &str) -> AppResult<String> {
    let text = text.trim();
    if text.len() > URL_MAX {
        return Err(AppError::invalid(format!(
            "{field} is longer than {URL_MAX} bytes"
        )));
    }
    let parsed = url::Url::parse(text)
        .map_err(|e| AppError::invalid(format!("{field} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(AppError::invalid(format!(
            "{field} must be an http:// or https:// URL"
        )));
    }
    Ok(parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_checks() {
        assert_eq!(required_text("x", "  hi  ", 5).unwrap(), "hi");
        assert!(required_text("x", "   ", 5).is_err());
        assert!(required_text("x", "abcdef", 5).is_err());
        assert!(required_text("x", "a\u{0}b", 5).is_err());
        assert_eq!(required_text("x", "ééééé", 5).unwrap(), "ééééé");
        assert!(single_line("x", "a\nb", 5).is_err());
    }

    #[test]
    fn urls_must_be_http() {
        assert!(http_url("u", "https://youtu.be/abc").is_ok());
        assert!(http_url("u", "javascript:alert(1)").is_err());
        assert!(http_url("u", "data:text/html,hi").is_err());
        assert!(http_url("u", "not a url").is_err());
    }
}
