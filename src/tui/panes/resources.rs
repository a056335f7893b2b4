//! The Resources pane: resources with their number of users. Enter shows who
//! has access and at what level; from there `l` changes a level, `x` revokes
//! and `g` grants to users picked with search and marks.

use crate::service::views::{GrantView, ResourceView};
use crate::tui::table::thousands;
use crate::tui::theme::{SELECTED_MARK, Theme};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

/// How many of a resource's users its access view reads (the first, in
/// login order).
pub const ACCESS_ROWS: usize = 1000;

/// Who has access to one resource.
#[derive(Debug, Default)]
pub struct AccessView {
    pub resource: String,
    pub grants: Vec<GrantView>,
    pub selected: usize,
    pub offset: usize,
    pub loaded: bool,
    /// How many users have access: the Resources list's count when the
    /// view opened, or all of `grants` once they came in under
    /// [`ACCESS_ROWS`].
    pub total: i64,
}

impl AccessView {
    /// Takes the users read; fewer than [`ACCESS_ROWS`] are all of them.
    pub fn apply(&mut self, grants: Vec<GrantView>) {
        self.total = if grants.len() < ACCESS_ROWS {
            grants.len() as i64
        } else {
            self.total.max(grants.len() as i64)
        };
        self.grants = grants;
        self.loaded = true;
    }

    /// Whether more users have access than the view holds.
    fn partial(&self) -> bool {
        self.loaded && (self.grants.len() as i64) < self.total
    }

    fn title(&self) -> String {
        if self.partial() {
            format!(
                " Resources › {} ({} users; the first {} shown, u lists all) ",
                self.resource,
                thousands(self.total),
                thousands(self.grants.len() as i64)
            )
        } else {
            format!(
                " Resources › {} ({} users) ",
                self.resource,
                thousands(self.grants.len() as i64)
            )
        }
    }

    fn position(&self) -> Option<String> {
        crate::tui::table::position_in_part(self.selected, self.grants.len(), self.total)
    }
}

#[derive(Debug, Default)]
pub struct ResourcesPane {
    pub rows: Vec<ResourceView>,
    pub selected: usize,
    pub offset: usize,
    pub loading: bool,
    pub loaded: bool,
    pub access: Option<AccessView>,
}

impl ResourcesPane {
    pub fn apply(&mut self, rows: Vec<ResourceView>, height: usize) {
        let keep = self.rows.get(self.selected).map(|r| r.name.clone());
        self.rows = rows;
        self.loading = false;
        self.loaded = true;
        if let Some(i) = keep.and_then(|n| self.rows.iter().position(|r| r.name == n)) {
            self.selected = i;
        }
        // The list itself, even while a resource's access list is open over
        // it (`move_by` would move that one): it may have come back shorter.
        super::list::move_selection(
            &mut self.selected,
            &mut self.offset,
            self.rows.len(),
            0,
            height,
        );
    }

    pub fn move_by(&mut self, delta: isize, height: usize) {
        match &mut self.access {
            Some(a) => super::list::move_selection(
                &mut a.selected,
                &mut a.offset,
                a.grants.len(),
                delta,
                height,
            ),
            None => super::list::move_selection(
                &mut self.selected,
                &mut self.offset,
                self.rows.len(),
                delta,
                height,
            ),
        }
    }

    pub fn selected_resource(&self) -> Option<&ResourceView> {
        self.rows.get(self.selected)
    }

    pub fn selected_grant(&self) -> Option<&GrantView> {
        self.access.as_ref().and_then(|a| a.grants.get(a.selected))
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        if let Some(a) = &self.access {
            return render_access(a, frame, area, theme);
        }
        let block = crate::tui::table::with_position(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border())
                .title(Span::styled(" Resources ", theme.title())),
            crate::tui::table::position_in(self.selected, self.rows.len()),
            theme,
        );
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if self.rows.is_empty() {
            let text = if self.loaded {
                "No resources yet. Press n to create one."
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
            .map(|(i, r)| {
                let sel = self.offset + i == self.selected;
                let row = Row::new(vec![
                    Cell::from(format!(
                        "{}{}",
                        if sel { SELECTED_MARK } else { "  " },
                        r.name
                    )),
                    Cell::from(r.users.to_string()),
                    Cell::from(r.description.clone()),
                ]);
                if sel {
                    row.style(theme.selected())
                } else {
                    row
                }
            })
            .collect();
        let widths = [
            Constraint::Length(32),
            Constraint::Length(8),
            Constraint::Fill(1),
        ];
        let header = Row::new(vec!["  RESOURCE", "USERS", "DESCRIPTION"]).style(theme.title());
        frame.render_widget(
            Table::new(rows, widths).header(header).column_spacing(1),
            inner,
        );
    }
}

fn render_access(a: &AccessView, frame: &mut Frame, area: Rect, theme: &Theme) {
    let block = crate::tui::table::with_position(
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(a.title(), theme.title())),
        a.position(),
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if a.grants.is_empty() {
        let text = if a.loaded {
            "Nobody has access. Press a to grant it to users."
        } else {
            "Loading…"
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), inner);
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    let end = (a.offset + height).min(a.grants.len());
    let rows: Vec<Row> = a.grants[a.offset..end]
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let sel = a.offset + i == a.selected;
            let row = Row::new(vec![
                Cell::from(format!(
                    "{}{}",
                    if sel { SELECTED_MARK } else { "  " },
                    g.login
                )),
                Cell::from(g.level.clone()),
                Cell::from(g.granted_at.format("%Y-%m-%d %H:%M").to_string()),
            ]);
            if sel {
                row.style(theme.selected())
            } else {
                row
            }
        })
        .collect();
    let widths = [
        Constraint::Length(32),
        Constraint::Length(10),
        Constraint::Fill(1),
    ];
    let header = Row::new(vec!["  LOGIN", "LEVEL", "GRANTED"]).style(theme.title());
    frame.render_widget(
        Table::new(rows, widths).header(header).column_spacing(1),
        inner,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(n: usize) -> Vec<GrantView> {
        (0..n)
            .map(|i| GrantView {
                resource: "Mobile app".into(),
                login: format!("user{i:05}"),
                level: "user".into(),
                granted_at: chrono::DateTime::UNIX_EPOCH,
            })
            .collect()
    }

    #[test]
    fn an_access_view_that_holds_the_first_thousand_says_how_many_in_all() {
        let mut a = AccessView {
            resource: "Mobile app".into(),
            total: 9_017,
            ..Default::default()
        };
        a.apply(grants(ACCESS_ROWS));
        assert_eq!(
            a.title(),
            " Resources › Mobile app (9,017 users; the first 1,000 shown, u lists all) "
        );
        assert_eq!(
            a.position().as_deref(),
            Some("row 1 of 1,000 shown, 9,017 in all")
        );
        // Fewer than a full read are everyone, whatever the list counted.
        a.apply(grants(12));
        assert_eq!(a.title(), " Resources › Mobile app (12 users) ");
        assert_eq!(a.position().as_deref(), Some("row 1 of 12"));
    }
}
