//! The people who share a login (holders), and a user's resource grants.

use crate::domain::AccessLevel;
use crate::service::views::UserDetail;
use crate::service::views::{GrantView, HolderView};
use crate::tui::effect::{Call, FormChoices, Reply};
use crate::tui::fields::{Pasted, TextField};
use crate::tui::keys::{self, Binding, CLOSE, Cmd, FIELDS, LIST, Sections, b, code, k, popup_cmd};
use crate::tui::theme::{SELECTED_MARK, Theme};
use crate::tui::view::{Ctx, Out, View, staying_reply};
use crate::tui::widgets::{centered, popup_box, table_hints, text_field_line};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The holders list.
const HOLDERS: &[Binding] = &[
    b(
        &[k('a')],
        "add",
        "add a person who uses this login",
        Cmd::Add,
        true,
    ),
    b(
        &[k('d'), code(KeyCode::Delete)],
        "remove",
        "remove the selected person (asks first)",
        Cmd::Remove,
        true,
    ),
];

/// Adding a holder: name, email and note.
const ADDING: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        "next/add",
        "the next field; in the last one, add the person",
        Cmd::Save,
        true,
    ),
    b(
        &[code(KeyCode::Esc)],
        "back",
        "back to the list (what was typed is dropped)",
        Cmd::Cancel,
        true,
    ),
];

/// Confirming a removal.
const REMOVING: &[Binding] = &[
    b(
        &[k('y'), code(KeyCode::Enter)],
        "yes",
        "remove the person",
        Cmd::Yes,
        true,
    ),
    b(
        &[k('n'), code(KeyCode::Esc)],
        "no",
        "keep them",
        Cmd::No,
        true,
    ),
];

