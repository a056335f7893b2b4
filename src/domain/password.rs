//! The password type: normalised to NFC on entry, held in zeroizing memory,
//! never printed.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroize;

/// A password as the domain sees it: NFC-normalised, not trimmed, not folded.
/// `Debug` prints a placeholder; the bytes are wiped on drop.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// Takes ownership of the typed text, normalises it to NFC and wipes the
    /// original buffer.
    pub fn new(mut raw: String) -> Password {
        // Sized exactly before it is filled: a String that grew would leave
        // the bytes of each outgrown buffer behind, unwiped, and one with
        // room to spare would be copied once more when the secret boxes it.
        let len: usize = raw.nfc().map(char::len_utf8).sum();
        let mut normalised = String::with_capacity(len);
        normalised.extend(raw.nfc());
        raw.zeroize();
        Password(SecretString::from(normalised))
    }

    /// Reads the secret. Keep the borrow short and never store or log it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Length in Unicode code points (after NFC).
    pub fn len_chars(&self) -> usize {
        self.expose().chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl From<&str> for Password {
    fn from(s: &str) -> Self {
        Password::new(s.to_string())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// From a JSON string (the HTTP API's bodies): normalised like typed text,
/// and the decoded string is wiped.
impl<'de> serde::Deserialize<'de> for Password {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Password::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_nfc_and_counts_code_points() {
        // "e" + combining acute (2 code points) becomes "é" (1 code point).
        let p = Password::new("caf\u{65}\u{301}".to_string());
        assert_eq!(p.expose(), "caf\u{e9}");
        assert_eq!(p.len_chars(), 4);
    }

    #[test]
    fn keeps_spaces_and_case() {
        let p = Password::new("  Hello World  ".to_string());
        assert_eq!(p.expose(), "  Hello World  ");
    }

    #[test]
    fn deserialises_from_a_json_string_normalised() {
        let p: Password = serde_json::from_str("\"caf\\u0065\\u0301\"").unwrap();
        assert_eq!(p.expose(), "caf\u{e9}");
    }

    #[test]
    fn debug_hides_secret() {
        let p = Password::from("hunter2hunter2");
        assert!(!format!("{p:?}").contains("hunter"));
    }
}
