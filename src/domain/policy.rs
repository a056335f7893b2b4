//! Password, lockout, session, inactivity and login-ID policy: every key with
//! its default, range and meaning, and the typed `Policy` they form.
//!
//! The key table ([`KEYS`]) is the single description of the policy: the
//! command line, the console's policy form and the error messages all read it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which characters a password may contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Charset {
    Any,
    PrintableAscii,
    Alphanumeric,
}

impl Charset {
    pub fn as_str(self) -> &'static str {
        match self {
            Charset::Any => "any",
            Charset::PrintableAscii => "printable-ascii",
            Charset::Alphanumeric => "alphanumeric",
        }
    }
}

/// A complete policy. Missing keys in stored JSON take their defaults, so
/// adding a key never breaks old rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    pub min_length: u32,
    pub max_length: u32,
    pub charset: Charset,
    pub require_lower: u32,
    pub require_upper: u32,
    pub require_digit: u32,
    pub require_symbol: u32,
    pub history: u32,
    pub reject_common: bool,
    pub reject_login_or_name: bool,
    pub min_strength: u32,
    pub max_age_days: u32,
    pub lockout_threshold: u32,
    pub lockout_minutes: u32,
    pub lockout_growth: u32,
    pub lockout_max_minutes: u32,
    pub idle_timeout_minutes: u32,
    pub reset_link_ttl_minutes: u32,
    pub revalidate_after_days: u32,
    pub delete_after_days: u32,
    /// Days before `delete_after_days` that the owner is warned by mail
    /// (0 = no warning).
    pub deletion_warning_days: u32,
    pub login_min_length: u32,
    pub login_require_digit: bool,
    pub login_forbid_all_digits: bool,
    pub enforce_on_change: bool,
    /// Mail the owner when an administrator sets or resets their password.
    pub notify_password_set: bool,
    /// Mail the owner when their password is changed (by them, or through
    /// a reset link).
    pub notify_password_changed: bool,
    /// Mail the owner when their account locks after failed sign-ins.
    pub notify_locked: bool,
    /// Mail the owner when an administrator issues a reset token for them.
    pub notify_reset_requested: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            min_length: 15,
            max_length: 64,
            charset: Charset::Any,
            require_lower: 0,
            require_upper: 0,
            require_digit: 0,
            require_symbol: 0,
            history: 5,
            reject_common: true,
            reject_login_or_name: true,
            min_strength: 0,
            max_age_days: 0,
            lockout_threshold: 5,
            lockout_minutes: 15,
            lockout_growth: 1,
            lockout_max_minutes: 1440,
            idle_timeout_minutes: 300,
            reset_link_ttl_minutes: 60,
            revalidate_after_days: 90,
            delete_after_days: 365,
            deletion_warning_days: 14,
            login_min_length: 4,
            login_require_digit: false,
            login_forbid_all_digits: true,
            enforce_on_change: false,
            notify_password_set: true,
            notify_password_changed: true,
            notify_locked: true,
            notify_reset_requested: true,
        }
    }
}

/// The groups the console's policy form shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Password,
    Lockout,
    SessionsAndLinks,
    Inactivity,
    LoginIds,
    Notices,
}

impl Group {
    pub fn label(self) -> &'static str {
        match self {
            Group::Password => "Password",
            Group::Lockout => "Lockout",
            Group::SessionsAndLinks => "Sessions and links",
            Group::Inactivity => "Inactivity",
            Group::LoginIds => "Login IDs",
            Group::Notices => "Notices by mail",
        }
    }
}

/// The type and range of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int { min: u32, max: u32 },
    Bool,
    Choice(&'static [&'static str]),
}

/// One policy key: its name, group, allowed values and meaning.
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    pub name: &'static str,
    pub group: Group,
    pub kind: Kind,
    pub help: &'static str,
}

impl KeySpec {
    /// "4..100", "true|false" or "any|printable-ascii|alphanumeric".
    pub fn range_text(&self) -> String {
        match self.kind {
            Kind::Int { min, max } => format!("{min}..{max}"),
            Kind::Bool => "true|false".into(),
            Kind::Choice(c) => c.join("|"),
        }
    }
}

const CHARSETS: &[&str] = &["any", "printable-ascii", "alphanumeric"];

