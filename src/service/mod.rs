//! The account service: the one API that the console, the command line and
//! other programs call. Every call names the acting administrator; the
//! service checks their rights, applies policy, writes the audit trail (in the
//! same transaction as the change) and calls the store.

mod audit;
mod auth;
mod batch;
mod clock;
mod console;
mod demo;
mod lockouts;
mod padding;
mod passwords;
mod policies;
mod resources;
mod users;
pub mod views;

pub use audit::AuditExport;
pub use auth::{Actor, LoginResult};
pub use batch::Batch;
pub use clock::Clock;
pub use console::{FormChoices, PasswordTarget, Session, SignInReply};
pub use demo::DemoReport;
pub use lockouts::{LockoutsOverview, LockoutsRequest};
pub use passwords::{BulkRequest, PasswordCheck};
pub use users::{ListCount, NewUser, UserEdit, UserFilter};

use crate::crypto::{HashParams, HashPool, Hasher};
use crate::domain::policy::Policy;
use crate::domain::{Kind, Password, Role, rights};
use crate::error::{Error, Result};
use crate::store::rows::{PolicyRow, UserRow};
use crate::store::{AuditEvent, Store};
use padding::BadCredentialsFloor;
use std::sync::Arc;

/// Settings the service needs beyond the database.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub argon2: HashParams,
    /// Sign-in attempts older than this are pruned.
    pub attempts_retention_days: u32,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            argon2: HashParams::FLOOR,
            attempts_retention_days: 90,
        }
    }
}

/// Cheap to clone: everything inside is shared.
#[derive(Clone, Debug)]
pub struct Service {
    store: Store,
    hasher: Arc<Hasher>,
    clock: Clock,
    config: Arc<ServiceConfig>,
    /// How long a bad-credentials answer takes at least (nanoseconds): the
    /// median of recent ones. See `authenticate`.
    bad_credentials_floor: Arc<BadCredentialsFloor>,
    /// One thread per core for Argon2 (crypto/pool.rs): hashes beyond that
    /// wait their turn in its queue.
    hashing: Arc<HashPool>,
}

/// A policy as it applies to one user, and why.
#[derive(Debug, Clone)]
pub struct EffectivePolicy {
    pub row: PolicyRow,
    pub policy: Policy,
    /// "assigned to this user" or "default for staff users" ...
    pub reason: &'static str,
}

impl Service {
    /// Wraps an open store: migrates it, creates the built-in policies and
    /// prunes old sign-in attempts.
    pub async fn new(store: Store, config: ServiceConfig, clock: Clock) -> Result<Service> {
        let hasher = Arc::new(Hasher::new(config.argon2)?);
        // The dummy hash (one Argon2 run) is made in the background: the
        // console shows its sign-in form meanwhile, and a sign-in that
        // needs the dummy before it is ready waits for it.
        let preparing = hasher.clone();
        drop(tokio::task::spawn_blocking(move || preparing.prepare()));
        store.migrate().await?;
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let hashing = HashPool::start(
            cores,
            crate::crypto::pool::IDLE_AFTER,
            crate::crypto::hasher::release_thread_memory,
        )
        .map_err(|e| Error::Internal(format!("cannot start the hashing threads: {e}")))?;
        let service = Service {
            store,
            hasher,
            clock,
            config: Arc::new(config.clone()),
            bad_credentials_floor: Arc::default(),
            hashing: Arc::new(hashing),
        };
        let now = service.now();
        let defaults = serde_json::to_string(&Policy::default())
            .map_err(|e| Error::Internal(e.to_string()))?;
        service
            .store
            .ensure_policy("default", &defaults, now)
            .await?;
        service
            .store
            .ensure_policy("portal", &defaults, now)
            .await?;
        let cutoff = now - chrono::Duration::days(service.config.attempts_retention_days as i64);
        service.store.prune_attempts(cutoff).await?;
        Ok(service)
    }

    /// Opens a database by URL and wraps it.
    pub async fn open(url: &str, config: ServiceConfig) -> Result<Service> {
        let store = Store::open(url).await?;
        Service::new(store, config, Clock::system()).await
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn hash_params(&self) -> HashParams {
        self.hasher.params()
    }

    /// How many Argon2 runs this service has made (hashes and
    /// verifications, its start-up dummy hash not included).
    pub fn argon2_runs(&self) -> u64 {
        self.hasher.runs()
    }

    /// The hasher itself, for benchmarks that compare with a bare Argon2 run.
    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    pub(crate) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Runs Argon2 work on the hashing threads, one job per core at a time.
    async fn hashing<T: Send + 'static>(
        &self,
        job: impl FnOnce(&Hasher) -> T + Send + 'static,
    ) -> Result<T> {
        let hasher = self.hasher.clone();
        self.hashing
            .run(move || job(&hasher))
            .await
            .map_err(|e| Error::Internal(e.to_string()))
    }

    /// Hashes with a fresh salt.
    pub(crate) async fn hash(&self, password: &Password) -> Result<String> {
        let pw = password.clone();
        self.hashing(move |h| h.hash(&pw)).await?
    }

