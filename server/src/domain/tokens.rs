//! Bearer tokens: 256 random bits, shown once, stored only as SHA-256.

use base64::Engine;
use sha2::{Digest, Sha256};

/// Fill `buf` from the operating system's CSPRNG.
pub fn fill_random(buf: &mut [u8]) {
    // The OS RNG failing is unrecoverable and not client-influenced.
    getrandom::fill(buf).expect("the operating system's random number generator failed");
}

/// A new token: a role prefix (so leaked tokens are recognisable) and 32 random bytes.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    fill_random(&mut bytes);
    format!(
        "bc{prefix}_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let a = new_token("a");
        let b = new_token("a");
        assert_ne!(a, b);
        assert!(a.len() >= 4 + 43, "{a}");
        let h = hash_token(&a);
        assert_eq!(h.len(), 64);
        assert!(!h.contains(&a));
        assert_eq!(h, hash_token(&a));
    }
}
