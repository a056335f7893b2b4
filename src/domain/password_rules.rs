//! The password checklist: every rule of a policy, met or broken, with a
//! plain message, plus the strength meter.
//!
//! The console shows the checklist live while a password is typed; the
//! service refuses a password while any rule is broken. Rules that need the
//! database (history) are added by the service.

pub use super::blocked_words::WordList;
use super::blocked_words::blocked_word;
use super::password::Password;
use super::policy::{Charset, Policy};
use serde::Serialize;
use std::sync::{Arc, RwLock};

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCheck {
    /// Stable identifier ("min_length", "history", ...).
    pub rule: &'static str,
    /// What the rule asks, e.g. "at least 15 characters".
    pub label: String,
    pub met: bool,
    /// Why it is broken, e.g. "needs at least 15 characters (has 9)".
    pub message: String,
}

/// Who the password is for, so it may not contain them.
#[derive(Debug, Clone, Default)]
pub struct PasswordContext<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub email: &'a str,
}

/// zxcvbn's verdict for the meter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Strength {
    /// 0 (very weak) to 4 (very strong).
    pub score: u8,
    pub label: &'static str,
    /// A short hint, e.g. "Add another word or two".
    pub hint: Option<String>,
}

/// The checklist for `password` under `policy`. Every rule is listed, met or not.
pub fn checklist(
    policy: &Policy,
    password: &Password,
    ctx: &PasswordContext<'_>,
) -> Vec<RuleCheck> {
    let pw = password.expose();
    let len = password.len_chars();
    let mut out = Vec::new();
    let mut push = |rule: &'static str, label: String, met: bool, message: String| {
        out.push(RuleCheck {
            rule,
            label,
            met,
            message,
        })
    };

    push(
        "min_length",
        format!("at least {} characters", policy.min_length),
        len >= policy.min_length as usize,
        format!(
            "needs at least {} characters (has {len})",
            policy.min_length
        ),
    );
    push(
        "max_length",
        format!("at most {} characters", policy.max_length),
        len <= policy.max_length as usize,
        format!(
            "may have at most {} characters (has {len})",
            policy.max_length
        ),
    );
    let control = pw.chars().any(char::is_control);
    push(
        "no_control",
        "no control characters (tabs, line breaks)".into(),
        !control,
        "contains a control character such as a tab or line break".into(),
    );
    match policy.charset {
        Charset::Any => {}
        Charset::PrintableAscii => push(
            "charset",
            "printable ASCII characters only".into(),
            pw.chars().all(|c| c.is_ascii_graphic() || c == ' '),
            "may only contain printable ASCII characters".into(),
        ),
        Charset::Alphanumeric => push(
            "charset",
            "letters and digits only".into(),
            pw.chars().all(|c| c.is_ascii_alphanumeric()),
            "may only contain ASCII letters and digits".into(),
        ),
    }
    let counts = [
        (
            "require_lower",
            policy.require_lower,
            "lower-case letter",
            pw.chars().filter(|c| c.is_lowercase()).count(),
        ),
        (
            "require_upper",
            policy.require_upper,
            "upper-case letter",
            pw.chars().filter(|c| c.is_uppercase()).count(),
        ),
        (
            "require_digit",
            policy.require_digit,
            "digit",
            pw.chars().filter(|c| c.is_numeric()).count(),
        ),
        (
            "require_symbol",
            policy.require_symbol,
            "symbol",
            pw.chars()
                .filter(|c| !c.is_alphanumeric() && !c.is_whitespace())
                .count(),
        ),
    ];
    for (rule, want, what, have) in counts {
        if want > 0 {
            let plural = if want == 1 { "" } else { "s" };
            push(
                rule,
                format!("at least {want} {what}{plural}"),
                have >= want as usize,
                format!("needs at least {want} {what}{plural} (has {have})"),
            );
        }
    }
    if policy.reject_common {
        let found = common_match(pw);
        push(
            "reject_common",
            "not a commonly used password".into(),
            found.is_none(),
            found.unwrap_or(CommonMatch::Common).message(),
        );
    }
    if policy.reject_login_or_name {
        let found = personal_part(pw, ctx);
        push(
            "reject_login_or_name",
            "does not contain the login ID, name or email".into(),
            found.is_none(),
            format!("contains {}", found.unwrap_or("the login ID")),
        );
    }
    if policy.min_strength > 0 {
        let s = strength(password, ctx);
        push(
            "min_strength",
            format!("strength at least {} of 4", policy.min_strength),
            s.score as u32 >= policy.min_strength,
            format!(
                "is too easy to guess (strength {} of 4, needs {})",
                s.score, policy.min_strength
            ),
        );
    }
    out
}

/// The messages of the broken rules, in checklist order.
pub fn violations(checks: &[RuleCheck]) -> Vec<String> {
    checks
        .iter()
        .filter(|c| !c.met)
        .map(|c| c.message.clone())
        .collect()
}

