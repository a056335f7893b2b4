//! The keys of a resource's applications (`K` in the Resources pane): the
//! list (prefix, label, who issued it and when, live or revoked), `n` to
//! issue a new one and `x` to revoke the selected one. Both need the
//! administrator's password again (a recent step-up) and a global
//! administrator; the new key is shown once, in the secret box.

use super::{Opened, Opener, Popup};
use crate::domain::rights::Action;
use crate::service::KeyView;
use crate::tui::app::Main;
use crate::tui::effect::{Call, Reply};
use crate::tui::fields::{Pasted, SecretField, TextField};
use crate::tui::keys::{Binding, Cmd, Need, Sections, b, code, k, popup_cmd};
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Out, View, usual_reply};
use crate::tui::widgets::{centered, popup_box, secret_field_line, table_hints, text_field_line};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// `K` in the Resources list.
pub const OPENER: Opener = Opener {
    keys: &[Binding {
        keys: &[k('K')],
        label: "keys",
        help: "the resource's application keys: list, issue, revoke",
        cmd: Cmd::Open,
        status: true,
        need: Need::Nothing,
    }],
    applies: |p| p.pane == crate::tui::panes::Pane::Resources && !p.access,
    open,
};

fn open(m: &Main) -> Option<Opened> {
    let resource = m.resources.selected_resource()?.name.clone();
    let call = Call::ApiKeys {
        resource: resource.clone(),
    };
    Some((Popup::from(KeysDialog::new(resource)), Some(call)))
}

const LIST_KEYS: &[Binding] = &[
    b(
        &[k('k'), code(KeyCode::Up)],
        "up",
        "move up",
        Cmd::Up,
        false,
    ),
    b(
        &[k('j'), code(KeyCode::Down)],
        "down",
        "move down",
        Cmd::Down,
        false,
    ),
    Binding {
        keys: &[k('n')],
        label: "issue",
        help: "issue a new key (shown once; asks for your password)",
        cmd: Cmd::NewUser,
        status: true,
        need: Need::Right(Action::ManageKeys),
    },
    Binding {
        keys: &[k('x')],
        label: "revoke",
        help: "revoke the selected key at once (asks for your password)",
        cmd: Cmd::Revoke,
        status: true,
        need: Need::Right(Action::ManageKeys),
    },
    b(&[code(KeyCode::Esc)], "close", "close", Cmd::Cancel, true),
];

const FORM_KEYS: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        "confirm",
        "issue or revoke with your password",
        Cmd::Save,
        true,
    ),
    b(
        &[code(KeyCode::Tab), code(KeyCode::BackTab)],
        "field",
        "the other field",
        Cmd::NextField,
        false,
    ),
    b(
        &[code(KeyCode::Esc)],
        "back",
        "back to the keys",
        Cmd::Cancel,
        true,
    ),
];

/// What the dialog shows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    List,
    /// A new key: its label and the administrator's password.
    Issue,
    /// Revoking the key with this id and prefix: the password.
    Revoke {
        id: i64,
        prefix: String,
    },
}

#[derive(Debug)]
pub struct KeysDialog {
    pub resource: String,
    /// `None` until the list arrives.
    pub keys: Option<Vec<KeyView>>,
    pub selected: usize,
    mode: Mode,
    label: TextField,
    password: SecretField,
    /// 0: the label, 1: the password (issuing).
    focus: usize,
    pub error: Option<String>,
    pub pending: Option<u64>,
}

impl KeysDialog {
    pub fn new(resource: String) -> KeysDialog {
        KeysDialog {
            resource,
            keys: None,
            selected: 0,
            mode: Mode::List,
            label: TextField::new(100),
            password: SecretField::default(),
            focus: 0,
            error: None,
            pending: None,
        }
    }

    fn back_to_list(&mut self) {
        self.mode = Mode::List;
        self.password.clear();
        self.label.clear();
        self.error = None;
    }

    fn list_key(&mut self, cmd: Option<Cmd>) -> Out {
        let count = self.keys.as_ref().map_or(0, Vec::len);
        match cmd {
            Some(Cmd::Cancel) => return Out::Close,
            Some(Cmd::Up) => self.selected = self.selected.saturating_sub(1),
            Some(Cmd::Down) => self.selected = (self.selected + 1).min(count.saturating_sub(1)),
            Some(Cmd::NewUser) => {
                self.mode = Mode::Issue;
                self.focus = 0;
                self.error = None;
            }
            Some(Cmd::Revoke) => match self.keys.as_ref().and_then(|k| k.get(self.selected)) {
                Some(key) if key.revoked_at.is_none() => {
                    self.mode = Mode::Revoke {
                        id: key.id,
                        prefix: key.prefix.clone(),
                    };
                    self.error = None;
                }
                Some(_) => self.error = Some("That key is already revoked.".into()),
                None => self.error = Some("There is no key to revoke.".into()),
            },
            _ => {}
        }
        Out::None
    }