/// Every policy key, in form order.
pub const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "min_length",
        group: Group::Password,
        kind: Kind::Int { min: 1, max: 256 },
        help: "fewest characters (code points) a password may have",
    },
    KeySpec {
        name: "max_length",
        group: Group::Password,
        kind: Kind::Int { min: 8, max: 1024 },
        help: "most characters a password may have",
    },
    KeySpec {
        name: "charset",
        group: Group::Password,
        kind: Kind::Choice(CHARSETS),
        help: "which characters are allowed",
    },
    KeySpec {
        name: "require_lower",
        group: Group::Password,
        kind: Kind::Int { min: 0, max: 16 },
        help: "lower-case letters required",
    },
    KeySpec {
        name: "require_upper",
        group: Group::Password,
        kind: Kind::Int { min: 0, max: 16 },
        help: "upper-case letters required",
    },
    KeySpec {
        name: "require_digit",
        group: Group::Password,
        kind: Kind::Int { min: 0, max: 16 },
        help: "digits required",
    },
    KeySpec {
        name: "require_symbol",
        group: Group::Password,
        kind: Kind::Int { min: 0, max: 16 },
        help: "symbols (anything not a letter or digit) required",
    },
    KeySpec {
        name: "history",
        group: Group::Password,
        kind: Kind::Int { min: 0, max: 24 },
        help: "how many earlier passwords may not be reused",
    },
    KeySpec {
        name: "reject_common",
        group: Group::Password,
        kind: Kind::Bool,
        help: "refuse passwords found in common-password lists",
    },
    KeySpec {
        name: "reject_login_or_name",
        group: Group::Password,
        kind: Kind::Bool,
        help: "refuse passwords containing the login, name or email",
    },
    KeySpec {
        name: "min_strength",
        group: Group::Password,
        kind: Kind::Int { min: 0, max: 4 },
        help: "lowest strength score (0 = the meter only informs)",
    },
    KeySpec {
        name: "max_age_days",
        group: Group::Password,
        kind: Kind::Int { min: 0, max: 3650 },
        help: "days before a password must be changed (0 = never)",
    },
    KeySpec {
        name: "enforce_on_change",
        group: Group::Password,
        kind: Kind::Bool,
        help: "on save, users whose password predates the change must pick a new one",
    },
    KeySpec {
        name: "lockout_threshold",
        group: Group::Lockout,
        kind: Kind::Int { min: 1, max: 100 },
        help: "consecutive failures that lock the account",
    },
    KeySpec {
        name: "lockout_minutes",
        group: Group::Lockout,
        kind: Kind::Int { min: 0, max: 10080 },
        help: "how long a lock lasts (0 = until an admin unlocks)",
    },
    KeySpec {
        name: "lockout_growth",
        group: Group::Lockout,
        kind: Kind::Int { min: 1, max: 2 },
        help: "2 = each further lock within a day lasts twice as long",
    },
    KeySpec {
        name: "lockout_max_minutes",
        group: Group::Lockout,
        kind: Kind::Int {
            min: 1,
            max: 525600,
        },
        help: "longest a growing lock may last",
    },
    KeySpec {
        name: "idle_timeout_minutes",
        group: Group::SessionsAndLinks,
        kind: Kind::Int { min: 1, max: 10080 },
        help: "idle minutes before a session ends or the console locks",
    },
    KeySpec {
        name: "reset_link_ttl_minutes",
        group: Group::SessionsAndLinks,
        kind: Kind::Int { min: 5, max: 10080 },
        help: "minutes a password-reset token stays valid",
    },
    KeySpec {
        name: "revalidate_after_days",
        group: Group::Inactivity,
        kind: Kind::Int { min: 0, max: 3650 },
        help: "days without sign-in before an account needs re-validation (0 = never)",
    },
    KeySpec {
        name: "delete_after_days",
        group: Group::Inactivity,
        kind: Kind::Int { min: 0, max: 3650 },
        help: "days without sign-in before an account is a deletion candidate (0 = never)",
    },
    KeySpec {
        name: "deletion_warning_days",
        group: Group::Inactivity,
        kind: Kind::Int { min: 0, max: 365 },
        help: "days before delete_after_days that the owner is warned by mail (0 = no warning)",
    },
    KeySpec {
        name: "login_min_length",
        group: Group::LoginIds,
        kind: Kind::Int { min: 3, max: 64 },
        help: "fewest characters a new login ID may have",
    },
    KeySpec {
        name: "login_require_digit",
        group: Group::LoginIds,
        kind: Kind::Bool,
        help: "new login IDs must contain a digit",
    },
    KeySpec {
        name: "login_forbid_all_digits",
        group: Group::LoginIds,
        kind: Kind::Bool,
        help: "new login IDs may not be digits only",
    },
    KeySpec {
        name: "notify_password_set",
        group: Group::Notices,
        kind: Kind::Bool,
        help: "mail the owner when an administrator sets or resets their password",
    },
    KeySpec {
        name: "notify_password_changed",
        group: Group::Notices,
        kind: Kind::Bool,
        help: "mail the owner when their password is changed (by them or through a reset link)",
    },
    KeySpec {
        name: "notify_locked",
        group: Group::Notices,
        kind: Kind::Bool,
        help: "mail the owner when their account locks after failed sign-ins",
    },
    KeySpec {
        name: "notify_reset_requested",
        group: Group::Notices,
        kind: Kind::Bool,
        help: "mail the owner when an administrator issues a reset token for them",
    },
];

