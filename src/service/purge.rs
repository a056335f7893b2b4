//! Purging deletion candidates (`keyward user purge`): the accounts with
//! the role `user` idle past their policy's `delete_after_days` (never an
//! administrator of any rank). The preview counts and lists them; the purge
//! deletes exactly the confirmed count, all or nothing, after a step-up,
//! and audits the logins.

use super::{Actor, Service};
use crate::domain::Kind;
use crate::domain::policy::Policy;
use crate::domain::rights::Action;
use crate::error::{Error, Result};
use crate::store::{AuditEvent, PurgeScope};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

/// What a purge would delete.
#[derive(Debug, Clone, Serialize)]
pub struct PurgePreview {
    pub count: i64,
    /// The first candidates in login order.
    pub candidates: Vec<Candidate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub login: String,
    pub kind: Kind,
    /// `None`: never signed in (idle since `created_at`).
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Service {
    async fn purge_scope(&self) -> Result<PurgeScope> {
        self.inactivity_scope(|p| p.delete_after_days).await
    }

    /// The accounts idle for `days(policy)` or more (0: none of that
    /// policy's), role user only.
    async fn inactivity_scope(&self, days: impl Fn(&Policy) -> u32) -> Result<PurgeScope> {
        let policies = self.policy_index().await?;
        let now = self.now();
        let builtin = |name: &str| {
            policies
                .rows
                .iter()
                .find(|(r, _)| r.name == name)
                .map(|(r, _)| r.id)
                .ok_or_else(|| Error::Database(format!("the built-in policy {name} is missing")))
        };
        Ok(PurgeScope {
            cutoffs: policies
                .rows
                .iter()
                .filter(|(_, p)| days(p) > 0)
                .map(|(r, p)| (r.id, now - Duration::days(i64::from(days(p)))))
                .collect(),
            staff_policy: builtin("default")?,
            portal_policy: builtin("portal")?,
        })
    }

    /// Warns by mail the owners of accounts that will become deletion
    /// candidates within their policy's `deletion_warning_days`, once each
    /// (until they sign in again); returns how many were queued. The mail
    /// sender runs it (hourly in `keyward serve`, at each `keyward mail
    /// send`).
    pub async fn queue_deletion_warnings(&self) -> Result<u64> {
        let scope = self
            .inactivity_scope(|p| {
                if p.delete_after_days == 0 || p.deletion_warning_days == 0 {
                    0
                } else {
                    p.delete_after_days
                        .saturating_sub(p.deletion_warning_days)
                        .max(1)
                }
            })
            .await?;
        let n = self
            .store
            .queue_deletion_warnings(&scope, self.now())
            .await?;
        if n > 0 {
            tracing::info!(accounts = n, "deletion warnings queued");
        }
        Ok(n)
    }

    /// How many accounts a purge would delete now, and the first `limit`.
    pub async fn purge_preview(&self, actor: &Actor, limit: i64) -> Result<PurgePreview> {
        self.authorize(actor, Action::Purge, None).await?;
        let scope = self.purge_scope().await?;
        let (count, rows) = self.store.purge_candidates(&scope, limit).await?;
        let candidates = rows
            .into_iter()
            .map(|r| {
                Ok(Candidate {
                    kind: r.kind,
                    login: r.login,
                    last_login_at: r.last_login_at,
                    created_at: r.created_at,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PurgePreview { count, candidates })
    }

    /// Deletes every candidate if there are exactly `confirmed` of them;
    /// returns the logins deleted. Needs a recent step-up.
    pub async fn purge(&self, actor: &Actor, confirmed: i64) -> Result<Vec<String>> {
        let me = self.authorize(actor, Action::Purge, None).await?;
        self.require_step_up(actor, &me.login, Action::Purge)
            .await?;
        if confirmed <= 0 {
            return Err(Error::Invalid(
                "confirm how many accounts are to be deleted (the preview's count)".into(),
            ));
        }
        let scope = self.purge_scope().await?;
        let event = AuditEvent::new(
            &me.login,
            "user.purge",
            "-",
            json!({ "count": confirmed, "why": "idle past their policy's delete_after_days" }),
        );
        self.store
            .purge(&scope, confirmed, self.now(), &event)
            .await
    }
}
