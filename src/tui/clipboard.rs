//! Copying to the clipboard of the terminal the console runs in, wherever
//! that is (over SSH too): the OSC 52 escape sequence, which terminals
//! (and tmux with `set-clipboard on`) turn into a clipboard write. Nothing
//! is read back, and the text is never logged.

use base64::Engine;
use zeroize::Zeroizing;

/// The OSC 52 sequence that sets the clipboard to `text`.
pub fn osc52(text: &str) -> Zeroizing<String> {
    let encoded = Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(text));
    Zeroizing::new(format!("\x1b]52;c;{}\x07", encoded.as_str()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_carries_the_text_in_base64() {
        assert_eq!(super::osc52("anna.b").as_str(), "\x1b]52;c;YW5uYS5i\x07");
    }
}
