//! The Users pane: a table of users with status badges, a filter searched
//! as you type, quick filters and sorting. The rows are a bounded window
//! over the listing, paged both ways (user_window.rs); only visible rows
//! are drawn.

use crate::domain::listing::{Cursor, StatusFilter, UserSort};
use crate::domain::user::time_left;
use crate::domain::{Kind, Role};
use crate::service::UserFilter;
use crate::service::views::UserSummary;
use crate::tui::fields::TextField;
use crate::tui::table::{self, Column};
use crate::tui::theme::{SELECTED_MARK, Theme};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use std::collections::BTreeMap;

/// Rows per request.
pub const PAGE: i64 = 100;

#[derive(Debug, Default)]
pub struct UsersPane {
    pub rows: Vec<UserSummary>,
    pub selected: usize,
    pub offset: usize,
    /// Marked users by id, with their logins (marks outlive the window's rows).
    pub marked: BTreeMap<i64, String>,
    pub filter: TextField,
    pub editing_filter: bool,
    /// The search the rows were loaded with.
    pub search: String,
    pub status: Option<StatusFilter>,
    pub kind: Option<Kind>,
    pub role: Option<Role>,
    pub resource: Option<String>,
    pub sort: UserSort,
    /// The sort the other way round.
    pub descending: bool,
    /// Set when rows follow the window: the cursor at its last row.
    pub next: Option<Cursor>,
    /// Set when rows come before the window: the cursor at the row just
    /// before its first.
    pub prev: Option<Cursor>,
    pub loading: bool,
    pub loaded: bool,
    /// Rows still to move once the page being loaded arrives (keys pressed
    /// past the end of the loaded rows).
    pub queued: isize,
    /// How many users the listing holds (asked after its first page).
    pub total: Option<crate::service::ListCount>,
    /// The listing's position of the window's first row, when known (it
    /// is counted from either end as the window moves).
    pub window_start: Option<usize>,
    /// A count is under way.
    pub counting: bool,
    /// The listing changed since the last count was asked for.
    pub count_wanted: bool,
}

const STATUSES: [Option<StatusFilter>; 6] = [
    None,
    Some(StatusFilter::Locked),
    Some(StatusFilter::Disabled),
    Some(StatusFilter::MustChange),
    Some(StatusFilter::Inactive),
    Some(StatusFilter::Active),
];

fn status_label(s: StatusFilter) -> &'static str {
    match s {
        StatusFilter::Active => "active",
        StatusFilter::Locked => "locked",
        StatusFilter::Disabled => "disabled",
        StatusFilter::MustChange => "must change",
        StatusFilter::Inactive => "inactive",
    }
}

fn sort_label(s: UserSort) -> &'static str {
    match s {
        UserSort::Login => "login",
        UserSort::Name => "name",
        UserSort::Email => "email",
        UserSort::LastLogin => "last sign-in",
        UserSort::Kind => "kind",
        UserSort::Role => "role",
        UserSort::Status => "status",
    }
}

impl UsersPane {
    pub fn new() -> UsersPane {
        UsersPane {
            filter: TextField::new(128),
            ..Default::default()
        }
    }

    /// A page request with the pane's search, filters and sort: after the
    /// cursor, or before it with `backward` (the first or last page when
    /// the cursor is None).
    pub fn query(&self, after: Option<Cursor>, backward: bool) -> UserFilter {
        UserFilter {
            search: Some(self.search.clone()).filter(|s| !s.trim().is_empty()),
            status: self.status,
            kind: self.kind,
            role: self.role,
            resource: self.resource.clone(),
            sort: self.sort,
            after,
            backward,
            descending: self.descending,
            limit: PAGE,
        }
    }

    /// "1,234 of 1,000,001", "12 of about 1,000,000", "12 of …" while
    /// counting.
    pub fn position(&self) -> String {
        let pos = self.window_start.map(|s| s + self.selected + 1);
        crate::tui::table::position(pos, self.total.map(|t| (t.n, t.estimate)))
    }

