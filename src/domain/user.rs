//! Rules about a user record that do not need the database: field checks
//! for names and emails, the policy's login-ID rules, and the status badges
//! derived from a row and the current time.

use super::login::{LOGIN_MIN, LoginId, describe_char};
use super::policy::Policy;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

pub const NAME_MAX: usize = 200;
pub const EMAIL_MAX: usize = 254;
pub const NOTE_MAX: usize = 1000;

/// A new login ID as its policy wants it: the basic shape, then the
/// policy's rules. A login too short for both is told the larger minimum,
/// so that nobody is told "at least 3" and then, with three, "at least 4".
pub fn parse_login(input: &str, policy: &Policy) -> Result<LoginId, String> {
    let login = LoginId::parse(input).map_err(|shape| {
        let len = input.chars().count();
        let wanted = policy.login_min_length as usize;
        if len > 0
            && len < LOGIN_MIN
            && wanted > LOGIN_MIN
            && input.chars().all(super::login::allowed)
        {
            too_short(wanted, len)
        } else {
            shape
        }
    })?;
    check_login_policy(&login, policy)?;
    Ok(login)
}

fn too_short(wanted: usize, len: usize) -> String {
    format!("the login ID needs at least {wanted} characters (has {len})")
}

/// The login rules the policy adds to the basic shape.
pub fn check_login_policy(login: &LoginId, policy: &Policy) -> Result<(), String> {
    let s = login.as_str();
    let len = s.chars().count();
    if len < policy.login_min_length as usize {
        return Err(too_short(policy.login_min_length as usize, len));
    }
    if policy.login_require_digit && !s.chars().any(|c| c.is_ascii_digit()) {
        return Err("the login ID must contain a digit".into());
    }
    if policy.login_forbid_all_digits && s.chars().all(|c| c.is_ascii_digit()) {
        return Err("the login ID may not consist of digits only".into());
    }
    Ok(())
}

/// A display name: 1 to 200 characters, no control characters, trimmed.
pub fn check_name(name: &str) -> Result<String, String> {
    let t = name.trim();
    if t.is_empty() {
        return Err("the name is empty".into());
    }
    if t.chars().count() > NAME_MAX {
        return Err(format!("the name may have at most {NAME_MAX} characters"));
    }
    if let Some(c) = t.chars().find(|c| c.is_control()) {
        return Err(format!("the name contains {}", describe_char(c)));
    }
    Ok(t.to_string())
}

/// An email address of plausible shape: local@domain.tld, no spaces or
/// control characters, at most 254 characters.
pub fn check_email(email: &str) -> Result<String, String> {
    let t = email.trim();
    if t.is_empty() {
        return Err("the email address is empty".into());
    }
    if t.chars().count() > EMAIL_MAX {
        return Err(format!(
            "the email address may have at most {EMAIL_MAX} characters"
        ));
    }
    if let Some(c) = t.chars().find(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!("the email address contains {}", describe_char(c)));
    }
    let shape_err = || format!("{t:?} is not an email address (expected name@example.org)");
    let (local, domain) = t.split_once('@').ok_or_else(shape_err)?;
    if !is_dot_atom(local)
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
        || domain.contains(['"', '\'', '<', '>', '(', ')', ',', ';', ':', '\\', '[', ']'])
    {
        return Err(shape_err());
    }
    Ok(t.to_string())
}

/// Whether `local` is what the local part of a real address holds: words
/// of RFC 5322's atext (letters, digits and ``!#$%&'*+-/=?^_`{|}~``, and
/// any character beyond ASCII, as RFC 6531 allows) joined by single dots
/// (`sean.o'neil`, `a+tag`). Quoted local parts are not taken.
fn is_dot_atom(local: &str) -> bool {
    let atext =
        |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
    !local.is_empty()
        && local
            .split('.')
            .all(|word| !word.is_empty() && word.chars().all(atext))
}

/// An address as a confirmation may show it: its first character, an
/// ellipsis and its domain (`anna@example.org` → `a…@example.org`).
pub fn masked_email(email: &str) -> String {
    match email.trim().split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}…@{domain}")
        }
        None => "…".to_string(),
    }
}

