//! Sign-in: `authenticate`, the single path every sign-in takes, and what is
//! built on it: CLI sessions, the console's sign-in and step-up, and an
//! administrator changing their own password.

use super::{Service, clip};
use crate::crypto::tokens::{random_token, token_digest};
use crate::domain::outcome::AttemptOutcome;
use crate::domain::user::{LockState, PasswordAge, inactivity, must_change_reason};
use crate::domain::{AccessLevel, AuthOutcome, Password, Role, rights};
use crate::error::{Error, Result};
use crate::store::AttemptSource;
use crate::store::rows::{SignInRow, UserRow, UserWithCredential};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use zeroize::Zeroizing;

use super::stale::{STALE_DEPTH, StaleCheck};

/// Whether a bad-credentials answer is padded to the floor (see
/// `authenticate`). The failure that would lock is not: it may take extra
/// verifications (the stale-password check), and the lock that follows
/// tells that the account exists anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Padding {
    Pad,
    Skip,
}

/// How long the last active global administrator is locked when the
/// policy says "until an admin unlocks" (there is no one else to do it).
pub const LAST_ADMIN_LOCK_MINUTES: u32 = 15;

/// A step-up (bulk reset, policy change, role change) needs a sign-in this recent.
pub const STEP_UP_MINUTES: i64 = 5;

/// How long after its last write a CLI session's last-seen time is left as
/// it is ([`Service::session_actor`]).
pub const SESSION_TOUCH_EVERY: Duration = Duration::seconds(30);

/// The signed-in administrator on whose behalf the service acts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub user_id: i64,
    pub login: String,
    pub role: Role,
    /// When they last proved their password (sign-in or step-up).
    pub authenticated_at: DateTime<Utc>,
}

/// What `login` answers: an outcome, and for a successful console or CLI
/// sign-in, the actor (and for the CLI the session token, shown once).
pub struct LoginResult {
    pub outcome: AuthOutcome,
    pub actor: Option<Actor>,
    pub token: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for LoginResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginResult")
            .field("outcome", &self.outcome)
            .field("actor", &self.actor)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// A sign-in source as recorded: short, printable.
fn clean_source(source: &str) -> String {
    let s: String = source
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    if s.is_empty() { "unknown".into() } else { s }
}

/// Where a sign-in comes from: a label for the attempts log ("console",
/// "cli-verify", an application's name) and, for a sign-in through an
/// application's key, the application's resource, on which the account
/// then needs a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInSource {
    pub label: String,
    pub resource_id: Option<i64>,
}

impl SignInSource {
    /// A source with no resource (the console, the command line).
    pub fn named(label: &str) -> SignInSource {
        SignInSource {
            label: clean_source(label),
            resource_id: None,
        }
    }

    fn attempt(&self) -> AttemptSource<'_> {
        AttemptSource {
            label: &self.label,
            resource_id: self.resource_id,
        }
    }
}

/// What a sign-in answered, and on a right password (ok or must-change)
/// the account as it was read, with its access level on the source's
/// resource.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub outcome: AuthOutcome,
    pub user: Option<UserRow>,
    pub access: Option<AccessLevel>,
}

impl Service {
    /// Checks a password exactly as a sign-in (docs/ARCHITECTURE.md "Sign-in"). Every
    /// branch takes one Argon2id verification, so timing does not tell
    /// whether a login exists. Every failure is also compared with the
    /// user's two previous passwords (a stale device is not counted), after
    /// its answer and at the same cost on every branch (service/stale.rs).
    /// The one exception is the wrong password that would lock the account:
    /// it is compared before its answer, which only an account that exists
    /// can reach, and its lock tells as much at the next attempt. A
    /// database error fails closed (Err).
    ///
    /// On top of that, every bad-credentials answer is padded to at least
    /// the 90th percentile of recent ones (service/padding.rs), so the extra
    /// database work of a wrong password, or an old hash that verifies
    /// faster than the live parameters, does not tell an unknown login from
    /// a known one either. The padding is a sleep: it costs no processor
    /// time.
    pub async fn authenticate(
        &self,
        login: &str,
        password: &Password,
        source: &str,
    ) -> Result<AuthOutcome> {
        let source = SignInSource::named(source);
        Ok(self
            .authenticate_from(login, password, &source)
            .await?
            .outcome)
    }

