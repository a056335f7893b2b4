//! Property tests for every parser and validator (issue 15): login IDs,
//! passwords and NFC, policy KEY=VALUE, config TOML, the password
//! checklist, and the audit encoding. Each property runs on a few hundred
//! generated inputs, with proptest's shrinking to a minimal failing case.

use keyward::domain::audit::{AuditKey, Canonical, entry_hash, entry_mac};
use keyward::domain::login::{LOGIN_MAX, LOGIN_MIN, lookup_key};
use keyward::domain::password_rules::{PasswordContext, checklist, violations};
use keyward::domain::policy::{KEYS, Kind, PolicyError, parse_pairs};
use keyward::domain::{LoginId, Password, Policy};
use proptest::prelude::*;
use std::sync::LazyLock;
use unicode_normalization::{UnicodeNormalization, is_nfc};

/// Any text: ASCII-heavy, with letters from other scripts, combining marks,
/// quotes, control characters and line breaks mixed in.
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            6 => proptest::char::range(' ', '~'),
            1 => proptest::char::any(),
            1 => prop::sample::select(vec![
                '\u{301}', '\u{308}', '\u{327}', 'é', 'Å', 'ñ', 'ß', 'ǅ', '\u{212B}', '\t', '\n',
                '\r', '\0', '\u{7f}', '"', '\'', '\\', '=', '@', '.',
            ]),
        ],
        0..=max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// What `LoginId::parse` must accept, written out independently.
