//! Random input for the console soak (soak.rs): keys (any, with any
//! modifiers, now and then a release), pasted text (100 KB, control and
//! escape characters, combining and right-to-left marks), terminal sizes
//! (down to 0x0) and mouse events.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use rand::Rng;
use rand::rngs::StdRng;

const CHARS: &str =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 /:?[]{}<>+-=._@!#*~é漢🦀";

/// Any key: characters, editing and moving keys, function keys.
pub fn key(rng: &mut StdRng) -> KeyEvent {
    let code = match rng.gen_range(0..100) {
        0..=54 => {
            let chars: Vec<char> = CHARS.chars().collect();
            KeyCode::Char(chars[rng.gen_range(0..chars.len())])
        }
        55..=62 => KeyCode::Enter,
        63..=67 => KeyCode::Tab,
        68..=69 => KeyCode::BackTab,
        70..=73 => KeyCode::Backspace,
        74 => KeyCode::Delete,
        75..=77 => KeyCode::Up,
        78..=80 => KeyCode::Down,
        81..=82 => KeyCode::Left,
        83..=84 => KeyCode::Right,
        85 => KeyCode::Home,
        86 => KeyCode::End,
        87..=88 => KeyCode::PageUp,
        89..=90 => KeyCode::PageDown,
        91..=92 => KeyCode::F(rng.gen_range(1..=12)),
        93 => KeyCode::Insert,
        _ => KeyCode::Char(' '),
    };
    let modifiers = match rng.gen_range(0..100) {
        0..=79 => KeyModifiers::NONE,
        80..=87 => KeyModifiers::SHIFT,
        88..=96 => KeyModifiers::CONTROL,
        _ => KeyModifiers::ALT,
    };
    let mut key = KeyEvent::new(code, modifiers);
    // Key releases (some terminals report them) must change nothing.
    if rng.gen_bool(0.02) {
        key.kind = KeyEventKind::Release;
    }
    key
}

/// Text as a terminal's bracketed paste delivers it.
pub fn paste(rng: &mut StdRng) -> String {
    match rng.gen_range(0..7) {
        0 => "x".repeat(100 * 1024),
        1 => "pw\u{0}\u{1b}[A\r\n\t".repeat(100 * 1024 / 8),
        2 => "a\u{0}b\u{7}c\u{1b}[2Jd\re\nf\tg\u{7f}h\u{9b}i".repeat(rng.gen_range(1..50)),
        3 => String::new(),
        4 => "é漢🦀\u{301}\u{202e}".repeat(rng.gen_range(1..300)),
        5 => "line one\nline two\r\n".into(),
        _ => (0..rng.gen_range(1..40))
            .map(|_| rng.gen_range(b'!'..=b'~') as char)
            .collect(),
    }
}

/// A terminal size: mostly usable, sometimes below the minimum, down to 0x0.
pub fn size(rng: &mut StdRng) -> (u16, u16) {
    match rng.gen_range(0..10) {
        0 => (rng.gen_range(0..=1), rng.gen_range(0..=1)),
        1..=3 => (rng.gen_range(1..80), rng.gen_range(1..24)),
        7..=8 => (rng.gen_range(80..=240), rng.gen_range(24..=80)),
        _ => (rng.gen_range(80..=140), rng.gen_range(24..=48)),
    }
}

/// A wheel turn or a click anywhere (on the screen or past its edge).
pub fn mouse(rng: &mut StdRng) -> MouseEvent {
    let kind = match rng.gen_range(0..3) {
        0 => MouseEventKind::ScrollDown,
        1 => MouseEventKind::ScrollUp,
        _ => MouseEventKind::Down(MouseButton::Left),
    };
    MouseEvent {
        kind,
        column: rng.gen_range(0..250),
        row: rng.gen_range(0..80),
        modifiers: KeyModifiers::NONE,
    }
}
