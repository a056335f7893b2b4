//! Use cases on user records: list, show, create, edit, enable/disable,
//! delete, unlock, and holders.

use super::views::{HolderView, Page, PolicyIndex, UserDetail, UserSummary, summarize};
use super::{Actor, Service, clip, parse_kind, parse_role, parse_settings};
use crate::domain::rights::Action;
use crate::domain::user::{check_email, check_login_policy, check_name, check_note};
use crate::domain::{Kind, LoginId, Password, Role};
use crate::error::{Error, Result};
use crate::store::rows::UserRow;
use crate::store::{
    AuditEvent, Cursor, NewUserRow, StatusFilter, UserFields, UserQuery, UserSort, cursor_after,
};
use serde_json::json;

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub search: Option<String>,
    pub status: Option<StatusFilter>,
    pub kind: Option<Kind>,
    pub role: Option<Role>,
    /// A resource name: only users granted it.
    pub resource: Option<String>,
    pub sort: UserSort,
    /// Forward: start after this row (from the first when None). Backward:
    /// end before it (the last page when None).
    pub after: Option<Cursor>,
    /// List the page before `after` instead of after it (still in order).
    pub backward: bool,
    /// The sort the other way round (Z to A, oldest sign-in first); paging
    /// forward and backward follow it.
    pub descending: bool,
    pub limit: i64,
}

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

/// Longest search text accepted (a paste of a novel is cut, not an error).
const SEARCH_MAX: usize = 128;

/// How many users a listing holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCount {
    pub n: i64,
    /// PostgreSQL's estimate, not a count.
    pub estimate: bool,
}

/// A whole table at least this large is estimated rather than counted.
const ESTIMATE_FROM: i64 = 100_000;