    /// Verifies; with `None` burns one dummy verification.
    pub(crate) async fn verify(&self, phc: Option<String>, password: &Password) -> Result<bool> {
        let pw = password.clone();
        self.hashing(move |h| match phc {
            Some(phc) => h.verify(&phc, &pw),
            None => {
                h.burn(&pw);
                false
            }
        })
        .await
    }

    /// Whether any of `hashes` matches `password` (every one is checked, so
    /// the time does not depend on which matched).
    pub(crate) async fn matches_any(
        &self,
        hashes: Vec<String>,
        password: &Password,
    ) -> Result<bool> {
        let pw = password.clone();
        self.hashing(move |h| {
            hashes
                .iter()
                .fold(false, |hit, phc| h.verify(phc, &pw) | hit)
        })
        .await
    }

    /// The policy that governs `user`: their own, else their kind's.
    pub async fn effective_policy(&self, user: &UserRow) -> Result<EffectivePolicy> {
        let (row, reason) = match user.policy_id {
            Some(id) => {
                let rows = self.store.policies().await?;
                match rows.into_iter().find(|p| p.id == id) {
                    Some(r) => (r, "assigned to this user"),
                    None => (
                        self.builtin_policy(user.kind == Kind::Portal.as_str())
                            .await?,
                        "default for the user's kind",
                    ),
                }
            }
            None if user.kind == Kind::Portal.as_str() => {
                (self.builtin_policy(true).await?, "default for portal users")
            }
            None => (self.builtin_policy(false).await?, "default for staff users"),
        };
        let policy = parse_settings(&row)?;
        Ok(EffectivePolicy {
            row,
            policy,
            reason,
        })
    }

    pub(crate) async fn builtin_policy(&self, portal: bool) -> Result<PolicyRow> {
        let name = if portal { "portal" } else { "default" };
        self.store.policy_by_name(name).await?.ok_or_else(|| {
            Error::Database(format!(
                "the built-in policy {name:?} is missing; run keyward migrate"
            ))
        })
    }

    /// Re-reads the acting administrator and checks they may still use
    /// keyward (not deleted, disabled or demoted since they signed in).
    pub(crate) async fn current_actor(&self, actor: &Actor) -> Result<UserRow> {
        let row = self.store.user_by_id(actor.user_id).await?.ok_or_else(|| {
            Error::Unauthenticated("your account no longer exists; sign in again".into())
        })?;
        let role = parse_role(&row)?;
        let kind = parse_kind(&row)?;
        if row.status != "active" {
            return Err(Error::Unauthenticated(
                "your account has been disabled".into(),
            ));
        }
        if !rights::can_use_console(role, kind) {
            return Err(Error::Unauthenticated(
                "your account may no longer administer keyward".into(),
            ));
        }
        Ok(row)
    }

    /// Checks a right, auditing a refusal.
    pub(crate) async fn authorize(
        &self,
        actor: &Actor,
        action: rights::Action,
        target: Option<&UserRow>,
    ) -> Result<UserRow> {
        let me = self.current_actor(actor).await?;
        let my_role = parse_role(&me)?;
        let target_rk = match target {
            Some(t) => Some((parse_role(t)?, parse_kind(t)?)),
            None => None,
        };
        if let Err(why) = rights::check(my_role, action, target_rk) {
            let target = target.map(|t| t.login.as_str()).unwrap_or("-");
            return self
                .audit_refusal(&me.login, action, target, Err(Error::Forbidden(why)))
                .await;
        }
        Ok(me)
    }

    /// Passes `result` on; when it is a refusal (not allowed, or a step-up
    /// that is missing) it is first written to the audit trail, as DESIGN
    /// asks for every refused action.
    pub(crate) async fn audit_refusal<T>(
        &self,
        actor_login: &str,
        action: rights::Action,
        target: &str,
        result: Result<T>,
    ) -> Result<T> {
        if let Err(Error::Forbidden(why) | Error::StepUpRequired(why)) = &result {
            let event = AuditEvent::new(
                actor_login,
                "refused",
                target,
                serde_json::json!({ "action": action.describe(), "reason": why }),
            );
            self.store.append_audit(&event, self.now()).await?;
        }
        result
    }

    /// Looks a user up by login (case-insensitively) or says there is none.
    pub(crate) async fn user(&self, login: &str) -> Result<UserRow> {
        self.store
            .user_by_login(&crate::domain::login::lookup_key(login.trim()))
            .await?
            .ok_or_else(|| Error::NotFound(format!("no user with login ID {:?}", clip(login, 64))))
    }
}

pub(crate) fn parse_settings(row: &PolicyRow) -> Result<Policy> {
    serde_json::from_str(&row.settings).map_err(|e| {
        Error::Database(format!(
            "policy {:?} has unreadable settings: {e}",
            row.name
        ))
    })
}

pub(crate) fn parse_role(row: &UserRow) -> Result<Role> {
    row.role.parse().map_err(Error::Database)
}

pub(crate) fn parse_kind(row: &UserRow) -> Result<Kind> {
    row.kind.parse().map_err(Error::Database)
}

/// Shortens user input for messages (a huge paste must not flood a screen).
pub(crate) fn clip(s: &str, max: usize) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if clean.chars().count() <= max {
        clean
    } else {
        format!("{}…", clean.chars().take(max).collect::<String>())
    }
}
