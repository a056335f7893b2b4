//! Changes to user records: create, edit, enable/disable, delete, unlock,
//! and the people who share a login (holders). Listing and showing users
//! is in service/listing.rs.

use super::views::{HolderView, UserSummary, summarize};
use super::{Actor, Service, clip, parse_settings};
use crate::domain::rights::Action;
use crate::domain::user::{check_email, check_name, check_note, parse_login};
use crate::domain::{Kind, LoginId, Password, Role};
use crate::error::{Error, Result};
use crate::store::rows::UserRow;
use crate::store::{AuditEvent, NewUserRow, UserFields};
use serde_json::json;

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub name: String,
    pub email: String,
    pub kind: Kind,
    pub role: Role,
    /// A named policy of their own; `None` = their kind's.
    pub policy: Option<String>,
    pub must_change: bool,
}

/// Changes to a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserEdit {
    pub login: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    /// `Some(None)` = back to the kind's policy.
    pub policy: Option<Option<String>>,
}

impl Service {
    /// Resolves a policy name given for a user; `None` = their kind's.
    async fn policy_for(
        &self,
        name: Option<&str>,
        kind: Kind,
    ) -> Result<(Option<i64>, crate::store::rows::PolicyRow)> {
        match name {
            Some(n) => {
                let row =
                    self.store.policy_by_name(n.trim()).await?.ok_or_else(|| {
                        Error::NotFound(format!("no policy named {:?}", clip(n, 64)))
                    })?;
                Ok((Some(row.id), row))
            }
            None => Ok((None, self.builtin_policy(kind == Kind::Portal).await?)),
        }
    }

    /// Creates a user, optionally with a first password (checked against
    /// their policy).
    pub async fn create_user(
        &self,
        actor: &Actor,
        new: &NewUser,
        password: Option<&Password>,
    ) -> Result<UserSummary> {
        let me = self.current_actor(actor).await?;
        // Rights are judged on the account as it would be.
        let probe = UserRow {
            login: new.login.clone(),
            role: new.role,
            kind: new.kind,
            ..me.clone()
        };
        self.authorize(actor, Action::ManageUser, Some(&probe))
            .await?;
        if new.role != Role::User {
            self.authorize(actor, Action::ChangeRole(new.role), Some(&probe))
                .await?;
        }
        if new.role.rank() >= Role::Admin.rank() {
            self.require_step_up(actor, &me.login, Action::ChangeRole(new.role))
                .await?;
        }
        if new.kind == Kind::Portal && new.role != Role::User {
            return Err(Error::Invalid(
                "portal accounts can only have the user role".into(),
            ));
        }
        let (policy_id, policy_row) = self.policy_for(new.policy.as_deref(), new.kind).await?;
        let policy = parse_settings(&policy_row)?;
        let login = parse_login(&new.login, &policy).map_err(Error::Invalid)?;
        let name = check_name(&new.name).map_err(Error::Invalid)?;
        let email = check_email(&new.email).map_err(Error::Invalid)?;
        if self.store.user_by_login(&login.lower()).await?.is_some() {
            return Err(Error::Conflict(format!(
                "the login ID {login} is already taken"
            )));
        }
        let hash = match password {
            Some(pw) => {
                self.refresh_blocklist();
                let ctx = crate::domain::password_rules::PasswordContext {
                    login: login.as_str(),
                    name: &name,
                    email: &email,
                };
                let broken = crate::domain::password_rules::violations(
                    &crate::domain::password_rules::checklist(&policy, pw, &ctx),
                );
                if !broken.is_empty() {
                    return Err(Error::Policy(broken));
                }
                Some(self.hash(pw).await?)
            }
            None => None,
        };
        let now = self.now();
        let event = AuditEvent::new(
            &me.login,
            "user.create",
            login.as_str(),
            json!({ "after": { "name": name, "email": email, "kind": new.kind, "role": new.role,
                    "policy": policy_row.name, "must_change": new.must_change, "password_set": hash.is_some() } }),
        );
        let id = self
            .store
            .insert_user(
                &NewUserRow {
                    login: login.as_str(),
                    name: &name,
                    email: &email,
                    kind: new.kind,
                    role: new.role,
                    policy_id,
                    hash: hash.as_deref(),
                    must_change: new.must_change,
                    policy_version: policy_row.version,
                    first: false,
                },
                now,
                &event,
            )
            .await
            .map_err(|e| match e {
                // The unique index on logins (another create won the race);
                // a shared email address says so itself.
                Error::Conflict(m) if m.starts_with("that value is already taken") => {
                    Error::Conflict(format!("the login ID {login} is already taken"))
                }
                e => e,
            })?;
        let row = self
            .store
            .user_by_id(id)
            .await?
            .ok_or_else(|| Error::Internal("user vanished after insert".into()))?;
        Ok(summarize(&row, &self.policy_index().await?, self.now()))
    }