/// A free-text note (holders): at most 1000 characters, no control
/// characters except line breaks.
pub fn check_note(note: &str) -> Result<String, String> {
    let t = note.trim();
    if t.chars().count() > NOTE_MAX {
        return Err(format!("the note may have at most {NOTE_MAX} characters"));
    }
    if let Some(c) = t.chars().find(|c| c.is_control() && *c != '\n') {
        return Err(format!("the note contains {}", describe_char(c)));
    }
    Ok(t.to_string())
}

/// The lock state of an account at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LockState {
    Unlocked,
    Until { until: DateTime<Utc> },
    Indefinite,
}

impl LockState {
    /// From the stored columns: a lock with no end lasts until an admin unlocks.
    pub fn at(
        locked_at: Option<DateTime<Utc>>,
        locked_until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> LockState {
        match (locked_at, locked_until) {
            (None, _) => LockState::Unlocked,
            (Some(_), None) => LockState::Indefinite,
            (Some(_), Some(u)) if u > now => LockState::Until { until: u },
            (Some(_), Some(_)) => LockState::Unlocked,
        }
    }

    pub fn is_locked(self) -> bool {
        !matches!(self, LockState::Unlocked)
    }
}

/// The badges a user row shows at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Badges {
    pub locked: Option<LockBadge>,
    pub disabled: bool,
    pub must_change: bool,
    pub needs_revalidation: bool,
    pub deletion_candidate: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LockBadge {
    /// `None` = until an admin unlocks.
    pub until: Option<DateTime<Utc>>,
}

/// Inactivity: days since the last sign-in (or since creation, if never).
pub fn inactivity(
    last_login_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    policy: &Policy,
    now: DateTime<Utc>,
) -> (bool, bool) {
    let since = last_login_at.unwrap_or(created_at);
    let idle = now - since;
    let over = |days: u32| days > 0 && idle >= Duration::days(days as i64);
    (
        over(policy.revalidate_after_days),
        over(policy.delete_after_days),
    )
}

/// The password facts that decide whether it must be changed now.
#[derive(Debug, Clone, Copy)]
pub struct PasswordAge {
    /// The must-change flag an administrator set.
    pub flagged: bool,
    /// The version of their policy the password was set under.
    pub set_under_version: i64,
    pub changed_at: Option<DateTime<Utc>>,
}

/// Why the password must be changed now, if it must: the flag, then an
/// enforced policy change, then age. Sign-in and the list badges both use this.
pub fn must_change_reason(
    age: PasswordAge,
    enforced_version: i64,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Option<super::outcome::MustChangeReason> {
    use super::outcome::MustChangeReason;
    if age.flagged {
        Some(MustChangeReason::Flagged)
    } else if age.set_under_version < enforced_version {
        Some(MustChangeReason::PolicyChanged)
    } else if policy.max_age_days > 0
        && age
            .changed_at
            .is_some_and(|t| now - t > Duration::days(policy.max_age_days as i64))
    {
        Some(MustChangeReason::Expired)
    } else {
        None
    }
}

/// A short human description of how long until `until`, e.g. "12m 30s".
pub fn time_left(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (until - now).num_seconds().max(0);
    match secs {
        s if s >= 86_400 => format!("{}d {}h", s / 86_400, (s % 86_400) / 3600),
        s if s >= 3600 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{}m {}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_email_keeps_the_first_character_and_the_domain() {
        assert_eq!(masked_email("anna@example.org"), "a…@example.org");
        assert_eq!(masked_email(" Ézé@ex.fr "), "É…@ex.fr");
        assert_eq!(masked_email("nonsense"), "…");
    }

    #[test]
    fn email_shapes() {
        for good in [
            "a.b@example.org",
            "sean.o'neil@example.org",
            "a+tag@example.org",
            "x!#$%&'*+-/=?^_`{|}~y@example.org",
            "zoë@example.org",
            "a'--@x.org",
        ] {
            assert_eq!(check_email(good).as_deref(), Ok(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "a@@b.org",
            "a b@c.org",
            "@c.org",
            "a@.org",
            ".a@x.org",
            "a.@x.org",
            "a..b@x.org",
            "\"a\"@x.org",
            "a<b@x.org",
            "a(b)@x.org",
            "a,b@x.org",
            "a;b@x.org",
            "a:b@x.org",
            "a\\b@x.org",
            "a[b]@x.org",
            "a@x'y.org",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn login_policy() {
        let p = Policy::default();
        let short = LoginId::parse("abc").unwrap();
        assert!(
            check_login_policy(&short, &p)
                .unwrap_err()
                .contains("at least 4")
        );
        let digits = LoginId::parse("12345").unwrap();
        assert!(
            check_login_policy(&digits, &p)
                .unwrap_err()
                .contains("digits only")
        );
        let mut p2 = p.clone();
        p2.login_require_digit = true;
        assert!(check_login_policy(&LoginId::parse("anna").unwrap(), &p2).is_err());
        assert!(check_login_policy(&LoginId::parse("anna2").unwrap(), &p2).is_ok());
    }

    #[test]
    fn a_login_too_short_for_both_minimums_is_told_the_larger() {
        let p = Policy::default();
        assert_eq!(p.login_min_length, 4);
        for (input, has) in [("a", 1), ("ab", 2), ("abc", 3)] {
            assert_eq!(
                parse_login(input, &p).unwrap_err(),
                format!("the login ID needs at least 4 characters (has {has})"),
                "{input}"
            );
        }
        let mut lenient = p.clone();
        lenient.login_min_length = 1;
        assert!(
            parse_login("ab", &lenient)
                .unwrap_err()
                .contains("at least 3")
        );
        assert!(parse_login("abc", &lenient).is_ok());
        assert_eq!(parse_login("", &p).unwrap_err(), "the login ID is empty");
        assert!(parse_login(" ab", &p).unwrap_err().contains("spaces"));
        assert!(
            parse_login("a b", &p)
                .unwrap_err()
                .contains("may only contain")
        );
        assert!(parse_login("anna", &p).is_ok());
        // Short and with a character not allowed: the character first, not
        // the length and then, with four, the character.
        for input in ["é!", "a b", "ab!"] {
            assert!(
                parse_login(input, &p)
                    .unwrap_err()
                    .contains("may only contain"),
                "{input}"
            );
        }
    }

    #[test]
    fn names_and_notes() {
        assert_eq!(check_name("  Ann  ").unwrap(), "Ann");
        assert!(check_name("\u{1b}[31m").is_err());
        assert!(check_note("line\nbreak").is_ok());
        assert!(check_note(&"x".repeat(1001)).is_err());
    }

    #[test]
    fn lock_states() {
        let now = Utc::now();
        let later = now + Duration::minutes(5);
        assert_eq!(LockState::at(None, None, now), LockState::Unlocked);
        assert_eq!(LockState::at(Some(now), None, now), LockState::Indefinite);
        assert_eq!(
            LockState::at(Some(now), Some(later), now),
            LockState::Until { until: later }
        );
        assert_eq!(
            LockState::at(Some(now), Some(now), now),
            LockState::Unlocked
        );
        assert_eq!(time_left(later, now), "5m 0s");
    }

    #[test]
    fn must_change_reasons_in_order() {
        use crate::domain::outcome::MustChangeReason as R;
        let now = Utc::now();
        let p = Policy {
            max_age_days: 30,
            ..Policy::default()
        };
        let old = Some(now - Duration::days(40));
        let age = |flagged, v| PasswordAge {
            flagged,
            set_under_version: v,
            changed_at: old,
        };
        assert_eq!(
            must_change_reason(age(true, 1), 2, &p, now),
            Some(R::Flagged)
        );
        assert_eq!(
            must_change_reason(age(false, 1), 2, &p, now),
            Some(R::PolicyChanged)
        );
        assert_eq!(
            must_change_reason(age(false, 2), 2, &p, now),
            Some(R::Expired)
        );
        let fresh = PasswordAge {
            flagged: false,
            set_under_version: 2,
            changed_at: Some(now),
        };
        assert_eq!(must_change_reason(fresh, 2, &p, now), None);
    }

    #[test]
    fn inactivity_flags() {
        let now = Utc::now();
        let p = Policy::default();
        assert_eq!(
            inactivity(Some(now - Duration::days(100)), now, &p, now),
            (true, false)
        );
        assert_eq!(
            inactivity(None, now - Duration::days(400), &p, now),
            (true, true)
        );
        assert_eq!(inactivity(Some(now), now, &p, now), (false, false));
    }
}
