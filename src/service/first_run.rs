//! First run: whether the database has no user yet, and creating the
//! first global administrator on it (`keyward init`, the console's first
//! screen, the demo). Refused once any user exists; the store's insert
//! (`first: true`) lets only one of two simultaneous first runs create an
//! administrator.

use super::{Actor, Service};
use crate::domain::password_rules::{PasswordContext, checklist, violations};
use crate::domain::user::{check_email, check_name, parse_login};
use crate::domain::{Kind, Password, Role};
use crate::error::{Error, Result};
use crate::store::{AuditEvent, NewUserRow};
use serde_json::json;

impl Service {
    /// Whether the database has no users yet (first run).
    pub async fn needs_setup(&self) -> Result<bool> {
        Ok(!self.store.any_user().await?)
    }

    /// Creates the first global administrator; refuses once any user exists.
    pub async fn create_first_admin(
        &self,
        login: &str,
        name: &str,
        email: &str,
        password: &Password,
    ) -> Result<Actor> {
        if !self.needs_setup().await? {
            return Err(Error::Conflict(
                "keyward is already set up: an administrator exists; sign in with `keyward login`"
                    .into(),
            ));
        }
        let row = self.builtin_policy(false).await?;
        let policy = super::parse_settings(&row)?;
        let login = parse_login(login, &policy).map_err(Error::Invalid)?;
        let name = check_name(name).map_err(Error::Invalid)?;
        let email = check_email(email).map_err(Error::Invalid)?;
        let ctx = PasswordContext {
            login: login.as_str(),
            name: &name,
            email: &email,
        };
        self.refresh_blocklist();
        let broken = violations(&checklist(&policy, password, &ctx));
        if !broken.is_empty() {
            return Err(Error::Policy(broken));
        }
        let hash = self.hash(password).await?;
        let now = self.now();
        let event = AuditEvent::new(
            login.as_str(),
            "setup.first_admin",
            login.as_str(),
            json!({ "after": { "name": name, "email": email, "role": "global_admin" } }),
        );
        let id = self
            .store
            .insert_user(
                &NewUserRow {
                    login: login.as_str(),
                    name: &name,
                    email: &email,
                    kind: Kind::Staff,
                    role: Role::GlobalAdmin,
                    policy_id: None,
                    hash: Some(&hash),
                    must_change: false,
                    policy_version: row.version,
                    first: true,
                },
                now,
                &event,
            )
            .await?;
        Ok(Actor {
            user_id: id,
            login: login.to_string(),
            role: Role::GlobalAdmin,
            authenticated_at: now,
        })
    }
}