    /// "Users  /ann  status: locked  sort: name".
    pub fn title(&self) -> String {
        let mut parts = vec!["Users".to_string()];
        if !self.search.is_empty() || self.editing_filter {
            let shown = if self.editing_filter {
                self.filter.value()
            } else {
                &self.search
            };
            parts.push(format!("/{shown}"));
            if let Some(note) = self.filter.full_note().filter(|_| self.editing_filter) {
                parts.push(format!("({note})"));
            }
        }
        if let Some(s) = self.status {
            parts.push(format!("status: {}", status_label(s)));
        }
        if let Some(k) = self.kind {
            parts.push(format!("kind: {k}"));
        }
        if let Some(r) = self.role {
            parts.push(format!("role: {}", r.label()));
        }
        if let Some(r) = &self.resource {
            parts.push(format!("resource: {r}"));
        }
        if self.sort != UserSort::Login || self.descending {
            parts.push(format!(
                "sort: {}{}",
                sort_label(self.sort),
                if self.descending { ", reversed" } else { "" }
            ));
        }
        if !self.marked.is_empty() {
            parts.push(format!("{} marked", self.marked.len()));
        }
        parts.join("  ")
    }

    pub fn selected_row(&self) -> Option<&UserSummary> {
        self.rows.get(self.selected)
    }

    /// Marks or unmarks the selected user.
    pub fn toggle_mark(&mut self) {
        if let Some(u) = self.rows.get(self.selected)
            && self.marked.remove(&u.id).is_none()
        {
            self.marked.insert(u.id, u.login.clone());
        }
    }

    /// The users an action on several applies to: the marked ones, else
    /// the selected one.
    pub fn targets(&self) -> Vec<String> {
        if self.marked.is_empty() {
            self.selected_row()
                .map(|u| vec![u.login.clone()])
                .unwrap_or_default()
        } else {
            self.marked.values().cloned().collect()
        }
    }

    /// Moves the selection, keeping it visible in `height` rows; a move
    /// past the loaded rows waits for the page that holds its end.
    pub fn move_by(&mut self, delta: isize, height: usize) {
        super::list::move_queued(
            &mut self.selected,
            &mut self.offset,
            &mut self.queued,
            self.rows.len(),
            delta,
            height,
            self.next.is_some(),
            self.prev.is_some(),
        );
    }

    pub fn scroll_into_view(&mut self, height: usize) {
        self.move_by(0, height);
    }

    pub fn cycle_status(&mut self) {
        let i = STATUSES.iter().position(|s| *s == self.status).unwrap_or(0);
        self.status = STATUSES[(i + 1) % STATUSES.len()];
    }

    pub fn cycle_kind(&mut self) {
        self.kind = match self.kind {
            None => Some(Kind::Staff),
            Some(Kind::Staff) => Some(Kind::Portal),
            Some(Kind::Portal) => None,
        };
    }

    pub fn cycle_role(&mut self) {
        self.role = match self.role {
            None => Some(Role::ALL[0]),
            Some(r) => Role::ALL
                .iter()
                .position(|x| *x == r)
                .and_then(|i| Role::ALL.get(i + 1))
                .copied(),
        };
    }

