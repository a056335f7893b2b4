//! The Mail view (`m` in the Audit pane): how many mails are queued, sent,
//! failed and dropped, each mail that did not leave with its error, and
//! `r` to queue the failed ones again. It reads the outbox again every few
//! seconds while open, so a bulk of links can be watched draining.

use super::{Opened, Opener, Popup};
use crate::domain::MailState;
use crate::domain::rights::Action;
use crate::service::MailStatus;
use crate::tui::app::Main;
use crate::tui::effect::{Call, Reply};
use crate::tui::keys::{Binding, Cmd, Need, Sections, b, code, k, popup_cmd};
use crate::tui::table::cut;
use crate::tui::view::{Ctx, Out, View, usual_reply};
use crate::tui::widgets::{centered, popup_box, table_hints};
use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// How often the open view reads the outbox again.
const REFRESH_SECONDS: i64 = 3;

/// `m` in the Audit pane.
pub const OPENER: Opener = Opener {
    keys: &[Binding {
        keys: &[k('m')],
        label: "mail",
        help: "the mail outbox: queued, sent and failed mail, and retry",
        cmd: Cmd::Open,
        status: true,
        need: Need::Nothing,
    }],
    applies: |p| p.pane == crate::tui::panes::Pane::Audit,
    open,
};

fn open(_m: &Main) -> Option<Opened> {
    Some((Popup::from(MailView::default()), Some(Call::MailStatus)))
}

const KEYS: &[Binding] = &[
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
        keys: &[k('r')],
        label: "retry failed",
        help: "queue every failed mail again, to be sent at once",
        cmd: Cmd::Refresh,
        status: true,
        need: Need::Right(Action::ResetPassword),
    },
    b(&[code(KeyCode::Esc)], "close", "close", Cmd::Cancel, true),
];

const CONFIRM_KEYS: &[Binding] = &[
    b(
        &[k('y')],
        "yes",
        "queue the failed mail again",
        Cmd::Yes,
        true,
    ),
    b(
        &[k('n'), code(KeyCode::Esc)],
        "no",
        "keep it failed",
        Cmd::Cancel,
        true,
    ),
];

#[derive(Debug, Default)]
pub struct MailView {
    /// `None` until the first answer.
    pub status: Option<MailStatus>,
    pub selected: usize,
    /// Asking whether to retry the failed mail.
    pub confirming: bool,
    /// When the outbox was last asked for.
    asked_at: Option<DateTime<Utc>>,
    /// What the last retry did.
    pub note: Option<String>,
    pub error: Option<String>,
    pub pending: Option<u64>,
}

impl MailView {
    fn problem_lines(&self, s: &MailStatus, width: u16, rows: usize) -> Vec<Line<'static>> {
        if s.problems.is_empty() {
            return vec![Line::raw("  Every mail has left or is on its way.")];
        }
        let start = self.selected.saturating_sub(rows.saturating_sub(1));
        let err_width = width.saturating_sub(62).max(10);
        s.problems
            .iter()
            .enumerate()
            .skip(start)
            .take(rows)
            .map(|(i, p)| {
                let when = match (p.state, p.next_attempt_at) {
                    (MailState::Queued, Some(t)) => format!("retry {}", t.format("%H:%M:%S")),
                    _ => "failed".to_string(),
                };
                let text = format!(
                    "{} {:<14} {:<24} {:>2}× {:<14} {}",
                    if i == self.selected { "▶" } else { " " },
                    cut(&p.login, 14),
                    cut(&p.recipient, 24),
                    p.attempts,
                    when,
                    cut(&p.error, err_width)
                );
                Line::raw(text)
            })
            .collect()
    }
}

