//! Random tokens (32 bytes from the OS CSPRNG, shown once, stored as a
//! SHA-256 digest) and generated temporary passwords.

use rand::Rng;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A secret to show once (temporary password, token). `Debug` never prints
/// it; the memory is wiped on drop.
pub struct Shown(pub Zeroizing<String>);

impl std::fmt::Debug for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shown(***)")
    }
}

impl std::ops::Deref for Shown {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// 32 random bytes as 64 hex characters.
pub fn random_token() -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    OsRng.fill(&mut bytes[..]);
    Zeroizing::new(hex::encode(&bytes[..]))
}

/// The stored form of a token: hex SHA-256.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// Constant-time comparison of two digests.
pub fn digests_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Characters of generated passwords: no look-alikes (0/O, 1/l/I).
const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGITS: &[u8] = b"23456789";
const SYMBOLS: &[u8] = b"!#%+-=?@^_~";

/// A random password of `len` characters with at least one of each class
/// allowed (symbols only when `symbols`).
pub fn random_password(len: usize, symbols: bool) -> Zeroizing<String> {
    let mut classes: Vec<&[u8]> = vec![LOWER, UPPER, DIGITS];
    if symbols {
        classes.push(SYMBOLS);
    }
    let all: Vec<u8> = classes.iter().flat_map(|c| c.iter().copied()).collect();
    let mut rng = OsRng;
    let mut out: Zeroizing<Vec<u8>> = Zeroizing::new(Vec::with_capacity(len));
    for class in &classes {
        out.push(class[rng.gen_range(0..class.len())]);
    }
    while out.len() < len {
        out.push(all[rng.gen_range(0..all.len())]);
    }
    // Fisher-Yates so the guaranteed characters are not always first.
    for i in (1..out.len()).rev() {
        let j = rng.gen_range(0..=i);
        out.swap(i, j);
    }
    Zeroizing::new(String::from_utf8_lossy(&out[..len.min(out.len())]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_digested() {
        let a = random_token();
        let b = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(*a, *b);
        let d = token_digest(&a);
        assert_eq!(d.len(), 64);
        assert!(digests_match(&d, &token_digest(&format!("{}\n", *a))));
        assert!(!digests_match(&d, &token_digest(&b)));
    }

    #[test]
    fn generated_passwords() {
        let p = random_password(20, true);
        assert_eq!(p.chars().count(), 20);
        assert!(p.chars().any(|c| c.is_ascii_digit()));
        assert!(p.chars().any(|c| c.is_ascii_uppercase()));
        let q = random_password(20, false);
        assert!(q.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
