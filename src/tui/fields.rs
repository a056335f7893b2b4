//! Form fields: plain text (tui-input) and secrets (never echoed, wiped on
//! drop). Both take typed keys and pasted text, and cap their length so a
//! huge paste cannot flood the state.

use crossterm::event::{Event as CtEvent, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;
use zeroize::Zeroizing;

/// A single-line text field.
#[derive(Debug, Clone, Default)]
pub struct TextField {
    pub input: Input,
    pub max: usize,
}

impl TextField {
    pub fn new(max: usize) -> TextField {
        TextField {
            input: Input::default(),
            max,
        }
    }

    pub fn with(value: &str, max: usize) -> TextField {
        TextField {
            input: Input::new(clean(value, max)),
            max,
        }
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    pub fn clear(&mut self) {
        self.input.reset();
    }

    /// Edits with a key; true if the value or cursor changed.
    pub fn key(&mut self, key: &KeyEvent) -> bool {
        if let KeyCode::Char(_) = key.code
            && self.input.value().chars().count() >= self.max
            && !key.modifiers.contains(KeyModifiers::CONTROL)
        {
            return false;
        }
        self.input.handle_event(&CtEvent::Key(*key)).is_some()
    }

    /// Inserts pasted text at the cursor: control characters (line breaks)
    /// are dropped and the length is capped.
    pub fn paste(&mut self, text: &str) {
        let room = self.max.saturating_sub(self.input.value().chars().count());
        for c in text.chars().filter(|c| !c.is_control()).take(room) {
            self.input.handle(tui_input::InputRequest::InsertChar(c));
        }
    }
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
                }
                true
            }
            KeyCode::Backspace => {
                self.value.pop();
                true
            }
            _ => false,
        }
    }

    /// Pasted text goes in as typed, without line breaks, capped.
    pub fn paste(&mut self, text: &str) {
        let room = SECRET_MAX.saturating_sub(self.len());
        for c in text.chars().filter(|c| *c != '\n' && *c != '\r').take(room) {
            self.value.push(c);
        }
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
    fn paste_is_capped_and_cleaned() {
        let mut f = TextField::new(10);
        f.paste("line one\nline two");
        assert_eq!(f.value(), "line oneli");
        let mut s = SecretField::default();
        s.paste(&"x".repeat(5000));
        assert_eq!(s.len(), SECRET_MAX);
        assert!(s.display().chars().all(|c| c == '•'));
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