/// zxcvbn's score and first hint.
pub fn strength(password: &Password, ctx: &PasswordContext<'_>) -> Strength {
    let pw = password.expose();
    if pw.is_empty() {
        return Strength {
            score: 0,
            label: "empty",
            hint: None,
        };
    }
    // zxcvbn is quadratic in length; the meter's verdict is settled long before 256.
    let sample: String = pw.chars().take(256).collect();
    let inputs = [ctx.login, ctx.name, ctx.email, "keyward"];
    let entropy = zxcvbn::zxcvbn(&sample, &inputs);
    let score = u8::from(entropy.score());
    let hint = entropy.feedback().and_then(|f| {
        f.warning()
            .map(|w| w.to_string())
            .or_else(|| f.suggestions().first().map(|s| s.to_string()))
    });
    let label = match score {
        0 => "very weak",
        1 => "weak",
        2 => "fair",
        3 => "strong",
        _ => "very strong",
    };
    Strength { score, label, hint }
}

/// The organisation's words for this process: like the built-in list,
/// which is compiled in, they belong to the deployment, not to one caller,
/// so every checklist (the console's as you type included) sees them.
/// Installed and reloaded by the service (service/blocklist.rs).
static ORGANISATION: RwLock<Option<Arc<WordList>>> = RwLock::new(None);

/// Makes `words` the organisation's list for every later check.
pub fn install_organisation_words(words: Arc<WordList>) {
    match ORGANISATION.write() {
        Ok(mut slot) => *slot = Some(words),
        Err(poisoned) => *poisoned.into_inner() = Some(words),
    }
}

fn organisation_words() -> Option<Arc<WordList>> {
    match ORGANISATION.read() {
        Ok(slot) => slot.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}

/// Why a password counts as common (the checklist says which). A word is
/// named only when it is on a list (so public or the organisation's own);
/// the rest of the password never is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommonMatch {
    /// The whole password is on the built-in list or zxcvbn's.
    Common,
    /// It amounts to a word of the built-in list or the organisation's
    /// (domain/blocked_words.rs): the word, as listed.
    Blocked(String),
    /// One of zxcvbn's passwords with digits or symbols before or after it.
    CommonPadded(String),
}

impl CommonMatch {
    pub fn message(&self) -> String {
        match self {
            CommonMatch::Common => "is a commonly used password".into(),
            CommonMatch::Blocked(w) => format!("contains a blocked word ({w})"),
            CommonMatch::CommonPadded(w) => format!("contains a commonly used password ({w})"),
        }
    }
}

/// Whether `pw` is common, against the built-in lists and the
/// organisation's installed words.
pub fn common_match(pw: &str) -> Option<CommonMatch> {
    common_match_with(pw, organisation_words().as_deref())
}

/// Whether `pw` is common: the whole password is on the built-in list or
/// zxcvbn's; it amounts to a blocked word (built-in or `organisation`'s:
/// the word with digits or symbols around it, look-alikes such as `@` for
/// `a`, at most three letters of its own beside it); or, once the digits
/// and symbols before and after its letters are taken off, it is one of
/// zxcvbn's passwords ("dragon2025!!").
pub fn common_match_with(pw: &str, organisation: Option<&WordList>) -> Option<CommonMatch> {
    if is_common(pw) {
        return Some(CommonMatch::Common);
    }
    let builtin = WordList::builtin();
    let found = match organisation {
        Some(o) => blocked_word(pw, &[builtin, o]),
        None => blocked_word(pw, &[builtin]),
    };
    if let Some(w) = found {
        return Some(CommonMatch::Blocked(w.to_string()));
    }
    let lower = pw.to_lowercase();
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if core.is_empty() || core.len() == lower.len() {
        return None;
    }
    is_common(core).then(|| CommonMatch::CommonPadded(core.to_string()))
}

/// Whole-password match against assets/blocklist.txt and zxcvbn's password list.
pub fn is_common(pw: &str) -> bool {
    let lower = pw.to_lowercase();
    if WordList::builtin().contains(&lower) {
        return true;
    }
    if pw.is_empty() || pw.chars().count() > 64 {
        return false;
    }
    let entropy = zxcvbn::zxcvbn(pw, &[]);
    let seq = entropy.sequence();
    seq.len() == 1
        && match &seq[0].pattern {
            zxcvbn::matching::patterns::MatchPattern::Dictionary(d) => {
                // The dictionary type is not exported by name; its Debug form is stable.
                format!("{:?}", d.dictionary_name) == "Passwords"
                    && !d.reversed
                    && !d.l33t
                    && d.matched_word == lower
            }
            _ => false,
        }
}

