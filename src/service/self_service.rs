//! What the people behind the accounts do themselves, through `keyward
//! serve`'s API and pages: change a password they know (or finish a forced
//! change with the ticket their sign-in got), see the policy's checklist
//! while they type, ask for a reset link, and use it.
//!
//! Nothing here may tell whether an account exists: a reset request answers
//! the same, at once, whatever it names (the work is done after the answer,
//! on the service's background tasks); a checklist for an unknown login
//! uses the kind's default policy.

use super::auth::SignInSource;
use super::{Service, clip};
use crate::crypto::tokens::{random_token, token_digest};
use crate::domain::password_rules::{
    PasswordContext, RuleCheck, Strength, checklist, strength, violations,
};
use crate::domain::policy::Policy;
use crate::domain::{AuthOutcome, Kind, Password};
use crate::error::{Error, Result};
use crate::store::rows::UserRow;
use crate::store::{AuditEvent, NewLink, TokenPurpose};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

/// How a user proves they may change their password.
pub enum ChangeProof {
    /// The current password.
    Current(Password),
    /// The ticket a must-change sign-in answered with.
    Ticket(String),
}

/// A policy checklist and strength meter for people who are not
/// administrators: no holders, nothing about the account but the rules.
#[derive(Debug, Clone, Serialize)]
pub struct PublicCheck {
    pub rules: Vec<RuleCheck>,
    pub strength: Strength,
    /// Whether every rule is met (history is checked only on saving).
    pub acceptable: bool,
}

impl PublicCheck {
    fn new(policy: &Policy, password: &Password, ctx: &PasswordContext<'_>) -> PublicCheck {
        let rules = checklist(policy, password, ctx);
        let acceptable = violations(&rules).is_empty();
        PublicCheck {
            rules,
            strength: strength(password, ctx),
            acceptable,
        }
    }
}

/// What a reset link is, without using it up.
#[derive(Debug, Clone)]
pub enum ResetLinkState {
    /// The link may set a password for `login` until `expires_at`.
    Valid {
        login: String,
        expires_at: DateTime<Utc>,
        /// The rules the new password must meet, as an empty checklist.
        rules: Vec<RuleCheck>,
    },
    /// Used, replaced, expired, malformed or unknown (all alike).
    Invalid,
}

/// A link request accepted for the work after its answer.
pub(super) struct LinkRequest {
    /// The expiry announced at once.
    pub shown: DateTime<Utc>,
    /// The login ID or email, trimmed.
    pub who: String,
    pub via: String,
    pub client: String,
    /// Where the pages are reached, without a trailing slash.
    pub base: String,
}

/// The longest "login or email" a reset request takes.
const WHO_MAX: usize = 320;
/// A rate-limit window.
const HOUR: i64 = 60;

impl Service {
    /// A user changes their own password: with the current one (through
    /// `authenticate`, so a wrong one counts as a failed sign-in) or with a
    /// change ticket. Answers `Ok` when changed, or the sign-in's refusal
    /// (bad credentials, locked, disabled, no access); a new password that
    /// breaks the policy is `Error::Policy`, an unusable ticket
    /// `Error::Unauthenticated`. The user's other console and CLI sessions
    /// end.
    pub async fn change_password_self(
        &self,
        login: &str,
        proof: &ChangeProof,
        new: &Password,
        source: &SignInSource,
    ) -> Result<AuthOutcome> {
        let (user, ticket) = match proof {
            ChangeProof::Current(current) => {
                let answer = self.authenticate_from(login, current, source).await?;
                match answer.user {
                    Some(user) if answer.outcome.is_ok() => (user, None),
                    _ => return Ok(answer.outcome),
                }
            }
            ChangeProof::Ticket(ticket) => {
                let (user, id) = self.change_ticket_user(login, ticket).await?;
                (user, Some(id))
            }
        };
        let policy = self.effective_policy(&user).await?.policy;
        self.enforce_policy(&user, &policy, new).await?;
        let event = AuditEvent::new(
            &user.login,
            "password.change_self",
            &user.login,
            json!({ "via": source.label, "with": if ticket.is_some() { "ticket" } else { "current password" } }),
        );
        self.store_password_ending_sessions(&user, new, ticket, &event)
            .await?;
        Ok(AuthOutcome::Ok)
    }

