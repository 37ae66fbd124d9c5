//! Offsets from a session's actual start, and links to that moment in the
//! recording where the stream URL allows one:
//!
//! | stream | link |
//! |---|---|
//! | YouTube (`watch?v=`, `youtu.be/`, `embed/`, `live/`, `shorts/`) | `https://www.youtube.com/watch?v=ID&t=SECONDS` |
//! | Vimeo (`vimeo.com/ID`, `player.vimeo.com/video/ID`) | `https://vimeo.com/ID#t=SECONDSs` |
//! | a direct media file (`.mp4`, `.webm`, `.m3u8`, `.ogv`, `.mov`) | the file with the media fragment `#t=SECONDS` |
//! | anything else | none |

use serde::Serialize;
use url::Url;

/// Where something happened on the session's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Moment {
    /// Seconds after the session went live.
    pub offset_seconds: i64,
    /// The same as `mm:ss` (or `h:mm:ss` past an hour).
    pub offset: String,
    /// That moment in the recording, when the stream URL allows a link.
    pub link: Option<String>,
}

/// The kind of recording a stream URL points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recording {
    /// A YouTube video id.
    YouTube(String),
    /// A Vimeo video id.
    Vimeo(String),
    /// A direct media file (MP4, WebM, HLS…).
    Media(Url),
    /// Some other page (embeddable, but no way to link to a moment).
    Page(Url),
}

const MEDIA_EXTENSIONS: &[&str] = &[".mp4", ".webm", ".m3u8", ".ogv", ".mov"];

impl Recording {
    /// Classify a stream URL (None for anything that is not http(s)).
    pub fn parse(stream_url: &str) -> Option<Recording> {
        let url = Url::parse(stream_url).ok()?;
        if !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        let path = url.path().to_ascii_lowercase();
        if MEDIA_EXTENSIONS.iter().any(|ext| path.ends_with(ext)) {
            return Some(Recording::Media(url));
        }
        let host = url.host_str().unwrap_or("").to_ascii_lowercase();
        let host = host
            .strip_prefix("www.")
            .or_else(|| host.strip_prefix("m."))
            .unwrap_or(&host)
            .to_string();
        let segments: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
        let valid = |id: &str| {
            id.len() >= 6
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        match host.as_str() {
            "youtube.com" | "youtube-nocookie.com" => {
                let id = if url.path() == "/watch" {
                    url.query_pairs()
                        .find(|(k, _)| k == "v")
                        .map(|(_, v)| v.into_owned())
                } else {
                    match segments.as_slice() {
                        ["embed" | "live" | "shorts" | "v", id, ..] => Some((*id).to_string()),
                        _ => None,
                    }
                };
                match id {
                    Some(id) if valid(&id) => Some(Recording::YouTube(id)),
                    _ => Some(Recording::Page(url)),
                }
            }
            "youtu.be" => match segments.first() {
                Some(id) if valid(id) => Some(Recording::YouTube((*id).to_string())),
                _ => Some(Recording::Page(url)),
            },
            "vimeo.com" | "player.vimeo.com" => {
                let id = segments
                    .iter()
                    .rev()
                    .find(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()));
                match id {
                    Some(id) => Some(Recording::Vimeo((*id).to_string())),
                    None => Some(Recording::Page(url)),
                }
            }
            _ => Some(Recording::Page(url)),
        }
    }