    /// [`Service::authenticate`] from a source that may name an
    /// application's resource: a right password on an account without a
    /// grant on it answers `NoAccess` (recorded, not counted, not a
    /// sign-in). On a right password the answer carries the account.
    pub async fn authenticate_from(
        &self,
        login: &str,
        password: &Password,
        source: &SignInSource,
    ) -> Result<Authenticated> {
        let started = std::time::Instant::now();
        let once = self.authenticate_once(login, password, source).await;
        self.metrics.count(once.as_ref().map(|(a, _)| &a.outcome));
        let (answer, padding) = once?;
        if answer.outcome == AuthOutcome::BadCredentials && padding == Padding::Pad {
            self.bad_credentials_floor.pad(started).await;
            self.padded_answer();
        }
        Ok(answer)
    }

    /// The sign-in itself, without the padding.
    async fn authenticate_once(
        &self,
        login: &str,
        password: &Password,
        from: &SignInSource,
    ) -> Result<(Authenticated, Padding)> {
        let source = from.attempt();
        let refused = |outcome: AuthOutcome| Authenticated {
            outcome,
            user: None,
            access: None,
        };
        let key = crate::domain::login::lookup_key(login.trim_end_matches(['\r', '\n']));
        // A login that cannot exist is not recorded as typed: it is often a
        // password typed into the wrong field.
        let recorded_login = match crate::domain::LoginId::parse(login.trim()) {
            Ok(_) => clip(&key, 64),
            Err(_) => "(not a valid login ID)".to_string(),
        };
        // The user, their policy and their grant on the application's
        // resource, in one round trip.
        let found = if key.is_empty() || key.len() > 256 {
            None
        } else {
            self.store.user_for_sign_in(&key, from.resource_id).await?
        };

        let Some(row) = found else {
            self.verify(None, password).await?;
            self.store
                .insert_attempt(
                    &recorded_login,
                    None,
                    AttemptOutcome::UnknownLogin.as_str(),
                    source,
                    self.now(),
                )
                .await?;
            self.check_stale_later(StaleCheck::Uncounted { user_id: None }, password);
            return Ok((refused(AuthOutcome::BadCredentials), Padding::Pad));
        };
        let governing = row.policy();
        let SignInRow {
            found: UserWithCredential { user, credential },
            grant_level,
            ..
        } = row;
        let now = self.now();

        if user.status != crate::domain::Status::Active {
            self.verify(None, password).await?;
            self.store
                .insert_attempt(
                    &user.login,
                    Some(user.id),
                    AttemptOutcome::Disabled.as_str(),
                    source,
                    now,
                )
                .await?;
            self.check_stale_later(
                StaleCheck::Uncounted {
                    user_id: Some(user.id),
                },
                password,
            );
            return Ok((refused(AuthOutcome::Disabled), Padding::Pad));
        }
        let lock = LockState::at(user.locked_at, user.locked_until, now);
        if lock.is_locked() {
            self.verify(None, password).await?;
            self.store
                .insert_attempt(
                    &user.login,
                    Some(user.id),
                    AttemptOutcome::WhileLocked.as_str(),
                    source,
                    now,
                )
                .await?;
            self.check_stale_later(
                StaleCheck::Uncounted {
                    user_id: Some(user.id),
                },
                password,
            );
            return Ok((refused(locked_outcome(lock)), Padding::Pad));
        }
        let Some(current) = credential.current().map(str::to_string) else {
            self.verify(None, password).await?;
            self.store
                .insert_attempt(
                    &user.login,
                    Some(user.id),
                    AttemptOutcome::NoPassword.as_str(),
                    source,
                    now,
                )
                .await?;
            self.check_stale_later(
                StaleCheck::Uncounted {
                    user_id: Some(user.id),
                },
                password,
            );
            return Ok((refused(AuthOutcome::BadCredentials), Padding::Pad));
        };

        // Both outcomes need the user's policy, and a right password
        // through an application its grant: both came with the user.
        let phc = (!password.is_empty()).then(|| current.clone());
        let matched = self.verify(phc, password).await;
        let effective = Self::governing_policy(&user, governing)?;
        let grant = from.resource_id.map(|_| grant_level);
        // An empty password verified against the dummy: one run, like every branch.
        if matched? {
            let access = match grant {
                // Through an application: a grant on its resource is needed.
                Some(None) => {
                    self.store
                        .insert_attempt(
                            &user.login,
                            Some(user.id),
                            AttemptOutcome::NoAccess.as_str(),
                            source,
                            now,
                        )
                        .await?;
                    return Ok((refused(AuthOutcome::NoAccess), Padding::Pad));
                }
                Some(Some(level)) => Some(level.parse::<AccessLevel>().map_err(Error::Database)?),
                None => None,
            };
            let outcome = self
                .signed_in(
                    &user,
                    &current,
                    credential.shared_hash.is_some(),
                    password,
                    source,
                    effective,
                )
                .await?;
            let user = outcome.is_ok().then_some(user);
            return Ok((
                Authenticated {
                    outcome,
                    user,
                    access,
                },
                Padding::Pad,
            ));
        }

        // Wrong password.
        let mut policy = effective.policy;
        // A device still holding one of the user's previous passwords must
        // not lock them out: such a failure is recorded as stale and not
        // counted. Comparing with previous passwords costs one Argon2 run
        // each, so it is made after the answer (service/stale.rs), except
        // for the failure that would lock: a lock cannot wait for it, and
        // an account about to lock gives itself away by the lock anyway.
        // A lock that ran out restarts the count (as record_failure does).
        let restarts = user.locked_at.is_some() && user.locked_until.is_some_and(|t| t <= now);
        let failures = if restarts {
            1
        } else {
            user.failed_attempts + 1
        };
        let would_lock = failures >= policy.lockout_threshold as i64;
        if would_lock {
            let previous = self
                .store
                .previous_hashes(user.id, STALE_DEPTH as i64)
                .await?;
            let pw = password.clone();
            // Always STALE_DEPTH runs, as the deferred check makes.
            if self
                .hashing(move |h| h.matches_any_of(&previous, STALE_DEPTH, &pw))
                .await?
            {
                self.store
                    .insert_attempt(
                        &user.login,
                        Some(user.id),
                        AttemptOutcome::StalePassword.as_str(),
                        source,
                        now,
                    )
                    .await?;
                return Ok((refused(AuthOutcome::BadCredentials), Padding::Skip));
            }
        }
        let padding = if would_lock {
            Padding::Skip
        } else {
            Padding::Pad
        };
        if user.role == crate::domain::Role::GlobalAdmin
            && self
                .store
                .count_other_available_global_admins(user.id, now)
                .await?
                == 0
        {
            // No other global administrator could sign in to unlock this one:
            // their lock is short and always ends by itself.
            let minutes = match policy.lockout_minutes {
                0 => LAST_ADMIN_LOCK_MINUTES,
                m => m.min(LAST_ADMIN_LOCK_MINUTES),
            };
            policy.lockout_minutes = minutes;
            policy.lockout_max_minutes = minutes;
            policy.lockout_growth = 1;
        }
        // The count, the lock and the attempt's record together (atomically).
        let failure = self
            .store
            .record_failure(
                user.id,
                &user.login,
                &policy,
                source,
                self.notice_for(&user, &policy, crate::domain::MailKind::AccountLocked),
                now,
            )
            .await?;
        if failure.locked.is_some() {
            self.metrics.locks.inc();
            tracing::info!(login = %user.login, failures = failure.failed_attempts, "account locked after failed sign-ins");
        }
        if let Some(until) = failure.already_locked {
            // Another attempt in flight alongside this one locked the
            // account: this one was not counted (DESIGN step 6).
            self.check_stale_later(
                StaleCheck::Uncounted {
                    user_id: Some(user.id),
                },
                password,
            );
            return Ok((refused(AuthOutcome::Locked { until }), Padding::Pad));
        }
        if !would_lock {
            let counted = StaleCheck::Counted {
                user_id: user.id,
                attempt_id: failure.attempt_id,
            };
            self.check_stale_later(counted, password);
        }
        // DESIGN step 4: the failure that locks still answers bad credentials
        // (unknown logins never lock, so this must not differ).
        Ok((refused(AuthOutcome::BadCredentials), padding))
    }