    /// The account a change ticket is for, if it is good for `login`.
    async fn change_ticket_user(&self, login: &str, ticket: &str) -> Result<(UserRow, i64)> {
        let invalid = || {
            Error::Unauthenticated(
                "the change ticket is not valid: it was used, replaced or has expired; sign in again"
                    .into(),
            )
        };
        let ticket = ticket.trim();
        if ticket.len() != 64 || !ticket.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        let row = self
            .store
            .reset_token_by_hash(&token_digest(ticket))
            .await?
            .ok_or_else(invalid)?;
        let now = self.now();
        if row.purpose != TokenPurpose::Change.as_str()
            || row.used_at.is_some()
            || row.revoked_at.is_some()
            || row.expires_at <= now
        {
            return Err(invalid());
        }
        let user = self
            .store
            .user_by_id(row.user_id)
            .await?
            .ok_or_else(invalid)?;
        let same = crate::domain::login::lookup_key(login.trim())
            == crate::domain::login::lookup_key(&user.login);
        if !same || user.status != crate::domain::Status::Active {
            return Err(invalid());
        }
        Ok((user, row.id))
    }

    /// The checklist and meter for `password` as the new password of
    /// `login` (`POST /v1/password/check`): under the account's policy when
    /// it exists, else under `kind`'s default, with the same answer shape.
    /// Nothing is saved.
    pub async fn check_password_for(
        &self,
        login: Option<&str>,
        kind: Kind,
        password: &Password,
    ) -> Result<PublicCheck> {
        let login = login.map(str::trim).filter(|l| !l.is_empty());
        let user = match login {
            Some(l) if l.len() <= 256 => {
                self.store
                    .user_by_login(&crate::domain::login::lookup_key(l))
                    .await?
            }
            _ => None,
        };
        match user {
            Some(u) => {
                let policy = self.effective_policy(&u).await?.policy;
                let (name, email) = (u.name.clone(), u.email.clone());
                self.public_check(policy, u.login, name, email, password)
                    .await
            }
            None => {
                self.anonymous_check(kind, login.unwrap_or(""), password)
                    .await
            }
        }
    }

    /// The checklist under `kind`'s default policy, looking nobody up (the
    /// `/change` page's live check: anyone may type any login there).
    pub async fn anonymous_check(
        &self,
        kind: Kind,
        login: &str,
        password: &Password,
    ) -> Result<PublicCheck> {
        let row = self.builtin_policy(kind == Kind::Portal).await?;
        let policy = super::parse_settings(&row)?;
        self.public_check(
            policy,
            clip(login, 64),
            String::new(),
            String::new(),
            password,
        )
        .await
    }

