//! The deletion candidates (`X` in the Users pane): the accounts idle past
//! their policy's `delete_after_days` (never-signed-in ones included,
//! administrators never), with their count, and `D` to purge them: after
//! the administrator's own password (a step-up) and the count typed, all or
//! nothing, audited (service/purge.rs). The same as `keyward user purge`.

use super::{Opened, Opener, Popup};
use crate::domain::rights::Action;
use crate::service::PurgePreview;
use crate::tui::app::Main;
use crate::tui::effect::{Call, Reply};
use crate::tui::fields::{Pasted, SecretField, TextField};
use crate::tui::keys::{self, Binding, Cmd, FIELDS, Need, Sections, b, code, k, popup_cmd};
use crate::tui::table::{cut, position_in_part, thousands};
use crate::tui::view::{Ctx, DetailAfter, Out, View, usual_reply};
use crate::tui::widgets::{centered, popup_box, secret_field_line, table_hints, text_field_line};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// How many candidates the preview lists (the count covers them all).
pub const SHOWN: i64 = 500;

/// `X` in the Users pane.
pub const OPENER: Opener = Opener {
    keys: &[Binding {
        keys: &[k('X')],
        label: "purge",
        help: "deletion candidates: accounts idle past their policy's delete_after_days, and purge them",
        cmd: Cmd::Open,
        status: false,
        need: Need::Right(Action::Purge),
    }],
    applies: |p| p.pane == crate::tui::panes::Pane::Users && !p.detail,
    open,
};

fn open(_m: &Main) -> Option<Opened> {
    Some((
        Popup::from(PurgeView::default()),
        Some(Call::PurgePreview { limit: SHOWN }),
    ))
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
        keys: &[k('D')],
        label: "purge all",
        help: "delete every candidate, after your password and the count",
        cmd: Cmd::Yes,
        status: true,
        need: Need::Right(Action::Purge),
    },
    b(&[code(KeyCode::Esc)], "close", "close", Cmd::Cancel, true),
];

const CONFIRM_KEYS: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        "next/purge",
        "the next field; in the last one, delete every candidate",
        Cmd::Save,
        true,
    ),
    b(
        &[code(KeyCode::Esc)],
        "back",
        "back to the list; nothing is deleted",
        Cmd::Cancel,
        true,
    ),
];

const DONE_KEYS: &[Binding] = &[b(
    &[code(KeyCode::Enter), code(KeyCode::Esc)],
    "close",
    "close",
    Cmd::Cancel,
    true,
)];

#[derive(Debug)]
pub struct PurgeView {
    /// `None` until the preview arrives.
    pub preview: Option<PurgePreview>,
    pub selected: usize,
    /// Asking for the password and the count.
    pub confirming: bool,
    pub focus: usize,
    pub admin_password: SecretField,
    pub typed_count: TextField,
    /// What the purge did; the view stays to show it.
    pub finished: Option<String>,
    pub error: Option<String>,
    pub pending: Option<u64>,
}

impl Default for PurgeView {
    fn default() -> Self {
        PurgeView {
            preview: None,
            selected: 0,
            confirming: false,
            focus: 0,
            admin_password: SecretField::default(),
            typed_count: TextField::new(20),
            finished: None,
            error: None,
            pending: None,
        }
    }
}

impl PurgeView {
    fn count(&self) -> i64 {
        self.preview.as_ref().map_or(0, |p| p.count)
    }

    fn list_key(&mut self, cmd: Option<Cmd>) -> Out {
        let shown = self.preview.as_ref().map_or(0, |p| p.candidates.len());
        match cmd {
            Some(Cmd::Cancel) => Out::Close,
            Some(Cmd::Up) => {
                self.selected = self.selected.saturating_sub(1);
                Out::None
            }
            Some(Cmd::Down) => {
                self.selected = (self.selected + 1).min(shown.saturating_sub(1));
                Out::None
            }
            Some(Cmd::Yes) if self.pending.is_some() => Out::None,
            Some(Cmd::Yes) if self.count() == 0 => {
                self.error = Some("There is nothing to purge.".into());
                Out::None
            }
            Some(Cmd::Yes) => {
                self.confirming = true;
                self.focus = 0;
                self.error = None;
                Out::None
            }
            _ => Out::None,
        }
    }

    fn confirm_key(&mut self, cmd: Option<Cmd>, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        if keys::focus_move(cmd, &mut self.focus, 2) {
            return Out::None;
        }
        match cmd {
            Some(Cmd::Cancel) => {
                self.confirming = false;
                self.admin_password.clear();
                self.typed_count.clear();
                self.error = None;
                Out::None
            }
            Some(Cmd::Save) if self.focus == 0 => {
                self.focus = 1;
                Out::None
            }
            Some(Cmd::Save) => {
                let count = self.count();
                if self.admin_password.is_empty() {
                    self.error = Some("Type your own password to confirm it is you.".into());
                    return Out::None;
                }
                if self.typed_count.value().trim() != count.to_string() {
                    self.error = Some(format!("Type {count} (the number of accounts) to confirm."));
                    return Out::None;
                }
                let call = Call::Purge {
                    admin_password: self.admin_password.password(),
                    count,
                };
                self.admin_password.clear();
                Out::Call(call)
            }
            _ => {
                if self.focus == 0 {
                    self.admin_password.key(key);
                } else {
                    self.typed_count.key(key);
                }
                self.error = None;
                Out::None
            }
        }
    }

