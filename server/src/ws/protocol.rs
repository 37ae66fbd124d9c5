//! The websocket protocol's messages. Every message is one JSON text frame
//! with a `type`. docs/protocol.md shows each with an example.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::commands::Ack;
use crate::commands::snapshot::{NotRecoveredReason, Snapshot};
use crate::error::{AppError, ErrorCode};

/// A client message as first parsed: the envelope, with `args` left raw so
/// the command can be decoded with a precise error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope<'a> {
    /// `join`, `command` or `ping`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Client-chosen id (commands; echoed on ack/error).
    #[serde(default)]
    pub id: Option<String>,
    /// join: the bearer token.
    #[serde(default)]
    pub token: Option<String>,
    /// join: the session (needed for organizer tokens; implied by session tokens).
    #[serde(default)]
    pub session_id: Option<String>,
    /// join: resume after this `seq`.
    #[serde(default)]
    pub since: Option<u64>,
    /// join: the epoch the client's `since` belongs to.
    #[serde(default)]
    pub epoch: Option<String>,
    /// command: the action, e.g. `note.post`.
    #[serde(default)]
    pub action: Option<String>,
    /// command: the action's arguments.
    #[serde(default, borrow)]
    pub args: Option<&'a RawValue>,
}

/// What the server sends, besides `event` and `counters` frames (which the
/// hub encodes directly; see [`crate::hub::frames`]).
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage<'a> {
    /// The session's state; events with `seq` greater than the snapshot's follow.
    Snapshot(&'a Snapshot),
    /// A resume that will replay exactly the missed events `(from, to]`.
    Resumed {
        /// The client's `since`.
        from: u64,
        /// The last `seq` of the replay; live events continue after it.
        to: u64,
        /// The stream's epoch.
        epoch: &'a str,
    },
    /// A resume that cannot replay; a `snapshot` follows.
    NotRecovered {
        /// The client's `since`.
        since: u64,
        /// Why not.
        reason: NotRecoveredReason,
    },
    /// A command was applied.
    Ack {
        /// The command's id.
        id: &'a str,
        /// The answer.
        #[serde(flatten)]
        ack: &'a Ack,
    },
    /// A message or command was refused.
    Error {
        /// The command's id, when the message had one.
        id: Option<&'a str>,
        /// Stable code (see docs/protocol.md).
        code: ErrorCode,
        /// What went wrong, for people.
        message: &'a str,
    },
    /// The answer to a `ping` message.
    Pong {
        /// The ping's id, if it had one.
        id: Option<&'a str>,
    },
}

impl<'a> ServerMessage<'a> {
    /// An error frame for `err`.
    pub fn error(id: Option<&'a str>, err: &'a AppError) -> Self {
        ServerMessage::Error {
            id,
            code: err.code,
            message: &err.message,
        }
    }
}

/// Deepest JSON nesting accepted in a client message.
pub const MAX_JSON_DEPTH: usize = 32;

/// Whether `text` nests arrays/objects deeper than `limit` (strings are skipped).
/// A linear scan before parsing, so no parser recursion depends on client input.
pub fn too_deep(text: &str, limit: usize) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for b in text.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::too_deep;

    #[test]
    fn depth_scan_skips_strings() {
        assert!(!too_deep(r#"{"a":[1,{"b":"[[[[[["}]}"#, 3));
        assert!(too_deep("[[[[", 3));
        assert!(!too_deep(r#"{"s":"\"[[[["}"#, 1));
    }
}
