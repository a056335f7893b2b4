//! Login IDs (`domain::LoginId::parse`) and the policy's login rules: any
//! text is accepted exactly when it has the documented shape, never panics,
//! and an accepted login keeps its text and folds to ASCII lower case.
#![no_main]
#![forbid(unsafe_code)]

use keyward::domain::policy::Policy;
use keyward::domain::user::check_login_policy;
use keyward::domain::{LoginId, login};
use libfuzzer_sys::fuzz_target;

fn well_formed(s: &str) -> bool {
    let n = s.chars().count();
    (login::LOGIN_MIN..=login::LOGIN_MAX).contains(&n)
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = login::lookup_key(text);
    assert_eq!(key.len(), text.len(), "folding keeps the length");
    match LoginId::parse(text) {
        Ok(id) => {
            assert!(well_formed(text), "accepted a bad shape: {text:?}");
            assert_eq!(id.as_str(), text);
            assert_eq!(id.lower(), key);
            assert_eq!(id.to_string(), text);
            let mut policy = Policy::default();
            for (min, digit) in [("3", "true"), ("64", "false")] {
                let _ = policy.set("login_min_length", min);
                let _ = policy.set("login_require_digit", digit);
                if let Err(e) = check_login_policy(&id, &policy) {
                    assert!(!e.is_empty());
                }
            }
        }
        Err(e) => {
            assert!(!well_formed(text), "refused a good shape: {text:?}: {e}");
            assert!(!e.is_empty() && !e.contains('\n'), "one line: {e:?}");
            // The message names a character but never prints a control one.
            assert!(!e.chars().any(char::is_control), "{e:?}");
        }
    }
});
