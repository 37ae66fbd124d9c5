//! Wall-clock helpers. The store keeps Unix milliseconds; the API speaks RFC 3339.

use std::time::{SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    // Seconds and milliseconds apart: no 128-bit division on a path every
    // received frame takes. A clock before 1970 reads as 0.
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_secs())
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000)
        .saturating_add(i64::from(since_epoch.subsec_millis()))
}

/// Format Unix milliseconds as RFC 3339 (UTC).
pub fn to_rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// Parse RFC 3339 into Unix milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Serde helpers for optional RFC 3339 timestamps stored as milliseconds.
pub mod opt_rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Write `Some(ms)` as an RFC 3339 string and `None` as null.
    pub fn serialize<S: Serializer>(value: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(ms) => s.serialize_str(&super::to_rfc3339(*ms)),
            None => s.serialize_none(),
        }
    }

    /// Read an RFC 3339 string (or null) into milliseconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let text: Option<String> = Option::deserialize(d)?;
        match text {
            None => Ok(None),
            Some(t) => super::parse_rfc3339(&t).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{}` is not an RFC 3339 timestamp (e.g. 2026-05-04T09:30:00Z)",
                    t.chars().take(40).collect::<String>()
                ))
            }),
        }
    }
}

/// Serde helper for required RFC 3339 timestamps stored as milliseconds.
pub mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Read an RFC 3339 string into milliseconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_rfc3339(&text)
            .ok_or_else(|| serde::de::Error::custom("expected an RFC 3339 timestamp"))
    }

    /// Write milliseconds as an RFC 3339 string.
    pub fn serialize<S: Serializer>(value: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::to_rfc3339(*value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let ms = parse_rfc3339("2026-05-04T09:30:00Z").unwrap();
        assert_eq!(to_rfc3339(ms), "2026-05-04T09:30:00Z");
        assert!(parse_rfc3339("yesterday").is_none());
    }

    #[test]
    fn now_is_the_wall_clock_in_milliseconds() {
        let millis =
            |t: OffsetDateTime| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap();
        let before = millis(OffsetDateTime::now_utc());
        let now = now_ms();
        let after = millis(OffsetDateTime::now_utc());
        assert!(
            before <= now && now <= after,
            "{before} <= {now} <= {after}"
        );
    }
}
