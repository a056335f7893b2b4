//! One user's password: the live checklist, setting and resetting it,
//! temporary passwords, reset tokens and the links waiting to be passed on,
//! and an administrator's own change. The bulk reset is in
//! service/bulk_reset.rs and service/bulk_links.rs, the first
//! administrator in service/first_run.rs.

use super::{Actor, Service};
use crate::crypto::tokens::{random_password, random_token, token_digest};
use crate::domain::password_rules::{
    PasswordContext, RuleCheck, Strength, checklist, strength, violations,
};
use crate::domain::policy::{Charset, Policy};
use crate::domain::rights::Action;
use crate::domain::{Kind, MailKind, Password};
use crate::error::{Error, Result};
use crate::store::rows::UserRow;
use crate::store::{AuditEvent, NewPassword};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use zeroize::Zeroizing;

/// The checklist for a candidate password, for the console's live view and
/// for refusals.
#[derive(Debug, Clone, Serialize)]
pub struct PasswordCheck {
    pub rules: Vec<RuleCheck>,
    pub strength: Strength,
    /// Names of the people sharing the login; all of them are affected.
    pub holders: Vec<String>,
}

impl PasswordCheck {
    pub fn violations(&self) -> Vec<String> {
        violations(&self.rules)
    }
}

/// A reset link waiting to be passed on to its user. `Debug` never prints
/// the link (it is a bearer secret until used or expired).
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct PendingLink {
    pub login: String,
    pub recipient: String,
    pub link: String,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for PendingLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingLink")
            .field("login", &self.login)
            .field("recipient", &self.recipient)
            .field("link", &"***")
            .field("requested_at", &self.requested_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// How a new password is written (see `Service::write_password`).
#[derive(Debug, Clone, Copy, Default)]
struct PasswordWrite {
    must_change: bool,
    /// A reset token or change ticket used up with the change.
    token: Option<i64>,
    /// Refuse if the user's row no longer has this version.
    expected_version: Option<i64>,
    /// End the user's console and CLI sessions.
    end_sessions: bool,
    /// The notice its owner gets, if their policy asks for it.
    notice: Option<MailKind>,
}

/// Temporary passwords are this long.
pub const TEMP_PASSWORD_LEN: usize = 20;

/// What an administrator who tries to set their own password is told.
const OWN_PASSWORD_HINT: &str = "to change your own password, give your current one: \
     `P` (my password) in the console, or `keyward user set-password` \
     with your own login, which asks for it";

impl Service {
    /// The policy checklist for `password` as `user`'s new password,
    /// without history (the rules that need no hashing): fast enough for
    /// every key press.
    pub async fn password_checklist(
        &self,
        actor: &Actor,
        login: &str,
        password: &Password,
    ) -> Result<PasswordCheck> {
        self.authorize(actor, Action::View, None).await?;
        self.refresh_blocklist();
        let u = self.user(login).await?;
        let policy = self.effective_policy(&u).await?.policy;
        let holders = self
            .store
            .holders(u.id)
            .await?
            .into_iter()
            .map(|h| h.name)
            .collect();
        Ok(Self::check_against(&policy, &u, password, holders))
    }

    /// The checklist under the policy a new user of `kind` would get.
    pub async fn password_checklist_for_new(
        &self,
        kind: Kind,
        policy_name: Option<&str>,
        ctx: &PasswordContext<'_>,
        password: &Password,
    ) -> Result<PasswordCheck> {
        let row = match policy_name {
            Some(n) => self
                .store
                .policy_by_name(n)
                .await?
                .ok_or_else(|| Error::NotFound(format!("no policy named {n:?}")))?,
            None => self.builtin_policy(kind == Kind::Portal).await?,
        };
        let policy = super::parse_settings(&row)?;
        self.refresh_blocklist();
        Ok(PasswordCheck {
            rules: checklist(&policy, password, ctx),
            strength: strength(password, ctx),
            holders: Vec::new(),
        })
    }

    fn check_against(
        policy: &Policy,
        u: &UserRow,
        password: &Password,
        holders: Vec<String>,
    ) -> PasswordCheck {
        let ctx = PasswordContext {
            login: &u.login,
            name: &u.name,
            email: &u.email,
        };
        PasswordCheck {
            rules: checklist(policy, password, &ctx),
            strength: strength(password, &ctx),
            holders,
        }
    }

    /// Refuses `password` for `u` unless every rule holds, including "not
    /// used before" (the current password and the last `history` ones).
    pub(crate) async fn enforce_policy(
        &self,
        u: &UserRow,
        policy: &Policy,
        password: &Password,
    ) -> Result<()> {
        self.refresh_blocklist();
        let check = Self::check_against(policy, u, password, Vec::new());
        let mut broken = check.violations();
        if policy.history > 0 || u.has_password {
            let mut hashes = Vec::new();
            let cred = self.store.credential(u.id).await?;
            if let Some(c) = cred.current() {
                hashes.push(c.to_string());
            }
            hashes.extend(
                self.store
                    .previous_hashes(u.id, policy.history as i64)
                    .await?,
            );
            if !hashes.is_empty() && self.matches_any(hashes, password).await? {
                broken.push(if policy.history > 0 {
                    format!(
                        "was used before (the last {} passwords cannot be reused)",
                        policy.history
                    )
                } else {
                    "is the current password; choose a different one".into()
                });
            }
        }
        if broken.is_empty() {
            Ok(())
        } else {
            Err(Error::Policy(broken))
        }
    }

    /// Stores a new password for `u`; the user's console and CLI sessions
    /// go on (an administrator changing their own, a forced change).
    async fn store_password(
        &self,
        u: &UserRow,
        password: &Password,
        must_change: bool,
        token: Option<i64>,
        event: &AuditEvent,
    ) -> Result<()> {
        self.write_password(
            u,
            password,
            PasswordWrite {
                must_change,
                token,
                notice: Some(MailKind::PasswordChanged),
                ..PasswordWrite::default()
            },
            event,
        )
        .await
    }

    /// Stores a new password for `u` (no must-change) and ends their
    /// console and CLI sessions: a reset link used, a change made
    /// elsewhere than in the session.
    pub(crate) async fn store_password_ending_sessions(
        &self,
        u: &UserRow,
        password: &Password,
        token: Option<i64>,
        event: &AuditEvent,
    ) -> Result<()> {
        let how = PasswordWrite {
            token,
            end_sessions: true,
            notice: Some(MailKind::PasswordChanged),
            ..PasswordWrite::default()
        };
        self.write_password(u, password, how, event).await
    }

    async fn write_password(
        &self,
        u: &UserRow,
        password: &Password,
        how: PasswordWrite,
        event: &AuditEvent,
    ) -> Result<()> {
        let effective = self.effective_policy(u).await?;
        let hash = self.hash(password).await?;
        let keep = (effective.policy.history as i64).max(2);
        let new = NewPassword {
            hash: &hash,
            must_change: how.must_change,
            policy_version: effective.row.version,
            keep,
            redeem_token: how.token,
            end_sessions: how.end_sessions,
            notice: how
                .notice
                .and_then(|kind| self.notice_for(u, &effective.policy, kind)),
        };
        self.store
            .set_password_at(u.id, how.expected_version, &new, self.now(), event)
            .await
    }

    /// An administrator sets another user's password (never their own: that
    /// needs the current one, see [`Service::change_own_password`]).
    pub async fn set_password(
        &self,
        actor: &Actor,
        login: &str,
        password: &Password,
        must_change: bool,
    ) -> Result<()> {
        self.set_password_at(actor, login, None, password, must_change)
            .await
    }

    /// [`Service::set_password`] from a form opened on a read of the user:
    /// with `expected_version` (the user's `version` then), a change made
    /// meanwhile (another password set, an unlock, an edit) is reported as
    /// a conflict instead of being silently replaced, as edits of the
    /// other fields are.
    pub async fn set_password_at(
        &self,
        actor: &Actor,
        login: &str,
        expected_version: Option<i64>,
        password: &Password,
        must_change: bool,
    ) -> Result<()> {
        let u = self.user(login).await?;
        // Their own account first: the rights check would answer an admin
        // that admins' passwords are not theirs to reset, which is true and
        // no help.
        if u.id == actor.user_id {
            let me = self.current_actor(actor).await?;
            let refused = Err(Error::Forbidden(OWN_PASSWORD_HINT.into()));
            return self
                .audit_refusal(&me.login, Action::ResetPassword, &u.login, refused)
                .await;
        }
        let me = self
            .authorize(actor, Action::ResetPassword, Some(&u))
            .await?;
        let policy = self.effective_policy(&u).await?.policy;
        self.enforce_policy(&u, &policy, password).await?;
        let holders: Vec<String> = self
            .store
            .holders(u.id)
            .await?
            .into_iter()
            .map(|h| h.name)
            .collect();
        let event = AuditEvent::new(
            &me.login,
            "password.set",
            &u.login,
            json!({ "must_change": must_change, "holders_affected": holders }),
        );
        let how = PasswordWrite {
            must_change,
            expected_version,
            end_sessions: true,
            token: None,
            notice: Some(MailKind::PasswordSet),
        };
        self.write_password(&u, password, how, &event).await
    }

    /// Sets a generated 20-character password that must be changed at next
    /// sign-in and returns it, to be shown once.
    pub async fn temporary_password(
        &self,
        actor: &Actor,
        login: &str,
    ) -> Result<Zeroizing<String>> {
        let u = self.user(login).await?;
        let me = self
            .authorize(actor, Action::ResetPassword, Some(&u))
            .await?;
        if u.id == me.id {
            let refused = Err(Error::Forbidden(
                "you cannot give yourself a temporary password".into(),
            ));
            return self
                .audit_refusal(&me.login, Action::ResetPassword, &u.login, refused)
                .await;
        }
        let policy = self.effective_policy(&u).await?.policy;
        let ctx = PasswordContext {
            login: &u.login,
            name: &u.name,
            email: &u.email,
        };
        let len = TEMP_PASSWORD_LEN
            .max(policy.min_length as usize)
            .min(policy.max_length as usize);
        let symbols = policy.charset != Charset::Alphanumeric;
        // Retries only matter for unusual composition rules.
        for _ in 0..100 {
            let candidate = random_password(len, symbols);
            let pw = Password::new(candidate.to_string());
            if violations(&checklist(&policy, &pw, &ctx)).is_empty() {
                let event = AuditEvent::new(
                    &me.login,
                    "password.temporary",
                    &u.login,
                    json!({ "must_change": true }),
                );
                let how = PasswordWrite {
                    must_change: true,
                    end_sessions: true,
                    notice: Some(MailKind::PasswordSet),
                    ..PasswordWrite::default()
                };
                self.write_password(&u, &pw, how, &event).await?;
                return Ok(candidate);
            }
        }
        Err(Error::Invalid(
            "could not generate a password that meets this user's policy; set one by hand".into(),
        ))
    }

    /// The signed-in administrator changes their own password, proving the
    /// current one. Clears must-change.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        current: &Password,
        new: &Password,
    ) -> Result<()> {
        let me = self.current_actor(actor).await?;
        match self
            .authenticate(&me.login, current, "password-change")
            .await?
        {
            o if o.is_ok() => {}
            crate::domain::AuthOutcome::Locked { .. } => {
                return Err(Error::Unauthenticated("your account is locked".into()));
            }
            _ => {
                return Err(Error::Unauthenticated(
                    "the current password is not right".into(),
                ));
            }
        }
        let me = self
            .store
            .user_by_id(me.id)
            .await?
            .ok_or_else(|| Error::NotFound("your account is gone".into()))?;
        let policy = self.effective_policy(&me).await?.policy;
        self.enforce_policy(&me, &policy, new).await?;
        let event = AuditEvent::new(&me.login, "password.change_own", &me.login, json!({}));
        self.store_password(&me, new, false, None, &event).await
    }

    /// Changes a password after a sign-in answered ok-must-change: the user
    /// proves the current password again, and the new one must differ.
    pub async fn change_password_with_current(
        &self,
        login: &str,
        current: &Password,
        new: &Password,
        source: &str,
    ) -> Result<()> {
        match self.authenticate(login, current, source).await? {
            o if o.is_ok() => {}
            other => return Err(Error::Unauthenticated(other.describe())),
        }
        let u = self.user(login).await?;
        let policy = self.effective_policy(&u).await?.policy;
        self.enforce_policy(&u, &policy, new).await?;
        let event = AuditEvent::new(&u.login, "password.change_own", &u.login, json!({}));
        self.store_password(&u, new, false, None, &event).await
    }

    /// Issues a one-time reset token, valid for the policy's
    /// `reset_link_ttl_minutes`; older tokens of the user are revoked.
    pub async fn issue_reset_token(
        &self,
        actor: &Actor,
        login: &str,
    ) -> Result<(Zeroizing<String>, DateTime<Utc>)> {
        let u = self.user(login).await?;
        let me = self
            .authorize(actor, Action::ResetPassword, Some(&u))
            .await?;
        if u.id == me.id {
            let refused = Err(Error::Forbidden("you cannot issue a reset token for yourself; change your own password with your current one".into()));
            return self
                .audit_refusal(&me.login, Action::ResetPassword, &u.login, refused)
                .await;
        }
        let policy = self.effective_policy(&u).await?.policy;
        let now = self.now();
        let expires = now + Duration::minutes(policy.reset_link_ttl_minutes as i64);
        let token = random_token();
        let event = AuditEvent::new(
            &me.login,
            "reset_token.issue",
            &u.login,
            json!({ "expires_at": expires }),
        );
        self.store
            .insert_reset_token(
                crate::store::TokenPurpose::Reset,
                u.id,
                &token_digest(&token),
                expires,
                now,
                &event,
                None,
                self.notice_for(&u, &policy, MailKind::ResetRequested),
            )
            .await?;
        Ok((token, expires))
    }

    /// Reset links users asked for that wait to be passed on (newest first),
    /// of the accounts the actor may reset; with `login`, that user's only.
    /// The links are bearer secrets: shown to those who could reset the
    /// password anyway.
    pub async fn pending_reset_links(
        &self,
        actor: &Actor,
        login: Option<&str>,
    ) -> Result<Vec<PendingLink>> {
        let me = self.current_actor(actor).await?;
        let my_role = me.role;
        let user_id = match login {
            Some(l) => {
                let u = self.user(l).await?;
                self.authorize(actor, Action::ResetPassword, Some(&u))
                    .await?;
                Some(u.id)
            }
            None => {
                self.authorize(actor, Action::View, None).await?;
                None
            }
        };
        let rows = self.store.pending_links(user_id, self.now(), 1000).await?;
        let mut out = Vec::new();
        for r in rows {
            let Some(u) = self.store.user_by_id(r.user_id).await? else {
                continue;
            };
            let target = (u.role, u.kind);
            if crate::domain::rights::check(my_role, Action::ResetPassword, Some(target)).is_ok() {
                out.push(PendingLink {
                    login: r.login,
                    recipient: r.recipient,
                    link: r.link,
                    requested_at: r.created_at,
                    expires_at: r.expires_at,
                });
            }
        }
        Ok(out)
    }

    /// Redeems a reset token: sets a password that passes the policy, once.
    /// Returns the login it belonged to.
    pub async fn redeem_reset_token(&self, token: &str, password: &Password) -> Result<String> {
        let invalid = || {
            Error::Unauthenticated("the reset token is not valid: it was used, replaced or has expired; ask for a new one".into())
        };
        let token = token.trim();
        if token.len() != 64 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Error::Invalid(
                "a reset token is 64 hexadecimal characters".into(),
            ));
        }
        let digest = token_digest(token);
        let row = self
            .store
            .reset_token_by_hash(&digest)
            .await?
            .ok_or_else(invalid)?;
        let now = self.now();
        if row.purpose != crate::store::TokenPurpose::Reset.as_str()
            || row.used_at.is_some()
            || row.revoked_at.is_some()
            || row.expires_at <= now
        {
            return Err(invalid());
        }
        let u = self
            .store
            .user_by_id(row.user_id)
            .await?
            .ok_or_else(invalid)?;
        if u.status != crate::domain::Status::Active {
            return Err(invalid());
        }
        let policy = self.effective_policy(&u).await?.policy;
        self.enforce_policy(&u, &policy, password).await?;
        let event = AuditEvent::new(&u.login, "reset_token.redeem", &u.login, json!({}));
        self.store_password_ending_sessions(&u, password, Some(row.id), &event)
            .await?;
        Ok(u.login)
    }
}
