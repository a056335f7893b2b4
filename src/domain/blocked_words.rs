//! Blocked words: the built-in list (assets/blocklist.txt) and an
//! organisation's own (`blocklist_file`), and when a password amounts to
//! one of them.
//!
//! Words and passwords are compared after NFC, lower case and a fold of
//! the common look-alike substitutions (`@`→a, `0`→o, `1`/`!`/`|`/`l`→i,
//! `3`→e, `4`→a, `5`/`$`→s, `7`/`+`→t, `8`→b), one character for one, so
//! `P@ssw0rd` is `password`. A password amounts to a blocked word when it
//! is the word (its letters, with digits or symbols before and after), or
//! when it contains a word of at least [`MIN_EMBEDDED`] characters and,
//! once every blocked word in it is taken out, fewer than
//! [`MIN_OWN_LETTERS`] letters of its own are left: `password123456789`,
//! `my-p@ssw0rd-2025`, `acme acme acme`. Digits and symbols never count as
//! letters of its own: they are what people add to a word to get it past a
//! rule. A passphrase that merely holds a blocked word among words of its
//! own ("the guest house by the sea") keeps them and passes.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// The shortest word that counts inside other characters. Three letters
/// ("abc", "ibm", "qwe") turn up by chance inside ordinary words and in
/// look-alike readings of digits ("8105" reads "bios"), and taking three
/// letters out of a password of 15 or more barely changes how hard it is
/// to guess; shorter words count only as the whole password (with digits
/// or symbols before and after).
pub const MIN_EMBEDDED: usize = 4;

/// The letters a password needs beside its blocked words to stand on its
/// own. Up to three are a decoration an attacker's rules try first
/// (initials, "my", "the", "xyz"); four start a word of its own. How hard
/// the rest is to guess is the strength meter's question (`min_strength`).
pub const MIN_OWN_LETTERS: usize = 4;

/// The longest password examined for words inside it: `max_length` allows
/// no more, and the search grows with the length times the list's size.
/// Longer ones are still compared whole.
pub const MAX_EXAMINED: usize = 1024;

/// One blocked word: as shown (lower case, NFC) and folded.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Word {
    shown: String,
    folded: Vec<char>,
}

/// A list of blocked words, one per line in its text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WordList {
    words: Vec<Word>,
    whole: HashSet<String>,
    /// The words of [`MIN_EMBEDDED`] characters or more, by their first
    /// folded character (positions in `words`).
    by_first: HashMap<char, Vec<usize>>,
}

impl WordList {
    /// One word per line; surrounding spaces are trimmed, blank lines and
    /// lines starting with `#` are skipped, repeats count once.
    pub fn parse(text: &str) -> WordList {
        let mut list = WordList::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let shown: String = line.nfc().collect::<String>().to_lowercase();
            if list.whole.insert(shown.clone()) {
                let folded: Vec<char> = shown.chars().map(fold).collect();
                if folded.len() >= MIN_EMBEDDED {
                    list.by_first
                        .entry(folded[0])
                        .or_default()
                        .push(list.words.len());
                }
                list.words.push(Word { shown, folded });
            }
        }
        list
    }

    /// The built-in list, compiled in from assets/blocklist.txt.
    pub fn builtin() -> &'static WordList {
        static LIST: OnceLock<WordList> = OnceLock::new();
        LIST.get_or_init(|| WordList::parse(include_str!("../../assets/blocklist.txt")))
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether `lower` (lower case, NFC) is one of the words exactly.
    pub fn contains(&self, lower: &str) -> bool {
        self.whole.contains(lower)
    }

    fn exactly<'a>(&'a self, lower: &str) -> Option<&'a str> {
        self.whole.get(lower).map(String::as_str)
    }
}

/// One character folded: lower case, then its look-alike letter.
fn fold(c: char) -> char {
    match c.to_lowercase().next().unwrap_or(c) {
        '4' | '@' => 'a',
        '8' => 'b',
        '3' => 'e',
        '1' | '!' | '|' | 'l' => 'i',
        '0' => 'o',
        '5' | '$' => 's',
        '7' | '+' => 't',
        other => other,
    }
}