impl Service {
    pub(crate) async fn policy_index(&self) -> Result<PolicyIndex> {
        let rows = self.store.policies().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let p = parse_settings(&r)?;
            out.push((r, p));
        }
        Ok(PolicyIndex { rows: out })
    }

    /// One page of users: after `filter.after`, or before it with
    /// `backward`. Never loads more than `limit` (+1) rows.
    pub async fn list_users(
        &self,
        actor: &Actor,
        filter: &UserFilter,
    ) -> Result<Page<UserSummary>> {
        // The right to view and the policies (for each row's badges) are
        // read at once: this runs at every key typed in a search, and on
        // PostgreSQL each read is a round trip of about 0.3 ms. Both run
        // to the end, so a refusal is always audited.
        let (allowed, policies) = tokio::join!(
            self.authorize(actor, Action::View, None),
            self.policy_index()
        );
        allowed?;
        let policies = policies?;
        let now = self.now();
        let limit = if filter.limit <= 0 {
            50
        } else {
            filter.limit.min(1000)
        };
        let query = self
            .listing_query(filter, &policies, now, limit + 1)
            .await?;
        let mut rows = self.store.list_users(&query).await?;
        // One row more than asked says whether the listing goes on.
        let more = rows.len() as i64 > limit;
        let (prev, next) = if filter.backward {
            // The extra row is the one just before the page.
            let prev = if more {
                Some(cursor_after(&rows.remove(0), filter.sort))
            } else {
                None
            };
            let next = match filter.after {
                Some(_) => rows.last().map(|r| cursor_after(r, filter.sort)),
                None => None,
            };
            (prev, next)
        } else {
            rows.truncate(limit as usize);
            let next = if more {
                rows.last().map(|r| cursor_after(r, filter.sort))
            } else {
                None
            };
            (filter.after.clone(), next)
        };
        let items = rows.iter().map(|r| summarize(r, &policies, now)).collect();
        Ok(Page { items, next, prev })
    }

    /// The store's query for `filter` (`limit` rows), with the inactivity
    /// and password-age cut-offs of `policies` at `now`.
    async fn listing_query(
        &self,
        filter: &UserFilter,
        policies: &PolicyIndex,
        now: chrono::DateTime<chrono::Utc>,
        limit: i64,
    ) -> Result<UserQuery> {
        let cutoff = |portal: bool| {
            let days = policies
                .rows
                .iter()
                .find(|(r, _)| r.name == if portal { "portal" } else { "default" })
                .map(|(_, p)| p.revalidate_after_days)
                .unwrap_or(90);
            now - chrono::Duration::days(if days == 0 { 36_500 } else { days as i64 })
        };
        let resource_id = match &filter.resource {
            Some(name) => Some(
                self.store
                    .resource_by_name(name)
                    .await?
                    .ok_or_else(|| {
                        Error::NotFound(format!("no resource named {:?}", clip(name, 64)))
                    })?
                    .id,
            ),
            None => None,
        };
        Ok(UserQuery {
            search: filter.search.as_ref().map(|s| {
                s.chars()
                    .filter(|c| !c.is_control())
                    .take(SEARCH_MAX)
                    .collect()
            }),
            status: filter.status,
            kind: filter.kind,
            role: filter.role,
            resource_id,
            sort: filter.sort,
            after: filter.after.clone(),
            backward: filter.backward,
            descending: filter.descending,
            limit,
            now,
            inactive_before: (cutoff(false), cutoff(true)),
            password_expired_before: policies
                .rows
                .iter()
                .filter(|(_, p)| p.max_age_days > 0)
                .map(|(r, p)| (r.id, now - chrono::Duration::days(p.max_age_days as i64)))
                .collect(),
        })
    }

    /// How many users `filter` lists in all (its search and filters; not its
    /// cursor): counted, or on PostgreSQL for the whole unfiltered listing
    /// of a large table, PostgreSQL's estimate (`estimate` is then true).
    /// Counting a filtered million takes up to a second or so: the console
    /// asks after the page has shown.
    pub async fn count_listed(&self, actor: &Actor, filter: &UserFilter) -> Result<ListCount> {
        let (allowed, policies) = tokio::join!(
            self.authorize(actor, Action::View, None),
            self.policy_index()
        );
        allowed?;
        let policies = policies?;
        let unfiltered = filter.search.as_deref().is_none_or(|s| s.trim().is_empty())
            && filter.status.is_none()
            && filter.kind.is_none()
            && filter.role.is_none()
            && filter.resource.is_none();
        if unfiltered
            && let Some(n) = self.store.estimate_users().await?
            && n >= ESTIMATE_FROM
        {
            return Ok(ListCount { n, estimate: true });
        }
        let query = self.listing_query(filter, &policies, self.now(), 1).await?;
        Ok(ListCount {
            n: self.store.count_listed(&query).await?,
            estimate: false,
        })
    }

    /// Everything about one user.
    pub async fn get_user(&self, actor: &Actor, login: &str) -> Result<UserDetail> {
        self.authorize(actor, Action::View, None).await?;
        let me = self.current_actor(actor).await?;
        let u = self.user(login).await?;
        let policies = self.policy_index().await?;
        let effective = self.effective_policy(&u).await?;
        let can_audit =
            crate::domain::rights::check(parse_role(&me)?, Action::ViewAudit, None).is_ok();
        let recent_audit = if can_audit {
            self.store
                .audit_for_target(&u.login, 20)
                .await?
                .into_iter()
                .map(Into::into)
                .collect()
        } else {
            Vec::new()
        };
        let may_reset = crate::domain::rights::check(
            parse_role(&me)?,
            Action::ResetPassword,
            Some((parse_role(&u)?, super::parse_kind(&u)?)),
        )
        .is_ok();
        let pending_reset_links = if may_reset {
            self.store
                .pending_links(Some(u.id), self.now(), 5)
                .await?
                .into_iter()
                .map(|r| super::PendingLink {
                    login: r.login,
                    recipient: r.recipient,
                    link: r.link,
                    requested_at: r.created_at,
                    expires_at: r.expires_at,
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(UserDetail {
            summary: summarize(&u, &policies, self.now()),
            has_password: u.has_password,
            password_changed_at: u.password_changed_at,
            policy: effective.row.name.clone(),
            policy_reason: effective.reason.to_string(),
            policy_assigned: u.policy_id.is_some(),
            holders: self
                .store
                .holders(u.id)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
            resources: self
                .store
                .grants_for_user(u.id)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
            recent_attempts: self
                .store
                .attempts_for_user(u.id, 20)
                .await?
                .into_iter()
                .map(Into::into)
                .collect(),
            application_sign_ins: super::views::AppSignInsView::from_rows(
                self.store.resource_sign_ins(u.id).await?,
            ),
            pending_reset_links,
            recent_audit,
            created_at: u.created_at,
            updated_at: u.updated_at,
        })
    }

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
            role: new.role.as_str().into(),
            kind: new.kind.as_str().into(),
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
        let login = LoginId::parse(&new.login).map_err(Error::Invalid)?;
        let name = check_name(&new.name).map_err(Error::Invalid)?;
        let email = check_email(&new.email).map_err(Error::Invalid)?;
        let (policy_id, policy_row) = self.policy_for(new.policy.as_deref(), new.kind).await?;
        let policy = parse_settings(&policy_row)?;
        check_login_policy(&login, &policy).map_err(Error::Invalid)?;
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
        let old_role = parse_role(&u)?;
        let kind = parse_kind(&u)?;
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
        let new_login = match &edit.login {
            Some(l) => LoginId::parse(l).map_err(Error::Invalid)?,
            None => LoginId::parse(&u.login).map_err(Error::Invalid)?,
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
        if new_login.as_str() != u.login {
            let policy = self.effective_policy(&u).await?.policy;
            check_login_policy(&new_login, &policy).map_err(Error::Invalid)?;
            if let Some(other) = self.store.user_by_login(&new_login.lower()).await?
                && other.id != u.id
            {
                return Err(Error::Conflict(format!(
                    "the login ID {new_login} is already taken"
                )));
            }
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
        if (u.status == "disabled") == disabled {
            return Ok(());
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
