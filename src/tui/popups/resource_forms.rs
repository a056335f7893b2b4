//! Resource dialogs: a name and description form (create or edit), and a
//! user picker that searches as you type; Space marks users, Enter grants
//! the marked ones (or the selected one) access at the chosen level.

use crate::domain::AccessLevel;
use crate::service::views::UserSummary;
use crate::tui::effect::{Call, Reply};
use crate::tui::fields::{Pasted, TextField};
use crate::tui::keys::{
    self, Binding, Cmd, ENTER_NEXT, FIELDS, FORM, Sections, b, code, k, popup_cmd,
};
use crate::tui::theme::{SELECTED_MARK, Theme};
use crate::tui::view::{Ctx, DetailAfter, Out, View, usual_reply};
use crate::tui::widgets::{centered, choice_line, popup_box, table_hints, text_field_line};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use std::collections::BTreeSet;

/// The user picker's keys (typed text searches).
const PICKING: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        "grant",
        "grant the marked users (or the selected one) access at the level shown",
        Cmd::Save,
        true,
    ),
    b(
        &[k(' ')],
        "mark",
        "mark or unmark the user",
        Cmd::Mark,
        true,
    ),
    b(
        &[code(KeyCode::Tab), code(KeyCode::Right)],
        "level",
        "the next access level",
        Cmd::NextChoice,
        true,
    ),
    b(
        &[code(KeyCode::Left)],
        "level",
        "the access level before",
        Cmd::PrevChoice,
        false,
    ),
    b(&[code(KeyCode::Up)], "up", "the user above", Cmd::Up, false),
    b(
        &[code(KeyCode::Down)],
        "down",
        "the user below",
        Cmd::Down,
        false,
    ),
    b(&[code(KeyCode::Esc)], "close", "close", Cmd::Cancel, true),
];

/// Create a resource (`original` None) or edit one.
#[derive(Debug)]
pub struct ResourceForm {
    pub original: Option<String>,
    /// The name and description as the form opened.
    initial: (String, String),
    pub name: TextField,
    pub description: TextField,
    pub focus: usize,
    pub error: Option<String>,
    pub pending: Option<u64>,
}

impl ResourceForm {
    pub fn new(original: Option<(&str, &str)>) -> ResourceForm {
        ResourceForm {
            original: original.map(|(n, _)| n.to_string()),
            initial: original
                .map(|(n, d)| (n.to_string(), d.to_string()))
                .unwrap_or_default(),
            name: TextField::with(original.map(|(n, _)| n).unwrap_or(""), 100),
            description: TextField::with(original.map(|(_, d)| d).unwrap_or(""), 500),
            focus: 0,
            error: None,
            pending: None,
        }
    }

    /// The name or description differs from what the form opened with.
    pub fn edited(&self) -> bool {
        (self.name.value(), self.description.value())
            != (self.initial.0.as_str(), self.initial.1.as_str())
    }

    fn handle(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        let cmd = popup_cmd(&View::keys(self), key);
        if cmd == Some(Cmd::Cancel) {
            return Out::Close;
        }
        if keys::focus_move(cmd, &mut self.focus, 2) {
            return Out::None;
        }
        if cmd == Some(Cmd::Save) && (key.code != KeyCode::Enter || self.focus == 1) {
            if self.name.value().trim().is_empty() {
                self.error = Some("Type a name.".into());
                return Out::None;
            }
            return Out::Call(Call::SaveResource {
                original: self.original.clone(),
                name: self.name.value().trim().to_string(),
                description: self.description.value().trim().to_string(),
            });
        }
        if cmd == Some(Cmd::Save) {
            self.focus = 1;
            return Out::None;
        }
        let changed = if self.focus == 0 {
            self.name.key(key)
        } else {
            self.description.key(key)
        };
        if changed {
            self.error = None;
        }
        Out::None
    }

