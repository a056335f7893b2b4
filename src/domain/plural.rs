//! Counts in messages: "1 staff user", "2 staff users", "8,976 characters".
//! Every message that says how many of something goes through [`count`],
//! so none reads "1 staff users", and large counts read the same everywhere.

use std::fmt::Display;

/// `n` (its digits grouped in thousands) followed by `one` when `n` is 1,
/// else by `many`.
pub fn count<N: Display + PartialEq + From<u8>>(n: N, one: &str, many: &str) -> String {
    let word = if n == N::from(1) { one } else { many };
    format!("{} {word}", group_digits(&n.to_string()))
}

/// 1234567 as "1,234,567".
pub fn thousands(n: i64) -> String {
    group_digits(&n.to_string())
}

/// Whether a typed confirmation says `expected`: a count may be typed with
/// or without the thousands separators it is shown with; anything else
/// exactly as shown.
pub fn confirms(typed: &str, expected: &str) -> bool {
    let bare = |s: &str| -> Option<String> {
        let digits: String = s.chars().filter(|c| *c != ',').collect();
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
    };
    match (bare(typed), bare(expected)) {
        (Some(a), Some(b)) => a == b,
        _ => typed == expected,
    }
}

/// A whole number's digits grouped in thousands; anything else as it is.
fn group_digits(text: &str) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.to_string();
    }
    let mut out = String::from(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1u64, "staff user", "staff users"), "1 staff user");
        assert_eq!(count(0i64, "staff user", "staff users"), "0 staff users");
        assert_eq!(count(2usize, "entry", "entries"), "2 entries");
        assert_eq!(count(-1i64, "user", "users"), "-1 users");
    }

    #[test]
    fn a_count_may_be_confirmed_with_or_without_separators() {
        use super::confirms;
        assert!(confirms("1234", "1234"));
        assert!(confirms("1,234", "1234"));
        assert!(confirms("1234", "1,234"));
        assert!(!confirms("1235", "1234"));
        assert!(!confirms("", "1234"));
        assert!(!confirms(",", "1234"));
        assert!(confirms("delete", "delete"));
        assert!(!confirms("Delete", "delete"));
    }

    #[test]
    fn large_counts_group_their_digits() {
        use super::thousands;
        assert_eq!(
            count(8976u64, "character", "characters"),
            "8,976 characters"
        );
        assert_eq!(count(1_000_001i64, "user", "users"), "1,000,001 users");
        assert_eq!(count(999usize, "user", "users"), "999 users");
        assert_eq!(thousands(-1234567), "-1,234,567");
        assert_eq!(thousands(0), "0");
    }
}
