//! The Users pane's rows: a bounded window over the listing, moved with
//! keyset pages in both directions. Pages are appended as the selection
//! nears the end and prepended as it nears the start; past [`WINDOW`] rows
//! the far side is dropped and its cursor remembered, so memory stays the
//! same at a million users. `G` loads the last page with one backward query
//! and `g` the first. Marks are ids: they outlive the rows they were on.

use super::users::{PAGE, UsersPane};
use crate::domain::listing::Cursor;
use crate::service::UserFilter;
use crate::service::views::{Page, UserSummary};
use std::collections::BTreeSet;
use std::collections::HashSet;

/// Most rows held at once (ten pages).
pub const WINDOW: usize = 10 * PAGE as usize;
/// Load the neighbouring page when the selection is this close to an edge.
const PREFETCH: usize = 30;

/// What a users request is for, and so what its answer does to the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetch {
    /// A new search, filter or sort: the first page replaces the rows, and
    /// marks on users it does not show are dropped.
    Search,
    /// A refresh: the rows from window index `from` on (the top visible
    /// row, or 0) replace the window; selection and marks stay.
    Reload { from: usize },
    /// `g`: the first page replaces the window.
    First,
    /// `G`: the last page (one backward query) replaces the window.
    Last,
    /// The page after the window, appended.
    Forward,
    /// The page before the window, prepended.
    Backward,
}

impl Fetch {
    /// Whether the answer replaces the window (so older requests are void).
    pub fn replaces(self) -> bool {
        !matches!(self, Fetch::Forward | Fetch::Backward)
    }
}

impl UsersPane {
    /// The cursor at a row of the window.
    fn cursor_at(&self, index: usize) -> Option<Cursor> {
        self.rows.get(index).map(|r| r.cursor(self.sort))
    }

    /// A refresh of the window where it is: from the first page while that
    /// holds the selection, otherwise from the top visible row, so that the
    /// screen stays put.
    pub fn reload(&self) -> Fetch {
        let from = if self.prev.is_none() && self.selected + PREFETCH < PAGE as usize {
            0
        } else if self.offset < self.rows.len() {
            self.offset
        } else {
            0
        };
        Fetch::Reload { from }
    }

    /// The request for `fetch`, from the window as it is now.
    pub fn request(&self, fetch: Fetch) -> UserFilter {
        match fetch {
            Fetch::Search | Fetch::First => self.query(None, false),
            Fetch::Last => self.query(None, true),
            Fetch::Forward => self.query(self.next.clone(), false),
            // With no rows to stand on, the page before is the last page.
            Fetch::Backward => self.query(self.cursor_at(0), true),
            Fetch::Reload { from: 0 } => self.query(self.prev.clone(), false),
            Fetch::Reload { from } => self.query(self.cursor_at(from - 1), false),
        }
    }

    /// The page the window needs next, if any (one request at a time).
    pub fn wanted(&self) -> Option<Fetch> {
        if self.loading {
            return None;
        }
        if self.next.is_some() && self.selected + PREFETCH >= self.rows.len() {
            Some(Fetch::Forward)
        } else if self.prev.is_some() && self.selected < PREFETCH {
            Some(Fetch::Backward)
        } else {
            None
        }
    }

