//! The Lockouts pane: every locked account live, with a countdown that
//! ticks each second, accounts close to locking, and recent failed sign-ins
//! (filterable). It reloads itself every couple of seconds, keeping the
//! selection and scroll position, and on PostgreSQL at once when an account
//! is locked or unlocked (`Event::LockoutsChanged`); unlock works on the selected or marked rows.
//! The rows are a window over the listing (lockout_window.rs); the title's
//! counts are of every account.

use crate::domain::listing::{LockCursor, LockoutCounts};
use crate::domain::user::time_left;
use crate::service::views::{AttemptView, UserSummary};
use crate::tui::fields::TextField;
use crate::tui::table::{self, Column, thousands};
use crate::tui::theme::{SELECTED_MARK, Theme};
use chrono::{DateTime, Duration, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use std::collections::BTreeSet;

/// How often the pane reloads while it is shown.
pub const REFRESH_SECS: i64 = 2;

#[derive(Debug, Default)]
pub struct LockoutsPane {
    pub accounts: Vec<UserSummary>,
    pub failures: Vec<AttemptView>,
    /// Every locked account and every account close to locking, listed or not.
    pub counts: LockoutCounts,
    /// The window's first account; `None` when it starts at the top.
    pub start: Option<LockCursor>,
    /// More accounts follow the window.
    pub more: bool,
    pub selected: usize,
    pub offset: usize,
    /// Marked logins (kept across reloads while they are listed).
    pub marked: BTreeSet<String>,
    pub filter: TextField,
    pub editing_filter: bool,
    pub loading: bool,
    pub loaded_at: Option<DateTime<Utc>>,
    /// Locks and unlocks are notified as they happen (PostgreSQL).
    pub live: bool,
    /// A lock or unlock was notified: reload at the next tick.
    pub reload_now: bool,
    /// One was notified while a reload was under way: reload again after it.
    pub stale: bool,
    /// Rows still to move once the window has moved (see `list::move_queued`).
    pub queued: isize,
    /// The listing's position of the window's first account, when known.
    pub start_index: Option<usize>,
}

impl LockoutsPane {
    pub fn new() -> LockoutsPane {
        LockoutsPane {
            filter: TextField::new(64),
            ..Default::default()
        }
    }

    /// Whether a reload is due.
    pub fn due(&self, now: DateTime<Utc>) -> bool {
        !self.loading
            && (self.reload_now
                || self
                    .loaded_at
                    .is_none_or(|t| now - t >= Duration::seconds(REFRESH_SECS)))
    }

    /// Some account was locked or unlocked: reload at the next tick, or
    /// after the reload under way.
    pub fn changed(&mut self) {
        if self.loading {
            self.stale = true;
        } else {
            self.reload_now = true;
        }
    }

    pub fn move_by(&mut self, delta: isize, height: usize) {
        super::list::move_queued(
            &mut self.selected,
            &mut self.offset,
            &mut self.queued,
            self.accounts.len(),
            delta,
            height,
            self.more,
            self.start.is_some(),
        );
    }

    pub fn toggle_mark(&mut self) {
        if let Some(u) = self.accounts.get(self.selected)
            && !self.marked.remove(&u.login)
        {
            self.marked.insert(u.login.clone());
        }
    }

    /// The logins an unlock applies to: the marked ones, else the selected one
    /// (only accounts that are locked or have failures).
    pub fn targets(&self) -> Vec<String> {
        if !self.marked.is_empty() {
            return self.marked.iter().cloned().collect();
        }
        self.accounts
            .get(self.selected)
            .map(|u| vec![u.login.clone()])
            .unwrap_or_default()
    }

    fn visible_failures(&self) -> Vec<&AttemptView> {
        let f = self.filter.value().to_lowercase();
        self.failures
            .iter()
            .filter(|a| {
                f.is_empty()
                    || a.login.to_lowercase().contains(&f)
                    || a.source.to_lowercase().contains(&f)
                    || a.outcome.contains(&f)
            })
            .collect()
    }

    /// " Lockouts  3 locked, 1 close to locking ": every account, however
    /// many the window holds.
    pub fn title(&self) -> String {
        format!(
            " Lockouts  {} locked, {} close to locking{} ",
            crate::domain::plural::thousands(self.counts.locked),
            crate::domain::plural::thousands(self.counts.close),
            if self.live { "  (live)" } else { "" }
        )
    }

    /// Rows of the accounts table that fit in `area_height` (the pane's body).
    pub fn table_rows(area_height: u16) -> usize {
        (area_height.saturating_mul(3) / 5).saturating_sub(3).max(1) as usize
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: DateTime<Utc>) {
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(area);
        let mut title = self.title();
        if !self.marked.is_empty() {
            title.push_str(&format!(" {} marked ", self.marked.len()));
        }
        let total = self.counts.locked + self.counts.close;
        let position = (!self.accounts.is_empty()).then(|| {
            let pos = self.start_index.map(|s| s + self.selected + 1);
            crate::tui::table::position(pos, Some((total, false)))
        });
        let block = crate::tui::table::with_position(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border())
                .title(Span::styled(title, theme.title())),
            position,
            theme,
        );
        let inner = block.inner(top);
        frame.render_widget(block, top);
        if self.accounts.is_empty() {
            let text = if self.loaded_at.is_none() {
                "Loading…"
            } else {
                "No account is locked or close to locking."
            };
            frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), inner);
        } else {
            let height = inner.height.saturating_sub(1) as usize;
            let end = (self.offset + height).min(self.accounts.len());
            let cells: Vec<Vec<Line>> = self.accounts[self.offset..end]
                .iter()
                .enumerate()
                .map(|(i, u)| {
                    let sel = self.offset + i == self.selected;
                    let mark = if sel {
                        SELECTED_MARK
                    } else if self.marked.contains(&u.login) {
                        "• "
                    } else {
                        "  "
                    };
                    let (left, style) = if is_locked(u, now) {
                        match u.locked_until {
                            Some(t) => (time_left(t, now), theme.bad()),
                            None => ("until unlocked".to_string(), theme.bad()),
                        }
                    } else if u.locked {
                        ("unlocked".to_string(), theme.good())
                    } else {
                        (
                            format!(
                                "close to locking ({}/{})",
                                u.failed_attempts, u.lockout_threshold
                            ),
                            theme.warn(),
                        )
                    };
                    vec![
                        Line::raw(format!("{mark}{}", u.login)),
                        Line::raw(u.name.clone()),
                        Line::raw(u.failed_attempts.to_string()),
                        Line::raw(
                            u.locked_at
                                .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                                .unwrap_or_else(|| "-".into()),
                        ),
                        Line::styled(left, style),
                        Line::raw(u.last_failure_source.clone().unwrap_or_else(|| "-".into())),
                    ]
                })
                .collect();
            let columns = [
                Column::new("  LOGIN", 10, 9),
                Column::new("NAME", 6, 1).grow(),
                Column::new("FAILURES", 3, 5),
                Column::new("LOCKED SINCE", 10, 3),
                Column::new("TIME LEFT", 10, 7),
                Column::new("LAST SOURCE", 6, 2),
            ];
            let selected = self.selected.checked_sub(self.offset);
            table::render(frame, inner, &columns, cells, selected, theme);
        }

        let shown = self.visible_failures();
        let filter = if self.editing_filter || !self.filter.value().is_empty() {
            match self.filter.full_note().filter(|_| self.editing_filter) {
                Some(note) => format!("  /{} ({note})", self.filter.value()),
                None => format!("  /{}", self.filter.value()),
            }
        } else {
            String::new()
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(
                format!(" Recent failed sign-ins{filter} "),
                theme.title(),
            ));
        // How many of those read the box shows (it shows the newest).
        let fit = usize::from(bottom.height.saturating_sub(2));
        let count = failures_shown(shown.len(), fit, !self.filter.value().is_empty());
        let block = table::with_position(block, count, theme);
        let inner = block.inner(bottom);
        frame.render_widget(block, bottom);
        let lines: Vec<Line> = if shown.is_empty() {
            vec![Line::from(Span::styled("None.", theme.dim()))]
        } else {
            shown
                .iter()
                .take(inner.height as usize)
                .map(|a| {
                    // Cut at the pane's edge with a mark: a login cut short
                    // reads as another, plausible account.
                    let line = Line::from(vec![
                        Span::raw(format!("{}  ", a.at.format("%Y-%m-%d %H:%M:%S"))),
                        // Always a gap after the login, however long.
                        Span::raw(format!("{:<24}  ", a.login)),
                        Span::styled(
                            format!("{:<16}", a.outcome.replace('_', " ")),
                            if a.outcome == "stale_password" {
                                theme.warn()
                            } else {
                                theme.bad()
                            },
                        ),
                        Span::styled(a.source.clone(), theme.dim()),
                    ]);
                    table::cut_line(line, inner.width)
                })
                .collect()
        };
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// "newest 8 of 500" (or "of 37 matching" under a filter): how many of
/// the failures read the box holds; nothing when it holds them all.
fn failures_shown(count: usize, fit: usize, filtered: bool) -> Option<String> {
    let matching = if filtered { " matching" } else { "" };
    // A box with no room for a row says nothing of rows it cannot show.
    (count > fit && fit > 0).then(|| {
        format!(
            "newest {} of {}{matching}",
            thousands(fit as i64),
            thousands(count as i64)
        )
    })
}

/// Locked at this moment (a lock read earlier may have run out since).
pub fn is_locked(u: &UserSummary, now: DateTime<Utc>) -> bool {
    u.locked && u.locked_until.is_none_or(|t| t > now)
}

#[cfg(test)]
mod tests {
    use super::failures_shown;

    #[test]
    fn the_failures_box_says_how_many_it_holds_of_those_read() {
        assert_eq!(failures_shown(8, 10, false), None, "all shown");
        assert_eq!(failures_shown(10, 10, false), None);
        assert_eq!(
            failures_shown(500, 8, false).as_deref(),
            Some("newest 8 of 500")
        );
        assert_eq!(
            failures_shown(1_200, 8, true).as_deref(),
            Some("newest 8 of 1,200 matching")
        );
        assert_eq!(failures_shown(500, 0, false), None, "no room for a row");
    }
}
