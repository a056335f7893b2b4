//! Locked accounts and recent failed sign-ins.

use super::views::{AttemptView, PolicyIndex, UserSummary, summarize};
use super::{Actor, Service};
use crate::domain::rights::Action;
use crate::error::Result;
use crate::store::{LockCursor, LockoutCounts, LockoutListener, LockoutsQuery, Thresholds};

/// Where a Lockouts page starts, and which way it reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct LockoutsRequest {
    /// Forward: from this account on (from the first when None).
    /// Backward: the accounts before it (the last ones when None).
    pub from: Option<LockCursor>,
    pub backward: bool,
    pub limit: i64,
}

/// What a live view of lockouts shows: a page of the listing, the counts
/// of every account it holds, and recent failed sign-ins.
#[derive(Debug, Clone, Default)]
pub struct LockoutsOverview {
    pub accounts: Vec<UserSummary>,
    pub failures: Vec<AttemptView>,
    /// Every account locked or close to locking (`accounts` is one page).
    pub counts: LockoutCounts,
}

impl Service {
    /// A page of the Lockouts listing with its counts, and the `failures`
    /// most recent failed sign-ins, read at once.
    pub async fn lockouts_overview(
        &self,
        actor: &Actor,
        request: &LockoutsRequest,
        failures: i64,
    ) -> Result<LockoutsOverview> {
        let ((accounts, counts), failures) = tokio::try_join!(
            self.lockouts_view(actor, request),
            self.recent_failures(actor, failures),
        )?;
        Ok(LockoutsOverview {
            accounts,
            failures,
            counts,
        })
    }

    /// Locked accounts, and those at or above half their lock threshold
    /// ("close to locking"), most recent failure first: the first `limit`.
    pub async fn lockouts(&self, actor: &Actor, limit: i64) -> Result<Vec<UserSummary>> {
        let request = LockoutsRequest {
            limit,
            ..Default::default()
        };
        self.lockouts_page(actor, &request).await
    }

    /// One page of the Lockouts listing (keyset: see [`LockoutsRequest`]).
    pub async fn lockouts_page(
        &self,
        actor: &Actor,
        request: &LockoutsRequest,
    ) -> Result<Vec<UserSummary>> {
        self.authorize(actor, Action::View, None).await?;
        let policies = self.policy_index().await?;
        let now = self.now();
        let query = LockoutsQuery {
            now,
            thresholds: thresholds(&policies),
            from: request.from,
            backward: request.backward,
            limit: request.limit.clamp(1, 10_000),
        };
        let rows = self.store.lockouts(&query).await?;
        Ok(rows.iter().map(|u| summarize(u, &policies, now)).collect())
    }

    /// A Lockouts page and the counts of every account the listing holds:
    /// taken from the page itself when it is the whole listing (the usual
    /// case: a few accounts), otherwise counted.
    pub async fn lockouts_view(
        &self,
        actor: &Actor,
        request: &LockoutsRequest,
    ) -> Result<(Vec<UserSummary>, LockoutCounts)> {
        let page = self.lockouts_page(actor, request).await?;
        let whole = request.from.is_none() && (page.len() as i64) < request.limit.clamp(1, 10_000);
        let counts = if whole {
            let locked = page.iter().filter(|u| u.locked).count() as i64;
            LockoutCounts {
                locked,
                close: page.len() as i64 - locked,
            }
        } else {
            self.lockout_counts(actor).await?
        };
        Ok((page, counts))
    }

    /// How many accounts are locked now and how many are close to locking,
    /// however many a page lists.
    pub async fn lockout_counts(&self, actor: &Actor) -> Result<LockoutCounts> {
        self.authorize(actor, Action::View, None).await?;
        let policies = self.policy_index().await?;
        self.store
            .lockout_counts(self.now(), &thresholds(&policies))
            .await
    }

    /// Listens for accounts being locked or unlocked by anyone (PostgreSQL's
    /// `keyward_lockouts` notifications), so that a live view reloads at
    /// once; `None` on SQLite, where a view reloads on its own schedule.
    pub async fn watch_lockouts(&self, actor: &Actor) -> Result<Option<LockoutListener>> {
        self.authorize(actor, Action::View, None).await?;
        self.store.listen_lockouts().await
    }

    /// Recent failed sign-ins of any login.
    /// Logins that exist nowhere are shown as typed only to roles that may
    /// read the audit trail: they are often a password typed into the wrong
    /// field.
    pub async fn recent_failures(&self, actor: &Actor, limit: i64) -> Result<Vec<AttemptView>> {
        let me = self.authorize(actor, Action::View, None).await?;
        let full = crate::domain::rights::check(me.role, Action::ViewAudit, None).is_ok();
        Ok(self
            .store
            .recent_failures(limit.clamp(1, 10_000))
            .await?
            .into_iter()
            .map(|a| {
                let mut v = AttemptView::from(a);
                if !full && v.outcome == "unknown_login" {
                    v.login = mask(&v.login);
                }
                v
            })
            .collect())
    }
}

/// "ab… (9 characters)".
fn mask(login: &str) -> String {
    let n = login.chars().count();
    if n <= 2 {
        return "…".into();
    }
    format!(
        "{}… ({n} characters)",
        login.chars().take(2).collect::<String>()
    )
}

/// Each policy's lock threshold, and the built-in policy of each kind, for
/// the store to decide "close to locking" as [`PolicyIndex::for_user`] does.
fn thresholds(policies: &PolicyIndex) -> Thresholds {
    let builtin = |name: &str| {
        policies
            .rows
            .iter()
            .find(|(r, _)| r.name == name)
            .map(|(r, _)| r.id)
    };
    Thresholds {
        by_policy: policies
            .rows
            .iter()
            .map(|(r, p)| (r.id, i64::from(p.lockout_threshold)))
            .collect(),
        staff_policy: builtin("default"),
        portal_policy: builtin("portal"),
    }
}