    /// Changes a user's details. With `expected_version` (what the editor
    /// read), a concurrent change is refused instead of overwritten.
    pub async fn edit_user(
        &self,
        actor: &Actor,
        login: &str,
        expected_version: Option<i64>,
        edit: &UserEdit,
    ) -> Result<UserSummary> {
        let u = self.user(login).await?;
        let me = self.authorize(actor, Action::ManageUser, Some(&u)).await?;
        let old_role = u.role;
        let kind = u.kind;
        let role = edit.role.unwrap_or(old_role);
        if role != old_role {
            self.authorize(actor, Action::ChangeRole(role), Some(&u))
                .await?;
            self.require_step_up(actor, &me.login, Action::ChangeRole(role))
                .await?;
            if kind == Kind::Portal && role != Role::User {
                return Err(Error::Invalid(
                    "portal accounts can only have the user role".into(),
                ));
            }
        }
        // A new login ID meets the user's present policy; the one they
        // have stays, whatever the policy says now.
        let new_login = match &edit.login {
            Some(l) if *l != u.login => {
                let policy = self.effective_policy(&u).await?.policy;
                parse_login(l, &policy).map_err(Error::Invalid)?
            }
            _ => LoginId::parse(&u.login).map_err(Error::Invalid)?,
        };
        let name = match &edit.name {
            Some(n) => check_name(n).map_err(Error::Invalid)?,
            None => u.name.clone(),
        };
        let email = match &edit.email {
            Some(e) => check_email(e).map_err(Error::Invalid)?,
            None => u.email.clone(),
        };
        let (policy_id, policy_name, new_policy_version) = match &edit.policy {
            Some(p) => {
                let (id, row) = self.policy_for(p.as_deref(), kind).await?;
                (id, row.name, row.version)
            }
            None => {
                let row = self.effective_policy(&u).await?.row;
                (u.policy_id, row.name, row.version)
            }
        };
        if new_login.as_str() != u.login
            && let Some(other) = self.store.user_by_login(&new_login.lower()).await?
            && other.id != u.id
        {
            return Err(Error::Conflict(format!(
                "the login ID {new_login} is already taken"
            )));
        }
        let version = expected_version.unwrap_or(u.version);
        let mut before = serde_json::Map::new();
        let mut after = serde_json::Map::new();
        let mut diff = |k: &str, a: &str, b: &str| {
            if a != b {
                before.insert(k.into(), json!(a));
                after.insert(k.into(), json!(b));
            }
        };
        diff("login", &u.login, new_login.as_str());
        diff("name", &u.name, &name);
        diff("email", &u.email, &email);
        diff("role", old_role.as_str(), role.as_str());
        if policy_id != u.policy_id {
            diff(
                "policy",
                &self.effective_policy(&u).await?.row.name,
                &policy_name,
            );
        }
        if after.is_empty() {
            let policies = self.policy_index().await?;
            return Ok(summarize(&u, &policies, self.now()));
        }
        let event = AuditEvent::new(
            &me.login,
            "user.edit",
            &u.login,
            json!({ "before": before, "after": after }),
        );
        let result = self
            .store
            .update_user(
                u.id,
                version,
                &UserFields {
                    login: new_login.as_str(),
                    name: &name,
                    email: &email,
                    role,
                    policy_id,
                    // Moving to another policy: its versions count from now.
                    policy_version: (policy_id != u.policy_id).then_some(new_policy_version),
                },
                self.now(),
                &event,
            )
            .await
            .map_err(|e| match e {
                Error::Conflict(m) if m.starts_with("that value") => {
                    Error::Conflict(format!("the login ID {new_login} is already taken"))
                }
                e => e,
            });
        let action = if role != old_role {
            Action::ChangeRole(role)
        } else {
            Action::ManageUser
        };
        self.audit_refusal(&me.login, action, &u.login, result)
            .await?;
        let row = self
            .store
            .user_by_id(u.id)
            .await?
            .ok_or_else(|| Error::NotFound("the user was deleted meanwhile".into()))?;
        Ok(summarize(&row, &self.policy_index().await?, self.now()))
    }

