//! The audit chain's hash: SHA-256 over a canonical encoding of an entry and
//! the hash of the entry before it.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash the first entry points back to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Everything an entry's hash covers, in a fixed order.
#[derive(Serialize)]
struct Canonical<'a> {
    seq: i64,
    at: String,
    actor: &'a str,
    action: &'a str,
    target: &'a str,
    details: &'a str,
    prev_hash: &'a str,
}

/// The hex SHA-256 of an entry. `details` is the stored JSON text, hashed as stored.
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    target: &str,
    details: &str,
) -> String {
    let canonical = Canonical {
        seq,
        at: at.to_rfc3339_opts(SecondsFormat::Micros, true),
        actor,
        action,
        target,
        details,
        prev_hash,
    };
    // Serialising a struct of strings and an integer cannot fail.
    let bytes = serde_json::to_vec(&canonical).unwrap_or_default();
    hex::encode(Sha256::digest(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_field_changes_the_hash() {
        let at = Utc::now();
        let base = entry_hash(GENESIS, 1, at, "root", "user.create", "anna", "{}");
        assert_eq!(base.len(), 64);
        assert_ne!(
            base,
            entry_hash(GENESIS, 2, at, "root", "user.create", "anna", "{}")
        );
        assert_ne!(
            base,
            entry_hash(GENESIS, 1, at, "root", "user.create", "anna", "{\"a\":1}")
        );
        assert_ne!(
            base,
            entry_hash(&base, 1, at, "root", "user.create", "anna", "{}")
        );
        assert_eq!(
            base,
            entry_hash(GENESIS, 1, at, "root", "user.create", "anna", "{}")
        );
    }
}
