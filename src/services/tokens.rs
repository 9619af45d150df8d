//! Private-link tokens: 256 random bits, shown once (in an email or a redirect), stored only as
//! a SHA-256 hash.

use rand::RngCore;

/// A fresh token for a private link (64 hex characters).
pub fn new_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// What the database keeps of a token.
pub fn hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether a string could be a token at all (saves a query on garbage).
pub fn plausible(token: &str) -> bool {
    token.len() == 64 && token.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(plausible(&a) && !plausible("abc"));
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), a);
        assert_eq!(hash(&a), hash(&a));
    }
}

/// A private link that must stay the same in every email (the participant's manage link, the
/// check-in code): derived with HMAC-SHA256 from the server secret and the registration's
/// identity, so it can be re-created for each email while the database keeps only its hash.
/// Without the secret key, nothing in the database reveals it.
pub fn derived(secret: &[u8], purpose: &str, id: i64, salt: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(id.to_string().as_bytes());
    mac.update(b"\0");
    mac.update(salt.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod derived_tests {
    use super::*;

    #[test]
    fn derived_tokens_depend_on_every_input() {
        let k = [7u8; 64];
        let a = derived(&k, "manage", 1, "2027-01-01 10:00:00");
        assert!(plausible(&a));
        assert_eq!(a, derived(&k, "manage", 1, "2027-01-01 10:00:00"));
        assert_ne!(a, derived(&k, "checkin", 1, "2027-01-01 10:00:00"));
        assert_ne!(a, derived(&k, "manage", 2, "2027-01-01 10:00:00"));
        assert_ne!(a, derived(&[8u8; 64], "manage", 1, "2027-01-01 10:00:00"));
    }
}
