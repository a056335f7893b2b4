//! Resources and grants.

use super::views::{GrantView, ResourceView};
use super::{Actor, Service, clip};
use crate::domain::AccessLevel;
use crate::domain::rights::Action;
use crate::error::{Error, Result};
use crate::store::AuditEvent;
use crate::store::rows::ResourceRow;
use serde_json::json;

const RESOURCE_NAME_MAX: usize = 100;
const DESCRIPTION_MAX: usize = 500;

impl Service {
    /// Every resource's name, in name order, without the grant counts
    /// `list_resources` adds: for forms and completions.
    pub async fn resource_names(&self, actor: &Actor) -> Result<Vec<String>> {
        self.authorize(actor, Action::View, None).await?;
        self.store.resource_names().await
    }

    pub async fn list_resources(&self, actor: &Actor) -> Result<Vec<ResourceView>> {
        self.authorize(actor, Action::View, None).await?;
        Ok(self
            .store
            .resources()
            .await?
            .into_iter()
            .map(|r| ResourceView {
                name: r.name,
                description: r.description,
                users: r.users,
            })
            .collect())
    }

    pub(crate) async fn resource(&self, name: &str) -> Result<ResourceRow> {
        self.store
            .resource_by_name(name.trim())
            .await?
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "no resource named {:?}; see `keyward resource list`",
                    clip(name, 64)
                ))
            })
    }

    pub async fn add_resource(
        &self,
        actor: &Actor,
        name: &str,
        description: &str,
    ) -> Result<ResourceView> {
        let me = self.authorize(actor, Action::ManageResources, None).await?;
        let name = name.trim();
        let description = description.trim();
        check_resource_text(name, description)?;
        if self.store.resource_by_name(name).await?.is_some() {
            return Err(Error::Conflict(format!(
                "a resource named {name:?} already exists"
            )));
        }
        let event = AuditEvent::new(
            &me.login,
            "resource.create",
            name,
            json!({ "after": { "description": description } }),
        );
        self.store
            .insert_resource(name, description, self.now(), &event)
            .await?;
        Ok(ResourceView {
            name: name.to_string(),
            description: description.to_string(),
            users: 0,
        })
    }

    /// Renames a resource and/or changes its description.
    pub async fn update_resource(
        &self,
        actor: &Actor,
        name: &str,
        new_name: Option<&str>,
        description: Option<&str>,
    ) -> Result<ResourceView> {
        let me = self.authorize(actor, Action::ManageResources, None).await?;
        let r = self.resource(name).await?;
        let new_name = new_name.map(str::trim).unwrap_or(&r.name).to_string();
        let description = description
            .map(str::trim)
            .unwrap_or(&r.description)
            .to_string();
        check_resource_text(&new_name, &description)?;
        if !new_name.eq_ignore_ascii_case(&r.name)
            && self.store.resource_by_name(&new_name).await?.is_some()
        {
            return Err(Error::Conflict(format!(
                "a resource named {new_name:?} already exists"
            )));
        }
        let event = AuditEvent::new(
            &me.login,
            "resource.edit",
            &r.name,
            json!({ "before": { "name": r.name, "description": r.description },
                    "after": { "name": new_name, "description": description } }),
        );
        self.store
            .update_resource(r.id, &new_name, &description, self.now(), &event)
            .await?;
        Ok(ResourceView {
            name: new_name,
            description,
            users: r.users,
        })
    }

    /// Deletes a resource; everyone granted it loses access. Returns how many.
    pub async fn delete_resource(&self, actor: &Actor, name: &str) -> Result<u64> {
        let me = self.authorize(actor, Action::ManageResources, None).await?;
        let r = self.resource(name).await?;
        let event = AuditEvent::new(
            &me.login,
            "resource.delete",
            &r.name,
            json!({ "before": { "description": r.description, "users": r.users } }),
        );
        self.store.delete_resource(r.id, self.now(), &event).await
    }

    /// Grants `login` access to a resource at `level` (or changes the level).
    pub async fn grant(
        &self,
        actor: &Actor,
        resource: &str,
        login: &str,
        level: AccessLevel,
    ) -> Result<()> {
        let me = self.authorize(actor, Action::ManageResources, None).await?;
        let r = self.resource(resource).await?;
        let u = self.user(login).await?;
        let event = AuditEvent::new(
            &me.login,
            "resource.grant",
            &u.login,
            json!({ "resource": r.name, "level": level }),
        );
        self.store
            .grant(u.id, r.id, level, self.now(), &event)
            .await
    }

    pub async fn revoke(&self, actor: &Actor, resource: &str, login: &str) -> Result<()> {
        let me = self.authorize(actor, Action::ManageResources, None).await?;
        let r = self.resource(resource).await?;
        let u = self.user(login).await?;
        let event = AuditEvent::new(
            &me.login,
            "resource.revoke",
            &u.login,
            json!({ "resource": r.name }),
        );
        self.store.revoke(u.id, r.id, self.now(), &event).await
    }

    /// Who has access to a resource, a page at a time by login.
    pub async fn resource_users(
        &self,
        actor: &Actor,
        resource: &str,
        after_login: Option<&str>,
        limit: i64,
    ) -> Result<Vec<GrantView>> {
        self.authorize(actor, Action::View, None).await?;
        let r = self.resource(resource).await?;
        let after = after_login.map(str::to_ascii_lowercase);
        Ok(self
            .store
            .grants_for_resource(r.id, after.as_deref(), limit.clamp(1, 1000))
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// A resource name (1 to 100 characters) and description (at most 500),
/// without control characters.
fn check_resource_text(name: &str, description: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::Invalid("the resource name is empty".into()));
    }
    if name.chars().count() > RESOURCE_NAME_MAX {
        return Err(Error::Invalid(format!(
            "the resource name may have at most {RESOURCE_NAME_MAX} characters"
        )));
    }
    if name.chars().any(char::is_control) || description.chars().any(char::is_control) {
        return Err(Error::Invalid(
            "the name and description may not contain control characters".into(),
        ));
    }
    if description.chars().count() > DESCRIPTION_MAX {
        return Err(Error::Invalid(format!(
            "the description may have at most {DESCRIPTION_MAX} characters"
        )));
    }
    Ok(())
}