    fn candidate_lines(&self, p: &PurgePreview, rows: usize) -> Vec<Line<'static>> {
        if p.candidates.is_empty() {
            return vec![Line::raw(
                "  No account is idle past its policy's deletion days.",
            )];
        }
        let start = self.selected.saturating_sub(rows.saturating_sub(1));
        p.candidates
            .iter()
            .enumerate()
            .skip(start)
            .take(rows)
            .map(|(i, c)| {
                let last = c.last_login_at.map_or("never signed in".to_string(), |t| {
                    format!("last {}", t.format("%Y-%m-%d"))
                });
                Line::raw(format!(
                    "{} {:<28} {:<7} {:<18} created {}",
                    if i == self.selected { "▶" } else { " " },
                    cut(&c.login, 28),
                    c.kind.as_str(),
                    last,
                    c.created_at.format("%Y-%m-%d"),
                ))
            })
            .collect()
    }
}

impl View for PurgeView {
    fn keys(&self) -> Sections {
        if self.finished.is_some() {
            vec![("Purged", DONE_KEYS)]
        } else if self.confirming {
            vec![("Purge", CONFIRM_KEYS), ("Fields", FIELDS)]
        } else {
            vec![("Deletion candidates", LIST_KEYS)]
        }
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        let cmd = popup_cmd(&View::keys(self), key);
        if self.finished.is_some() {
            return match cmd {
                Some(Cmd::Cancel) => Out::Close,
                _ => Out::None,
            };
        }
        if self.confirming {
            self.confirm_key(cmd, key)
        } else {
            self.list_key(cmd)
        }
    }

    fn paste(&mut self, text: &str) -> Pasted {
        match (self.confirming, self.focus) {
            (true, 0) => self.admin_password.paste(text),
            (true, _) => self.typed_count.paste(text),
            _ => Ok(()),
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = ctx.theme;
        let height = area.height.saturating_sub(2).min(30);
        let inner = popup_box(
            frame,
            centered(area, 90, height),
            "Deletion candidates",
            theme,
        );
        let w = inner.width;
        let mut lines = Vec::new();
        let mut cursor = None;
        match &self.preview {
            None => lines.push(Line::from(Span::styled(
                "  Looking for accounts idle past their policy's deletion days…",
                theme.dim(),
            ))),
            Some(_) if self.finished.is_some() => {
                let done = self.finished.as_deref().unwrap_or_default();
                lines.push(Line::from(Span::styled(format!("  {done}"), theme.good())));
            }
            Some(p) => {
                let more = if (p.candidates.len() as i64) < p.count {
                    format!(
                        " (the first {} shown)",
                        thousands(p.candidates.len() as i64)
                    )
                } else {
                    String::new()
                };
                lines.push(Line::from(Span::styled(
                    format!(
                        "  {} account{} idle past their policy's delete_after_days{more}. \
                         Administrators are never purged.",
                        thousands(p.count),
                        if p.count == 1 { "" } else { "s" }
                    ),
                    theme.warn(),
                )));
                lines.push(Line::raw(""));
                if self.confirming {
                    lines.push(Line::raw(format!(
                        "  Delete all {} for good: their grants, holders and history go with them.",
                        p.count
                    )));
                    lines.push(Line::raw(""));
                    let (l1, c1) = secret_field_line(
                        "Your password",
                        &self.admin_password,
                        self.focus == 0,
                        w,
                        theme,
                    );
                    let (l2, c2) = text_field_line(
                        "Type the count",
                        &self.typed_count,
                        self.focus == 1,
                        w,
                        theme,
                    );
                    cursor = if self.focus == 0 {
                        c1.map(|c| (c, 4))
                    } else {
                        c2.map(|c| (c, 5))
                    };
                    lines.push(l1);
                    lines.push(l2);
                    if self.pending.is_some() {
                        lines.push(Line::from(Span::styled("  Purging…", theme.dim())));
                    }
                } else {
                    let rows = usize::from(inner.height.saturating_sub(6)).max(1);
                    lines.extend(self.candidate_lines(p, rows));
                    if let Some(at) = position_in_part(self.selected, p.candidates.len(), p.count) {
                        lines.push(Line::from(Span::styled(at, theme.dim())).right_aligned());
                    }
                }
            }
        }
        if let Some(e) = &self.error {
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        }
        lines.push(Line::raw(""));
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
            Reply::PurgePreview(Ok(p)) => {
                self.selected = self.selected.min(p.candidates.len().saturating_sub(1));
                self.preview = Some(p);
                self.error = None;
                Out::None
            }
            // The summary stays until dismissed; every view reloads.
            Reply::Done(Ok(summary)) => {
                self.confirming = false;
                self.typed_count.clear();
                self.finished = Some(summary.clone());
                Out::Done {
                    note: summary,
                    stays: true,
                    detail: DetailAfter::Keep,
                }
            }
            other => usual_reply(self, other),
        }
    }
}