impl View for MailView {
    fn keys(&self) -> Sections {
        if self.confirming {
            vec![("Retry failed mail", CONFIRM_KEYS)]
        } else {
            vec![("Mail", KEYS)]
        }
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        let cmd = popup_cmd(&View::keys(self), key);
        let problems = self.status.as_ref().map_or(0, |s| s.problems.len());
        if self.confirming {
            match cmd {
                Some(Cmd::Yes) => {
                    self.confirming = false;
                    return Out::Call(Call::RetryMail);
                }
                Some(Cmd::Cancel) => self.confirming = false,
                _ => {}
            }
            return Out::None;
        }
        match cmd {
            Some(Cmd::Cancel) => return Out::Close,
            Some(Cmd::Up) => self.selected = self.selected.saturating_sub(1),
            Some(Cmd::Down) => self.selected = (self.selected + 1).min(problems.saturating_sub(1)),
            Some(Cmd::Refresh) => match self.status.as_ref().map_or(0, |s| s.failed) {
                0 => self.note = Some("No mail has failed.".into()),
                _ => self.confirming = true,
            },
            _ => {}
        }
        Out::None
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme = ctx.theme;
        let inner = popup_box(frame, centered(area, 110, 24), "Mail", theme);
        let mut lines = Vec::new();
        match &self.status {
            None => lines.push(Line::from(Span::styled("  Loading…", theme.dim()))),
            Some(s) => {
                lines.push(Line::from(vec![
                    Span::raw(format!("  queued {}   ", s.queued)),
                    Span::styled(format!("sent {}", s.sent), theme.good()),
                    Span::raw("   "),
                    Span::styled(
                        format!("failed {}", s.failed),
                        if s.failed > 0 {
                            theme.bad()
                        } else {
                            theme.base()
                        },
                    ),
                    Span::raw(format!("   dropped {}", s.dropped)),
                ]));
                if let Some(t) = s.oldest_queued {
                    lines.push(Line::from(Span::styled(
                        format!("  oldest queued since {}", t.format("%Y-%m-%d %H:%M")),
                        theme.dim(),
                    )));
                }
                lines.push(Line::raw(""));
                lines.push(Line::from(Span::styled(
                    "  Not sent yet (newest first):",
                    theme.dim(),
                )));
                let rows = usize::from(inner.height).saturating_sub(11).max(1);
                lines.extend(self.problem_lines(s, inner.width, rows));
                // The selected mail's error in full (the table cuts it).
                if let Some(p) = s.problems.get(self.selected) {
                    lines.push(Line::raw(""));
                    lines.push(Line::from(vec![
                        Span::styled(format!("  {} ({}): ", p.login, p.kind), theme.dim()),
                        Span::raw(p.error.clone()),
                    ]));
                }
            }
        }
        lines.push(Line::raw(""));
        if self.confirming {
            let n = self.status.as_ref().map_or(0, |s| s.failed);
            lines.push(Line::from(Span::styled(
                format!("  Queue {n} failed mail again, to be sent at once? y/n"),
                theme.warn(),
            )));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        } else if let Some(n) = &self.note {
            lines.push(Line::raw(format!("  {n}")));
        }
        lines.push(table_hints(&View::keys(self), theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }

    fn waits_for(&self, id: u64) -> bool {
        self.pending == Some(id)
    }

    fn sent(&mut self, id: u64, now: DateTime<Utc>) {
        self.pending = Some(id);
        self.asked_at = Some(now);
    }

    fn failed(&mut self, why: String) -> bool {
        self.pending = None;
        self.error = Some(why);
        true
    }

    fn stop_waiting(&mut self) {
        self.pending = None;
    }

    fn refresh(&mut self, now: DateTime<Utc>) -> Option<Call> {
        let due = self
            .asked_at
            .is_none_or(|t| now - t >= Duration::seconds(REFRESH_SECONDS));
        (self.pending.is_none() && !self.confirming && due).then_some(Call::MailStatus)
    }

    fn reply(&mut self, _id: u64, reply: Reply) -> Out {
        self.pending = None;
        match reply {
            Reply::MailStatus(Ok(s)) => {
                self.selected = self.selected.min(s.problems.len().saturating_sub(1));
                self.status = Some(s);
                self.error = None;
                Out::None
            }
            Reply::Done(Ok(text)) => {
                // The retry: say so, and read the outbox again at once.
                self.note = Some(text);
                self.asked_at = None;
                Out::None
            }
            other => usual_reply(self, other),
        }
    }
}