    /// Disables (ending sessions, revoking reset tokens) or enables a user.
    pub async fn set_disabled(&self, actor: &Actor, login: &str, disabled: bool) -> Result<()> {
        let u = self.user(login).await?;
        let me = self.authorize(actor, Action::ManageUser, Some(&u)).await?;
        if (u.status == crate::domain::Status::Disabled) == disabled {
            return Ok(());
        }
        // As with deleting: disabling yourself ends your own session, and
        // nobody is left signed in to undo it.
        if disabled && u.id == me.id {
            let refused = Err(Error::Forbidden(
                "you cannot disable your own account".into(),
            ));
            return self
                .audit_refusal(&me.login, Action::ManageUser, &u.login, refused)
                .await;
        }
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        let event = AuditEvent::new(
            &me.login,
            action,
            &u.login,
            json!({ "before": { "status": u.status } }),
        );
        let result = self
            .store
            .set_status(u.id, disabled, self.now(), &event)
            .await;
        self.audit_refusal(&me.login, Action::ManageUser, &u.login, result)
            .await
    }

    /// Deletes a user and everything that hangs off them.
    pub async fn delete_user(&self, actor: &Actor, login: &str) -> Result<()> {
        let u = self.user(login).await?;
        let me = self.authorize(actor, Action::ManageUser, Some(&u)).await?;
        if u.id == me.id {
            let refused = Err(Error::Forbidden(
                "you cannot delete your own account".into(),
            ));
            return self
                .audit_refusal(&me.login, Action::ManageUser, &u.login, refused)
                .await;
        }
        let event = AuditEvent::new(
            &me.login,
            "user.delete",
            &u.login,
            json!({ "before": { "name": u.name, "email": u.email, "kind": u.kind, "role": u.role, "status": u.status } }),
        );
        let result = self.store.delete_user(u.id, self.now(), &event).await;
        self.audit_refusal(&me.login, Action::ManageUser, &u.login, result)
            .await
    }

    /// Ends a lock (by time or failures) and clears the failure count.
    pub async fn unlock(&self, actor: &Actor, login: &str) -> Result<()> {
        let u = self.user(login).await?;
        let me = self
            .authorize(actor, Action::ResetPassword, Some(&u))
            .await?;
        let event = AuditEvent::new(
            &me.login,
            "user.unlock",
            &u.login,
            json!({ "before": { "locked_until": u.locked_until, "locked": u.locked_at.is_some(), "failed_attempts": u.failed_attempts } }),
        );
        self.store.unlock(u.id, self.now(), &event).await
    }

    pub async fn holders(&self, actor: &Actor, login: &str) -> Result<Vec<HolderView>> {
        self.authorize(actor, Action::View, None).await?;
        let u = self.user(login).await?;
        Ok(self
            .store
            .holders(u.id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub async fn add_holder(
        &self,
        actor: &Actor,
        login: &str,
        name: &str,
        email: &str,
        note: &str,
    ) -> Result<HolderView> {
        let u = self.user(login).await?;
        let me = self.authorize(actor, Action::ManageUser, Some(&u)).await?;
        let name = check_name(name).map_err(Error::Invalid)?;
        let email = check_email(email).map_err(Error::Invalid)?;
        let note = check_note(note).map_err(Error::Invalid)?;
        let event = AuditEvent::new(
            &me.login,
            "holder.add",
            &u.login,
            json!({ "after": { "name": name, "email": email, "note": note } }),
        );
        let id = self
            .store
            .add_holder(u.id, &name, &email, &note, self.now(), &event)
            .await?;
        Ok(HolderView {
            id,
            name,
            email,
            note,
        })
    }

    pub async fn remove_holder(&self, actor: &Actor, login: &str, holder_id: i64) -> Result<()> {
        let u = self.user(login).await?;
        let me = self.authorize(actor, Action::ManageUser, Some(&u)).await?;
        let holders = self.store.holders(u.id).await?;
        let h = holders.iter().find(|h| h.id == holder_id).ok_or_else(|| {
            Error::NotFound(format!("{} has no holder with id {holder_id}", u.login))
        })?;
        let event = AuditEvent::new(
            &me.login,
            "holder.remove",
            &u.login,
            json!({ "before": { "name": h.name, "email": h.email } }),
        );
        self.store
            .remove_holder(u.id, holder_id, self.now(), &event)
            .await
    }
}
