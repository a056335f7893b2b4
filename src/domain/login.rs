//! Login IDs: the shape every account name must have, before any policy.
//!
//! A login is stored as typed and compared in lower case. The policy may add
//! rules on top (minimum length, digits); see [`crate::domain::policy`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// Hard limits, whatever the policy says.
pub const LOGIN_MIN: usize = 3;
pub const LOGIN_MAX: usize = 64;

/// A login ID that passed the basic shape check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LoginId(String);

impl LoginId {
    /// Check the basic shape: no surrounding spaces, 3 to 64 characters of
    /// ASCII letters, digits and `. _ - @`.
    pub fn parse(input: &str) -> Result<LoginId, String> {
        if input.is_empty() {
            return Err("the login ID is empty".into());
        }
        if input.trim() != input {
            return Err("the login ID has leading or trailing spaces".into());
        }
        // The characters first: a login both short and with a character
        // that is not allowed is told of the character, and then, once it
        // is fixed, of a length that was already known.
        if let Some(bad) = input.chars().find(|c| !allowed(*c)) {
            return Err(format!(
                "the login ID may only contain letters, digits and . _ - @ (found {})",
                describe_char(bad)
            ));
        }
        let len = input.chars().count();
        if len < LOGIN_MIN {
            return Err(format!(
                "the login ID needs at least {LOGIN_MIN} characters"
            ));
        }
        if len > LOGIN_MAX {
            return Err(format!(
                "the login ID may have at most {LOGIN_MAX} characters"
            ));
        }
        Ok(LoginId(input.to_string()))
    }

    /// As typed.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lower-case form used for uniqueness and look-ups.
    pub fn lower(&self) -> String {
        self.0.to_ascii_lowercase()
    }
}

/// A character a login ID may hold.
pub fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')
}

impl fmt::Display for LoginId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The lower-case look-up key for any typed login, valid or not (used by
/// sign-in, which must not reveal which shapes exist).
pub fn lookup_key(input: &str) -> String {
    input.to_ascii_lowercase()
}

/// Names a character safely for an error message: control characters and
/// spaces are spelled out instead of printed.
pub fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        c if c.is_control() => format!("control character U+{:04X}", c as u32),
        '\'' | '"' | '`' => format!("a quote ({c})"),
        c => format!("{c:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_usual_shapes() {
        for ok in ["abc", "j.smith", "anna_b-2@example.org", &"a".repeat(64)] {
            assert!(LoginId::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_bad_shapes_with_reasons() {
        let cases = [
            ("", "empty"),
            (" abc", "spaces"),
            ("abc ", "spaces"),
            ("ab", "at least 3"),
            (&"a".repeat(65), "at most 64"),
            ("o'brien", "quote"),
            ("a b c", "a space"),
            ("ab\u{7}c", "control character"),
            ("émile", "letters, digits"),
            ("x'; DROP TABLE users;--", "quote"),
        ];
        for (input, expected) in cases {
            let err = LoginId::parse(input).unwrap_err();
            assert!(err.contains(expected), "{input:?}: {err}");
        }
    }

    #[test]
    fn lower_form() {
        assert_eq!(LoginId::parse("JSmith").unwrap().lower(), "jsmith");
    }
}
