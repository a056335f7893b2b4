//! The people who share a login (holders), and a user's resource grants.

use crate::domain::AccessLevel;
use crate::service::views::{GrantView, HolderView};
use crate::tui::effect::Call;
use crate::tui::fields::{Pasted, TextField};
use crate::tui::screens::move_focus;
use crate::tui::theme::{SELECTED_MARK, Theme};
use crate::tui::widgets::{centered, hints, popup_box, text_field_line};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Out;

/// Holders: list, add (name, email, note), remove the selected one.
#[derive(Debug)]
pub struct HoldersDialog {
    pub login: String,
    pub holders: Vec<HolderView>,
    pub selected: usize,
    /// Adding: name, email, note fields and focus.
    pub adding: Option<([TextField; 3], usize)>,
    pub confirm_remove: bool,
    pub error: Option<String>,
    pub pending: Option<u64>,
}

impl HoldersDialog {
    pub fn new(login: &str, holders: Vec<HolderView>) -> HoldersDialog {
        HoldersDialog {
            login: login.into(),
            holders,
            selected: 0,
            adding: None,
            confirm_remove: false,
            error: None,
            pending: None,
        }
    }

    pub fn refreshed(&mut self, holders: Vec<HolderView>) {
        self.holders = holders;
        self.selected = self.selected.min(self.holders.len().saturating_sub(1));
    }

    pub fn key(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        if let Some((fields, focus)) = &mut self.adding {
            if key.code == KeyCode::Esc {
                self.adding = None;
                return Out::None;
            }
            if move_focus(focus, 3, key) {
                return Out::None;
            }
            if key.code == KeyCode::Enter {
                if *focus < 2 {
                    *focus += 1;
                    return Out::None;
                }
                let [name, email, note] = fields;
                return Out::Call(Call::AddHolder {
                    login: self.login.clone(),
                    name: name.value().to_string(),
                    email: email.value().to_string(),
                    note: note.value().to_string(),
                });
            }
            fields[*focus].key(key);
            self.error = None;
            return Out::None;
        }
        if self.confirm_remove {
            self.confirm_remove = false;
            if matches!(key.code, KeyCode::Char('y') | KeyCode::Enter)
                && let Some(h) = self.holders.get(self.selected)
            {
                return Out::Call(Call::RemoveHolder {
                    login: self.login.clone(),
                    id: h.id,
                });
            }
            return Out::None;
        }
        match key.code {
            KeyCode::Esc => Out::Close,
            KeyCode::Char('j') | KeyCode::Down => {
                self.selected = (self.selected + 1).min(self.holders.len().saturating_sub(1));
                Out::None
            }
            KeyCode::Char('k') | KeyCode::Up => {
                self.selected = self.selected.saturating_sub(1);
                Out::None
            }
            KeyCode::Char('a') => {
                self.adding = Some((
                    [
                        TextField::new(200),
                        TextField::new(254),
                        TextField::new(1000),
                    ],
                    0,
                ));
                Out::None
            }
            KeyCode::Char('d') | KeyCode::Delete if !self.holders.is_empty() => {
                self.confirm_remove = true;
                Out::None
            }
            _ => Out::None,
        }
    }

    pub fn paste(&mut self, text: &str) -> Pasted {
        match &mut self.adding {
            Some((fields, focus)) => fields[*focus].paste(text),
            None => Ok(()),
        }
    }

    pub fn done(&mut self) {
        self.pending = None;
        self.adding = None;
    }

