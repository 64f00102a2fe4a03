//! The key format and its hash.
//!
//! A key is `cgk_<id>_<secret>`: `id` is 12 hex characters (public, the lookup index) and
//! `secret` 64 hex characters (256 random bits). Only `SHA-256("clawgate-key\0" ‖ id ‖ "\0" ‖
//! secret)` is stored. A plain hash is enough here: a password KDF exists to slow down guessing
//! low-entropy secrets, and 256 random bits cannot be guessed at any speed, while a KDF would
//! add milliseconds to every request (the budget is < 10 µs). No per-gateway pepper is
//! needed for the same reason, so a copied database alone cannot be turned into keys and there
//! is no extra secret file to protect. Comparison is in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The prefix every key starts with.
pub const PREFIX: &str = "cgk_";

/// A freshly made key: its id, the full token (shown once) and the hash to store.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// Public id.
    pub id: String,
    /// The whole key, `cgk_<id>_<secret>`.
    pub token: String,
    /// The stored hash (hex).
    pub hash: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn random_hex(n: usize) -> std::io::Result<String> {
    let mut buf = vec![0u8; n];
    getrandom::getrandom(&mut buf).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(hex(&buf))
}

/// The stored hash of `id`'s `secret`.
pub fn hash(id: &str, secret: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"clawgate-key\0");
    h.update(id.as_bytes());
    h.update([0]);
    h.update(secret.as_bytes());
    h.finalize().into()
}

/// A new key with a fresh id.
pub fn generate() -> std::io::Result<NewKey> {
    let id = random_hex(6)?;
    with_id(id)
}

/// A new secret for an existing id (rotation keeps the id).
pub fn with_id(id: String) -> std::io::Result<NewKey> {
    let secret = random_hex(32)?;
    let token = format!("{PREFIX}{id}_{secret}");
    let hash = hex(&hash(&id, &secret));
    Ok(NewKey { id, token, hash })
}

/// Splits a presented key into id and secret (`None` when it is not shaped like a key).
pub fn parse(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let ok = id.len() == 12
        && secret.len() == 64
        && id
            .bytes()
            .chain(secret.bytes())
            .all(|b| b.is_ascii_hexdigit());
    ok.then_some((id, secret))
}

/// Whether `secret` matches the stored hex hash, in constant time.
pub fn matches(id: &str, secret: &str, stored_hex: &str) -> bool {
    let computed = hex(&hash(id, secret));
    computed.as_bytes().ct_eq(stored_hex.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_parses_and_matches_only_its_hash() {
        let k = generate().unwrap();
        let (id, secret) = parse(&k.token).unwrap();
        assert_eq!(id, k.id);
        assert!(matches(id, secret, &k.hash));
        let other = with_id(k.id.clone()).unwrap();
        assert!(!matches(id, secret, &other.hash));
        assert!(parse("cgk_short_x").is_none());
        assert!(parse("not-a-key").is_none());
    }
}