fn is_login_shape(s: &str) -> bool {
    let n = s.chars().count();
    (LOGIN_MIN..=LOGIN_MAX).contains(&n)
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

proptest! {
    #[test]
    fn login_ids_are_accepted_exactly_when_well_formed(s in text(80)) {
        let parsed = LoginId::parse(&s);
        prop_assert_eq!(parsed.is_ok(), is_login_shape(&s), "{:?}: {:?}", s, parsed);
        match parsed {
            Ok(id) => {
                prop_assert_eq!(id.as_str(), s.as_str());
                prop_assert_eq!(id.lower(), lookup_key(&s));
            }
            // The message never echoes a control character raw.
            Err(why) => prop_assert!(!why.chars().any(char::is_control), "{:?}", why),
        }
    }

    #[test]
    fn well_formed_login_ids_round_trip_and_ignore_case(s in "[A-Za-z0-9._@-]{3,64}") {
        let id = LoginId::parse(&s).expect("well formed");
        prop_assert_eq!(id.to_string(), s.clone());
        prop_assert_eq!(lookup_key(&s.to_ascii_uppercase()), id.lower());
        prop_assert_eq!(lookup_key(&s.to_ascii_lowercase()), id.lower());
    }

    #[test]
    fn passwords_are_nfc_and_equivalent_spellings_are_one(s in text(40)) {
        let p = Password::new(s.clone());
        prop_assert!(is_nfc(p.expose()));
        // Normalising again changes nothing; any canonically equivalent
        // spelling (decomposed or composed) is the same password.
        let again = Password::new(p.expose().to_string());
        prop_assert_eq!(again.expose(), p.expose());
        let decomposed = Password::new(s.nfd().collect());
        prop_assert_eq!(decomposed.expose(), p.expose());
        prop_assert_eq!(p.len_chars(), p.expose().chars().count());
        // Nothing is trimmed or folded: only NFC changes a password.
        prop_assert_eq!(p.expose(), s.nfc().collect::<String>());
    }

    #[test]
    fn a_password_never_shows_in_its_debug_form(s in "[a-z0-9]{6,30}") {
        let p = Password::from(s.as_str());
        let shown = format!("{p:?}");
        prop_assert!(!shown.contains(&s));
    }

    #[test]
    fn key_value_arguments_split_at_the_first_equals_sign(
        key in "[a-z_]{1,20}", value in text(30), pad in " {0,2}"
    ) {
        let arg = format!("{pad}{key}{pad}={value}");
        let pairs = parse_pairs(std::slice::from_ref(&arg)).expect("has an equals sign");
        prop_assert_eq!(pairs, vec![(key, value.trim().to_string())]);
    }

    #[test]
    fn an_argument_without_equals_sign_is_refused(arg in "[^=]{0,30}") {
        let err = parse_pairs(&[arg]).unwrap_err();
        prop_assert!(err.0.contains("KEY=VALUE"));
    }

    #[test]
    fn every_key_takes_exactly_its_range(spec in prop::sample::select(KEYS), n in 0u32..200_000) {
        let mut p = Policy::default();
        match spec.kind {
            Kind::Int { min, max } => {
                let r = p.set(spec.name, &n.to_string());
                prop_assert_eq!(r.is_ok(), (min..=max).contains(&n), "{}={}: {:?}", spec.name, n, r);
                match r {
                    Ok(()) => prop_assert_eq!(p.get(spec.name), Some(n.to_string())),
                    Err(PolicyError(why)) => {
                        prop_assert!(why.contains(spec.name) && why.contains(&max.to_string()), "{}", why);
                    }
                }
            }
            Kind::Bool => {
                let word = if n % 2 == 0 { "true" } else { "off" };
                prop_assert!(p.set(spec.name, word).is_ok());
                let numeric = p.set(spec.name, &n.to_string()).is_ok();
                prop_assert_eq!(numeric, n <= 1);
            }
            Kind::Choice(choices) => {
                let choice = choices[n as usize % choices.len()];
                prop_assert!(p.set(spec.name, choice).is_ok());
                prop_assert_eq!(p.get(spec.name), Some(choice.to_string()));
            }
        }
    }

    #[test]
    fn any_value_is_taken_or_refused_naming_the_key(
        spec in prop::sample::select(KEYS), value in text(20)
    ) {
        let mut p = Policy::default();
        match p.set(spec.name, &value) {
            Ok(()) => {
                // What was taken reads back as a value the key takes again.
                let shown = p.get(spec.name).expect("a known key");
                let mut again = Policy::default();
                prop_assert!(again.set(spec.name, &shown).is_ok());
                prop_assert_eq!(again.get(spec.name), Some(shown));
            }
            Err(PolicyError(why)) => {
                prop_assert!(why.contains(spec.name), "{}", why);
                prop_assert!(!why.chars().any(char::is_control), "{:?}", why);
            }
        }
    }

    #[test]
    fn a_change_is_all_or_nothing(
        changes in proptest::collection::vec(
            (prop::sample::select(KEYS), 0u32..2000), 1..6)
    ) {
        let pairs: Vec<(String, String)> = changes
            .iter()
            .map(|(k, n)| (k.name.to_string(), n.to_string()))
            .collect();
        let base = Policy::default();
        match base.with_changes(&pairs) {
            Ok(p) => {
                prop_assert!(p.validate().is_ok());
                let mut seen = std::collections::HashSet::new();
                prop_assert!(pairs.iter().all(|(k, _)| seen.insert(k.clone())), "a repeated key was taken");
                for (k, v) in &pairs {
                    let expected = match key_kind(k) {
                        Kind::Bool => (v == "1").to_string(),
                        _ => v.clone(),
                    };
                    prop_assert_eq!(p.get(k), Some(expected));
                }
            }
            // Refused: names what is wrong; the base is untouched.
            Err(PolicyError(why)) => {
                prop_assert!(KEYS.iter().any(|k| why.contains(k.name)), "{}", why);
                prop_assert_eq!(base, Policy::default());
            }
        }
    }

    #[test]
    fn any_config_text_parses_or_says_why(s in text(200)) {
        // Never a panic, and an error is one message.
        if let Err(why) = keyward::config::parse(&s) {
            prop_assert!(!why.is_empty());
        }
    }

    #[test]
    fn written_configs_read_back(
        retention in 1u32..10_000,
        memory in 19_456u32..100_000,
        iterations in 2u32..10,
        mouse in any::<bool>(),
        level in "(info|debug|warn|keyward=debug)",
        url in "postgres://[a-z]{1,8}@[a-z]{1,8}/[a-z]{1,8}",
    ) {
        let text = format!(
            "attempts_retention_days = {retention}\n[database]\nurl = {url:?}\n\
             [argon2]\nmemory_kib = {memory}\niterations = {iterations}\nparallelism = 1\n\
             [ui]\nmouse = {mouse}\n[log]\nlevel = {level:?}\n"
        );
        let c = keyward::config::parse(&text).expect("a valid config");
        prop_assert_eq!(c.attempts_retention_days, Some(retention));
        prop_assert_eq!(c.database.url, Some(url));
        prop_assert_eq!((c.argon2.memory_kib, c.argon2.iterations), (memory, iterations));
        prop_assert!(c.argon2.check().is_ok());
        prop_assert_eq!(c.ui.mouse, mouse);
        prop_assert_eq!(c.log.level, level);
    }

    #[test]
    fn unknown_config_keys_are_refused(section in "(ui|log|database|argon2|audit)", key in "[a-z]{3,12}") {
        let known = ["mouse", "level", "dir", "url", "memory_kib", "iterations", "parallelism", "key_file"];
        prop_assume!(!known.contains(&key.as_str()));
        let err = keyward::config::parse(&format!("[{section}]\n{key} = 1\n")).unwrap_err();
        prop_assert!(err.contains(&key), "{}", err);
    }
}

fn key_kind(name: &str) -> Kind {
    KEYS.iter()
        .find(|k| k.name == name)
        .map(|k| k.kind)
        .unwrap_or(Kind::Bool)
}

/// Policies as the checklist may meet them (within every key's range).
fn policy() -> impl Strategy<Value = Policy> {
    (
        1u32..40,
        0u32..40,
        0u32..3,
        0u32..3,
        0u32..3,
        0u32..3,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(min, extra, lower, upper, digit, symbol, common, personal)| {
                let mut p = Policy::default();
                let pairs = [
                    ("min_length", min.to_string()),
                    ("max_length", (min + extra).max(12).to_string()),
                    ("require_lower", lower.to_string()),
                    ("require_upper", upper.to_string()),
                    ("require_digit", digit.to_string()),
                    ("require_symbol", symbol.to_string()),
                    ("reject_common", common.to_string()),
                    ("reject_login_or_name", personal.to_string()),
                ];
                for (k, v) in pairs {
                    // Out of a key's range, the default stays.
                    let _ = p.set(k, &v);
                }
                p
            },
        )
}

proptest! {
    #[test]
    fn the_checklist_lists_every_rule_and_its_verdict(pw in text(50), policy in policy()) {
        let password = Password::new(pw);
        let ctx = PasswordContext { login: "anna.b", name: "Anna Berg", email: "anna@example.org" };
        let checks = checklist(&policy, &password, &ctx);
        let len = password.len_chars();
        let rule = |name: &str| checks.iter().find(|c| c.rule == name);
        prop_assert_eq!(rule("min_length").map(|c| c.met), Some(len >= policy.min_length as usize));
        prop_assert_eq!(rule("max_length").map(|c| c.met), Some(len <= policy.max_length as usize));
        prop_assert_eq!(
            rule("no_control").map(|c| c.met),
            Some(!password.expose().chars().any(char::is_control))
        );
        prop_assert_eq!(rule("reject_common").is_some(), policy.reject_common);
        prop_assert_eq!(rule("reject_login_or_name").is_some(), policy.reject_login_or_name);
        // The broken rules' messages, in checklist order, and only those.
        let broken: Vec<String> = checks.iter().filter(|c| !c.met).map(|c| c.message.clone()).collect();
        prop_assert_eq!(violations(&checks), broken);
        // A message never shows the password.
        if password.len_chars() >= 4 {
            for c in &checks {
                prop_assert!(!c.message.contains(password.expose()), "{}", c.message);
            }
        }
    }
}

static KEY: LazyLock<AuditKey> = LazyLock::new(AuditKey::generate);

fn entry() -> impl Strategy<Value = Canonical> {
    (
        1i64..i64::MAX,
        text(20),
        text(20),
        text(20),
        text(60),
        "[0-9a-f]{64}",
        0i64..4_102_444_800,
        0u32..1_000_000,
    )
        .prop_map(
            |(seq, actor, action, target, details, prev, secs, micros)| {
                let at = chrono::DateTime::from_timestamp(secs, micros * 1000).unwrap_or_default();
                Canonical::new(&prev, seq, at, &actor, &action, &target, &details)
            },
        )
}

proptest! {
    #[test]
    fn the_audit_encoding_decodes_to_the_entry(e in entry()) {
        prop_assert_eq!(Canonical::decode(&e.encode()), Some(e));
    }

    #[test]
    fn distinct_entries_get_distinct_macs(a in entry(), b in entry()) {
        prop_assume!(a != b);
        prop_assert_ne!(a.encode(), b.encode());
        prop_assert_ne!(entry_mac(&KEY, &a), entry_mac(&KEY, &b));
        prop_assert_ne!(entry_hash(&a), entry_hash(&b));
        // A MAC is not the plain hash, and another key gives another MAC.
        prop_assert_ne!(entry_mac(&KEY, &a), entry_hash(&a));
        prop_assert_ne!(entry_mac(&KEY, &a), entry_mac(&AuditKey::generate(), &a));
    }

    #[test]
    fn one_changed_field_changes_the_mac(e in entry(), field in 0usize..7, extra in "[a-z]{1,3}") {
        let mut changed = e.clone();
        match field {
            0 => changed.seq = e.seq.wrapping_add(1),
            1 => changed.at.push_str(&extra),
            2 => changed.actor.push_str(&extra),
            3 => changed.action.push_str(&extra),
            4 => changed.target.push_str(&extra),
            5 => changed.details.push_str(&extra),
            _ => changed.prev_hash.push_str(&extra),
        }
        prop_assert_ne!(entry_mac(&KEY, &e), entry_mac(&KEY, &changed));
    }
}
