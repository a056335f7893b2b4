//! Grant a resource to the marked users (or the selected one) from the
//! Users pane: choose the resource and the level; the dialog names how many
//! users and who before Enter grants, each grant its own audited change.
//! Opened with `a` in the Users list (its [`OPENER`]).

use super::{Opened, Opener, Popup};
use crate::domain::AccessLevel;
use crate::domain::rights::Action;
use crate::tui::app::{Main, count, names};
use crate::tui::effect::Call;
use crate::tui::keys::{Binding, Cmd, Need, Sections, b, code, k, popup_cmd};
use crate::tui::theme::Theme;
use crate::tui::view::{Ctx, Out, View};
use crate::tui::widgets::{centered, choice_line, popup_box, table_hints};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// `a` in the Users list.
pub const OPENER: Opener = Opener {
    keys: &[Binding {
        keys: &[k('a')],
        label: "grant",
        help: "grant a resource to the marked users (or the selected one)",
        cmd: Cmd::Grants,
        status: true,
        need: Need::Right(Action::ManageResources),
    }],
    applies: |p| p.pane == crate::tui::panes::Pane::Users && !p.detail,
    open,
};

fn open(m: &Main) -> Option<Opened> {
    let logins = m.users.targets();
    if logins.is_empty() {
        return None;
    }
    let resources = m
        .form_data
        .as_ref()
        .map(|d| d.resources.clone())
        .unwrap_or_default();
    Some((Popup::from(GrantMarked::new(logins, resources)), None))
}

const KEYS: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        "grant",
        "grant the resource at the level shown",
        Cmd::Save,
        true,
    ),
    b(
        &[code(KeyCode::Tab), code(KeyCode::Down)],
        "next",
        "the next choice",
        Cmd::NextField,
        false,
    ),
    b(
        &[code(KeyCode::BackTab), code(KeyCode::Up)],
        "previous",
        "the choice before",
        Cmd::PrevField,
        false,
    ),
    b(
        &[k(' '), code(KeyCode::Right)],
        "change",
        "the next resource or level",
        Cmd::NextChoice,
        true,
    ),
    b(
        &[code(KeyCode::Left)],
        "back",
        "the resource or level before",
        Cmd::PrevChoice,
        false,
    ),
    b(&[code(KeyCode::Esc)], "cancel", "cancel", Cmd::Cancel, true),
];

#[derive(Debug)]
pub struct GrantMarked {
    pub logins: Vec<String>,
    pub resources: Vec<String>,
    pub resource: usize,
    pub level: AccessLevel,
    /// 0: the resource, 1: the level.
    pub focus: usize,
    pub error: Option<String>,
    pub pending: Option<u64>,
}

impl GrantMarked {
    pub fn new(logins: Vec<String>, resources: Vec<String>) -> GrantMarked {
        GrantMarked {
            logins,
            resources,
            resource: 0,
            level: AccessLevel::Standard,
            focus: 0,
            error: None,
            pending: None,
        }
    }

    fn step(&mut self, forward: bool) {
        let next = |i: usize, n: usize| {
            if forward {
                (i + 1) % n.max(1)
            } else {
                (i + n.max(1) - 1) % n.max(1)
            }
        };
        if self.focus == 0 {
            self.resource = next(self.resource, self.resources.len());
        } else {
            let levels = AccessLevel::ALL;
            let i = levels.iter().position(|l| *l == self.level).unwrap_or(0);
            self.level = levels[next(i, levels.len())];
        }
    }
}

impl View for GrantMarked {
    fn keys(&self) -> Sections {
        vec![("Grant", KEYS)]
    }

    fn key(&mut self, key: &KeyEvent) -> Out {
        if self.pending.is_some() {
            return Out::None;
        }
        match popup_cmd(&View::keys(self), key) {
            Some(Cmd::Cancel) => return Out::Close,
            Some(Cmd::NextField | Cmd::PrevField) => self.focus = 1 - self.focus,
            Some(Cmd::NextChoice) => self.step(true),
            Some(Cmd::PrevChoice) => self.step(false),
            Some(Cmd::Save) => {
                let Some(resource) = self.resources.get(self.resource) else {
                    self.error =
                        Some("No resource exists yet: create one in the Resources pane.".into());
                    return Out::None;
                };
                return Out::Call(Call::GrantMany {
                    resource: resource.clone(),
                    logins: self.logins.clone(),
                    level: self.level,
                });
            }
            _ => {}
        }
        Out::None
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx) {
        let theme: &Theme = ctx.theme;
        let inner = popup_box(frame, centered(area, 76, 11), "Grant access", theme);
        let resource = self
            .resources
            .get(self.resource)
            .map(String::as_str)
            .unwrap_or("(no resource yet)");
        let mut lines = vec![
            Line::raw(format!(
                "Grant {}: {}",
                count(self.logins.len(), "user"),
                names(&self.logins)
            )),
            Line::raw(""),
            choice_line("Resource", resource, self.focus == 0, theme),
            choice_line("Level", self.level.as_str(), self.focus == 1, theme),
            Line::raw(""),
        ];
        if self.pending.is_some() {
            lines.push(Line::from(Span::styled("  Granting…", theme.dim())));
        } else if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("  {e}"), theme.bad())));
        }
        lines.push(table_hints(&View::keys(self), theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }

    crate::tui::view::one_request!();

    fn form_choices(
        &mut self,
        choices: &crate::tui::effect::FormChoices,
        _detail: Option<&crate::service::views::UserDetail>,
    ) {
        self.resources = choices.resources.clone();
        self.resource = self.resource.min(self.resources.len().saturating_sub(1));
    }
}
