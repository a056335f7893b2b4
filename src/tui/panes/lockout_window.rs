//! The Lockouts pane's rows: a window of at most [`WINDOW`] accounts over
//! the listing, moved by keyset. The pane reloads its window every couple
//! of seconds from the account it starts at, so a refresh costs one page
//! however many accounts are locked; scrolling past either end moves the
//! window. Marks are logins and outlive the window's moves.

use super::lockouts::LockoutsPane;
use crate::domain::listing::LockCursor;
use crate::service::LockoutsRequest;
use crate::service::views::UserSummary;
use crate::tui::effect::LockoutsOverview;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// Most accounts held at once (several screens).
pub const WINDOW: i64 = 200;
/// Move the window when the selection is this close to one of its ends.
const PREFETCH: usize = 10;

/// What a Lockouts request is for, and so what its answer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockFetch {
    /// The window from `from` on (from the first account when None)
    /// replaces the rows; the selection stays on its account.
    Reload { from: Option<LockCursor> },
    /// `g`: the first accounts replace the window; the first is selected.
    First,
    /// `G`: the last accounts replace the window; the last is selected.
    Last,
    /// The accounts before the window, prepended.
    Before,
}

impl LockoutsPane {
    /// The periodic refresh: the window where it is.
    pub fn refresh(&self) -> LockFetch {
        LockFetch::Reload { from: self.start }
    }

    /// The request for `fetch`.
    pub fn request(&self, fetch: LockFetch) -> LockoutsRequest {
        match fetch {
            LockFetch::Reload { from } => LockoutsRequest {
                from,
                backward: false,
                limit: WINDOW,
            },
            LockFetch::First => LockoutsRequest {
                from: None,
                backward: false,
                limit: WINDOW,
            },
            LockFetch::Last => LockoutsRequest {
                from: None,
                backward: true,
                limit: WINDOW,
            },
            LockFetch::Before => LockoutsRequest {
                from: self.start,
                backward: true,
                limit: WINDOW / 2,
            },
        }
    }

    /// The move the window needs now that the selection is where it is, if
    /// any (one request at a time).
    pub fn wanted(&self) -> Option<LockFetch> {
        if self.loading {
            return None;
        }
        if self.more && self.selected + PREFETCH >= self.accounts.len() && self.offset > 0 {
            // The window restarts at the top visible row: the screen stays.
            let from = self.accounts.get(self.offset).map(UserSummary::lock_cursor);
            return Some(LockFetch::Reload { from });
        }
        if self.start.is_some() && self.selected < PREFETCH {
            return Some(LockFetch::Before);
        }
        None
    }

    /// `g`: the first account, loading the first window when this is not it.
    pub fn first(&mut self, height: usize) -> Option<LockFetch> {
        if self.start.is_none() {
            self.move_by(isize::MIN / 2, height);
            return None;
        }
        Some(LockFetch::First)
    }

    /// `G`: the last account, loading the last window when this is not it.
    pub fn last(&mut self, height: usize) -> Option<LockFetch> {
        if !self.more {
            self.move_by(isize::MAX / 2, height);
            return None;
        }
        Some(LockFetch::Last)
    }