    /// A short name for exports: `youtube`, `vimeo`, `media` or `page`.
    pub fn kind(&self) -> &'static str {
        match self {
            Recording::YouTube(_) => "youtube",
            Recording::Vimeo(_) => "vimeo",
            Recording::Media(_) => "media",
            Recording::Page(_) => "page",
        }
    }

    /// A link to `seconds` into the recording, if this kind allows one.
    pub fn link_at(&self, seconds: i64) -> Option<String> {
        let seconds = seconds.max(0);
        match self {
            Recording::YouTube(id) => {
                Some(format!("https://www.youtube.com/watch?v={id}&t={seconds}"))
            }
            Recording::Vimeo(id) => Some(format!("https://vimeo.com/{id}#t={seconds}s")),
            Recording::Media(url) => {
                let mut url = url.clone();
                url.set_fragment(Some(&format!("t={seconds}")));
                Some(url.to_string())
            }
            Recording::Page(_) => None,
        }
    }

    /// The URL to embed in a page (an iframe player, or the media file for
    /// `<video>`), starting at `seconds`.
    pub fn embed_at(&self, seconds: i64) -> String {
        let seconds = seconds.max(0);
        match self {
            Recording::YouTube(id) => {
                format!("https://www.youtube-nocookie.com/embed/{id}?start={seconds}")
            }
            Recording::Vimeo(id) => format!("https://player.vimeo.com/video/{id}#t={seconds}s"),
            Recording::Media(url) => {
                let mut url = url.clone();
                url.set_fragment((seconds > 0).then(|| format!("t={seconds}")).as_deref());
                url.to_string()
            }
            Recording::Page(url) => url.to_string(),
        }
    }
}

/// `mm:ss`, or `h:mm:ss` from an hour on.
pub fn format_offset(seconds: i64) -> String {
    let s = seconds.max(0);
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// The moment `at_ms` on a session that went live at `started_ms` (None if
/// the session never went live or `at_ms` is before its start).
pub fn moment(
    started_ms: Option<i64>,
    at_ms: Option<i64>,
    recording: Option<&Recording>,
) -> Option<Moment> {
    let (start, at) = (started_ms?, at_ms?);
    if at < start {
        return None;
    }
    let seconds = (at - start) / 1000;
    Some(Moment {
        offset_seconds: seconds,
        offset: format_offset(seconds),
        link: recording.and_then(|r| r.link_at(seconds)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_format_as_clock_times() {
        assert_eq!(format_offset(0), "00:00");
        assert_eq!(format_offset(754), "12:34");
        assert_eq!(format_offset(3600 + 62), "1:01:02");
    }

    #[test]
    fn links_per_kind() {
        let yt = Recording::parse("https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=x").unwrap();
        assert_eq!(
            yt.link_at(75).unwrap(),
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=75"
        );
        let short = Recording::parse("https://youtu.be/dQw4w9WgXcQ").unwrap();
        assert_eq!(short, yt);
        let embed = Recording::parse("https://www.youtube.com/embed/dQw4w9WgXcQ").unwrap();
        assert_eq!(embed, yt);
        let vimeo = Recording::parse("https://vimeo.com/76979871").unwrap();
        assert_eq!(
            vimeo.link_at(90).unwrap(),
            "https://vimeo.com/76979871#t=90s"
        );
        let player = Recording::parse("https://player.vimeo.com/video/76979871").unwrap();
        assert_eq!(player, vimeo);
        let mp4 = Recording::parse("https://cdn.example.org/talks/a.mp4#t=3").unwrap();
        assert_eq!(
            mp4.link_at(12).unwrap(),
            "https://cdn.example.org/talks/a.mp4#t=12"
        );
        let hls = Recording::parse("https://cdn.example.org/live/index.m3u8?token=a").unwrap();
        assert_eq!(
            hls.link_at(5).unwrap(),
            "https://cdn.example.org/live/index.m3u8?token=a#t=5"
        );
        let page = Recording::parse("https://stream.example.org/room-a").unwrap();
        assert_eq!(page.link_at(5), None);
        assert_eq!(Recording::parse("javascript:alert(1)"), None);
    }

    #[test]
    fn moments_before_the_start_have_no_offset() {
        assert_eq!(moment(Some(10_000), Some(9_000), None), None);
        assert_eq!(moment(None, Some(9_000), None), None);
        let m = moment(Some(10_000), Some(75_999), None).unwrap();
        assert_eq!((m.offset_seconds, m.offset.as_str()), (65, "01:05"));
    }
}