/// The personal part the password contains, if any: login, a name part of
/// 3+ characters, the email's local part, or "keyward".
fn personal_part(pw: &str, ctx: &PasswordContext<'_>) -> Option<&'static str> {
    let hay = pw.to_lowercase();
    let has = |needle: &str| {
        let n = needle.trim().to_lowercase();
        n.chars().count() >= 3 && hay.contains(&n)
    };
    if has(ctx.login) {
        return Some("the login ID");
    }
    if ctx.name.split_whitespace().any(has) {
        return Some("the user's name");
    }
    if let Some((local, _)) = ctx.email.split_once('@')
        && has(local)
    {
        return Some("the email address");
    }
    if hay.contains("keyward") {
        return Some("the product name");
    }
    None
}

#[cfg(test)]
#[allow(clippy::field_reassign_with_default)]
mod tests {
    use super::*;

    fn ctx() -> PasswordContext<'static> {
        PasswordContext {
            login: "jsmith",
            name: "John Smith",
            email: "john.smith@example.org",
        }
    }

    fn broken(policy: &Policy, pw: &str) -> Vec<&'static str> {
        checklist(policy, &Password::from(pw), &ctx())
            .into_iter()
            .filter(|c| !c.met)
            .map(|c| c.rule)
            .collect()
    }

    #[test]
    fn good_password_meets_every_default_rule() {
        assert!(broken(&Policy::default(), "correct horse battery staple").is_empty());
    }

    #[test]
    fn reports_all_violations_at_once() {
        let b = broken(&Policy::default(), "password");
        assert!(
            b.contains(&"min_length") && b.contains(&"reject_common"),
            "{b:?}"
        );
    }

    #[test]
    fn length_counts_code_points_after_nfc() {
        let mut p = Policy::default();
        p.min_length = 4;
        p.reject_common = false;
        // Four code points after NFC even though the input had five.
        assert!(broken(&p, "cafe\u{301}").is_empty());
        assert_eq!(broken(&p, "caf"), vec!["min_length"]);
    }

    #[test]
    fn composition_rules() {
        let mut p = Policy::default();
        p.min_length = 8;
        p.require_upper = 1;
        p.require_digit = 2;
        p.require_symbol = 1;
        let checks = checklist(&p, &Password::from("lowercaseonly"), &ctx());
        let msgs = violations(&checks);
        assert!(msgs.iter().any(|m| m.contains("upper-case")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("2 digits")), "{msgs:?}");
        assert!(broken(&p, "Upper-case 12!").is_empty());
    }

    #[test]
    fn personal_data_rejected() {
        let b = broken(&Policy::default(), "xx-jsmith-long-enough-xx");
        assert_eq!(b, vec!["reject_login_or_name"]);
        let b = broken(&Policy::default(), "my name is smith, hello world");
        assert_eq!(b, vec!["reject_login_or_name"]);
    }

    #[test]
    fn charsets_and_controls() {
        let mut p = Policy::default();
        p.min_length = 4;
        p.charset = Charset::Alphanumeric;
        assert_eq!(broken(&p, "abc def ghi jkl"), vec!["charset"]);
        p.charset = Charset::Any;
        assert_eq!(broken(&p, "tab\there long enough"), vec!["no_control"]);
    }

    #[test]
    fn common_whole_password_only() {
        assert!(is_common("password"));
        assert!(is_common("Password"));
        assert!(is_common("qwerty123"));
        assert!(!is_common("correct horse battery staple"));
    }

    #[test]
    fn a_blocked_word_with_digits_or_symbols_counts_as_the_word() {
        let org = WordList::parse("# our words\nAcme\n\n  widgetron \n");
        assert_eq!(org.len(), 2);
        let m = |pw: &str| common_match_with(pw, Some(&org));
        let blocked = |w: &str| Some(CommonMatch::Blocked(w.into()));
        assert_eq!(m("password"), Some(CommonMatch::Common));
        assert_eq!(m("password123456789"), blocked("password"));
        assert_eq!(m("!!Password2025!!"), blocked("password"));
        assert_eq!(m("ACME"), blocked("acme"));
        assert_eq!(m("acme2025!!!!!!!!"), blocked("acme"));
        assert_eq!(m("1234widgetron#"), blocked("widgetron"));
        assert_eq!(
            m("Dragon2025!!!!!!"),
            Some(CommonMatch::CommonPadded("dragon".into()))
        );
        // Four letters of its own, or other words, keep it.
        assert_eq!(m("acmexyzw123456789"), None);
        assert_eq!(m("correct horse battery staple 42"), None);
        // Without the organisation's list its words pass.
        assert_eq!(common_match_with("acme2025!!!!!!!!", None), None);
    }

    #[test]
    fn the_checklist_names_the_blocked_word() {
        let checks = checklist(
            &Policy::default(),
            &Password::from("password123456789"),
            &ctx(),
        );
        let rule = checks
            .iter()
            .find(|c| c.rule == "reject_common")
            .expect("reject_common is listed");
        assert!(!rule.met);
        assert_eq!(rule.message, "contains a blocked word (password)");
        assert!(!rule.message.contains("123"), "never names the rest");
    }

    #[test]
    fn strength_meter() {
        let weak = strength(&Password::from("password1"), &ctx());
        let strong = strength(&Password::from("violet-kettle-harbor-93-quince"), &ctx());
        assert!(weak.score < strong.score);
        assert!(weak.hint.is_some());
    }
}