    /// Takes an answer: fresh counts and failures always, and rows as
    /// `fetch` says.
    pub fn apply(
        &mut self,
        data: LockoutsOverview,
        fetch: LockFetch,
        now: DateTime<Utc>,
        height: usize,
    ) {
        self.counts = data.counts;
        self.failures = data.failures;
        self.loading = false;
        self.loaded_at = Some(now);
        // A lock notified while this was read is reloaded at the next tick.
        self.reload_now = std::mem::take(&mut self.stale);
        let full = |rows: &[UserSummary], limit: i64| rows.len() as i64 >= limit;
        match fetch {
            LockFetch::Reload { from } => {
                // Where the new window starts in the listing: at the top,
                // where it was, or at one of its accounts.
                self.start_index = match from {
                    None => Some(0),
                    Some(_) if from == self.start => self.start_index,
                    Some(c) => self
                        .accounts
                        .iter()
                        .position(|u| u.lock_cursor() == c)
                        .and_then(|i| self.start_index.map(|s| s + i)),
                };
                let keep = self.accounts.get(self.selected).map(|u| u.id);
                let top = self.accounts.get(self.offset).map(|u| u.id);
                // Showing the top of the listing, it stays shown: a new lock
                // (the most recent failure) comes first and must be seen,
                // not scrolled off above the row that was on top.
                let at_top = from.is_none() && self.offset == 0;
                if from.is_some() && data.accounts.is_empty() {
                    // Every account from there on is gone: start over at
                    // the top at the next tick.
                    self.start = None;
                    self.loaded_at = None;
                    return;
                }
                if from == self.start {
                    // A refresh: marks on accounts that left the list go.
                    let listed: BTreeSet<&str> =
                        data.accounts.iter().map(|u| u.login.as_str()).collect();
                    let before: BTreeSet<&str> =
                        self.accounts.iter().map(|u| u.login.as_str()).collect();
                    self.marked
                        .retain(|l| listed.contains(l.as_str()) || !before.contains(l.as_str()));
                }
                self.more = full(&data.accounts, WINDOW);
                self.accounts = data.accounts;
                self.start = from;
                let find = |id: Option<i64>, rows: &[UserSummary]| {
                    id.and_then(|id| rows.iter().position(|u| u.id == id))
                };
                if let Some(i) = find(keep, &self.accounts) {
                    self.selected = i;
                    self.offset = if at_top {
                        0
                    } else {
                        find(top, &self.accounts).unwrap_or(i).min(i)
                    };
                }
            }
            LockFetch::First => {
                self.queued = 0;
                self.start_index = Some(0);
                self.more = full(&data.accounts, WINDOW);
                self.accounts = data.accounts;
                self.start = None;
                self.selected = 0;
                self.offset = 0;
            }
            LockFetch::Last => {
                self.queued = 0;
                let total = (self.counts.locked + self.counts.close).max(0) as usize;
                self.start_index = Some(total.saturating_sub(data.accounts.len()));
                self.start = if full(&data.accounts, WINDOW) {
                    data.accounts.first().map(UserSummary::lock_cursor)
                } else {
                    None
                };
                self.more = false;
                self.accounts = data.accounts;
                self.selected = self.accounts.len().saturating_sub(1);
                self.offset = self.selected;
            }
            LockFetch::Before => {
                let n = data.accounts.len();
                self.start_index = self.start_index.and_then(|s| s.checked_sub(n));
                self.start = if full(&data.accounts, WINDOW / 2) {
                    data.accounts.first().map(UserSummary::lock_cursor)
                } else {
                    None
                };
                let mut rows = data.accounts;
                rows.append(&mut self.accounts);
                if rows.len() > WINDOW as usize {
                    rows.truncate(WINDOW as usize);
                    self.more = true;
                }
                self.accounts = rows;
                self.selected += n;
                self.offset += n;
            }
        }
        if self.start.is_none() {
            self.start_index = Some(0);
        }
        self.move_by(0, height);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::listing::LockoutCounts;
    use chrono::Duration;

    /// Locked accounts 0..n of a listing, most recent failure first.
    fn listing(n: usize, now: DateTime<Utc>) -> Vec<UserSummary> {
        (0..n)
            .map(|i| UserSummary {
                id: i as i64 + 1,
                login: format!("user{i:04}"),
                name: format!("User {i}"),
                email: format!("user{i}@example.org"),
                kind: crate::domain::Kind::Staff,
                role: crate::domain::Role::User,
                status: crate::domain::Status::Active,
                must_change_password: false,
                locked: true,
                locked_at: Some(now),
                locked_until: Some(now + Duration::hours(1)),
                failed_attempts: 5,
                lockout_threshold: 5,
                last_failure_at: Some(now - Duration::seconds(i as i64)),
                last_failure_source: None,
                last_login_at: None,
                badges: Default::default(),
                version: 1,
            })
            .collect()
    }

    /// What the store answers to `request` over `all` (keyset, as in
    /// store/lockouts.rs: forward from the cursor's row, backward before it).
    fn answer(all: &[UserSummary], request: LockoutsRequest) -> LockoutsOverview {
        let at = |c: LockCursor| all.iter().position(|u| u.lock_cursor() == c);
        let limit = request.limit as usize;
        let accounts = match (request.from, request.backward) {
            (None, false) => all.iter().take(limit).cloned().collect(),
            (Some(c), false) => {
                let i = at(c).unwrap_or(all.len());
                all[i..].iter().take(limit).cloned().collect()
            }
            (from, true) => {
                let end = from.and_then(at).unwrap_or(all.len());
                all[end.saturating_sub(limit)..end].to_vec()
            }
        };
        LockoutsOverview {
            accounts,
            failures: Vec::new(),
            counts: LockoutCounts {
                locked: all.len() as i64,
                close: 0,
            },
        }
    }

    /// Runs one request of the pane against `all`, as the app would.
    fn fetch(pane: &mut LockoutsPane, all: &[UserSummary], fetch: LockFetch, now: DateTime<Utc>) {
        let request = pane.request(fetch);
        pane.loading = true;
        pane.apply(answer(all, request), fetch, now, HEIGHT);
    }

    /// The periodic refresh.
    fn refresh(pane: &mut LockoutsPane, all: &[UserSummary], now: DateTime<Utc>) {
        let f = pane.refresh();
        fetch(pane, all, f, now);
    }

    /// Moves the selection and follows with the window, as the app does.
    fn step(pane: &mut LockoutsPane, all: &[UserSummary], delta: isize, now: DateTime<Utc>) {
        pane.move_by(delta, HEIGHT);
        while let Some(f) = pane.wanted() {
            fetch(pane, all, f, now);
        }
    }

    const HEIGHT: usize = 20;

    fn selected(pane: &LockoutsPane) -> &str {
        pane.accounts[pane.selected].login.as_str()
    }

    #[test]
    fn the_window_moves_both_ways_through_thousands_of_accounts() {
        let now = Utc::now();
        let all = listing(1000, now);
        let mut pane = LockoutsPane::new();
        refresh(&mut pane, &all, now);
        assert_eq!(pane.accounts.len(), WINDOW as usize);
        assert!(pane.more && pane.start.is_none());
        assert_eq!(pane.title(), " Lockouts  1,000 locked, 0 close to locking ");
        // Down, one row at a time, past several windows: every account in turn.
        for i in 1..700 {
            step(&mut pane, &all, 1, now);
            assert_eq!(selected(&pane), all[i].login, "row {i}");
            assert_eq!(pane.start_index.map(|s| s + pane.selected), Some(i));
            assert!(pane.accounts.len() <= WINDOW as usize);
            assert!(pane.offset <= pane.selected && pane.selected < pane.offset + HEIGHT);
        }
        assert!(pane.start.is_some());
        // A refresh keeps the window where it is and the selection on its account.
        refresh(&mut pane, &all, now);
        assert_eq!(selected(&pane), all[699].login);
        // And back up to the first, again every account in turn.
        for i in (0..699).rev() {
            step(&mut pane, &all, -1, now);
            assert_eq!(selected(&pane), all[i].login, "row {i}");
            assert_eq!(pane.start_index.map(|s| s + pane.selected), Some(i));
            assert!(pane.accounts.len() <= WINDOW as usize);
        }
        assert!(pane.start.is_none());
    }

    #[test]
    fn g_and_shift_g_reach_the_ends_with_one_request() {
        let now = Utc::now();
        let all = listing(1000, now);
        let mut pane = LockoutsPane::new();
        refresh(&mut pane, &all, now);
        let last = pane.last(HEIGHT).expect("the last window is not loaded");
        assert_eq!(last, LockFetch::Last);
        fetch(&mut pane, &all, last, now);
        assert_eq!(selected(&pane), all[999].login);
        assert!(!pane.more);
        // At the end, G loads nothing.
        assert_eq!(pane.last(HEIGHT), None);
        step(&mut pane, &all, -1, now);
        assert_eq!(selected(&pane), all[998].login);
        let first = pane.first(HEIGHT).expect("the first window is not loaded");
        fetch(&mut pane, &all, first, now);
        assert_eq!(selected(&pane), all[0].login);
        assert!(pane.start.is_none() && pane.more);
        assert_eq!(pane.first(HEIGHT), None);
    }

    #[test]
    fn a_refresh_that_finds_the_window_empty_starts_over_at_the_top() {
        let now = Utc::now();
        let all = listing(400, now);
        let mut pane = LockoutsPane::new();
        refresh(&mut pane, &all, now);
        for _ in 0..300 {
            step(&mut pane, &all, 1, now);
        }
        assert!(pane.start.is_some());
        // Everything from the window on was unlocked elsewhere.
        let fewer = &all[..50];
        refresh(&mut pane, fewer, now);
        assert!(pane.start.is_none() && pane.due(now));
        refresh(&mut pane, fewer, now);
        assert_eq!(pane.accounts.len(), 50);
        assert!(pane.selected < 50);
    }

    #[test]
    fn a_new_lock_shows_at_the_top_of_a_pane_showing_the_top() {
        let now = Utc::now();
        // More accounts than fit on screen (with fewer, the list's clamp
        // hid the fault).
        let all = listing(3 * HEIGHT, now);
        let mut pane = LockoutsPane::new();
        // The pane shows accounts 1.., the first of them selected.
        refresh(&mut pane, &all[1..], now);
        assert_eq!((pane.selected, pane.offset), (0, 0));
        // Account 0 locks (the most recent failure): the next refresh shows
        // it on top; the selection stays on its account.
        refresh(&mut pane, &all, now);
        assert_eq!(pane.offset, 0, "the new lock is scrolled off");
        assert_eq!(selected(&pane), all[1].login);
        // Scrolled down, the screen stays where it is.
        let all = listing(100, now);
        let mut pane = LockoutsPane::new();
        refresh(&mut pane, &all[1..], now);
        step(&mut pane, &all[1..], 50, now);
        let top = pane.accounts[pane.offset].id;
        refresh(&mut pane, &all, now);
        assert_eq!(pane.accounts[pane.offset].id, top);
    }

    #[test]
    fn marks_outlive_window_moves_and_go_when_their_account_leaves() {
        let now = Utc::now();
        let all = listing(500, now);
        let mut pane = LockoutsPane::new();
        refresh(&mut pane, &all, now);
        pane.toggle_mark();
        for _ in 0..400 {
            step(&mut pane, &all, 1, now);
        }
        assert_eq!(pane.targets(), vec![all[0].login.clone()]);
        fetch(&mut pane, &all, LockFetch::First, now);
        // The marked account was unlocked elsewhere: a refresh drops it.
        refresh(&mut pane, &all[1..], now);
        assert!(pane.marked.is_empty());
    }
}
