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

    async fn resource(&self, name: &str) -> Result<ResourceRow> {
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
        let description = description.trim();
        if description.chars().count() > DESCRIPTION_MAX {
            return Err(Error::Invalid(format!(
                "the description may have at most {DESCRIPTION_MAX} characters"
            )));
        }
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
