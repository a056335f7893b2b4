//! The user's key bindings. `[keys]` in the config file binds an action,
//! named as help and the status line name it ("unlock", "filter", "top"),
//! to other keys: `unlock = "U"`, `top = ["g", "Home"]`. The map is read
//! once at start and checked before the terminal is taken (an unknown
//! action, an unknown key, or a key that would then be bound twice in one
//! view is refused with a message that names it); every key lookup, and
//! every key shown in help and the status line, then goes through it.

use super::keys::{Binding, Key, Place, Sections, conflicts_under, pane_sections};
use crate::tui::popups::OPENERS;
use crossterm::event::{KeyCode, KeyModifiers};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// Actions rebound to keys, by name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Keymap {
    by_action: BTreeMap<String, Vec<Key>>,
}

static ACTIVE: OnceLock<Keymap> = OnceLock::new();

/// Makes `map` the console's keymap (once; later calls change nothing).
pub fn install(map: Keymap) {
    let _ = ACTIVE.set(map);
}

/// The keys `b` answers to under the installed keymap.
pub fn keys_of(b: &Binding) -> &'static [Key] {
    match ACTIVE.get() {
        Some(map) => map.keys_for(b),
        None => b.keys,
    }
}

/// Every view's tables, popups that open from it included.
fn views() -> Vec<(&'static str, Sections)> {
    Place::every()
        .into_iter()
        .map(|(place, name)| {
            let mut sections = pane_sections(place);
            for op in OPENERS.iter().filter(|op| (op.applies)(place)) {
                sections.push(("Opens", op.keys));
            }
            (name, sections)
        })
        .collect()
}

impl Keymap {
    /// The keymap `[keys]` describes, checked against every view.
    pub fn from_config(keys: &BTreeMap<String, Vec<String>>) -> Result<Keymap, String> {
        let views = views();
        let actions: BTreeSet<&str> = views
            .iter()
            .flat_map(|(_, sections)| sections.iter())
            .flat_map(|(_, table)| table.iter())
            .map(|b| b.label)
            .collect();
        let mut map = Keymap::default();
        for (action, specs) in keys {
            // As help spells it: "users" (list a resource's users) and
            // "Users" (go to the Users pane) are two actions.
            let name = action.trim().to_string();
            if !actions.contains(name.as_str()) {
                return Err(format!(
                    "[keys] has no action {:?}; the actions are the names help shows: {}",
                    clip(action),
                    actions.iter().copied().collect::<Vec<_>>().join(", ")
                ));
            }
            if specs.is_empty() {
                return Err(format!("[keys] {name}: give at least one key"));
            }
            let parsed = specs
                .iter()
                .map(|s| parse_key(s).map_err(|e| format!("[keys] {name}: {e}")))
                .collect::<Result<Vec<Key>, String>>()?;
            map.by_action.insert(name, parsed);
        }
        for (view, sections) in &views {
            if let Some(first) = map.conflicts(sections).into_iter().next() {
                return Err(format!("[keys]: in {view}, {first}"));
            }
        }
        Ok(map)
    }