/// A user's resource grants.
const GRANTS: &[Binding] = &[
    b(
        &[k(' '), code(KeyCode::Right), code(KeyCode::Enter)],
        "next level",
        "the next level (none, read, standard, manage), saved at once",
        Cmd::NextChoice,
        true,
    ),
    b(
        &[code(KeyCode::Left)],
        "previous",
        "the level before, saved at once",
        Cmd::PrevChoice,
        true,
    ),
];

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

    fn handle(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        let cmd = popup_cmd(&View::keys(self), key);
        if let Some((fields, focus)) = &mut self.adding {
            if keys::focus_move(cmd, focus, 3) {
                return Out::None;
            }
            match cmd {
                Some(Cmd::Cancel) => self.adding = None,
                Some(Cmd::Save) if *focus < 2 => *focus += 1,
                Some(Cmd::Save) => {
                    let [name, email, note] = fields;
                    return Out::Call(Call::AddHolder {
                        login: self.login.clone(),
                        name: name.value().to_string(),
                        email: email.value().to_string(),
                        note: note.value().to_string(),
                    });
                }
                _ => {
                    fields[*focus].key(key);
                    self.error = None;
                }
            }
            return Out::None;
        }
        if self.confirm_remove {
            self.confirm_remove = false;
            if cmd == Some(Cmd::Yes)
                && let Some(h) = self.holders.get(self.selected)
            {
                return Out::Call(Call::RemoveHolder {
                    login: self.login.clone(),
                    id: h.id,
                });
            }
            return Out::None;
        }
        match cmd {
            Some(Cmd::Cancel) => return Out::Close,
            Some(Cmd::Down) => {
                self.selected = (self.selected + 1).min(self.holders.len().saturating_sub(1))
            }
            Some(Cmd::Up) => self.selected = self.selected.saturating_sub(1),
            Some(Cmd::Add) => {
                self.adding = Some((
                    [
                        TextField::new(200),
                        TextField::new(254),
                        TextField::new(1000),
                    ],
                    0,
                ))
            }
            Some(Cmd::Remove) if !self.holders.is_empty() => self.confirm_remove = true,
            _ => {}
        }
        Out::None
    }

    fn paste_text(&mut self, text: &str) -> Pasted {
        match &mut self.adding {
            Some((fields, focus)) => fields[*focus].paste(text),
            None => Ok(()),
        }
    }

    pub fn done(&mut self) {
        self.pending = None;
        self.adding = None;
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
            lines.push(table_hints(&View::keys(self), theme));
        } else if self.confirm_remove {
            let who = self
                .holders
                .get(self.selected)
                .map(|h| h.name.clone())
                .unwrap_or_default();
            lines.push(Line::from(Span::styled(
                format!("  Remove {who}? (any other key keeps them)"),
                theme.warn(),
            )));
            lines.push(table_hints(&View::keys(self), theme));
        } else {
            lines.push(table_hints(&View::keys(self), theme));
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
    /// The resources have been read.
    pub loaded: bool,
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
            loaded: false,
        }
    }

    /// All resources, with the user's current grants.
    pub fn fill(&mut self, resources: &[String], grants: &[GrantView]) {
        self.loaded = true;
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

    fn handle(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        match popup_cmd(&View::keys(self), key) {
            Some(Cmd::Cancel) => Out::Close,
            Some(Cmd::Down) => {
                self.selected = (self.selected + 1).min(self.rows.len().saturating_sub(1));
                Out::None
            }
            Some(Cmd::Up) => {
                self.selected = self.selected.saturating_sub(1);
                Out::None
            }
            Some(c @ (Cmd::NextChoice | Cmd::PrevChoice)) => {
                let Some((resource, level)) = self.rows.get(self.selected) else {
                    return Out::None;
                };
                let i = LEVELS.iter().position(|l| l == level).unwrap_or(0);
                let next = if c == Cmd::PrevChoice {
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

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let inner = popup_box(
            frame,
            centered(area, 72, (self.rows.len() as u16 + 7).min(24)),
            &format!("Access for {}", self.login),
            theme,
        );
        let mut lines = Vec::new();
        if !self.loaded {
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
        lines.push(table_hints(&View::keys(self), theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}

impl View for HoldersDialog {
    fn keys(&self) -> Sections {
        if self.adding.is_some() {
            vec![("Add a holder", ADDING), ("Fields", FIELDS)]
        } else if self.confirm_remove {
            vec![("Remove", REMOVING)]
        } else {
            vec![("Holders", HOLDERS), ("Moving", LIST), ("", CLOSE)]
        }
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        self.handle(key)
    }

    fn paste(&mut self, text: &str) -> Pasted {
        self.paste_text(text)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        HoldersDialog::render(self, frame, area, ctx.theme)
    }

    crate::tui::view::one_request!();

    fn reply(&mut self, _id: u64, reply: Reply) -> Out {
        let out = staying_reply(self, reply);
        if matches!(out, Out::Done { .. }) {
            self.done();
        }
        out
    }

    fn user_detail(&mut self, detail: &UserDetail, _choices: Option<&FormChoices>) {
        if detail.summary.login == self.login {
            self.refreshed(detail.holders.clone());
        }
    }
}

impl View for GrantsDialog {
    fn keys(&self) -> Sections {
        vec![("Access", GRANTS), ("Moving", LIST), ("", CLOSE)]
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        self.handle(key)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        GrantsDialog::render(self, frame, area, ctx.theme)
    }

    crate::tui::view::one_request!();

    fn reply(&mut self, _id: u64, reply: Reply) -> Out {
        let out = staying_reply(self, reply);
        if matches!(out, Out::Done { .. }) {
            self.pending = None;
        }
        out
    }

    fn form_choices(&mut self, choices: &FormChoices, detail: Option<&UserDetail>) {
        let grants = detail.map(|d| d.resources.clone()).unwrap_or_default();
        self.fill(&choices.resources, &grants);
    }

    fn user_detail(&mut self, detail: &UserDetail, choices: Option<&FormChoices>) {
        if detail.summary.login == self.login
            && let Some(c) = choices
        {
            self.fill(&c.resources, &detail.resources);
        }
    }
}
