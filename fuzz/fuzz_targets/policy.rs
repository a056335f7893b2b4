//! Policy `KEY=VALUE` arguments (`domain::policy`): any list of arguments
//! is split, applied all or nothing and validated, or refused with one
//! line naming what is wrong; an accepted policy reads back the values it
//! was given and survives its JSON form (how it is stored).
//!
//! Input: the arguments, one a line.
#![no_main]
#![forbid(unsafe_code)]

use keyward::domain::policy::{Policy, key_spec, parse_pairs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let args: Vec<String> = text.split('\n').map(str::to_string).collect();
    let pairs = match parse_pairs(&args) {
        Ok(pairs) => {
            assert!(args.iter().all(|a| a.contains('=')));
            pairs
        }
        Err(e) => {
            assert!(args.iter().any(|a| !a.contains('=')));
            assert!(!e.0.contains('\n'), "one line: {e}");
            return;
        }
    };
    for (k, v) in &pairs {
        assert_eq!(k.trim(), k);
        assert_eq!(v.trim(), v);
    }
    // The default policy and a tight one (short passwords, locks until an
    // administrator unlocks, no inactivity days).
    let tight: Vec<(String, String)> = [
        ("min_length", "8"),
        ("max_length", "20"),
        ("lockout_minutes", "0"),
        ("revalidate_after_days", "0"),
        ("delete_after_days", "0"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let Ok(tight) = Policy::default().with_changes(&tight) else {
        panic!("the tight policy is valid");
    };
    for base in [Policy::default(), tight] {
        match base.with_changes(&pairs) {
            Ok(next) => {
                assert!(next.validate().is_ok());
                for (k, _) in &pairs {
                    assert!(key_spec(k).is_some(), "accepted unknown key {k:?}");
                    let shown = next.get(k).unwrap_or_default();
                    let mut again = next.clone();
                    assert!(again.set(k, &shown).is_ok(), "{k}={shown} reads back");
                    assert_eq!(again, next);
                }
                for (k, _, _) in base.diff(&next) {
                    assert!(pairs.iter().any(|(p, _)| p == k), "{k} changed unasked");
                }
                let json = serde_json::to_string(&next).unwrap_or_default();
                let back: Policy = serde_json::from_str(&json).unwrap_or_default();
                assert_eq!(back, next, "stored form round-trips");
            }
            Err(e) => {
                assert!(!e.0.is_empty() && !e.0.contains('\n'), "one line: {e}");
            }
        }
    }
});