    async fn signed_in(
        &self,
        user: &UserRow,
        current: &str,
        on_shared: bool,
        password: &Password,
        source: AttemptSource<'_>,
        effective: super::EffectivePolicy,
    ) -> Result<AuthOutcome> {
        let now = self.now();
        // DESIGN step 7: an account idle past revalidate_after_days is
        // marked before the success moves its last sign-in, and answers
        // ok-revalidate until its owner follows a re-validation link.
        let (idle, _) = inactivity(user.last_login_at, user.created_at, &effective.policy, now);
        if idle && user.revalidation_due_at.is_none() {
            self.store.mark_revalidation_due(user.id, now).await?;
        }
        let revalidate = idle || user.revalidation_due_at.is_some();
        if !self
            .store
            .record_success(user.id, &user.login, source, now)
            .await?
        {
            // Another process locked the account between our read and now
            // (recorded as an attempt while locked).
            let fresh = self.store.user_by_id(user.id).await?;
            let lock = fresh
                .map(|u| LockState::at(u.locked_at, u.locked_until, now))
                .unwrap_or(LockState::Indefinite);
            return Ok(locked_outcome(lock));
        }
        // Own salt after a bulk reset; stronger parameters after a config
        // change. After the answer: it is a second Argon2 run.
        if on_shared || self.hasher.needs_rehash(current) {
            self.rehash_later(user, current, password);
        }
        let reason = must_change_reason(
            password_age(user),
            effective.row.enforced_version,
            &effective.policy,
            now,
        );
        // A forced change comes first: the ticket it answers with finishes
        // it, and the next sign-in then asks for the re-validation.
        Ok(match reason {
            Some(reason) => AuthOutcome::OkMustChange { reason },
            None if revalidate => AuthOutcome::OkRevalidate,
            None => AuthOutcome::Ok,
        })
    }