    pub fn cycle_sort(&mut self) {
        self.sort = match self.sort {
            UserSort::Login => UserSort::Name,
            UserSort::Name => UserSort::Email,
            UserSort::Email => UserSort::Kind,
            UserSort::Kind => UserSort::Role,
            UserSort::Role => UserSort::Status,
            UserSort::Status => UserSort::LastLogin,
            UserSort::LastLogin => UserSort::Login,
        };
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, now: DateTime<Utc>) {
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(format!(" {} ", self.title()), theme.title()));
        if !self.rows.is_empty() {
            block = block.title_bottom(
                Line::from(Span::styled(format!(" {} ", self.position()), theme.dim()))
                    .right_aligned(),
            );
        }
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if inner.height < 2 {
            return;
        }
        if self.rows.is_empty() {
            let text = if self.loading || !self.loaded {
                "Loading…".to_string()
            } else if self.search.is_empty()
                && self.status.is_none()
                && self.kind.is_none()
                && self.role.is_none()
            {
                "No users yet. Press n to create one.".to_string()
            } else {
                "No users match. Esc clears the filter; f, t and o cycle the quick filters."
                    .to_string()
            };
            frame.render_widget(
                Paragraph::new(Line::from(Span::styled(text, theme.dim()))),
                inner,
            );
            return;
        }
        // The email column shows from 110 columns, or whenever the rows are
        // sorted by it.
        let wide = inner.width >= 110 || self.sort == UserSort::Email;
        // Under 90 columns the last sign-in is its day: a time cut to
        // "2025-11-10 04…" says less and takes the name's room.
        let sign_in_format = if inner.width >= 90 {
            "%Y-%m-%d %H:%M"
        } else {
            "%Y-%m-%d"
        };
        let height = inner.height.saturating_sub(1) as usize;
        let end = (self.offset + height).min(self.rows.len());
        let shown = &self.rows[self.offset..end];
        let cells: Vec<Vec<Line>> = shown
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let mark = if self.offset + i == self.selected {
                    SELECTED_MARK
                } else if self.marked.contains_key(&u.id) {
                    "• "
                } else {
                    "  "
                };
                let mut cells = vec![
                    Line::raw(format!("{mark}{}", u.login)),
                    Line::raw(u.name.clone()),
                ];
                if wide {
                    cells.push(Line::raw(u.email.clone()));
                }
                cells.push(Line::raw(u.kind.as_str()));
                cells.push(Line::raw(u.role.label()));
                cells.push(badges(u, now, theme));
                cells.push(Line::raw(
                    u.last_login_at
                        .map(|t| t.format(sign_in_format).to_string())
                        .unwrap_or_else(|| "never".into()),
                ));
                cells
            })
            .collect();
        // Sized from what is on screen; the login gives way last, and
        // whatever is cut ends in "…".
        // The sorted column's header shows which way it goes (last sign-in
        // runs most recent first unless reversed).
        let up = self.descending == (self.sort == UserSort::LastLogin);
        let marked = |sort: UserSort,
                      plain: &'static str,
                      asc: &'static str,
                      desc: &'static str| match (self.sort == sort, up) {
            (false, _) => plain,
            (true, true) => asc,
            (true, false) => desc,
        };
        let mut columns = vec![
            Column::new(
                marked(UserSort::Login, "  LOGIN", "  LOGIN ▲", "  LOGIN ▼"),
                10,
                9,
            ),
            Column::new(marked(UserSort::Name, "NAME", "NAME ▲", "NAME ▼"), 8, 2).grow(),
        ];
        if wide {
            columns.push(
                Column::new(marked(UserSort::Email, "EMAIL", "EMAIL ▲", "EMAIL ▼"), 8, 1).grow(),
            );
        }
        columns.extend([
            Column::new(marked(UserSort::Kind, "KIND", "KIND ▲", "KIND ▼"), 4, 5),
            Column::new(marked(UserSort::Role, "ROLE", "ROLE ▲", "ROLE ▼"), 4, 4),
            Column::new(
                marked(UserSort::Status, "STATUS", "STATUS ▲", "STATUS ▼"),
                6,
                6,
            ),
            Column::new(
                marked(
                    UserSort::LastLogin,
                    "LAST SIGN-IN",
                    "LAST SIGN-IN ▲",
                    "LAST SIGN-IN ▼",
                ),
                10,
                3,
            ),
        ]);
        let selected = self.selected.checked_sub(self.offset);
        table::render(frame, inner, &columns, cells, selected, theme);
    }
}

/// The status badges of a row.
pub fn badges<'a>(u: &UserSummary, now: DateTime<Utc>, theme: &Theme) -> Line<'a> {
    let mut spans: Vec<Span> = Vec::new();
    let mut push = |text: String, style: Style| {
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(text, style));
    };
    // A lock that ran out since the row was read is not shown.
    let still_locked = u.locked && u.locked_until.is_none_or(|t| t > now);
    if still_locked {
        push(
            match u.locked_until {
                Some(t) => format!("LOCKED {}", time_left(t, now)),
                None => "LOCKED ∞".into(),
            },
            theme.bad(),
        );
    }
    if u.badges.disabled {
        push("disabled".into(), theme.dim());
    }
    if u.must_change_password {
        push("must-change".into(), theme.warn());
    }
    if u.badges.deletion_candidate {
        push("delete?".into(), theme.warn());
    } else if u.badges.needs_revalidation {
        push("revalidate".into(), theme.dim());
    }
    if spans.is_empty() {
        spans.push(Span::styled("ok", theme.good()));
    }
    Line::from(spans)
}
