//! The Policies pane (the legacy "Admin Settings"): named policies with how
//! many users each governs. Enter opens the policy's form; `n` creates a copy
//! of the selected one; `D` deletes one that governs nobody.

use crate::service::views::PolicyView;
use crate::tui::theme::{SELECTED_MARK, Theme};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

#[derive(Debug, Default)]
pub struct PoliciesPane {
    pub rows: Vec<PolicyView>,
    pub selected: usize,
    pub offset: usize,
    pub loading: bool,
    pub loaded: bool,
    /// The rows' user counts have come (they are listed first without).
    pub counted: bool,
}

impl PoliciesPane {
    /// The policies, without their counts (kept from before if known).
    pub fn apply(&mut self, mut rows: Vec<PolicyView>, height: usize) {
        let keep = self.rows.get(self.selected).map(|p| p.name.clone());
        for row in rows.iter_mut() {
            if let Some(old) = self.rows.iter().find(|o| o.name == row.name) {
                row.users = old.users;
            }
        }
        self.rows = rows;
        self.loading = false;
        self.loaded = true;
        if let Some(i) = keep.and_then(|n| self.rows.iter().position(|p| p.name == n)) {
            self.selected = i;
        }
        self.move_by(0, height);
    }

    /// How many users each policy governs, by name.
    pub fn counted(&mut self, counts: &[(String, i64)]) {
        for row in self.rows.iter_mut() {
            if let Some((_, n)) = counts.iter().find(|(n, _)| *n == row.name) {
                row.users = *n;
            }
        }
        self.counted = true;
    }

    /// A policy's user count, if counted.
    pub fn users(&self, p: &PolicyView) -> Option<i64> {
        self.counted.then_some(p.users)
    }

    pub fn move_by(&mut self, delta: isize, height: usize) {
        super::list::move_selection(
            &mut self.selected,
            &mut self.offset,
            self.rows.len(),
            delta,
            height,
        );
    }

    pub fn selected_policy(&self) -> Option<&PolicyView> {
        self.rows.get(self.selected)
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, can_edit: bool) {
        let title = if can_edit {
            " Policies "
        } else {
            " Policies (read-only: only global administrators change them) "
        };
        let block = crate::tui::table::with_position(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border())
                .title(Span::styled(title, theme.title())),
            crate::tui::table::position_in(self.selected, self.rows.len()),
            theme,
        );
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if self.rows.is_empty() {
            let text = if self.loaded {
                "No policies."
            } else {
                "Loading…"
            };
            frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), inner);
            return;
        }
        let height = inner.height.saturating_sub(1) as usize;
        let end = (self.offset + height).min(self.rows.len());
        let rows: Vec<Row> = self.rows[self.offset..end]
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let sel = self.offset + i == self.selected;
                let s = &p.settings;
                let row = Row::new(vec![
                    Cell::from(format!(
                        "{}{}",
                        if sel { SELECTED_MARK } else { "  " },
                        p.name
                    )),
                    Cell::from(match self.users(p) {
                        Some(n) => n.to_string(),
                        None => "…".into(),
                    }),
                    Cell::from(p.version.to_string()),
                    Cell::from(format!("{}..{}", s.min_length, s.max_length)),
                    Cell::from(format!(
                        "{} fails, {}",
                        s.lockout_threshold,
                        if s.lockout_minutes == 0 {
                            "until unlocked".to_string()
                        } else {
                            format!("{} min", s.lockout_minutes)
                        }
                    )),
                    Cell::from(s.history.to_string()),
                    Cell::from(p.updated_at.format("%Y-%m-%d %H:%M").to_string()),
                ]);
                if sel {
                    row.style(theme.selected())
                } else {
                    row
                }
            })
            .collect();
        let widths = [
            Constraint::Length(20),
            Constraint::Length(8),
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Fill(1),
            Constraint::Length(8),
            Constraint::Length(16),
        ];
        let header = Row::new(vec![
            "  POLICY", "USERS", "VERSION", "LENGTH", "LOCKOUT", "HISTORY", "CHANGED",
        ])
        .style(theme.title());
        frame.render_widget(
            Table::new(rows, widths).header(header).column_spacing(1),
            inner,
        );
    }
}