    pub fn failed(&mut self, why: String) {
        self.pending = None;
        self.error = Some(why);
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let inner = popup_box(
            frame,
            centered(area, 80, 18),
            &format!("People who share {}", self.login),
            theme,
        );
        let mut lines = Vec::new();
        if self.holders.is_empty() {
            lines.push(Line::from(Span::styled(
                "  Nobody recorded. Press a to add a person who uses this login.",
                theme.dim(),
            )));
        }
        for (i, h) in self.holders.iter().enumerate() {
            let sel = i == self.selected && self.adding.is_none();
            let text = format!(
                "{}{} <{}>{}",
                if sel { SELECTED_MARK } else { "  " },
                h.name,
                h.email,
                if h.note.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", h.note)
                }
            );
            lines.push(if sel {
                Line::from(Span::styled(text, theme.selected()))
            } else {
                Line::raw(text)
            });
        }
        lines.push(Line::raw(""));
        let mut cursor = None;
        if let Some((fields, focus)) = &self.adding {
            for (i, label) in ["Name", "Email", "Note"].iter().enumerate() {
                let (l, c) = text_field_line(label, &fields[i], *focus == i, inner.width, theme);
                if let Some(c) = c {
                    cursor = Some((c, lines.len() as u16));
                }
                lines.push(l);
            }
            lines.push(hints(&[("Enter", "next / add"), ("Esc", "back")], theme));
        } else if self.confirm_remove {
            let who = self
                .holders
                .get(self.selected)
                .map(|h| h.name.clone())
                .unwrap_or_default();
            lines.push(Line::from(Span::styled(
                format!("  Remove {who}? y: yes, any other key: no"),
                theme.warn(),
            )));
        } else {
            lines.push(hints(
                &[
                    ("a", "add"),
                    ("d", "remove"),
                    ("j/k", "move"),
                    ("Esc", "close"),
                ],
                theme,
            ));
        }
        if self.pending.is_some() {
            lines.push(Line::from(Span::styled("  Saving…", theme.dim())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let Some((x, y)) = cursor
            && x < inner.width
            && y < inner.height
        {
            frame.set_cursor_position((inner.x + x, inner.y + y));
        }
    }
}

/// Access to resources: each resource with the user's level; Space or
/// ←/→ changes it (none, read, standard, manage) and saves at once.
#[derive(Debug)]
pub struct GrantsDialog {
    pub login: String,
    /// (resource, current level)
    pub rows: Vec<(String, Option<AccessLevel>)>,
    pub selected: usize,
    pub error: Option<String>,
    pub pending: Option<u64>,
    pub loading: Option<u64>,
}

const LEVELS: [Option<AccessLevel>; 4] = [
    None,
    Some(AccessLevel::Read),
    Some(AccessLevel::Standard),
    Some(AccessLevel::Manage),
];

impl GrantsDialog {
    pub fn new(login: &str) -> GrantsDialog {
        GrantsDialog {
            login: login.into(),
            rows: Vec::new(),
            selected: 0,
            error: None,
            pending: None,
            loading: None,
        }
    }

    /// All resources, with the user's current grants.
    pub fn fill(&mut self, resources: &[String], grants: &[GrantView]) {
        self.loading = None;
        self.rows = resources
            .iter()
            .map(|r| {
                (
                    r.clone(),
                    grants
                        .iter()
                        .find(|g| &g.resource == r)
                        .and_then(|g| g.level.parse().ok()),
                )
            })
            .collect();
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    pub fn key(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        match key.code {
            KeyCode::Esc => Out::Close,
            KeyCode::Char('j') | KeyCode::Down => {
                self.selected = (self.selected + 1).min(self.rows.len().saturating_sub(1));
                Out::None
            }
            KeyCode::Char('k') | KeyCode::Up => {
                self.selected = self.selected.saturating_sub(1);
                Out::None
            }
            KeyCode::Char(' ') | KeyCode::Right | KeyCode::Left | KeyCode::Enter => {
                let Some((resource, level)) = self.rows.get(self.selected) else {
                    return Out::None;
                };
                let i = LEVELS.iter().position(|l| l == level).unwrap_or(0);
                let next = if key.code == KeyCode::Left {
                    LEVELS[(i + 3) % 4]
                } else {
                    LEVELS[(i + 1) % 4]
                };
                Out::Call(Call::Grant {
                    login: self.login.clone(),
                    resource: resource.clone(),
                    level: next,
                })
            }
            _ => Out::None,
        }
    }

    pub fn failed(&mut self, why: String) {
        self.pending = None;
        self.error = Some(why);
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let inner = popup_box(
            frame,
            centered(area, 72, (self.rows.len() as u16 + 7).min(24)),
            &format!("Access for {}", self.login),
            theme,
        );
        let mut lines = Vec::new();
        if self.loading.is_some() {
            lines.push(Line::from(Span::styled(
                "  Loading resources…",
                theme.dim(),
            )));
        } else if self.rows.is_empty() {
            lines.push(Line::from(Span::styled(
                "  No resources exist yet (keyward resource add NAME).",
                theme.dim(),
            )));
        }
        for (i, (name, level)) in self.rows.iter().enumerate() {
            let sel = i == self.selected;
            let lvl = level.map(|l| l.as_str()).unwrap_or("—");
            let text = format!("{}{name:<36} {lvl}", if sel { SELECTED_MARK } else { "  " });
            lines.push(if sel {
                Line::from(Span::styled(text, theme.selected()))
            } else {
                Line::raw(text)
            });
        }
        lines.push(Line::raw(""));
        if self.pending.is_some() {
            lines.push(Line::from(Span::styled("  Saving…", theme.dim())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        }
        lines.push(hints(
            &[
                ("Space/→", "next level"),
                ("←", "previous"),
                ("Esc", "close"),
            ],
            theme,
        ));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}