/// Finds a key's description by name.
pub fn key_spec(name: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|k| k.name == name)
}

/// Why a policy value was refused. The message names the key and the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError(pub String);

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PolicyError {}

impl Policy {
    /// The value of a key as text, for listings and diffs.
    pub fn get(&self, key: &str) -> Option<String> {
        let v = match key {
            "min_length" => self.min_length.to_string(),
            "max_length" => self.max_length.to_string(),
            "charset" => self.charset.as_str().to_string(),
            "require_lower" => self.require_lower.to_string(),
            "require_upper" => self.require_upper.to_string(),
            "require_digit" => self.require_digit.to_string(),
            "require_symbol" => self.require_symbol.to_string(),
            "history" => self.history.to_string(),
            "reject_common" => self.reject_common.to_string(),
            "reject_login_or_name" => self.reject_login_or_name.to_string(),
            "min_strength" => self.min_strength.to_string(),
            "max_age_days" => self.max_age_days.to_string(),
            "enforce_on_change" => self.enforce_on_change.to_string(),
            "lockout_threshold" => self.lockout_threshold.to_string(),
            "lockout_minutes" => self.lockout_minutes.to_string(),
            "lockout_growth" => self.lockout_growth.to_string(),
            "lockout_max_minutes" => self.lockout_max_minutes.to_string(),
            "idle_timeout_minutes" => self.idle_timeout_minutes.to_string(),
            "reset_link_ttl_minutes" => self.reset_link_ttl_minutes.to_string(),
            "revalidate_after_days" => self.revalidate_after_days.to_string(),
            "delete_after_days" => self.delete_after_days.to_string(),
            "deletion_warning_days" => self.deletion_warning_days.to_string(),
            "login_min_length" => self.login_min_length.to_string(),
            "login_require_digit" => self.login_require_digit.to_string(),
            "login_forbid_all_digits" => self.login_forbid_all_digits.to_string(),
            "notify_password_set" => self.notify_password_set.to_string(),
            "notify_password_changed" => self.notify_password_changed.to_string(),
            "notify_locked" => self.notify_locked.to_string(),
            "notify_reset_requested" => self.notify_reset_requested.to_string(),
            _ => return None,
        };
        Some(v)
    }