/// The blocked word (as listed) that `pw` amounts to, if any, from the
/// first of `lists` that has it.
pub fn blocked_word<'a>(pw: &str, lists: &[&'a WordList]) -> Option<&'a str> {
    let pw: String = pw.nfc().collect();
    let lower = pw.to_lowercase();
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    for list in lists {
        if let Some(w) = list.exactly(&lower).or_else(|| list.exactly(core)) {
            return Some(w);
        }
    }
    let chars: Vec<char> = pw.chars().collect();
    if chars.len() > MAX_EXAMINED {
        return None;
    }
    let folded: Vec<char> = chars.iter().copied().map(fold).collect();
    let mut covered = vec![false; chars.len()];
    // The word to name: the one covering most letters, then the shortest.
    let mut named: Option<(usize, usize, &'a str)> = None;
    for start in 0..folded.len() {
        for list in lists {
            let Some(candidates) = list.by_first.get(&folded[start]) else {
                continue;
            };
            for word in candidates.iter().filter_map(|&i| list.words.get(i)) {
                let end = start + word.folded.len();
                if end > folded.len() || folded[start..end] != word.folded[..] {
                    continue;
                }
                let letters = chars[start..end]
                    .iter()
                    .filter(|c| c.is_alphabetic())
                    .count();
                // Mostly digits and symbols read as letters: a number, not the word.
                if letters * 2 < word.folded.len() {
                    continue;
                }
                covered[start..end].fill(true);
                let m = word.folded.len();
                let better =
                    named.is_none_or(|(l, len, _)| letters > l || (letters == l && m < len));
                if better {
                    named = Some((letters, m, word.shown.as_str()));
                }
            }
        }
    }
    let (_, _, word) = named?;
    let own = chars
        .iter()
        .zip(&covered)
        .filter(|(c, covered)| !**covered && c.is_alphabetic())
        .count();
    (own < MIN_OWN_LETTERS).then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn org() -> WordList {
        WordList::parse("# our words\nAcme\n\n  widgetron \nIBM\nZürich\nacme\n")
    }

    fn m(pw: &str) -> Option<&'static str> {
        static ORG: OnceLock<WordList> = OnceLock::new();
        blocked_word(pw, &[WordList::builtin(), ORG.get_or_init(org)])
    }

    #[test]
    fn parsing_skips_comments_blanks_and_repeats() {
        let list = org();
        assert_eq!(list.len(), 4);
        assert!(list.contains("acme") && list.contains("widgetron") && list.contains("ibm"));
        assert!(!list.contains("# our words"));
    }

    #[test]
    fn the_word_with_digits_or_symbols_counts_as_the_word() {
        assert_eq!(m("password123456789"), Some("password"));
        assert_eq!(m("!!Password2025!!"), Some("password"));
        assert_eq!(m("2025-acme-2025-!!"), Some("acme"));
        assert_eq!(m("1234widgetron#"), Some("widgetron"));
        assert_eq!(m("ACME"), Some("acme"));
        // A short word counts as the whole password only.
        assert_eq!(m("ibm-1234567890123"), Some("ibm"));
        assert_eq!(m("ibm and the quiet river bend"), None);
    }

    #[test]
    fn look_alikes_count_as_the_letters() {
        assert_eq!(m("P@ssw0rd-2025-!!!"), Some("p@ssw0rd"), "listed as typed");
        assert_eq!(m("2025-P4$$w0rd-!!!"), Some("password"));
        assert_eq!(m("4cm3 4cm3 4cm3 4cm3"), Some("acme"));
        assert_eq!(m("W1dg3tr0n!!!!!!!!"), Some("widgetron"));
        assert_eq!(m("l0g1n-l0g1n-2025"), Some("login"));
    }

    #[test]
    fn a_few_letters_beside_the_word_do_not_make_it_another() {
        assert_eq!(m("ourpassword2025!!"), Some("password"));
        assert_eq!(m("xyz-acme-acme-2025"), Some("acme"));
        assert_eq!(m("the acme password 99"), Some("password"));
    }

    #[test]
    fn words_of_its_own_keep_a_passphrase() {
        assert_eq!(m("correct horse battery staple"), None);
        assert_eq!(m("the guest house by the sea"), None);
        assert_eq!(m("acme makes violet kettles"), None);
        assert_eq!(m("placement of the harbour"), None);
        assert_eq!(m("abcd password"), None);
    }

    #[test]
    fn digits_that_read_as_a_word_are_a_number() {
        let list = WordList::parse("bios\n");
        assert_eq!(blocked_word("8105 2948 3317 2209", &[&list]), None);
        // Half of them letters: the word.
        assert_eq!(blocked_word("b1o5 2948 3317 2209", &[&list]), Some("bios"));
    }

    #[test]
    fn unicode_is_normalised_as_passwords_are() {
        // "Zürich" decomposed (u + combining diaeresis) in the password.
        assert_eq!(m("Zu\u{308}rich-2025-!!!"), Some("zürich"));
        assert_eq!(m("ZÜRICH 2025 !!!!"), Some("zürich"));
    }

    #[test]
    fn a_long_password_is_searched_up_to_the_most_max_length_allows() {
        let padded = format!("ourpassword{}", "1".repeat(MAX_EXAMINED - 11));
        assert_eq!(m(&padded), Some("password"));
        assert_eq!(m(&format!("{padded}1")), None, "searched no further");
        // Compared whole at any length.
        assert_eq!(
            m(&format!("password{}", "1".repeat(2000))),
            Some("password")
        );
        // A large list over the longest password stays quick.
        let words: String = (0..20_000).map(|i| format!("word{i:05}x\n")).collect();
        let list = WordList::parse(&words);
        let pw = "w0rd".repeat(MAX_EXAMINED / 4);
        let started = std::time::Instant::now();
        assert_eq!(blocked_word(&pw, &[&list]), None);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn without_the_list_its_words_pass() {
        assert_eq!(
            blocked_word("acme2025!!!!!!!!", &[WordList::builtin()]),
            None
        );
    }

    fn padding() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            proptest::char::ranges(vec!['0'..='9', '!'..='/', ' '..=' '].into()),
            0..12,
        )
        .prop_map(|v| v.into_iter().collect())
    }

    /// A blocked word as someone might type it: any case, some letters
    /// replaced by their look-alikes.
    fn typed(word: &str) -> impl Strategy<Value = String> + use<> {
        let chars: Vec<char> = word.chars().collect();
        proptest::collection::vec((any::<bool>(), any::<bool>()), chars.len()).prop_map(
            move |choices| {
                chars
                    .iter()
                    .zip(choices)
                    .map(|(&c, (upper, leet))| match (c, leet) {
                        ('a', true) => '@',
                        ('o', true) => '0',
                        ('e', true) => '3',
                        ('s', true) => '$',
                        (c, _) if upper => c.to_ascii_uppercase(),
                        (c, _) => c,
                    })
                    .collect()
            },
        )
    }

    proptest! {
        #[test]
        fn a_padded_blocked_word_is_always_found(
            typed in proptest::sample::select(vec!["password", "welcome", "changeme", "letmein", "administrator"])
                .prop_flat_map(typed),
            before in padding(),
            after in padding(),
        ) {
            // Half the letters may be look-alikes at most: keep those that are.
            let letters = typed.chars().filter(|c| c.is_alphabetic()).count();
            prop_assume!(letters * 2 >= typed.chars().count());
            let pw = format!("{before}{typed}{after}");
            // Named as listed: typed "p@ssw0rd" is that entry, not "password".
            prop_assert!(m(&pw).is_some(), "{}", pw);
        }

        #[test]
        fn digits_and_symbols_alone_never_match(pw in padding()) {
            prop_assert_eq!(m(&pw), None);
        }

        #[test]
        fn four_letters_of_its_own_keep_the_password(
            word in proptest::sample::select(vec!["password", "acme", "widgetron", "welcome"]),
            own in "[jkvx]{4,8}",
            before in padding(),
        ) {
            // j, k, v and x make no blocked word, so all of `own` is its own.
            let pw = format!("{before}{word}{own}");
            prop_assert_eq!(m(&pw), None, "{}", pw);
        }
    }
}
