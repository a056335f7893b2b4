//! The loading scheduler: which rows each pane asks for and when (a
//! search as typed, the Users window's pages, the Lockouts pane's reloads,
//! the Audit pane's debounced filter, a refresh after a change), and the
//! clock's tick that drives the periodic ones.

use super::*;

impl App {
    /// Lists the first page for a new search, filter or sort.
    pub(super) fn reload_users(&mut self) -> Vec<Effect> {
        self.fetch_users(Fetch::Search)
    }

    /// Asks for a page of users; one that replaces the window voids every
    /// older users request, so their answers are dropped.
    pub(super) fn fetch_users(&mut self, fetch: Fetch) -> Vec<Effect> {
        if fetch.replaces() {
            self.forget(|w| matches!(w, Waiter::Users { .. }));
        }
        let Some(m) = self.main() else {
            return Vec::new();
        };
        m.users.loading = true;
        let filter = m.users.request(fetch);
        vec![self.call(Waiter::Users { fetch }, Call::ListUsers { filter })]
    }

    /// Counts the users the listing holds, after its first page showed: one
    /// count at a time, asked again when the listing changed meanwhile
    /// (at the next tick).
    pub(super) fn count_users(&mut self) -> Vec<Effect> {
        let Some(m) = self.main() else {
            return Vec::new();
        };
        let u = &mut m.users;
        if u.counting || !u.count_wanted {
            return Vec::new();
        }
        u.counting = true;
        u.count_wanted = false;
        let filter = u.query(None, false);
        vec![self.call(Waiter::UserCount, Call::CountUsers { filter })]
    }

    /// Searches for the filter text as typed, at once, unless a search is
    /// already under way: its answer searches again if the text changed
    /// meanwhile, so at most one search is in flight.
    pub(super) fn search_typed(&mut self) -> Vec<Effect> {
        let searching = self.searching();
        let Some(m) = self.main() else {
            return Vec::new();
        };
        let typed = m.users.filter.value();
        if searching || (typed == m.users.search && m.users.loaded) {
            return Vec::new();
        }
        m.users.search = typed.to_string();
        m.users.selected = 0;
        m.users.offset = 0;
        self.reload_users()
    }

    /// Whether a new search, filter or sort is being listed.
    pub(super) fn searching(&self) -> bool {
        self.waiting.values().any(|w| {
            *w == Waiter::Users {
                fetch: Fetch::Search,
            }
        })
    }

    pub(super) fn refresh(&mut self) -> Vec<Effect> {
        // The window is reloaded where it is, unless its rows are about to
        // give way to a new search anyway: then that search runs again.
        let searching = self.searching();
        let reload = self.main().map(|m| {
            if searching {
                Fetch::Search
            } else {
                m.users.reload()
            }
        });
        let mut effects = reload.map(|f| self.fetch_users(f)).unwrap_or_default();
        self.forget(|w| {
            matches!(
                w,
                Waiter::Lockouts { .. } | Waiter::Audit { .. } | Waiter::AuditNewer
            )
        });
        self.forget(|w| w == Waiter::Resources || w == Waiter::Access);
        if let Some(m) = self.main() {
            m.resources.loaded = false;
            m.resources.loading = false;
            m.policies.loaded = false;
            m.policies.loading = false;
            m.audit.loaded = false;
            m.audit.loading = false;
            m.audit.refreshing = false;
            // The Lockouts pane reloads at its next tick.
            m.lockouts.loaded_at = None;
            m.lockouts.loading = false;
        }
        let detail = self
            .main()
            .and_then(|m| m.detail.as_ref().map(|d| d.login.clone()));
        if let Some(login) = detail {
            effects.push(self.load_detail(login));
        }
        let access = self
            .main()
            .and_then(|m| m.resources.access.as_ref().map(|a| a.resource.clone()));
        if let Some(name) = access {
            effects.push(self.call(Waiter::Access, Call::ResourceUsers { name }));
        }
        effects
    }

    /// Loads the detail view's user, forgetting any earlier detail request so
    /// that a late answer for another user can never fill this view.
    pub(super) fn load_detail(&mut self, login: String) -> Effect {
        self.forget(|w| w == Waiter::Detail);
        let effect = self.call(Waiter::Detail, Call::GetUser { login });
        if let (Effect::Call { id, .. }, Some(m)) = (&effect, self.main())
            && let Some(view) = m.detail.as_mut()
        {
            view.request = Some(*id);
            view.failed = None;
        }
        effect
    }

    /// Rows of the Lockouts accounts table that fit on screen.
    pub fn lockouts_height(&self) -> usize {
        LockoutsPane::table_rows(self.size.1.saturating_sub(2))
    }

