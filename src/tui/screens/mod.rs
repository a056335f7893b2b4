//! The screens before the panes: first run, sign-in (also the idle lock),
//! and the forced password change.

pub mod must_change;
pub mod setup;
pub mod sign_in;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Moves focus through `count` fields; returns true if the key was a move.
pub fn move_focus(focus: &mut usize, count: usize, key: &KeyEvent) -> bool {
    match key.code {
        KeyCode::Tab | KeyCode::Down => {
            *focus = (*focus + 1) % count;
            true
        }
        KeyCode::BackTab | KeyCode::Up => {
            *focus = (*focus + count - 1) % count;
            true
        }
        _ => false,
    }
}

/// Ctrl-S saves a form from any field.
pub fn is_save(key: &KeyEvent) -> bool {
    key.code == KeyCode::Char('s') && key.modifiers.contains(KeyModifiers::CONTROL)
}

/// Ctrl-R shows or hides what was typed in password fields.
pub fn is_reveal(key: &KeyEvent) -> bool {
    key.code == KeyCode::Char('r') && key.modifiers.contains(KeyModifiers::CONTROL)
}