    /// Sets one key from text, refusing unknown keys and out-of-range values
    /// with a message that names the key and what is allowed.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), PolicyError> {
        let spec = key_spec(key).ok_or_else(|| {
            PolicyError(format!(
                "unknown policy key {key:?}; known keys: {}",
                KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
            ))
        })?;
        let value = value.trim();
        let out_of_range = || {
            PolicyError(format!(
                "{key} must be {} (got {value:?})",
                match spec.kind {
                    Kind::Int { min, max } => format!("a whole number from {min} to {max}"),
                    Kind::Bool => "true or false".into(),
                    Kind::Choice(c) => format!("one of {}", c.join(", ")),
                }
            ))
        };
        match spec.kind {
            Kind::Int { min, max } => {
                let n: u32 = value.parse().map_err(|_| out_of_range())?;
                if n < min || n > max {
                    return Err(out_of_range());
                }
                let slot = match key {
                    "min_length" => &mut self.min_length,
                    "max_length" => &mut self.max_length,
                    "require_lower" => &mut self.require_lower,
                    "require_upper" => &mut self.require_upper,
                    "require_digit" => &mut self.require_digit,
                    "require_symbol" => &mut self.require_symbol,
                    "history" => &mut self.history,
                    "min_strength" => &mut self.min_strength,
                    "max_age_days" => &mut self.max_age_days,
                    "lockout_threshold" => &mut self.lockout_threshold,
                    "lockout_minutes" => &mut self.lockout_minutes,
                    "lockout_growth" => &mut self.lockout_growth,
                    "lockout_max_minutes" => &mut self.lockout_max_minutes,
                    "idle_timeout_minutes" => &mut self.idle_timeout_minutes,
                    "reset_link_ttl_minutes" => &mut self.reset_link_ttl_minutes,
                    "revalidate_after_days" => &mut self.revalidate_after_days,
                    "delete_after_days" => &mut self.delete_after_days,
                    "deletion_warning_days" => &mut self.deletion_warning_days,
                    "login_min_length" => &mut self.login_min_length,
                    _ => return Err(out_of_range()),
                };
                *slot = n;
            }
            Kind::Bool => {
                let b = match value.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "on" | "1" => true,
                    "false" | "no" | "off" | "0" => false,
                    _ => return Err(out_of_range()),
                };
                let slot = match key {
                    "reject_common" => &mut self.reject_common,
                    "reject_login_or_name" => &mut self.reject_login_or_name,
                    "enforce_on_change" => &mut self.enforce_on_change,
                    "login_require_digit" => &mut self.login_require_digit,
                    "login_forbid_all_digits" => &mut self.login_forbid_all_digits,
                    "notify_password_set" => &mut self.notify_password_set,
                    "notify_password_changed" => &mut self.notify_password_changed,
                    "notify_locked" => &mut self.notify_locked,
                    "notify_reset_requested" => &mut self.notify_reset_requested,
                    _ => return Err(out_of_range()),
                };
                *slot = b;
            }
            Kind::Choice(_) => {
                self.charset = match value.to_ascii_lowercase().as_str() {
                    "any" => Charset::Any,
                    "printable-ascii" | "printable_ascii" => Charset::PrintableAscii,
                    "alphanumeric" => Charset::Alphanumeric,
                    _ => return Err(out_of_range()),
                };
            }
        }
        Ok(())
    }

    /// Rules that tie keys together; checked after all keys of a change are set.
    pub fn validate(&self) -> Result<(), PolicyError> {
        for spec in KEYS {
            if let (Kind::Int { min, max }, Some(v)) = (spec.kind, self.get(spec.name)) {
                let n: u32 = v.parse().unwrap_or(0);
                if n < min || n > max {
                    return Err(PolicyError(format!(
                        "{} must be from {min} to {max} (is {n})",
                        spec.name
                    )));
                }
            }
        }
        if self.min_length > self.max_length {
            return Err(PolicyError(format!(
                "min_length ({}) may not exceed max_length ({})",
                self.min_length, self.max_length
            )));
        }
        let required =
            self.require_lower + self.require_upper + self.require_digit + self.require_symbol;
        if required > self.max_length {
            return Err(PolicyError(format!(
                "the require_* keys ask for {required} characters, more than max_length ({})",
                self.max_length
            )));
        }
        if self.charset == Charset::Alphanumeric && self.require_symbol > 0 {
            return Err(PolicyError(
                "require_symbol must be 0 when charset is alphanumeric".into(),
            ));
        }
        if self.lockout_minutes > 0 && self.lockout_max_minutes < self.lockout_minutes {
            return Err(PolicyError(format!(
                "lockout_max_minutes ({}) may not be less than lockout_minutes ({})",
                self.lockout_max_minutes, self.lockout_minutes
            )));
        }
        if self.delete_after_days > 0
            && self.revalidate_after_days > 0
            && self.delete_after_days < self.revalidate_after_days
        {
            return Err(PolicyError(format!(
                "delete_after_days ({}) may not be less than revalidate_after_days ({})",
                self.delete_after_days, self.revalidate_after_days
            )));
        }
        Ok(())
    }

    /// Applies `key=value` pairs and validates the result; on error nothing
    /// is changed.
    pub fn with_changes(&self, pairs: &[(String, String)]) -> Result<Policy, PolicyError> {
        // A key given twice is a typo or a script's mistake: which value was
        // meant is not for keyward to guess.
        for (i, (k, v)) in pairs.iter().enumerate() {
            if let Some((_, first)) = pairs[..i].iter().find(|(earlier, _)| earlier == k) {
                return Err(PolicyError(format!(
                    "{k} is given twice ({first} and {v}); give each key once"
                )));
            }
        }
        let mut next = self.clone();
        for (k, v) in pairs {
            next.set(k, v)?;
        }
        next.validate()?;
        Ok(next)
    }

    /// Keys whose values differ, as (key, old, new).
    pub fn diff(&self, other: &Policy) -> Vec<(&'static str, String, String)> {
        KEYS.iter()
            .filter_map(|k| {
                let a = self.get(k.name)?;
                let b = other.get(k.name)?;
                (a != b).then_some((k.name, a, b))
            })
            .collect()
    }

    /// How long the n-th lock in a row lasts, in minutes; `None` = until an
    /// admin unlocks. `streak` starts at 1.
    pub fn lock_minutes(&self, streak: u32) -> Option<u32> {
        if self.lockout_minutes == 0 {
            return None;
        }
        let factor = if self.lockout_growth >= 2 {
            2u64.saturating_pow(streak.saturating_sub(1).min(30))
        } else {
            1
        };
        let minutes = (self.lockout_minutes as u64).saturating_mul(factor);
        Some(minutes.min(self.lockout_max_minutes.max(self.lockout_minutes) as u64) as u32)
    }
}

