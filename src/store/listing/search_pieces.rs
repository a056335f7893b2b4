//! The pieces of text the search blocks list (store/listing/search_blocks.rs,
//! PostgreSQL migration 0018): every substring of one to four characters
//! of each run of printable ASCII in a user's lower-cased login, name and
//! email, and the pieces a block must hold for one of its users to contain
//! a search term. Pure, so that the two sides are tested here; migration
//! 0018's `keyward_search_pieces` computes the same set in SQL.

use std::collections::HashSet;

/// The alphabet of pieces: printable ASCII, from the space to `~` (letters
/// folded to lower case, so the upper-case places stay unused). Separators
/// belong to it: "y.ande" and "s a" are then pieces of their own, as
/// selective as letters.
const ALPHABET: usize = 95;

/// How many different pieces of one, two and three characters there are
/// (those of four are kept in a set).
const PIECES: usize = ALPHABET + ALPHABET * ALPHABET + ALPHABET * ALPHABET * ALPHABET;

/// The place of a printable ASCII character in [`ALPHABET`], case folded.
fn symbol(b: u8) -> Option<usize> {
    match b.to_ascii_lowercase() {
        c @ b' '..=b'~' => Some((c - b' ') as usize),
        _ => None,
    }
}

/// The character at place `s` of [`ALPHABET`].
fn letter(s: usize) -> char {
    (b' ' + s as u8) as char
}

/// The runs of printable ASCII in `text`, as places in [`ALPHABET`]
/// (every other character, non-ASCII included, separates): migration
/// 0018's `keyward_search_pieces` keeps the same pieces, the substrings
/// that are all ASCII (it would keep control characters too, which no
/// validated field holds).
fn runs(text: &str) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut run = Vec::new();
    for b in text.bytes() {
        match symbol(b) {
            Some(s) => run.push(s),
            None if !run.is_empty() => out.push(std::mem::take(&mut run)),
            None => {}
        }
    }
    if !run.is_empty() {
        out.push(run);
    }
    out
}

/// The set of pieces of some users, one bit per possible piece.
pub(super) struct PieceSet {
    bits: Vec<u64>,
    /// Pieces of four characters: too many to give each a bit.
    quads: HashSet<[u8; 4]>,
}

impl PieceSet {
    pub fn new() -> PieceSet {
        PieceSet {
            bits: vec![0; PIECES.div_ceil(64)],
            quads: HashSet::new(),
        }
    }

    fn set(&mut self, i: usize) {
        self.bits[i / 64] |= 1 << (i % 64);
    }

    /// Adds the pieces of `text`: every substring of one to four
    /// characters of each of its runs.
    pub fn add(&mut self, text: &str) {
        for run in runs(text) {
            for (i, &a) in run.iter().enumerate() {
                self.set(a);
                if let Some(&b) = run.get(i + 1) {
                    self.set(ALPHABET + a * ALPHABET + b);
                    if let Some(&c) = run.get(i + 2) {
                        self.set(
                            ALPHABET + ALPHABET * ALPHABET + (a * ALPHABET + b) * ALPHABET + c,
                        );
                        if let Some(&d) = run.get(i + 3) {
                            self.quads.insert([a, b, c, d].map(|s| letter(s) as u8));
                        }
                    }
                }
            }
        }
    }

    pub fn clear(&mut self) {
        self.bits.fill(0);
        self.quads.clear();
    }

    /// The pieces, one a line (for `string_to_array`: a space is a piece's
    /// character).
    pub fn words(&self) -> String {
        let mut out = String::new();
        for (w, &word) in self.bits.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                let i = w * 64 + rest.trailing_zeros() as usize;
                rest &= rest - 1;
                if !out.is_empty() {
                    out.push('\n');
                }
                push_piece(&mut out, i);
            }
        }
        for quad in &self.quads {
            if !out.is_empty() {
                out.push('\n');
            }
            out.extend(quad.iter().map(|&b| b as char));
        }
        out
    }
}

/// Writes piece number `i` (as [`PieceSet`] numbers them).
fn push_piece(out: &mut String, i: usize) {
    const TWO: usize = ALPHABET * ALPHABET;
    if i < ALPHABET {
        out.push(letter(i));
    } else if i < ALPHABET + TWO {
        let i = i - ALPHABET;
        out.push(letter(i / ALPHABET));
        out.push(letter(i % ALPHABET));
    } else {
        let i = i - ALPHABET - TWO;
        out.push(letter(i / TWO));
        out.push(letter(i / ALPHABET % ALPHABET));
        out.push(letter(i % ALPHABET));
    }
}

/// The pieces a block must hold for one of its users to contain `term`:
/// each run of printable ASCII in the term whole if it is four characters
/// or shorter, else its four-character windows. Empty when the term has
/// no printable ASCII (the blocks cannot help).
pub(super) fn term_pieces(term: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for run in runs(term) {
        let width = run.len().min(4);
        for window in run.windows(width) {
            let piece: String = window.iter().map(|&s| letter(s)).collect();
            if !out.contains(&piece) {
                out.push(piece);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terms_pieces_are_its_runs_or_their_four_character_windows() {
        assert_eq!(term_pieces("zq"), ["zq"]);
        assert_eq!(term_pieces("F"), ["f"]);
        assert_eq!(term_pieces("chen"), ["chen"]);
        assert_eq!(term_pieces("y.ande"), ["y.an", ".and", "ande"]);
        assert_eq!(term_pieces("s a"), ["s a"]);
        assert_eq!(term_pieces("anana"), ["anan", "nana"]);
        assert_eq!(term_pieces("aaaaa"), ["aaaa"]);
        assert_eq!(term_pieces("@"), ["@"]);
        // Non-ASCII separates runs, as in the users' text.
        assert_eq!(term_pieces("abéc"), ["ab", "c"]);
        assert!(term_pieces("é").is_empty());
        assert!(term_pieces("").is_empty());
    }

    #[test]
    fn a_piece_set_holds_every_substring_of_one_to_four_characters_of_each_run() {
        let mut set = PieceSet::new();
        set.add("Al.Bé9");
        let all = set.words();
        let mut words: Vec<&str> = all.split('\n').collect();
        words.sort_unstable();
        assert_eq!(
            words,
            [
                ".", ".b", "9", "a", "al", "al.", "al.b", "b", "l", "l.", "l.b"
            ]
        );
        set.clear();
        assert_eq!(set.words(), "");
        set.add("ab d");
        let mut words: Vec<String> = set.words().split('\n').map(String::from).collect();
        words.sort_unstable();
        assert_eq!(
            words,
            [" ", " d", "a", "ab", "ab ", "ab d", "b", "b ", "b d", "d"]
        );
    }

    #[test]
    fn every_piece_number_spells_back_to_the_piece_that_set_it() {
        for text in [
            " ", "~", "z0", "9z", "zzz", "   ", "~~~", "a1b", "o'b", "\"x\\", "1006", "~ ~ ",
        ] {
            let mut set = PieceSet::new();
            set.add(text);
            assert!(set.words().split('\n').any(|w| w == text), "{text:?}");
        }
    }
}
