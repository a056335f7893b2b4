//! Passwords and the checklist (`domain::password`,
//! `domain::password_rules`): any text becomes an NFC password that never
//! shows in its `Debug` form, equivalent spellings are one password, and
//! the checklist lists every rule of the policy once, each verdict matching
//! what it measures, without panicking or hanging on any input.
//!
//! Input: one byte choosing the policy, then the password, login, name and
//! email separated by NUL bytes.
#![no_main]
#![forbid(unsafe_code)]

use keyward::domain::Password;
use keyward::domain::password_rules::{PasswordContext, checklist, strength, violations};
use keyward::domain::policy::{Charset, Policy};
use libfuzzer_sys::fuzz_target;
use unicode_normalization::UnicodeNormalization;

/// A policy from one byte: lengths, charset, composition and the checks
/// that look the password up.
fn policy(b: u8) -> Policy {
    let mut p = Policy::default();
    let set = |p: &mut Policy, k: &str, v: &str| {
        if let Err(e) = p.set(k, v) {
            panic!("{k}={v} refused: {e}");
        }
    };
    let min = ["1", "8", "15", "40"][usize::from(b & 3)];
    set(&mut p, "min_length", min);
    set(&mut p, "max_length", if b & 4 == 0 { "64" } else { "256" });
    set(
        &mut p,
        "charset",
        ["any", "printable-ascii", "alphanumeric", "any"][usize::from((b >> 3) & 3)],
    );
    let n = if b & 32 == 0 { "0" } else { "2" };
    for k in [
        "require_lower",
        "require_upper",
        "require_digit",
        "require_symbol",
    ] {
        set(&mut p, k, n);
    }
    set(
        &mut p,
        "reject_common",
        if b & 64 == 0 { "true" } else { "false" },
    );
    set(
        &mut p,
        "reject_login_or_name",
        if b & 64 == 0 { "true" } else { "false" },
    );
    set(&mut p, "min_strength", if b & 128 == 0 { "0" } else { "3" });
    p
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let mut parts = text.split('\0');
    let raw = parts.next().unwrap_or_default();
    let login = parts.next().unwrap_or_default();
    let name = parts.next().unwrap_or_default();
    let email = parts.next().unwrap_or_default();

    let pw = Password::from(raw);
    let shown = pw.expose();
    assert!(shown.nfc().eq(shown.chars()), "stored form is NFC");
    let nfd: String = raw.nfd().collect();
    assert_eq!(
        Password::new(nfd).expose(),
        shown,
        "one password per spelling"
    );
    assert_eq!(pw.len_chars(), shown.chars().count());
    assert_eq!(pw.is_empty(), shown.is_empty());
    assert_eq!(
        format!("{pw:?}"),
        "Password(***)",
        "Debug shows only a placeholder"
    );

    let policy = policy(flags);
    if policy.validate().is_err() {
        return;
    }
    let ctx = PasswordContext { login, name, email };
    let checks = checklist(&policy, &pw, &ctx);
    let mut expected = vec!["min_length", "max_length", "no_control"];
    if policy.charset != Charset::Any {
        expected.push("charset");
    }
    if policy.require_lower > 0 {
        expected.extend([
            "require_lower",
            "require_upper",
            "require_digit",
            "require_symbol",
        ]);
    }
    if policy.reject_common {
        expected.push("reject_common");
    }
    if policy.reject_login_or_name {
        expected.push("reject_login_or_name");
    }
    if policy.min_strength > 0 {
        expected.push("min_strength");
    }
    let rules: Vec<&str> = checks.iter().map(|c| c.rule).collect();
    assert_eq!(rules, expected, "every rule once, in order");
    let len = pw.len_chars();
    for c in &checks {
        assert!(!c.label.is_empty() && !c.message.is_empty());
        match c.rule {
            "min_length" => assert_eq!(c.met, len >= policy.min_length as usize),
            "max_length" => assert_eq!(c.met, len <= policy.max_length as usize),
            "no_control" => assert_eq!(c.met, !shown.chars().any(char::is_control)),
            _ => {}
        }
        // A broken rule's message never quotes the password (a blocked
        // word is named, and may be the whole password: it is public).
        let quotes = c.rule != "reject_common" && shown.len() >= 6 && c.message.contains(shown);
        assert!(c.met || !quotes, "{} quotes the password", c.rule);
    }
    let broken = violations(&checks);
    assert_eq!(broken.len(), checks.iter().filter(|c| !c.met).count());

    let s = strength(&pw, &ctx);
    assert!(s.score <= 4);
});
