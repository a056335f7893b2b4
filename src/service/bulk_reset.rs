//! Bulk reset with one shared password: the first mode of "Reset
//! Passwords", and the scope both modes share (the request, the users it
//! reaches, how many). Every staff user in scope (never portal users, never
//! the acting administrator) gets the same new password, stored as one
//! hash, in one transaction (store/bulk.rs). The second mode, a link of
//! their own mailed to each, is service/bulk_links.rs.

use super::{Actor, Service};
use crate::domain::password_rules::{PasswordContext, checklist, violations};
use crate::domain::rights::Action;
use crate::domain::{Password, Role};
use crate::error::{Error, Result};
use crate::store::{AuditEvent, BulkScope, Progress};
use serde_json::json;
use std::sync::atomic::AtomicBool;

/// A bulk reset request ("Reset Passwords").
#[derive(Debug, Clone)]
pub struct BulkRequest {
    pub role: Option<Role>,
    pub resource: Option<String>,
    pub must_change: bool,
    /// The count the administrator was shown and confirmed
    /// ([`Service::bulk_reset_count`]): the progress total, so the reset
    /// does not count again. Counted in the reset when `None`.
    pub confirmed_count: Option<u64>,
}

impl Service {
    /// How many accounts a bulk reset would change.
    pub async fn bulk_reset_count(&self, actor: &Actor, req: &BulkRequest) -> Result<i64> {
        let me = self.authorize(actor, Action::BulkReset, None).await?;
        let scope = self.bulk_scope(me.id, req).await?;
        self.store.count_bulk_scope(&scope).await
    }

    pub(super) async fn bulk_scope(&self, me: i64, req: &BulkRequest) -> Result<BulkScope> {
        let resource_id = match &req.resource {
            Some(name) => Some(self.resource(name).await?.id),
            None => None,
        };
        Ok(BulkScope {
            role: req.role,
            resource_id,
            exclude_user: me,
        })
    }

    /// Gives every staff user in scope the same new password ("Reset
    /// Passwords"): one Argon2id hash shared by all (docs/ARCHITECTURE.md "Credentials"),
    /// written in one transaction. Needs a recent step-up. `progress` is
    /// called as chunks complete; `cancel` rolls everything back.
    pub async fn bulk_reset(
        &self,
        actor: &Actor,
        req: &BulkRequest,
        password: &Password,
        progress: &(dyn Fn(Progress) + Send + Sync),
        cancel: &AtomicBool,
    ) -> Result<u64> {
        let me = self.authorize(actor, Action::BulkReset, None).await?;
        self.require_step_up(actor, &me.login, Action::BulkReset)
            .await?;
        let default = self.builtin_policy(false).await?;
        let scope = self.bulk_scope(me.id, req).await?;
        // The shared password must meet the rules of every policy that governs
        // someone in scope (their own, or the staff default). Personal-data
        // rules cannot apply to one password for many people.
        let ctx = PasswordContext {
            login: "",
            name: "",
            email: "",
        };
        let policies = self.store.policies().await?;
        let mut broken = Vec::new();
        self.refresh_blocklist();
        for id in self.store.bulk_scope_policies(&scope).await? {
            let row = id
                .and_then(|id| policies.iter().find(|p| p.id == id))
                .unwrap_or(&default);
            for v in violations(&checklist(&super::parse_settings(row)?, password, &ctx)) {
                let v = format!("{v} (policy {})", row.name);
                if !broken.contains(&v) {
                    broken.push(v);
                }
            }
        }
        if !broken.is_empty() {
            return Err(Error::Policy(broken));
        }
        let hash = self.hash(password).await?;
        let event = AuditEvent::new(
            &me.login,
            "password.bulk_reset",
            "staff",
            json!({ "role": req.role, "resource": req.resource, "must_change": req.must_change }),
        );
        self.store
            .bulk_reset(
                &scope,
                &hash,
                req.must_change,
                req.confirmed_count,
                default.version,
                self.now(),
                &event,
                progress,
                cancel,
            )
            .await
    }
}
