//! Locked accounts and recent failed sign-ins.

use super::views::{AttemptView, UserSummary, summarize};
use super::{Actor, Service};
use crate::domain::rights::Action;
use crate::error::Result;

impl Service {
    /// Locked accounts, and those at or above half their lock threshold
    /// ("close to locking"), most recent failure first.
    pub async fn lockouts(&self, actor: &Actor, limit: i64) -> Result<Vec<UserSummary>> {
        self.authorize(actor, Action::View, None).await?;
        let policies = self.policy_index().await?;
        let min_threshold = policies
            .rows
            .iter()
            .map(|(_, p)| p.lockout_threshold)
            .min()
            .unwrap_or(5);
        let now = self.now();
        let rows = self
            .store
            .lockouts(now, (min_threshold as i64 + 1) / 2, limit.clamp(1, 10_000))
            .await?;
        Ok(rows
            .iter()
            .filter(|u| {
                let threshold = policies
                    .for_user(u)
                    .map(|(_, p)| p.lockout_threshold)
                    .unwrap_or(5) as i64;
                let locked = crate::domain::user::LockState::at(u.locked_at, u.locked_until, now)
                    .is_locked();
                locked || u.failed_attempts * 2 >= threshold
            })
            .map(|u| summarize(u, &policies, now))
            .collect())
    }

    /// How many accounts are locked now, however many `lockouts` lists.
    pub async fn count_locked(&self, actor: &Actor) -> Result<i64> {
        self.authorize(actor, Action::View, None).await?;
        self.store.count_locked(self.now()).await
    }

    /// Recent failed sign-ins of any login.
    /// Logins that exist nowhere are shown as typed only to roles that may
    /// read the audit trail: they are often a password typed into the wrong
    /// field.
    pub async fn recent_failures(&self, actor: &Actor, limit: i64) -> Result<Vec<AttemptView>> {
        let me = self.authorize(actor, Action::View, None).await?;
        let full =
            crate::domain::rights::check(super::parse_role(&me)?, Action::ViewAudit, None).is_ok();
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
