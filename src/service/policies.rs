//! Named policies: list, show, change (with step-up and optional
//! enforcement), create as a copy, assign, delete.

use super::views::{NamedPolicy, PolicyView};
use super::{Actor, Service, clip, parse_settings};
use crate::domain::policy::{Policy, PolicyError};
use crate::domain::rights::Action;
use crate::error::{Error, Result};
use crate::store::AuditEvent;
use serde_json::json;

/// What a policy change did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyChange {
    pub name: String,
    pub version: i64,
    /// (key, old, new) for each changed key.
    pub changes: Vec<(String, String, String)>,
    pub enforced: bool,
}

impl Service {
    /// Every policy's name and settings, in creation order, without the
    /// counts `list_policies` adds (those read every user): for forms.
    pub async fn policy_choices(&self, actor: &Actor) -> Result<Vec<NamedPolicy>> {
        self.authorize(actor, Action::View, None).await?;
        self.store
            .policies()
            .await?
            .into_iter()
            .map(|row| {
                Ok(NamedPolicy {
                    settings: parse_settings(&row)?,
                    name: row.name,
                })
            })
            .collect()
    }

    /// Every policy as `list_policies` lists it but without counting the
    /// users each governs (`users` is 0): fast, for a view that shows the
    /// policies first and `policy_user_counts` when they come.
    pub async fn list_policies_uncounted(&self, actor: &Actor) -> Result<Vec<PolicyView>> {
        self.authorize(actor, Action::View, None).await?;
        self.store
            .policies()
            .await?
            .into_iter()
            .map(|row| {
                Ok(PolicyView {
                    settings: parse_settings(&row)?,
                    name: row.name,
                    version: row.version,
                    enforced_version: row.enforced_version,
                    users: 0,
                    updated_at: row.updated_at,
                })
            })
            .collect()
    }

    /// How many users each policy governs, by name (reads every user: about
    /// a second at a million).
    pub async fn policy_user_counts(&self, actor: &Actor) -> Result<Vec<(String, i64)>> {
        Ok(self
            .list_policies(actor)
            .await?
            .into_iter()
            .map(|p| (p.name, p.users))
            .collect())
    }

    pub async fn list_policies(&self, actor: &Actor) -> Result<Vec<PolicyView>> {
        self.authorize(actor, Action::View, None).await?;
        let rows = self.store.policies_with_counts().await?;
        rows.into_iter()
            .map(|r| {
                let settings = parse_settings(&r.policy)?;
                Ok(PolicyView {
                    name: r.policy.name,
                    version: r.policy.version,
                    enforced_version: r.policy.enforced_version,
                    users: r.users,
                    updated_at: r.policy.updated_at,
                    settings,
                })
            })
            .collect()
    }

    pub async fn get_policy(&self, actor: &Actor, name: &str) -> Result<PolicyView> {
        self.list_policies(actor)
            .await?
            .into_iter()
            .find(|p| p.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| Error::NotFound(format!("no policy named {:?}", clip(name, 64))))
    }

    /// Applies `KEY=VALUE` changes. Unknown keys and out-of-range values are
    /// refused and nothing changes. When the resulting policy has
    /// `enforce_on_change`, every user it governs whose password was set
    /// under an older version must choose a new, different one at their next
    /// sign-in. Needs a recent step-up.
    pub async fn set_policy(
        &self,
        actor: &Actor,
        name: &str,
        pairs: &[(String, String)],
        expected_version: Option<i64>,
    ) -> Result<PolicyChange> {
        let me = self.authorize(actor, Action::ManagePolicies, None).await?;
        self.require_step_up(actor, &me.login, Action::ManagePolicies)
            .await?;
        if pairs.is_empty() {
            return Err(Error::Invalid(
                "give at least one KEY=VALUE to change".into(),
            ));
        }
        let row = self
            .store
            .policy_by_name(name.trim())
            .await?
            .ok_or_else(|| Error::NotFound(format!("no policy named {:?}", clip(name, 64))))?;
        let old = parse_settings(&row)?;
        let new = old
            .with_changes(pairs)
            .map_err(|PolicyError(m)| Error::Invalid(m))?;
        let changes: Vec<(String, String, String)> = old
            .diff(&new)
            .into_iter()
            .map(|(k, a, b)| (k.to_string(), a, b))
            .collect();
        let enforce = new.enforce_on_change;
        if changes.is_empty() {
            return Ok(PolicyChange {
                name: row.name,
                version: row.version,
                changes,
                enforced: false,
            });
        }
        let settings = serde_json::to_string(&new).map_err(|e| Error::Internal(e.to_string()))?;
        let event = AuditEvent::new(
            &me.login,
            "policy.change",
            &row.name,
            json!({
                "before": changes.iter().map(|(k, a, _)| (k.clone(), json!(a))).collect::<serde_json::Map<_, _>>(),
                "after": changes.iter().map(|(k, _, b)| (k.clone(), json!(b))).collect::<serde_json::Map<_, _>>(),
                "enforced": enforce,
            }),
        );
        let version = self
            .store
            .update_policy(
                row.id,
                expected_version.unwrap_or(row.version),
                &settings,
                enforce,
                self.now(),
                &event,
            )
            .await?;
        Ok(PolicyChange {
            name: row.name,
            version,
            changes,
            enforced: enforce,
        })
    }

    /// Creates a policy as a copy of another.
    pub async fn create_policy(
        &self,
        actor: &Actor,
        name: &str,
        copy_of: &str,
    ) -> Result<PolicyView> {
        let me = self.authorize(actor, Action::ManagePolicies, None).await?;
        self.require_step_up(actor, &me.login, Action::ManagePolicies)
            .await?;
        let name = name.trim();
        if name.is_empty()
            || name.chars().count() > 64
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(Error::Invalid(
                "a policy name has 1 to 64 letters, digits and - _ .".into(),
            ));
        }
        if self.store.policy_by_name(name).await?.is_some() {
            return Err(Error::Conflict(format!(
                "a policy named {name:?} already exists"
            )));
        }
        let source =
            self.store.policy_by_name(copy_of).await?.ok_or_else(|| {
                Error::NotFound(format!("no policy named {:?}", clip(copy_of, 64)))
            })?;
        let settings: Policy = parse_settings(&source)?;
        let text = serde_json::to_string(&settings).map_err(|e| Error::Internal(e.to_string()))?;
        let event = AuditEvent::new(
            &me.login,
            "policy.create",
            name,
            json!({ "copy_of": source.name }),
        );
        self.store
            .insert_policy(name, &text, self.now(), &event)
            .await?;
        self.get_policy(actor, name).await
    }

    /// Deletes a policy that governs nobody. The built-in ones stay.
    pub async fn delete_policy(&self, actor: &Actor, name: &str) -> Result<()> {
        let me = self.authorize(actor, Action::ManagePolicies, None).await?;
        self.require_step_up(actor, &me.login, Action::ManagePolicies)
            .await?;
        let row = self
            .store
            .policy_by_name(name.trim())
            .await?
            .ok_or_else(|| Error::NotFound(format!("no policy named {:?}", clip(name, 64))))?;
        if row.name == "default" || row.name == "portal" {
            let refused = Err(Error::Forbidden(format!(
                "the built-in policy {:?} cannot be deleted",
                row.name
            )));
            return self
                .audit_refusal(&me.login, Action::ManagePolicies, &row.name, refused)
                .await;
        }
        let event = AuditEvent::new(&me.login, "policy.delete", &row.name, json!({}));
        self.store.delete_policy(row.id, self.now(), &event).await
    }
}