    /// Asks for Lockouts rows; an answer to an earlier request is dropped.
    pub(super) fn fetch_lockouts(&mut self, fetch: LockFetch) -> Effect {
        self.forget(|w| matches!(w, Waiter::Lockouts { .. }));
        let request = match self.main() {
            Some(m) => {
                m.lockouts.loading = true;
                m.lockouts.request(fetch)
            }
            None => LockoutsRequest::default(),
        };
        self.call(Waiter::Lockouts { fetch }, Call::Lockouts { request })
    }

    /// Moves the Lockouts window when the selection nears one of its ends.
    pub(super) fn lockouts_follow(&mut self) -> Vec<Effect> {
        match self.main().and_then(|m| m.lockouts.wanted()) {
            Some(fetch) => vec![self.fetch_lockouts(fetch)],
            None => Vec::new(),
        }
    }

    /// Moves the users window when the selection nears one of its edges.
    pub(super) fn prefetch(&mut self) -> Vec<Effect> {
        let Some(m) = self.main() else {
            return Vec::new();
        };
        if m.detail.is_some() {
            return Vec::new();
        }
        match m.users.wanted() {
            Some(fetch) => self.fetch_users(fetch),
            None => Vec::new(),
        }
    }

    pub(super) fn tick(&mut self) -> Vec<Effect> {
        let now = self.now;
        let Some(m) = self.main() else {
            return Vec::new();
        };
        // Idle lock: forget everything on screen and ask for the password.
        if now - m.last_input > Duration::minutes(m.session.idle_timeout_minutes as i64) {
            let login = m.session.actor.login.clone();
            self.waiting.clear();
            self.screen = Screen::SignIn(SignInForm::locked(&login));
            return Vec::new();
        }
        if m.note
            .as_ref()
            .is_some_and(|(_, at)| now - *at > Duration::seconds(6))
        {
            m.note = None;
        }
        let mut effects = Vec::new();
        if m.retry_at.is_some_and(|t| now >= t) {
            m.retry_at = None;
            effects.push(self.call(Waiter::Ping, Call::Ping));
            return effects;
        }
        if m.banner.is_none() && now >= m.heartbeat_at {
            // Not again until this one is answered (or times out: the
            // worker gives a ping `PING_TIMEOUT`).
            m.heartbeat_at = now + Duration::days(1);
            effects.push(self.call(Waiter::Heartbeat, Call::Ping));
        }
        let Some(m) = self.main() else { return effects };
        // The Users listing's total, once its page has shown (not while a
        // search is being typed: the searches come first).
        if m.pane == Pane::Users && !m.users.loading {
            effects.extend(self.count_users());
        }
        let Some(m) = self.main() else { return effects };
        if m.pane == Pane::Resources && !m.resources.loaded && !m.resources.loading {
            m.resources.loading = true;
            effects.push(self.call(Waiter::Resources, Call::Resources));
        }
        let Some(m) = self.main() else { return effects };
        if m.pane == Pane::Policies && !m.policies.loaded && !m.policies.loading {
            m.policies.loading = true;
            effects.push(self.call(Waiter::Policies, Call::Policies));
        }
        let Some(m) = self.main() else { return effects };
        if m.pane == Pane::Audit && m.popups.is_empty() && can_audit(m) {
            let a = &mut m.audit;
            let typed_changed = a.debounce_until.is_some_and(|t| now >= t);
            if typed_changed || (!a.loaded && !a.loading) {
                a.debounce_until = None;
                a.search = a.filter.value().to_string();
                a.loading = true;
                a.refreshing = false;
                a.asked_at = Some(now);
                let call = Call::Audit {
                    filter: a.search.clone(),
                    before: None,
                };
                self.forget(|w| matches!(w, Waiter::Audit { .. } | Waiter::AuditNewer));
                effects.push(self.call(Waiter::Audit { append: false }, call));
            } else if a.newer_due(now) {
                // New entries show at the top on their own (as Lockouts do).
                a.refreshing = true;
                a.asked_at = Some(now);
                let call = Call::Audit {
                    filter: a.search.clone(),
                    before: None,
                };
                effects.push(self.call(Waiter::AuditNewer, call));
            }
        }
        let Some(m) = self.main() else { return effects };
        if let Some(call) = m.popups.last_mut().and_then(|p| p.view_mut().refresh(now)) {
            effects.extend(self.call_for_top(call));
        }
        let Some(m) = self.main() else { return effects };
        if m.pane == Pane::Lockouts && m.popups.is_empty() && m.lockouts.due(now) {
            let fetch = m.lockouts.refresh();
            effects.push(self.fetch_lockouts(fetch));
        }
        effects
    }
}
