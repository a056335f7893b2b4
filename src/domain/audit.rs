//! The audit chain's MACs: each entry's MAC covers a canonical encoding of
//! the entry and the MAC of the entry before it.
//!
//! Since the chain was keyed, a MAC is HMAC-SHA-256 under a key that lives
//! outside the database (a key file, mode 0600, or KEYWARD_AUDIT_KEY):
//! someone who can write the database but not read the key cannot add,
//! change or remove an entry without breaking the chain, except by cutting
//! its newest entries off, which a checkpoint kept outside the database
//! (the head's sequence and MAC, signed with the key) shows. Entries written
//! before the chain was keyed keep their plain SHA-256 hashes; the first
//! keyed entry (action [`KEYED_ACTION`]) points at the last of them, so
//! rewriting them breaks the keyed entry after them.

use chrono::{DateTime, SecondsFormat, Utc};
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The hash the first entry points back to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The action of the entry that keys the chain: it and every entry after
/// it carry an HMAC.
pub const KEYED_ACTION: &str = "audit.keyed";

/// Everything an entry's MAC covers, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Canonical {
    pub seq: i64,
    /// RFC 3339 with microseconds, UTC ("2026-03-01T09:00:00.000000Z").
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    /// The stored JSON text, covered as stored.
    pub details: String,
    pub prev_hash: String,
}

impl Canonical {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        prev_hash: &str,
        seq: i64,
        at: DateTime<Utc>,
        actor: &str,
        action: &str,
        target: &str,
        details: &str,
    ) -> Canonical {
        Canonical {
            seq,
            at: at.to_rfc3339_opts(SecondsFormat::Micros, true),
            actor: actor.into(),
            action: action.into(),
            target: target.into(),
            details: details.into(),
            prev_hash: prev_hash.into(),
        }
    }

    /// The bytes a MAC covers: JSON with the fields in the order above
    /// (every string escaped, so no two entries encode alike).
    pub fn encode(&self) -> Vec<u8> {
        // Serialising a struct of strings and an integer cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn decode(bytes: &[u8]) -> Option<Canonical> {
        serde_json::from_slice(bytes).ok()
    }
}

/// The key of the audit chain's HMACs: 32 random bytes, kept outside the
/// database. `Debug` shows only its fingerprint.
#[derive(Clone)]
pub struct AuditKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.fingerprint())
    }
}

impl AuditKey {
    /// A fresh random key (CSPRNG).
    pub fn generate() -> AuditKey {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes[..]);
        AuditKey(bytes)
    }

    /// From 64 hexadecimal digits (surrounding white space ignored).
    pub fn from_hex(text: &str) -> Result<AuditKey, String> {
        let text = text.trim();
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text, &mut bytes[..])
            .map_err(|_| "an audit key is 64 hexadecimal digits (32 bytes)".to_string())?;
        Ok(AuditKey(bytes))
    }

    /// The 64 hexadecimal digits, for the key file.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(&self.0[..]))
    }

    /// A short public name for the key (the start of the SHA-256 of a
    /// MAC made with it), to tell keys apart in messages without showing one.
    pub fn fingerprint(&self) -> String {
        hex::encode(&Sha256::digest(self.mac(b"keyward audit key fingerprint"))[..6])
    }

    fn mac(&self, bytes: &[u8]) -> [u8; 32] {
        // HMAC pads a key shorter than the hash's block (64 bytes) with
        // zeros; given as a whole block, the key cannot be refused.
        let mut block = Zeroizing::new([0u8; 64]);
        block[..32].copy_from_slice(&self.0[..]);
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&(*block).into());
        mac.update(bytes);
        mac.finalize().into_bytes().into()
    }
}

/// The hex SHA-256 of an entry: the chain before it was keyed.
pub fn entry_hash(entry: &Canonical) -> String {
    hex::encode(Sha256::digest(entry.encode()))
}

/// The hex HMAC-SHA-256 of an entry: the keyed chain.
pub fn entry_mac(key: &AuditKey, entry: &Canonical) -> String {
    hex::encode(key.mac(&entry.encode()))
}

/// Whether `mac` is the MAC of `entry` under `key`, compared in constant time.
pub fn mac_matches(key: &AuditKey, entry: &Canonical, mac: &str) -> bool {
    use subtle::ConstantTimeEq;
    entry_mac(key, entry)
        .as_bytes()
        .ct_eq(mac.as_bytes())
        .into()
}

/// A signed head of the chain, kept outside the database: the chain must
/// still hold entry `seq` with MAC `mac`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub mac: String,
    pub at: DateTime<Utc>,
}