/// Parses `KEY=VALUE` arguments.
pub fn parse_pairs(args: &[String]) -> Result<Vec<(String, String)>, PolicyError> {
    args.iter()
        .map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| PolicyError(format!("expected KEY=VALUE, got {a:?}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_given_twice_is_refused() {
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let p = Policy::default();
        let PolicyError(m) = p
            .with_changes(&pairs(&[
                ("min_length", "16"),
                ("history", "3"),
                ("min_length", "17"),
            ]))
            .unwrap_err();
        assert_eq!(
            m,
            "min_length is given twice (16 and 17); give each key once"
        );
        let same = p.with_changes(&pairs(&[("min_length", "16"), ("min_length", "16")]));
        assert!(same.is_err(), "even with the same value");
        assert!(
            p.with_changes(&pairs(&[("min_length", "16"), ("history", "3")]))
                .is_ok()
        );
    }

    #[test]
    fn defaults_are_valid_and_match_the_table() {
        let p = Policy::default();
        p.validate().unwrap();
        for k in KEYS {
            assert!(p.get(k.name).is_some(), "{} has no getter", k.name);
        }
        assert_eq!(p.min_length, 15);
        assert_eq!(p.lockout_threshold, 5);
    }

    #[test]
    fn every_key_can_be_set_to_its_bounds() {
        for k in KEYS {
            let mut p = Policy::default();
            match k.kind {
                Kind::Int { min, max } => {
                    p.set(k.name, &min.to_string()).unwrap();
                    p.set(k.name, &max.to_string()).unwrap();
                    let err = p.set(k.name, &(max + 1).to_string()).unwrap_err();
                    assert!(
                        err.0.contains(k.name) && err.0.contains(&max.to_string()),
                        "{err}"
                    );
                }
                Kind::Bool => {
                    p.set(k.name, "true").unwrap();
                    assert!(p.set(k.name, "maybe").is_err());
                }
                Kind::Choice(c) => {
                    for v in c {
                        p.set(k.name, v).unwrap();
                    }
                    assert!(p.set(k.name, "emoji").is_err());
                }
            }
        }
    }

    #[test]
    fn unknown_key_named() {
        let err = Policy::default().set("min_lenght", "8").unwrap_err();
        assert!(err.0.contains("min_lenght") && err.0.contains("min_length"));
    }

    #[test]
    fn cross_key_rules() {
        let p = Policy::default();
        assert!(
            p.with_changes(&[("min_length".into(), "100".into())])
                .unwrap_err()
                .0
                .contains("max_length")
        );
        let ok = p
            .with_changes(&[
                ("min_length".into(), "8".into()),
                ("history".into(), "0".into()),
            ])
            .unwrap();
        assert_eq!(p.diff(&ok).len(), 2);
    }

    #[test]
    fn lock_growth() {
        let mut p = Policy::default();
        assert_eq!(p.lock_minutes(3), Some(15));
        p.lockout_growth = 2;
        assert_eq!(p.lock_minutes(1), Some(15));
        assert_eq!(p.lock_minutes(3), Some(60));
        assert_eq!(p.lock_minutes(40), Some(1440));
        p.lockout_minutes = 0;
        assert_eq!(p.lock_minutes(1), None);
    }

    #[test]
    fn old_json_gets_defaults() {
        let p: Policy = serde_json::from_str(r#"{"min_length": 8}"#).unwrap();
        assert_eq!(p.min_length, 8);
        assert_eq!(p.history, 5);
    }
}
