//! Counts in messages: "1 staff user", "2 staff users". Every message that
//! says how many of something goes through [`count`], so none reads
//! "1 staff users".

use std::fmt::Display;

/// `n` followed by `one` when `n` is 1, else by `many`.
pub fn count<N: Display + PartialEq + From<u8>>(n: N, one: &str, many: &str) -> String {
    if n == N::from(1) {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
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
}