const CHECKPOINT_TAG: &str = "keyward-audit-checkpoint";

impl Checkpoint {
    fn signed_text(&self) -> String {
        format!(
            "{CHECKPOINT_TAG} v1 seq={} mac={} at={}",
            self.seq,
            self.mac,
            self.at.to_rfc3339_opts(SecondsFormat::Secs, true)
        )
    }

    /// One line: the checkpoint and its signature (an HMAC with the key).
    pub fn line(&self, key: &AuditKey) -> String {
        let text = self.signed_text();
        let sig = hex::encode(key.mac(text.as_bytes()));
        format!("{text} sig={sig}")
    }

    /// Reads a line written by [`Checkpoint::line`] and checks its
    /// signature; says what is wrong otherwise.
    pub fn parse(line: &str, key: &AuditKey) -> Result<Checkpoint, String> {
        let line = line.trim();
        let (text, sig) = line
            .rsplit_once(" sig=")
            .ok_or("not a keyward audit checkpoint")?;
        let mut fields = text.split(' ');
        if fields.next() != Some(CHECKPOINT_TAG) || fields.next() != Some("v1") {
            return Err("not a keyward audit checkpoint".into());
        }
        let mut get = |name: &str| {
            fields
                .next()
                .and_then(|f| f.strip_prefix(name))
                .and_then(|f| f.strip_prefix('='))
                .map(str::to_string)
                .ok_or_else(|| format!("the checkpoint has no {name}"))
        };
        let seq = get("seq")?
            .parse()
            .map_err(|_| "the checkpoint's seq is not a number")?;
        let mac = get("mac")?;
        let at = DateTime::parse_from_rfc3339(&get("at")?)
            .map_err(|_| "the checkpoint's time is not valid")?
            .with_timezone(&Utc);
        let cp = Checkpoint { seq, mac, at };
        let expected = hex::encode(key.mac(cp.signed_text().as_bytes()));
        use subtle::ConstantTimeEq;
        if cp.signed_text() != text || !bool::from(expected.as_bytes().ct_eq(sig.as_bytes())) {
            return Err(
                "the checkpoint's signature is wrong: it was changed, or made with another key"
                    .into(),
            );
        }
        Ok(cp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, details: &str, prev: &str) -> Canonical {
        let at = DateTime::from_timestamp(1_772_355_600, 123_456_000).unwrap_or_default();
        Canonical::new(prev, seq, at, "root", "user.create", "anna", details)
    }

    #[test]
    fn any_field_changes_the_hash_and_the_mac() {
        let key = AuditKey::generate();
        let base = entry(1, "{}", GENESIS);
        for other in [
            entry(2, "{}", GENESIS),
            entry(1, "{\"a\":1}", GENESIS),
            entry(1, "{}", &entry_hash(&base)),
        ] {
            assert_ne!(entry_hash(&base), entry_hash(&other));
            assert_ne!(entry_mac(&key, &base), entry_mac(&key, &other));
        }
        assert_eq!(entry_hash(&base).len(), 64);
        assert!(mac_matches(&key, &base, &entry_mac(&key, &base)));
        assert!(!mac_matches(
            &AuditKey::generate(),
            &base,
            &entry_mac(&key, &base)
        ));
        assert_ne!(entry_mac(&key, &base), entry_hash(&base));
    }

    #[test]
    fn keys_round_trip_and_hide() {
        let key = AuditKey::generate();
        let again = AuditKey::from_hex(&format!(" {}\n", key.to_hex().as_str())).unwrap();
        assert_eq!(again.fingerprint(), key.fingerprint());
        assert!(!format!("{key:?}").contains(key.to_hex().as_str()));
        assert!(AuditKey::from_hex("abcd").is_err());
        assert!(AuditKey::from_hex(&"g".repeat(64)).is_err());
    }

    #[test]
    fn checkpoints_are_signed() {
        let key = AuditKey::generate();
        let cp = Checkpoint {
            seq: 42,
            mac: "ab".repeat(32),
            at: DateTime::from_timestamp(1_772_355_600, 0).unwrap_or_default(),
        };
        let line = cp.line(&key);
        assert_eq!(Checkpoint::parse(&line, &key), Ok(cp));
        assert!(Checkpoint::parse(&line, &AuditKey::generate()).is_err());
        assert!(Checkpoint::parse(&line.replace("seq=42", "seq=41"), &key).is_err());
        assert!(Checkpoint::parse("hello", &key).is_err());
    }
}