    /// zxcvbn takes milliseconds on a long password: off the async threads,
    /// and at most a few at once (anyone may ask for checks through the
    /// pages; beyond that they answer `Busy`).
    async fn public_check(
        &self,
        policy: Policy,
        login: String,
        name: String,
        email: String,
        password: &Password,
    ) -> Result<PublicCheck> {
        self.refresh_blocklist();
        let password = password.clone();
        let permit = self
            .public_checks
            .clone()
            .try_acquire_owned()
            .map_err(|_| Error::Busy("too many password checks at once".into()))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let ctx = PasswordContext {
                login: &login,
                name: &name,
                email: &email,
            };
            PublicCheck::new(&policy, &password, &ctx)
        })
        .await
        .map_err(|e| Error::Internal(format!("the password check failed: {e}")))
    }

    /// What a reset link is, without using it up (a GET of its page: mail
    /// scanners and link previews fetch links, and must not spend them).
    pub async fn reset_link_state(&self, token: &str) -> Result<ResetLinkState> {
        let Some((user, expires_at)) = self.usable_link_token(token, TokenPurpose::Reset).await?
        else {
            return Ok(ResetLinkState::Invalid);
        };
        let policy = self.effective_policy(&user).await?.policy;
        let ctx = PasswordContext {
            login: &user.login,
            name: &user.name,
            email: &user.email,
        };
        let rules = checklist(&policy, &Password::from(""), &ctx);
        Ok(ResetLinkState::Valid {
            login: user.login,
            expires_at,
            rules,
        })
    }

    /// The checklist for a new password set through a reset link (its
    /// page's live check). `None` when the link is not usable.
    pub async fn check_password_for_reset(
        &self,
        token: &str,
        password: &Password,
    ) -> Result<Option<PublicCheck>> {
        let Some((user, _)) = self.usable_link_token(token, TokenPurpose::Reset).await? else {
            return Ok(None);
        };
        let policy = self.effective_policy(&user).await?.policy;
        let UserRow {
            login, name, email, ..
        } = user;
        self.public_check(policy, login, name, email, password)
            .await
            .map(Some)
    }

    /// The account, token id and expiry of a link token of `purpose` that
    /// may still be used (by an active account).
    pub(super) async fn usable_link_token(
        &self,
        token: &str,
        purpose: TokenPurpose,
    ) -> Result<Option<(UserRow, DateTime<Utc>)>> {
        Ok(self
            .usable_link_token_id(token, purpose)
            .await?
            .map(|(user, _, expires)| (user, expires)))
    }

    /// [`Service::usable_link_token`], with the token's id.
    pub(super) async fn usable_link_token_id(
        &self,
        token: &str,
        purpose: TokenPurpose,
    ) -> Result<Option<(UserRow, i64, DateTime<Utc>)>> {
        let token = token.trim();
        if token.len() != 64 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let Some(row) = self.store.reset_token_by_hash(&token_digest(token)).await? else {
            return Ok(None);
        };
        if row.purpose != purpose.as_str()
            || row.used_at.is_some()
            || row.revoked_at.is_some()
            || row.expires_at <= self.now()
        {
            return Ok(None);
        }
        let user = self.store.user_by_id(row.user_id).await?;
        Ok(user
            .filter(|u| u.status == crate::domain::Status::Active)
            .map(|u| (u, row.id, row.expires_at)))
    }

    /// Counts one hit in a rate-limit bucket shared by every instance on
    /// this database. `Some(wait)` when this hit is over `limit` per
    /// `window`: how long until the window ends.
    pub async fn rate_limited(
        &self,
        bucket: &str,
        limit: u32,
        window: Duration,
    ) -> Result<Option<Duration>> {
        let now = self.now();
        let (hits, started) = self.store.rate_hit(bucket, window, now).await?;
        if hits > i64::from(limit) {
            Ok(Some((started + window - now).max(Duration::seconds(1))))
        } else {
            Ok(None)
        }
    }

    /// Asks for a reset link for the account a login ID or email names
    /// (`/reset`, `POST /v1/reset/request`). Answers at once, the same
    /// whatever it names: the expiry to announce, under the staff default
    /// policy. The look-up, the per-account rate limit and the link (a
    /// token, and the link in the outbox) are made afterwards on the
    /// service's background work, at a random moment within a quarter of a
    /// second ([`Service::in_background_spread`]; [`Service::settle`] waits
    /// for it). The
    /// link is `links_base` (where the pages are reached) + `/reset/TOKEN`.
    pub async fn request_reset(
        &self,
        who: &str,
        via: &str,
        client: &str,
        links_base: &str,
    ) -> Result<DateTime<Utc>> {
        let request = self
            .accept_link_request(who, via, client, links_base)
            .await?;
        let shown = request.shown;
        let service = self.clone();
        self.in_background_spread(async move {
            if let Err(e) = service.issue_requested_link(&request).await {
                tracing::warn!(error = %e, "a reset request could not be completed");
            }
        });
        Ok(shown)
    }

    /// Checks a link request (a reset or a re-validation link) and what to
    /// announce at once: the expiry of a link issued now under the staff
    /// default policy, whatever the request names.
    pub(super) async fn accept_link_request(
        &self,
        who: &str,
        via: &str,
        client: &str,
        links_base: &str,
    ) -> Result<LinkRequest> {
        let row = self.builtin_policy(false).await?;
        let ttl = super::parse_settings(&row)?.reset_link_ttl_minutes;
        let shown = self.now() + Duration::minutes(i64::from(ttl));
        let who: String = who.trim().chars().take(WHO_MAX + 1).collect();
        if who.is_empty() || who.chars().count() > WHO_MAX {
            return Err(Error::Invalid(format!(
                "give a login ID or an email address (at most {WHO_MAX} characters)"
            )));
        }
        Ok(LinkRequest {
            shown,
            who,
            via: clip(via, 64),
            client: clip(client, 64),
            base: links_base.trim_end_matches('/').to_string(),
        })
    }

    /// The work behind a reset request, after its answer.
    async fn issue_requested_link(&self, r: &LinkRequest) -> Result<()> {
        let Some(user) = self
            .requested_account(&r.who, &r.via, &r.client, "reset_token.request_refused")
            .await?
        else {
            return Ok(());
        };
        self.mail_requested_link(&user, TokenPurpose::Reset, r)
            .await
    }

    /// Issues a link of `purpose` for `user` on their request, with its
    /// mail, audited, unless the account asked for more than its hourly
    /// limit of that kind of link.
    pub(super) async fn mail_requested_link(
        &self,
        user: &UserRow,
        purpose: TokenPurpose,
        r: &LinkRequest,
    ) -> Result<()> {
        let (what, path, action) = match purpose {
            TokenPurpose::Revalidate => ("re-validation", "revalidate", "revalidate_token.request"),
            _ => ("reset", "reset", "reset_token.request"),
        };
        let limit = self.config.reset_requests_per_account_per_hour;
        let bucket = format!("{path}-account:{}", user.id);
        if self
            .rate_limited(&bucket, limit, Duration::minutes(HOUR))
            .await?
            .is_some()
        {
            tracing::info!(login = %user.login, via = r.via, limit, "{what} requests over the hourly limit for this account: nothing sent");
            return Ok(());
        }
        let policy = self.effective_policy(user).await?.policy;
        let now = self.now();
        let expires = now + Duration::minutes(i64::from(policy.reset_link_ttl_minutes));
        let token = random_token();
        let link = zeroize::Zeroizing::new(format!("{}/{path}/{}", r.base, token.as_str()));
        let event = AuditEvent::new(
            "(self-service)",
            action,
            &user.login,
            json!({ "via": r.via, "client": r.client, "expires_at": expires }),
        );
        self.store
            .insert_reset_token(
                purpose,
                user.id,
                &token_digest(&token),
                expires,
                now,
                &event,
                Some(NewLink {
                    recipient: &user.email,
                    link: &link,
                }),
                None,
            )
            .await?;
        tracing::info!(login = %user.login, via = r.via, "{what} link issued on request");
        Ok(())
    }

    /// The active account a link request (`who`: a login ID, or an email
    /// address that belongs to one account alone) names, if any. A shared
    /// address is refused and recorded in the audit trail as `refusal`.
    pub(super) async fn requested_account(
        &self,
        who: &str,
        via: &str,
        client: &str,
        refusal: &str,
    ) -> Result<Option<UserRow>> {
        let key = crate::domain::login::lookup_key(who);
        let mut user = self.store.user_by_login(&key).await?;
        if user.is_none() && who.contains('@') {
            let mut matches = self.store.users_by_email(&key, 2).await?;
            if matches.len() > 1 {
                tracing::info!(
                    via,
                    "link requested for an email address shared by several accounts: nothing sent"
                );
                // Recorded for the administrators (`user list
                // --duplicate-emails` lists what to put right).
                let logins: Vec<&str> = matches.iter().map(|u| u.login.as_str()).collect();
                let event = AuditEvent::new(
                    "(self-service)",
                    refusal,
                    &logins.join(","),
                    json!({
                        "why": "the email address is shared by several accounts",
                        "to": crate::domain::user::masked_email(who),
                        "via": via,
                        "client": client,
                    }),
                );
                self.store.append_audit(&event, self.now()).await?;
                return Ok(None);
            }
            user = matches.pop();
        }
        let Some(user) = user else {
            tracing::info!(via, "link requested for no account: nothing sent");
            return Ok(None);
        };
        if user.status != crate::domain::Status::Active {
            tracing::info!(login = %user.login, via, "link requested for a disabled account: nothing sent");
            return Ok(None);
        }
        Ok(Some(user))
    }
}