    /// Re-hashes a right password with a salt of its own (after a bulk
    /// reset: DESIGN "Credentials") or the stronger live parameters, after
    /// the sign-in's answer, on the same hashing threads (so it waits its
    /// turn behind sign-ins already queued). The first sign-in after a bulk
    /// reset then costs one Argon2 run before its answer, as every other
    /// does. The store replaces the hash only if it is still the one that
    /// verified (a password changed meanwhile stays); a process about to
    /// end waits for it (`settle`). On failure the next sign-in tries again.
    fn rehash_later(&self, user: &UserRow, current: &str, password: &Password) {
        let service = self.clone();
        let (id, login, current, password) = (
            user.id,
            user.login.clone(),
            current.to_string(),
            password.clone(),
        );
        self.in_background(async move {
            match service.hash(&password).await {
                Ok(new_hash) => {
                    if let Err(e) = service.store.rehash(id, &current, &new_hash).await {
                        tracing::warn!(login = %login, error = %e, "rehash after sign-in failed; will retry next time");
                    }
                }
                Err(e) => tracing::warn!(login = %login, error = %e, "rehash after sign-in failed; will retry next time"),
            }
        });
    }

    /// Signs an administrator in to the console or the command line through
    /// `authenticate`. A right password on an account that may not administer
    /// keyward is refused with `Forbidden`. With `create_session` a CLI
    /// session token is made (not for ok-must-change: change first).
    pub async fn login(
        &self,
        login: &str,
        password: &Password,
        source: &str,
        create_session: bool,
    ) -> Result<LoginResult> {
        let outcome = self.authenticate(login, password, source).await?;
        if !outcome.is_ok() {
            return Ok(LoginResult {
                outcome,
                actor: None,
                token: None,
            });
        }
        let user = self.user(login).await?;
        let role = user.role;
        if !rights::can_use_console(role, user.kind) {
            return Err(Error::Forbidden(
                "this account may sign in to applications but not administer keyward".into(),
            ));
        }
        let now = self.now();
        let actor = Actor {
            user_id: user.id,
            login: user.login.clone(),
            role,
            authenticated_at: now,
        };
        let token =
            if create_session && matches!(outcome, AuthOutcome::Ok | AuthOutcome::OkRevalidate) {
                let token = random_token();
                self.store
                    .insert_session(user.id, &token_digest(&token), now)
                    .await?;
                Some(token)
            } else {
                None
            };
        Ok(LoginResult {
            outcome,
            actor: Some(actor),
            token,
        })
    }

