//! Form fields: plain text (tui-input) and secrets (never echoed, wiped on
//! drop). Both take typed keys and pasted text, and cap their length: a
//! typed key past the cap is not taken, and the field says how many were
//! not (text typed by a password manager or a paste that arrives as
//! keystrokes would otherwise end silently cut), and a paste that does not
//! fit is refused whole with a message saying so (a name or a password
//! silently cut to its first characters is a different name or password).

use crossterm::event::{Event as CtEvent, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;
use zeroize::Zeroizing;

/// A single-line text field.
#[derive(Debug, Clone, Default)]
pub struct TextField {
    pub input: Input,
    pub max: usize,
    /// Characters typed while the field was full, not taken, since it last
    /// had room: shown next to the value.
    pub dropped: usize,
}

impl TextField {
    pub fn new(max: usize) -> TextField {
        TextField {
            input: Input::default(),
            max,
            dropped: 0,
        }
    }

    pub fn with(value: &str, max: usize) -> TextField {
        TextField {
            input: Input::new(clean(value, max)),
            max,
            dropped: 0,
        }
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    pub fn clear(&mut self) {
        self.input.reset();
        self.dropped = 0;
    }

    /// What to say next to the value while characters typed into the full
    /// field were not taken: "full at 64: 3 characters not typed".
    pub fn full_note(&self) -> Option<String> {
        (self.dropped > 0).then(|| {
            format!(
                "full at {}: {} not typed",
                self.max,
                crate::domain::plural::count(self.dropped as u64, "character", "characters")
            )
        })
    }

    /// Edits with a key; true if the value or cursor changed (a character
    /// typed into a full field changes neither: it is counted in
    /// [`TextField::dropped`]).
    pub fn key(&mut self, key: &KeyEvent) -> bool {
        if let KeyCode::Char(_) = key.code
            && self.input.value().chars().count() >= self.max
            && !key.modifiers.contains(KeyModifiers::CONTROL)
        {
            self.dropped += 1;
            return false;
        }
        let changed = self.input.handle_event(&CtEvent::Key(*key)).is_some();
        if self.input.value().chars().count() < self.max {
            self.dropped = 0;
        }
        changed
    }

    /// Inserts pasted text at the cursor, control characters (line breaks)
    /// dropped; refused whole if it does not fit.
    pub fn paste(&mut self, text: &str) -> Pasted {
        let room = self.max.saturating_sub(self.input.value().chars().count());
        let clean: Vec<char> = text.chars().filter(|c| !c.is_control()).collect();
        fits(clean.len(), room, self.max)?;
        for c in clean {
            self.input.handle(tui_input::InputRequest::InsertChar(c));
        }
        Ok(())
    }
}

/// What a paste did: `Err` says why nothing was pasted.
pub type Pasted = Result<(), String>;

fn fits(len: usize, room: usize, max: usize) -> Pasted {
    if len <= room {
        return Ok(());
    }
    let left = if room < max {
        format!(" ({room} left)")
    } else {
        String::new()
    };
    // Short enough for an 80-column footer; the log keeps it whole anyway.
    let len = crate::tui::table::thousands(len as i64);
    Err(format!(
        "Not pasted: {len} characters; the field takes {max}{left}."
    ))
}

fn clean(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// A password field: shown as bullets (or revealed on request), wiped when
/// dropped or cleared. Editing is at the end (type, Backspace, Ctrl-U).
#[derive(Default)]
pub struct SecretField {
    value: Zeroizing<String>,
    pub reveal: bool,
    /// Characters typed while the field was full, not taken (a password
    /// cut silently is a different password).
    dropped: usize,
}

impl std::fmt::Debug for SecretField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretField({} chars)", self.len())
    }
}

/// Longest password a field accepts (policies allow at most 1024).
pub const SECRET_MAX: usize = 1024;

impl SecretField {
    pub fn expose(&self) -> &str {
        &self.value
    }

    pub fn len(&self) -> usize {
        self.value.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// A copy for the service, as a normalised, zeroizing password.
    pub fn password(&self) -> crate::domain::Password {
        crate::domain::Password::new(self.value.to_string())
    }

    pub fn clear(&mut self) {
        self.value = Zeroizing::new(String::new());
        self.dropped = 0;
    }

    /// As [`TextField::full_note`].
    pub fn full_note(&self) -> Option<String> {
        (self.dropped > 0).then(|| {
            format!(
                "full at {SECRET_MAX}: {} not typed",
                crate::domain::plural::count(self.dropped as u64, "character", "characters")
            )
        })
    }

    pub fn key(&mut self, key: &KeyEvent) -> bool {
        match key.code {
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.clear();
                true
            }
            KeyCode::Char(c)
                if !key.modifiers.contains(KeyModifiers::CONTROL)
                    && !key.modifiers.contains(KeyModifiers::ALT) =>
            {
                if self.len() < SECRET_MAX {
                    self.value.push(c);
                } else {
                    self.dropped += 1;
                }
                true
            }
            KeyCode::Backspace => {
                self.value.pop();
                self.dropped = 0;
                true
            }
            _ => false,
        }
    }

    /// Pasted text goes in as typed, without line breaks; refused whole if
    /// it does not fit.
    pub fn paste(&mut self, text: &str) -> Pasted {
        let room = SECRET_MAX.saturating_sub(self.len());
        let len = text.chars().filter(|c| *c != '\n' && *c != '\r').count();
        fits(len, room, SECRET_MAX)?;
        for c in text.chars().filter(|c| *c != '\n' && *c != '\r') {
            self.value.push(c);
        }
        Ok(())
    }

    /// What the screen shows: bullets, or the text when revealed.
    pub fn display(&self) -> String {
        if self.reveal {
            self.value.to_string()
        } else {
            "•".repeat(self.len().min(64))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paste_that_does_not_fit_is_refused_whole() {
        let mut f = TextField::new(10);
        assert!(f.paste("line\none").is_ok());
        assert_eq!(f.value(), "lineone");
        let e = f.paste("four").unwrap_err();
        assert_eq!(e, "Not pasted: 4 characters; the field takes 10 (3 left).");
        assert_eq!(f.value(), "lineone", "nothing was pasted");
        let mut name = TextField::new(200);
        let e = name.paste(&"x".repeat(10_000)).unwrap_err();
        assert!(e.contains("10,000 characters"), "{e}");
        assert!(name.value().is_empty());
        let mut s = SecretField::default();
        assert!(s.paste(&"x".repeat(5000)).is_err());
        assert!(s.is_empty());
        s.paste(&"x".repeat(SECRET_MAX)).unwrap();
        assert_eq!(s.len(), SECRET_MAX);
        assert!(s.display().chars().all(|c| c == '•'));
    }

    #[test]
    fn characters_typed_into_a_full_field_are_counted_and_said_until_it_has_room() {
        let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        let mut f = TextField::new(3);
        for c in "abcdef".chars() {
            f.key(&key(c));
        }
        assert_eq!(f.value(), "abc");
        assert_eq!(f.dropped, 3);
        assert_eq!(
            f.full_note().as_deref(),
            Some("full at 3: 3 characters not typed")
        );
        // Moving the cursor leaves the note; making room clears it.
        f.key(&KeyEvent::new(KeyCode::Left, KeyModifiers::NONE));
        assert_eq!(f.dropped, 3);
        f.key(&KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        assert_eq!(f.dropped, 0);
        assert_eq!(f.full_note(), None);
        f.key(&key('x'));
        f.key(&key('y'));
        assert_eq!(
            f.full_note().as_deref(),
            Some("full at 3: 1 character not typed")
        );
        f.clear();
        assert_eq!(f.full_note(), None);
    }

    #[test]
    fn secret_editing() {
        let mut s = SecretField::default();
        for c in "abc".chars() {
            s.key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        s.key(&KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE));
        assert_eq!(s.expose(), "ab");
        s.key(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert!(s.is_empty());
    }
}
