//! Bulk reset by link: the second mode of "Reset Passwords". Instead of one
//! password shared by everyone in scope, every staff user in scope (the
//! same scope: never portal users, never the acting administrator) gets a
//! one-time reset link of their own, mailed to them. The tokens and the
//! outbox rows carrying the links are written all or nothing in one
//! audited transaction (store/bulk_links.rs); the mail sender then delivers
//! them at the pace the mail server allows, reissuing a link that waited
//! past half its life (service/mail.rs).
//!
//! Current passwords are not changed: each user keeps signing in as before
//! until they follow their link and choose a new one. The link is valid for
//! the user's policy's `reset_link_ttl_minutes`, once; any older reset link
//! of theirs stops working.
//!
//! The links point at `keyward serve`'s pages, which the console and the
//! command line cannot ask where they are: the base is `[web] public_url`
//! as configured, and without it nothing is written.

use super::bulk_reset::BulkRequest;
use super::{Actor, Service};
use crate::crypto::tokens::{random_token, token_digest};
use crate::domain::rights::Action;
use crate::error::{Error, Result};
use crate::store::{AuditEvent, LinkRow, Progress, ScopeUser};
use chrono::Duration;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use zeroize::Zeroizing;

/// What a bulk reset by link answers without a public URL configured.
pub const NEEDS_PUBLIC_URL: &str = "a reset by link needs the address where users reach \
     keyward serve's pages: set [web] public_url in the config file (for example \
     public_url = \"https://accounts.example.org\"), and [mail] url so the links are mailed";

impl Service {
    /// This service with another base for the links it makes outside
    /// `keyward serve` ([`crate::service::ServiceConfig::links_base`], `[web] public_url`);
    /// for programs and tests that build their configuration themselves.
    pub fn with_links_base(mut self, base: Option<&str>) -> Service {
        let mut config = (*self.config).clone();
        config.links_base = base.map(str::to_string);
        self.config = Arc::new(config);
        self
    }

    /// The configured base of links, or the refusal that says to set it.
    pub(crate) fn links_base(&self) -> Result<Arc<str>> {
        let base: Arc<str> = self
            .config
            .links_base
            .as_deref()
            .map(|u| u.trim().trim_end_matches('/'))
            .filter(|u| !u.is_empty())
            .map(Arc::from)
            .ok_or_else(|| Error::Invalid(NEEDS_PUBLIC_URL.into()))?;
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(Error::Invalid(format!(
                "[web] public_url must start with https:// or http:// for the links to work; {NEEDS_PUBLIC_URL}"
            )));
        }
        Ok(base)
    }

    /// How many links a bulk reset by link would mail (the users in scope);
    /// refuses at once when no public URL is configured.
    pub async fn bulk_reset_links_count(&self, actor: &Actor, req: &BulkRequest) -> Result<i64> {
        self.authorize(actor, Action::BulkReset, None).await?;
        self.links_base()?;
        self.bulk_reset_count(actor, req).await
    }

    /// Gives every staff user in scope their own one-time reset link, mailed
    /// (queued in the outbox), in one audited transaction: all or nothing.
    /// Needs a recent step-up, as the shared-password reset does.
    /// `req.must_change` does not apply (nobody is given a password).
    /// `progress` is called as ranges of users complete; `cancel` rolls
    /// everything back. Returns how many links were queued.
    pub async fn bulk_reset_links(
        &self,
        actor: &Actor,
        req: &BulkRequest,
        progress: &(dyn Fn(Progress) + Send + Sync),
        cancel: &AtomicBool,
    ) -> Result<u64> {
        let me = self.authorize(actor, Action::BulkReset, None).await?;
        let base = self.links_base()?;
        self.require_step_up(actor, &me.login, Action::BulkReset)
            .await?;
        let scope = self.bulk_scope(me.id, req).await?;
        // Each link lives as long as its user's policy says: their own
        // policy's, else the staff default's.
        let default_ttl = ttl_of(&self.builtin_policy(false).await?)?;
        let mut ttls: HashMap<i64, i64> = HashMap::new();
        let own: Vec<i64> = self
            .store
            .bulk_scope_policies(&scope)
            .await?
            .into_iter()
            .flatten()
            .collect();
        if !own.is_empty() {
            for row in self.store.policies().await? {
                if own.contains(&row.id) {
                    ttls.insert(row.id, ttl_of(&row)?);
                }
            }
        }
        let now = self.now();
        let make = |users: &[ScopeUser]| -> Result<Vec<LinkRow>> {
            Ok(users
                .iter()
                .map(|u| {
                    let ttl = u
                        .policy_id
                        .and_then(|id| ttls.get(&id).copied())
                        .unwrap_or(default_ttl);
                    let token = random_token();
                    LinkRow {
                        user_id: u.id,
                        token_hash: token_digest(&token),
                        expires_at: now + Duration::minutes(ttl),
                        recipient: u.email.clone(),
                        link: Zeroizing::new(format!("{base}/reset/{}", token.as_str())),
                    }
                })
                .collect())
        };
        let event = AuditEvent::new(
            &me.login,
            "password.bulk_reset_links",
            "staff",
            json!({ "role": req.role, "resource": req.resource, "by": "link" }),
        );
        self.store
            .bulk_reset_links(
                &scope,
                req.confirmed_count,
                now,
                &make,
                &event,
                progress,
                cancel,
            )
            .await
    }
}

/// A policy row's `reset_link_ttl_minutes`.
fn ttl_of(row: &crate::store::rows::PolicyRow) -> Result<i64> {
    Ok(i64::from(
        super::parse_settings(row)?.reset_link_ttl_minutes,
    ))
}