    fn paste_text(&mut self, text: &str) -> Pasted {
        if self.focus == 0 {
            self.name.paste(text)
        } else {
            self.description.paste(text)
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let title = match &self.original {
            Some(n) => format!("Edit resource {n}"),
            None => "New resource".into(),
        };
        let inner = popup_box(frame, centered(area, 80, 9), &title, theme);
        let (l1, c1) = text_field_line("Name", &self.name, self.focus == 0, inner.width, theme);
        let (l2, c2) = text_field_line(
            "Description",
            &self.description,
            self.focus == 1,
            inner.width,
            theme,
        );
        let mut lines = vec![l1, l2, Line::raw("")];
        if self.pending.is_some() {
            lines.push(Line::from(Span::styled("  Saving…", theme.dim())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        }
        lines.push(table_hints(&View::keys(self), theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        let cursor = if self.focus == 0 {
            c1.map(|c| (c, 0))
        } else {
            c2.map(|c| (c, 1))
        };
        if let Some((x, y)) = cursor
            && x < inner.width
        {
            frame.set_cursor_position((inner.x + x, inner.y + y));
        }
    }
}

/// Picks users to grant a resource to.
#[derive(Debug)]
pub struct UserPicker {
    pub resource: String,
    pub search: TextField,
    pub results: Vec<UserSummary>,
    pub selected: usize,
    pub marked: BTreeSet<String>,
    pub level: AccessLevel,
    /// The search request whose answer the list shows.
    pub searching: Option<u64>,
    /// The call just asked for is a search.
    asked_search: bool,
    pub error: Option<String>,
    pub pending: Option<u64>,
}

impl UserPicker {
    pub fn new(resource: &str) -> UserPicker {
        UserPicker {
            resource: resource.into(),
            search: TextField::new(128),
            results: Vec::new(),
            selected: 0,
            marked: BTreeSet::new(),
            level: AccessLevel::Standard,
            searching: None,
            asked_search: true,
            error: None,
            pending: None,
        }
    }

    /// The search to run for what is typed now.
    pub fn search_call(&self) -> Call {
        let filter = crate::service::UserFilter {
            search: Some(self.search.value().to_string()).filter(|s| !s.trim().is_empty()),
            limit: 200,
            ..Default::default()
        };
        Call::ListUsers { filter }
    }

    fn handle(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        let cycle = |level: AccessLevel, fwd: bool| {
            let levels = AccessLevel::ALL;
            let i = levels.iter().position(|l| *l == level).unwrap_or(0);
            let n = levels.len();
            levels[if fwd { (i + 1) % n } else { (i + n - 1) % n }]
        };
        match popup_cmd(&View::keys(self), key) {
            Some(Cmd::Cancel) => Out::Close,
            Some(Cmd::Down) => {
                self.selected = (self.selected + 1).min(self.results.len().saturating_sub(1));
                Out::None
            }
            Some(Cmd::Up) => {
                self.selected = self.selected.saturating_sub(1);
                Out::None
            }
            Some(Cmd::Mark) => {
                if let Some(u) = self.results.get(self.selected) {
                    if !self.marked.remove(&u.login) {
                        self.marked.insert(u.login.clone());
                    }
                    self.selected = (self.selected + 1).min(self.results.len().saturating_sub(1));
                }
                Out::None
            }
            Some(c @ (Cmd::NextChoice | Cmd::PrevChoice)) => {
                self.level = cycle(self.level, c == Cmd::NextChoice);
                Out::None
            }
            Some(_) => {
                let logins: Vec<String> = if self.marked.is_empty() {
                    self.results
                        .get(self.selected)
                        .map(|u| vec![u.login.clone()])
                        .unwrap_or_default()
                } else {
                    self.marked.iter().cloned().collect()
                };
                if logins.is_empty() {
                    self.error = Some("Search for users, mark them with Space, then Enter.".into());
                    return Out::None;
                }
                self.asked_search = false;
                Out::Call(Call::GrantMany {
                    resource: self.resource.clone(),
                    logins,
                    level: self.level,
                })
            }
            None => {
                if self.search.key(key) {
                    self.error = None;
                    self.asked_search = true;
                    return Out::Call(self.search_call());
                }
                Out::None
            }
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        let inner = popup_box(
            frame,
            centered(area, 86, area.height.saturating_sub(4)),
            &format!("Grant access to {}", self.resource),
            theme,
        );
        let (search, cursor) = text_field_line("Search", &self.search, true, inner.width, theme);
        let mut lines = vec![
            search,
            choice_line("Level", self.level.as_str(), false, theme),
            Line::raw(""),
        ];
        let room = inner.height.saturating_sub(7) as usize;
        let start = self.selected.saturating_sub(room.saturating_sub(1));
        for (i, u) in self.results.iter().enumerate().skip(start).take(room) {
            let sel = i == self.selected;
            let mark = if self.marked.contains(&u.login) {
                "[x] "
            } else {
                "[ ] "
            };
            let text = format!(
                "{}{mark}{:<28} {:<28} {}",
                if sel { SELECTED_MARK } else { "  " },
                u.login,
                u.name,
                u.kind
            );
            lines.push(if sel {
                Line::from(Span::styled(text, theme.selected()))
            } else {
                Line::raw(text)
            });
        }
        if self.results.is_empty() {
            lines.push(Line::from(Span::styled(
                "  Type to search login, name or email.",
                theme.dim(),
            )));
        }
        lines.push(Line::raw(""));
        if self.pending.is_some() {
            lines.push(Line::from(Span::styled("  Granting…", theme.dim())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        }
        lines.push(Line::from(Span::styled(
            format!(
                "  Enter grants {} user{} {} access.",
                self.marked.len().max(1),
                if self.marked.len() > 1 { "s" } else { "" },
                self.level
            ),
            theme.dim(),
        )));
        lines.push(table_hints(&View::keys(self), theme));
        frame.render_widget(Paragraph::new(lines), inner);
        if let Some(x) = cursor
            && x < inner.width
        {
            frame.set_cursor_position((inner.x + x, inner.y));
        }
    }
}

impl View for ResourceForm {
    fn keys(&self) -> Sections {
        vec![("Resource", ENTER_NEXT), ("Fields", FIELDS), ("Form", FORM)]
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        self.handle(key)
    }

    fn paste(&mut self, text: &str) -> Pasted {
        self.paste_text(text)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        ResourceForm::render(self, frame, area, ctx.theme)
    }

    crate::tui::view::one_request!();

    fn edited(&self) -> bool {
        ResourceForm::edited(self)
    }
}

impl View for UserPicker {
    fn keys(&self) -> Sections {
        vec![("Grant access", PICKING)]
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        self.handle(key)
    }

    fn paste(&mut self, text: &str) -> Pasted {
        self.search.paste(text)
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        UserPicker::render(self, frame, area, ctx.theme)
    }

    fn waits_for(&self, id: u64) -> bool {
        self.pending == Some(id) || self.searching == Some(id)
    }

    fn sent(&mut self, id: u64, _now: chrono::DateTime<chrono::Utc>) {
        // Only the latest search's answer is shown.
        if std::mem::take(&mut self.asked_search) {
            self.searching = Some(id);
        } else {
            self.pending = Some(id);
        }
    }

    fn reply(&mut self, id: u64, reply: Reply) -> Out {
        match reply {
            Reply::Users(Ok(page)) if self.searching == Some(id) => {
                self.searching = None;
                self.results = page.items;
                self.selected = self.selected.min(self.results.len().saturating_sub(1));
                Out::None
            }
            other => match usual_reply(self, other) {
                // Granted: the picker closes and the access view shows them.
                Out::Done { note, .. } => Out::Done {
                    note,
                    stays: false,
                    detail: DetailAfter::Keep,
                },
                out => out,
            },
        }
    }

    fn failed(&mut self, why: String) -> bool {
        self.pending = None;
        self.searching = None;
        self.error = Some(why);
        true
    }

    fn stop_waiting(&mut self) {
        self.pending = None;
        self.searching = None;
    }
}