    /// Takes the answer to a `fetch` request.
    pub fn apply(&mut self, page: Page<UserSummary>, fetch: Fetch, height: usize) {
        self.loading = false;
        self.loaded = true;
        if !matches!(
            fetch,
            Fetch::Forward | Fetch::Backward | Fetch::Reload { .. }
        ) {
            // A new listing, or one of its ends: moves made before are void.
            self.queued = 0;
        }
        match fetch {
            Fetch::Search => {
                self.window_start = Some(0);
                self.total = None;
                self.count_wanted = true;
                // Keep the selection on the same user if it is still listed.
                let keep = self.selected_row().map(|r| r.id);
                self.rows = page.items;
                self.selected = keep
                    .and_then(|id| self.rows.iter().position(|r| r.id == id))
                    .unwrap_or(0);
                self.offset = self.offset.min(self.selected);
                let ids: BTreeSet<i64> = self.rows.iter().map(|r| r.id).collect();
                self.marked.retain(|id, _| ids.contains(id));
                self.prev = page.prev;
                self.next = page.next;
            }
            Fetch::Reload { from } => {
                self.window_start = self.window_start.map(|s| s + from);
                if page.prev.is_none() {
                    self.window_start = Some(0);
                }
                self.count_wanted = true;
                // The new rows start where row `from` was: the same user stays
                // selected, or the same place if they are gone.
                let keep = self.selected_row().map(|r| r.id);
                let at = self.selected.saturating_sub(from);
                self.rows = page.items;
                self.selected = keep
                    .and_then(|id| self.rows.iter().position(|r| r.id == id))
                    .unwrap_or(at);
                self.offset = self.offset.saturating_sub(from);
                self.prev = page.prev;
                self.next = page.next;
            }
            Fetch::First => {
                self.window_start = Some(0);
                self.rows = page.items;
                self.selected = 0;
                self.offset = 0;
                self.prev = page.prev;
                self.next = page.next;
            }
            Fetch::Last => {
                self.window_start = self
                    .total
                    .filter(|t| !t.estimate)
                    .map(|t| (t.n as usize).saturating_sub(page.items.len()));
                if page.prev.is_none() {
                    self.window_start = Some(0);
                }
                self.rows = page.items;
                self.selected = self.rows.len().saturating_sub(1);
                self.offset = self.selected;
                self.prev = page.prev;
                self.next = None;
            }
            Fetch::Forward => {
                // A user met again (moved past the cursor since: renamed, or
                // in the status sort a lock that ran out) is kept once.
                let held: HashSet<i64> = self.rows.iter().map(|u| u.id).collect();
                self.rows
                    .extend(page.items.into_iter().filter(|u| !held.contains(&u.id)));
                self.next = page.next;
                let over = self.rows.len().saturating_sub(WINDOW);
                if over > 0 {
                    self.window_start = self.window_start.map(|s| s + over);
                    self.prev = self.cursor_at(over - 1);
                    self.rows.drain(..over);
                    self.selected = self.selected.saturating_sub(over);
                    self.offset = self.offset.saturating_sub(over);
                }
            }
            Fetch::Backward => {
                let held: HashSet<i64> = self.rows.iter().map(|u| u.id).collect();
                let mut page = page;
                page.items.retain(|u| !held.contains(&u.id));
                let added = page.items.len();
                self.window_start = if page.prev.is_none() {
                    Some(0)
                } else {
                    self.window_start.and_then(|s| s.checked_sub(added))
                };
                let mut rows = page.items;
                rows.append(&mut self.rows);
                self.rows = rows;
                self.prev = page.prev;
                self.selected += added;
                self.offset += added;
                if self.rows.len() > WINDOW {
                    self.rows.truncate(WINDOW);
                    self.next = self.cursor_at(WINDOW - 1);
                }
            }
        }
        self.move_by(0, height);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(i: usize) -> UserSummary {
        UserSummary {
            id: i as i64,
            login: format!("u{i:07}"),
            name: format!("User {i}"),
            email: format!("u{i}@example.org"),
            kind: crate::domain::Kind::Staff,
            role: crate::domain::Role::User,
            status: crate::domain::Status::Active,
            must_change_password: false,
            locked: false,
            locked_at: None,
            locked_until: None,
            failed_attempts: 0,
            lockout_threshold: 5,
            last_failure_at: None,
            last_failure_source: None,
            last_login_at: None,
            badges: Default::default(),
            version: 1,
        }
    }

    /// Users `from..to` of a listing of `total` as a page.
    fn page(from: usize, to: usize, total: usize) -> Page<UserSummary> {
        Page {
            items: (from..to).map(user).collect(),
            next: (to < total).then(|| user(to - 1).cursor(Default::default())),
            prev: (from > 0).then(|| user(from - 1).cursor(Default::default())),
        }
    }

    fn ids(p: &UsersPane) -> (i64, i64) {
        (p.rows[0].id, p.rows[p.rows.len() - 1].id)
    }

    #[test]
    fn forward_pages_drop_rows_at_the_front() {
        let mut p = UsersPane::new();
        p.apply(page(0, 100, 5000), Fetch::Search, 20);
        p.marked.insert(3, user(3).login);
        let mut start = 100;
        while start < 1500 {
            // To the last row loaded (a move further would wait for the page).
            p.move_by((p.rows.len() - 1 - p.selected) as isize, 20);
            assert_eq!(p.wanted(), Some(Fetch::Forward));
            let last = p.selected_row().map(|r| r.id);
            p.apply(page(start, start + 100, 5000), Fetch::Forward, 20);
            assert_eq!(p.selected_row().map(|r| r.id), last, "same user selected");
            assert!(p.rows.len() <= WINDOW);
            start += 100;
        }
        assert_eq!(ids(&p), (500, 1499));
        assert_eq!(p.prev, Some(user(499).cursor(p.sort)));
        assert!(p.marked.contains_key(&3), "marks outlive their rows");
        // Near the top of the window: the page before it.
        p.move_by(-(p.selected as isize), 20);
        assert_eq!(p.wanted(), Some(Fetch::Backward));
        let filter = p.request(Fetch::Backward);
        assert!(filter.backward);
        assert_eq!(filter.after, Some(user(500).cursor(p.sort)));
        p.apply(page(400, 500, 5000), Fetch::Backward, 20);
        assert_eq!(ids(&p), (400, 1399));
        assert_eq!(p.selected_row().map(|r| r.id), Some(500));
        assert_eq!(p.next, Some(user(1399).cursor(p.sort)), "next restored");
        assert_eq!(p.prev, Some(user(399).cursor(p.sort)));
    }

    #[test]
    fn a_user_met_again_is_kept_once() {
        let mut p = UsersPane::new();
        p.apply(page(0, 100, 5000), Fetch::Search, 20);
        // The next page meets users 98 and 99 again (their place in the
        // order moved past the cursor since the first page was read).
        p.apply(page(98, 200, 5000), Fetch::Forward, 20);
        let held: Vec<i64> = p.rows.iter().map(|u| u.id).collect();
        assert_eq!(held, (0..200).collect::<Vec<i64>>());
        // And backward: the page before meets user 0 again.
        let mut p = UsersPane::new();
        p.apply(page(100, 200, 5000), Fetch::Search, 20);
        let selected = p.selected_row().map(|r| r.id);
        p.apply(page(0, 101, 5000), Fetch::Backward, 20);
        let held: Vec<i64> = p.rows.iter().map(|u| u.id).collect();
        assert_eq!(held, (0..200).collect::<Vec<i64>>());
        assert_eq!(p.selected_row().map(|r| r.id), selected);
    }

    #[test]
    fn last_and_first_replace_the_window() {
        let mut p = UsersPane::new();
        p.apply(page(0, 100, 5000), Fetch::Search, 20);
        let last = p.request(Fetch::Last);
        assert!(last.backward && last.after.is_none());
        p.apply(page(4900, 5000, 5000), Fetch::Last, 20);
        assert_eq!(p.selected_row().map(|r| r.id), Some(4999));
        assert!(p.next.is_none() && p.prev.is_some());
        assert_eq!(p.offset, 80);
        p.apply(page(0, 100, 5000), Fetch::First, 20);
        assert_eq!((p.selected, p.offset), (0, 0));
        assert!(p.prev.is_none());
    }

    #[test]
    fn a_new_search_drops_marks_a_reload_keeps_them() {
        let mut p = UsersPane::new();
        p.apply(page(0, 100, 5000), Fetch::Search, 20);
        p.marked
            .extend([(5, user(5).login), (4000, user(4000).login)]);
        // Deep in the list, a reload starts at the top visible row.
        p.apply(page(4900, 5000, 5000), Fetch::Last, 20);
        p.move_by(-5, 20);
        let reload = p.reload();
        assert_eq!(reload, Fetch::Reload { from: p.offset });
        assert_eq!(
            p.request(reload).after,
            Some(user(4900 + p.offset - 1).cursor(p.sort))
        );
        let selected = p.selected_row().map(|r| r.id);
        p.apply(page(4900 + p.offset, 5000, 5000), reload, 20);
        assert_eq!(p.selected_row().map(|r| r.id), selected);
        assert_eq!(p.offset, 0);
        assert_eq!(p.marked.len(), 2);
        p.apply(page(0, 100, 5000), Fetch::Search, 20);
        assert_eq!(p.marked.keys().copied().collect::<Vec<_>>(), [5]);
    }
}