    /// The administrator a CLI session token belongs to. Ends the session
    /// when it has been idle longer than their policy allows, or when they
    /// were disabled, deleted or demoted.
    pub async fn session_actor(&self, token: &str) -> Result<Actor> {
        let expired = || {
            Error::Unauthenticated(
                "your session has ended; run `keyward login --as LOGIN` again".into(),
            )
        };
        let digest = token_digest(token);
        let session = self
            .store
            .session_by_hash(&digest)
            .await?
            .ok_or_else(expired)?;
        let Some(user) = self.store.user_by_id(session.user_id).await? else {
            self.store.delete_session(session.id).await?;
            return Err(expired());
        };
        let policy = self.effective_policy(&user).await?.policy;
        let now = self.now();
        let role = user.role;
        let idle =
            now - session.last_seen_at > Duration::minutes(policy.idle_timeout_minutes as i64);
        if idle
            || user.status != crate::domain::Status::Active
            || !rights::can_use_console(role, user.kind)
        {
            self.store.delete_session(session.id).await?;
            return Err(expired());
        }
        // A session used again within SESSION_TOUCH_EVERY is not written:
        // a script's run of commands reads without a write (a write costs a
        // one-shot process on SQLite several fsyncs). So a session may end
        // up to that much before its idle timeout counted from its last
        // command, never after.
        if now - session.last_seen_at >= SESSION_TOUCH_EVERY {
            self.store.touch_session(session.id, now).await?;
        }
        Ok(Actor {
            user_id: user.id,
            login: user.login,
            role,
            authenticated_at: session.authenticated_at,
        })
    }

    /// Ends a CLI session. Unknown tokens are ignored.
    pub async fn logout(&self, token: &str) -> Result<()> {
        let digest = token_digest(token);
        if let Some(s) = self.store.session_by_hash(&digest).await? {
            self.store.delete_session(s.id).await?;
        }
        Ok(())
    }

    /// Confirms the acting administrator's password again (through
    /// `authenticate`) and returns the actor with a fresh step-up time.
    pub async fn step_up(&self, actor: &Actor, password: &Password) -> Result<Actor> {
        // The account as it is now (by id), not the login it had at sign-in.
        let me = self.current_actor(actor).await?;
        match self.authenticate(&me.login, password, "step-up").await? {
            o if o.is_ok() => Ok(Actor {
                authenticated_at: self.now(),
                ..actor.clone()
            }),
            AuthOutcome::Locked { .. } => {
                Err(Error::Unauthenticated("your account is now locked".into()))
            }
            _ => Err(Error::Unauthenticated(
                "that is not your current password".into(),
            )),
        }
    }

    /// Refuses unless the actor proved their password in the last minutes.
    /// The refusal is audited like any other.
    pub(crate) async fn require_step_up(
        &self,
        actor: &Actor,
        actor_login: &str,
        action: rights::Action,
    ) -> Result<()> {
        if self.now() - actor.authenticated_at <= Duration::minutes(STEP_UP_MINUTES) {
            return Ok(());
        }
        let refused = Err(Error::StepUpRequired(format!(
            "this needs a password confirmation from the last {STEP_UP_MINUTES} minutes: \
             confirm your password (console) or run `keyward login` again (command line)"
        )));
        self.audit_refusal(actor_login, action, "step-up", refused)
            .await
    }
}

/// The password facts of a user row.
pub(crate) fn password_age(u: &UserRow) -> PasswordAge {
    PasswordAge {
        flagged: u.must_change_password,
        set_under_version: u.password_policy_version,
        changed_at: u.password_changed_at,
    }
}

fn locked_outcome(lock: LockState) -> AuthOutcome {
    match lock {
        LockState::Until { until } => AuthOutcome::Locked { until: Some(until) },
        _ => AuthOutcome::Locked { until: None },
    }
}