    /// The keys `b` answers to under this keymap.
    pub fn keys_for<'a>(&'a self, b: &Binding) -> &'a [Key] {
        match self.by_action.get(b.label) {
            Some(keys) => keys,
            None => b.keys,
        }
    }

    /// The keys bound more than once among these tables under this keymap.
    pub fn conflicts(&self, sections: &[(&str, &[Binding])]) -> Vec<String> {
        conflicts_under(sections, |b| self.keys_for(b))
    }
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// One key as `[keys]` spells it: a character ("u", "U", "/"), "ctrl-x",
/// "f1" to "f12", or a named key.
fn parse_key(spec: &str) -> Result<Key, String> {
    const NAMES: &str = "esc, enter, tab, shift-tab, space, backspace, delete, up, down, left, \
                         right, home, end, pgup, pgdn";
    let unknown = || {
        format!(
            "unknown key {:?}: use a character, ctrl-x, f1 to f12, or one of {NAMES}",
            clip(spec)
        )
    };
    let plain = |code| Key {
        code,
        mods: KeyModifiers::NONE,
    };
    let mut chars = spec.chars();
    if let (Some(c), None) = (chars.next(), chars.next())
        && !c.is_control()
    {
        return Ok(plain(KeyCode::Char(c)));
    }
    let lower = spec.trim().to_ascii_lowercase();
    if let Some(rest) = lower
        .strip_prefix("ctrl-")
        .or_else(|| lower.strip_prefix("ctrl+"))
    {
        let mut cs = rest.chars();
        return match (cs.next(), cs.next()) {
            (Some(c), None) if c.is_ascii_alphanumeric() => Ok(Key {
                code: KeyCode::Char(c),
                mods: KeyModifiers::CONTROL,
            }),
            _ => Err(unknown()),
        };
    }
    if let Some(n) = lower.strip_prefix('f')
        && let Ok(n) = n.parse::<u8>()
        && (1..=12).contains(&n)
    {
        return Ok(plain(KeyCode::F(n)));
    }
    let code = match lower.as_str() {
        "esc" | "escape" => KeyCode::Esc,
        "enter" | "return" => KeyCode::Enter,
        "tab" => KeyCode::Tab,
        "shift-tab" | "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "delete" | "del" => KeyCode::Delete,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pagedown" => KeyCode::PageDown,
        _ => return Err(unknown()),
    };
    Ok(plain(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keys::{USERS, lookup};
    use crossterm::event::KeyEvent;

    fn map(entries: &[(&str, &[&str])]) -> Result<Keymap, String> {
        Keymap::from_config(
            &entries
                .iter()
                .map(|(a, ks)| (a.to_string(), ks.iter().map(|k| k.to_string()).collect()))
                .collect(),
        )
    }

    #[test]
    fn keys_are_characters_control_keys_function_keys_or_names() {
        let k = |s| parse_key(s).unwrap();
        assert_eq!(k("U").code, KeyCode::Char('U'));
        assert_eq!(k("/").code, KeyCode::Char('/'));
        assert_eq!(k("ctrl-x").mods, KeyModifiers::CONTROL);
        assert_eq!(k("F5").code, KeyCode::F(5));
        assert_eq!(k("PgDn").code, KeyCode::PageDown);
        assert_eq!(k("space").code, KeyCode::Char(' '));
        for bad in ["", "ctrl-", "f13", "hyper-x", "enterr"] {
            let e = parse_key(bad).unwrap_err();
            assert!(e.contains("unknown key"), "{bad}: {e}");
        }
    }

    #[test]
    fn an_action_takes_its_new_keys_and_help_shows_them() {
        let m = map(&[("unlock", &["U"]), ("top", &["g", "Home"])]).unwrap();
        let unlock = USERS.iter().find(|b| b.label == "unlock").unwrap();
        assert_eq!(m.keys_for(unlock).len(), 1);
        assert_eq!(m.keys_for(unlock)[0].code, KeyCode::Char('U'));
        // Other actions keep theirs.
        let mark = USERS.iter().find(|b| b.label == "mark").unwrap();
        assert_eq!(m.keys_for(mark), mark.keys);
        // With no keymap installed, lookups use the tables' keys.
        let ev = KeyEvent::from(KeyCode::Char('u'));
        assert!(lookup(&[USERS], &ev, crate::domain::Role::GlobalAdmin).is_some());
    }

    #[test]
    fn unknown_actions_empty_lists_and_double_bindings_are_refused() {
        let e = map(&[("unlok", &["U"])]).unwrap_err();
        assert!(e.contains("\"unlok\"") && e.contains("unlock"), "{e}");
        let e = map(&[("unlock", &[])]).unwrap_err();
        assert!(e.contains("at least one key"), "{e}");
        let e = map(&[("unlock", &["hyper-u"])]).unwrap_err();
        assert!(e.contains("unlock") && e.contains("unknown key"), "{e}");
        // f cycles the status filter in the Users pane.
        let e = map(&[("unlock", &["f"])]).unwrap_err();
        assert!(
            e.contains("the Users pane") && e.contains("f is bound to both"),
            "{e}"
        );
        // Case tells two actions apart: the pane and a resource's users.
        map(&[("Users", &["F2"]), ("users", &["U"])]).unwrap();
        // Swapping two keys is fine when both move.
        map(&[("top", &["G"]), ("bottom", &["g"])]).unwrap();
    }

    #[test]
    fn the_default_keymap_binds_no_key_twice_in_any_view() {
        let m = Keymap::default();
        for (view, sections) in views() {
            assert!(m.conflicts(&sections).is_empty(), "{view}");
        }
    }
}