    fn form_key(&mut self, cmd: Option<Cmd>, key: &KeyEvent) -> Out {
        match cmd {
            Some(Cmd::Cancel) => self.back_to_list(),
            Some(Cmd::NextField) if self.mode == Mode::Issue => self.focus = 1 - self.focus,
            Some(Cmd::Save) if self.mode == Mode::Issue && self.focus == 0 => self.focus = 1,
            Some(Cmd::Save) if self.password.is_empty() => {
                self.error = Some("Type your password.".into());
            }
            Some(Cmd::Save) => {
                let admin_password = self.password.password();
                self.password.clear();
                let resource = self.resource.clone();
                return Out::Call(match &self.mode {
                    Mode::Revoke { id, .. } => Call::RevokeKey {
                        resource,
                        key: id.to_string(),
                        admin_password,
                    },
                    _ => Call::IssueKey {
                        resource,
                        label: self.label.value().trim().to_string(),
                        admin_password,
                    },
                });
            }
            _ => {
                let typed = if self.mode == Mode::Issue && self.focus == 0 {
                    self.label.key(key)
                } else {
                    self.password.key(key)
                };
                if typed {
                    self.error = None;
                }
            }
        }
        Out::None
    }

    fn list_lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let Some(keys) = &self.keys else {
            return vec![Line::from(Span::styled("  Loading…", theme.dim()))];
        };
        if keys.is_empty() {
            return vec![Line::raw(
                "  No key yet: applications of this resource cannot sign in until one is issued.",
            )];
        }
        keys.iter()
            .enumerate()
            .map(|(i, key)| {
                let state = match key.revoked_at {
                    Some(t) => format!("revoked {}", t.format("%Y-%m-%d %H:%M")),
                    None => "live".to_string(),
                };
                let label = if key.label.is_empty() {
                    "-"
                } else {
                    &key.label
                };
                let text = format!(
                    "{} {:<13} {:<16} {} by {:<14} {}",
                    if i == self.selected { "▶" } else { " " },
                    key.prefix,
                    crate::tui::table::cut(label, 16),
                    key.created_at.format("%Y-%m-%d %H:%M"),
                    crate::tui::table::cut(&key.created_by, 14),
                    state
                );
                let style = if i == self.selected {
                    theme.selected()
                } else if key.revoked_at.is_some() {
                    theme.dim()
                } else {
                    theme.base()
                };
                Line::from(Span::styled(text, style))
            })
            .collect()
    }
}

impl View for KeysDialog {
    fn keys(&self) -> Sections {
        match self.mode {
            Mode::List => vec![("Application keys", LIST_KEYS)],
            _ => vec![("Application keys", FORM_KEYS)],
        }
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        let cmd = popup_cmd(&View::keys(self), key);
        match self.mode {
            Mode::List => self.list_key(cmd),
            _ => self.form_key(cmd, key),
        }
    }

    fn paste(&mut self, text: &str) -> Pasted {
        match self.mode {
            Mode::Issue if self.focus == 0 => self.label.paste(text),
            Mode::List => Ok(()),
            _ => self.password.paste(text),
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = ctx.theme;
        let title = format!("Keys of {}", self.resource);
        let inner = popup_box(frame, centered(area, 92, 18), &title, theme);
        let mut lines = Vec::new();
        let mut cursor = None;
        match &self.mode {
            Mode::List => {
                lines.push(Line::raw(
                    "Applications call keyward serve with one of these keys (only their SHA-256 is kept).",
                ));
                lines.push(Line::raw(""));
                lines.extend(self.list_lines(theme));
            }
            Mode::Issue => {
                lines.push(Line::raw(format!(
                    "Issue a new key for {}: it is shown once; store it in the application's secrets.",
                    self.resource
                )));
                lines.push(Line::raw(""));
                let (label, at) =
                    text_field_line("Label", &self.label, self.focus == 0, inner.width, theme);
                lines.push(label);
                let (pw, at2) = secret_field_line(
                    "Your password",
                    &self.password,
                    self.focus == 1,
                    inner.width,
                    theme,
                );
                lines.push(pw);
                cursor = at.map(|x| (x, 2)).or(at2.map(|x| (x, 3)));
            }
            Mode::Revoke { prefix, .. } => {
                lines.push(Line::raw(format!(
                    "Revoke key {prefix} of {}: applications using it are refused from their next request.",
                    self.resource
                )));
                lines.push(Line::raw(""));
                let (pw, at) =
                    secret_field_line("Your password", &self.password, true, inner.width, theme);
                lines.push(pw);
                cursor = at.map(|x| (x, 2));
            }
        }
        lines.push(Line::raw(""));
        if self.pending.is_some() {
            lines.push(Line::from(Span::styled("  Working…", theme.dim())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        }
        lines.push(table_hints(&View::keys(self), theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let Some((x, y)) = cursor
            && x < inner.width
            && y < inner.height
        {
            frame.set_cursor_position((inner.x + x, inner.y + y));
        }
    }

    crate::tui::view::one_request!();

    fn reply(&mut self, _id: u64, reply: Reply) -> Out {
        self.pending = None;
        match reply {
            Reply::ApiKeys(Ok(keys)) => {
                self.selected = self.selected.min(keys.len().saturating_sub(1));
                self.keys = Some(keys);
                Out::None
            }
            other => usual_reply(self, other),
        }
    }

    fn edited(&self) -> bool {
        self.mode != Mode::List && (!self.label.value().is_empty() || !self.password.is_empty())
    }
}
