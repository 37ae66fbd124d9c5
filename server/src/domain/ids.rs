//! Identifiers: UUIDv7 strings for resources, short join codes for sessions.

/// A new resource id (UUIDv7: time-ordered, so indexes stay compact).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Whether `text` looks like one of our ids (so junk never reaches a query).
pub fn is_id(text: &str) -> bool {
    uuid::Uuid::try_parse(text).is_ok()
}

/// The alphabet of join codes: no 0/O, 1/I/L, so codes survive being read aloud.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Length of a join code: 31^7 ≈ 27 billion codes.
pub const JOIN_CODE_LEN: usize = 7;

/// A fresh random join code.
pub fn new_join_code() -> String {
    let mut bytes = [0u8; JOIN_CODE_LEN];
    super::tokens::fill_random(&mut bytes);
    bytes
        .iter()
        .map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char)
        .collect()
}

/// Normalise a typed join code (case, spaces, dashes) for lookup.
pub fn normalize_join_code(text: &str) -> Option<String> {
    let code: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == JOIN_CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b)))
        .then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_codes_normalise() {
        let code = new_join_code();
        assert_eq!(
            normalize_join_code(&code.to_lowercase()),
            Some(code.clone())
        );
        assert_eq!(
            normalize_join_code(&format!("{}-{}", &code[..3], &code[3..])),
            Some(code)
        );
        assert_eq!(normalize_join_code("0000000"), None);
        assert_eq!(normalize_join_code("ABC"), None);
    }

    #[test]
    fn ids_are_checked() {
        assert!(is_id(&new_id()));
        assert!(!is_id("'; DROP TABLE events; --"));
    }
}
