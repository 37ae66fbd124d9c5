//! Encoding of the server's broadcast messages, once, straight into frames.
//!
//! These are on the hot path (one call per event per audience, shared by
//! every recipient), so they write JSON by hand around payloads that are
//! already JSON text, instead of building and serializing a value tree.

use std::fmt::Write as _;

use bytes::Bytes;

use crate::domain::stream::LogEvent;
use crate::ws::frame::text_frame;

/// Append `text` as a JSON string literal.
fn push_json_str(out: &mut String, text: &str) {
    // serde_json escapes exactly as JSON requires.
    out.push_str(&serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into()));
}

/// The JSON of an `event` message with the audience's `seq`.
pub fn event_json(event: &LogEvent, seq: u64) -> String {
    let mut out = String::with_capacity(event.data.len() + event.kind.len() + 64);
    let _ = write!(
        out,
        r#"{{"type":"event","seq":{seq},"ts":{},"kind":"#,
        event.ts
    );
    push_json_str(&mut out, &event.kind);
    out.push_str(r#","data":"#);
    out.push_str(&event.data);
    out.push('}');
    out
}

/// An `event` frame.
pub fn event(event: &LogEvent, seq: u64) -> Bytes {
    text_frame(event_json(event, seq).as_bytes())
}

/// A `counters` frame: `{"type":"counters","values":{key: value…},"presence":n}`.
pub fn counters(values: &[(&str, &str)], presence: Option<i64>) -> Bytes {
    let mut out = String::with_capacity(
        64 + values
            .iter()
            .map(|(k, v)| k.len() + v.len() + 4)
            .sum::<usize>(),
    );
    out.push_str(r#"{"type":"counters","values":{"#);
    for (i, (key, value)) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(&mut out, key);
        out.push(':');
        out.push_str(value);
    }
    out.push('}');
    if let Some(p) = presence {
        let _ = write!(out, r#","presence":{p}"#);
    }
    out.push('}');
    text_frame(out.as_bytes())
}

/// Any serializable message as a frame (for the per-connection replies).
pub fn message(value: &impl serde::Serialize) -> Bytes {
    let json = serde_json::to_vec(value)
        .unwrap_or_else(|_| br#"{"type":"error","code":"internal"}"#.to_vec());
    text_frame(&json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn event_json_is_valid_json() {
        let e = LogEvent {
            session_id: Arc::from("s"),
            log_seq: 3,
            public_seq: Some(2),
            staff_seq: Some(3),
            ts: 1000,
            kind: Arc::from("note.posted"),
            data: Arc::from(r#"{"id":"n1","body":"a \"quoted\" note"}"#),
        };
        let v: serde_json::Value = serde_json::from_str(&event_json(&e, 2)).unwrap();
        assert_eq!(v["seq"], 2);
        assert_eq!(v["kind"], "note.posted");
        assert_eq!(v["data"]["body"], "a \"quoted\" note");
    }

    #[test]
    fn counters_json_is_valid_json() {
        let frame = counters(
            &[("question:1", "3"), ("reactions", r#"{"👏":2}"#)],
            Some(7),
        );
        let v: serde_json::Value = serde_json::from_slice(&frame[2..]).unwrap();
        assert_eq!(v["values"]["question:1"], 3);
        assert_eq!(v["presence"], 7);
    }
}
