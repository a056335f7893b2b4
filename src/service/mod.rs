//! The account service: the one API that the console, the command line and
//! other programs call. Every call names the acting administrator; the
//! service checks their rights, applies policy, writes the audit trail (in the
//! same transaction as the change) and calls the store.

mod apps;
mod audit;
mod auth;
mod background;
mod batch;
mod blocklist;
mod bulk_links;
mod bulk_reset;
mod calibration;
mod clock;
mod console;
mod demo;
mod export;
mod first_run;
mod import;
mod listing;
mod lockouts;
mod mail;
mod metrics;
mod padding;
mod passwords;
mod policies;
mod purge;
mod resources;
mod revalidation;
mod self_service;
mod send_reset;
mod shared_emails;
mod stale;
mod users;
pub mod views;

/// A one-shot command's watch for a stalled database (cli/watchdog.rs).
pub use crate::store::{Check as StallCheck, StallProbe};
pub use apps::{AppSignIn, Application, IssuedKey, KeyView, SignedInUser};
pub use audit::AuditFile;
pub use auth::{Actor, Authenticated, LoginResult, SignInSource};
pub use batch::Batch;
pub use blocklist::check_blocklist_file;
pub use bulk_links::NEEDS_PUBLIC_URL;
pub use bulk_reset::BulkRequest;
pub use clock::Clock;
pub use console::{FormChoices, PasswordTarget, Session, SignInReply};
pub use demo::DemoReport;
pub use export::{
    AuditExport, AuditRecord, GrantRecord, HolderRecord, ResourceExport, ResourceRecord,
    UserExport, UserRecord,
};
pub use import::{ImportProblem, ImportRow, ImportSummary, ImportWriter, UserImport};
pub use listing::{ListCount, UserFilter};
pub use lockouts::{LockoutsOverview, LockoutsRequest};
pub use mail::{MailJob, MailProblem, MailRetry, MailStatus};
pub use metrics::{OutboxDepth, OutcomeLabel, SignInMetrics, outcome_label};
pub use passwords::{PasswordCheck, PendingLink};
pub use purge::{Candidate, PurgePreview};
pub use revalidation::RevalidationLinkState;
pub use self_service::{ChangeProof, PublicCheck, ResetLinkState};
pub use send_reset::SentLink;
pub use shared_emails::SharedEmail;
pub use users::{NewUser, UserEdit};

use crate::crypto::{HashParams, HashPool, Hasher};
use crate::domain::audit::AuditKey;
use crate::domain::policy::Policy;
use crate::domain::{Kind, Password, rights};
use crate::error::{Error, Result};
use crate::store::rows::{PolicyRow, UserRow};
use crate::store::{AuditEvent, SchemaState, Store};
use padding::BadCredentialsFloor;
use std::sync::Arc;

/// Settings the service needs beyond the database.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    pub argon2: HashParams,
    /// Sign-in attempts older than this are pruned.
    pub attempts_retention_days: u32,
    /// How many Argon2 jobs may wait for a hashing thread; beyond that a
    /// sign-in answers [`Error::Busy`] at once. `None`: no bound (the
    /// console and the command line); `keyward serve` sets one.
    pub hash_queue_limit: Option<usize>,
    /// Self-service reset requests for one account an hour; more are
    /// answered as usual but send nothing.
    pub reset_requests_per_account_per_hour: u32,
    /// The organisation's blocked words, one per line (service/blocklist.rs).
    pub blocklist_file: Option<std::path::PathBuf>,
    /// The audit chain's key (domain/audit.rs). With it the service keys
    /// the chain at start if it is not yet; without it, it cannot record
    /// changes on a keyed chain.
    pub audit_key: Option<Arc<AuditKey>>,
    /// Where users reach the pages (`[web] public_url`, or what `keyward
    /// serve` uses by default), for the reset links administrators send.
    /// `None`: the configuration gives none that works.
    pub links_base: Option<String>,
    /// Whether a mail server is configured (`[mail] url`): links are mailed;
    /// otherwise they wait in the outbox to be passed on.
    pub mail_configured: bool,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            argon2: HashParams::FLOOR,
            attempts_retention_days: 90,
            hash_queue_limit: None,
            reset_requests_per_account_per_hour: 3,
            blocklist_file: None,
            audit_key: None,
            links_base: None,
            mail_configured: false,
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
    /// 90th percentile of recent ones (padding.rs). See `authenticate`.
    bad_credentials_floor: Arc<BadCredentialsFloor>,
    /// One thread per core for Argon2 (crypto/pool.rs): hashes beyond that
    /// wait their turn in its queue.
    hashing: Arc<HashPool>,
    /// Checklists for anyone (the pages, the API's password check) that may
    /// run at once (self_service.rs).
    public_checks: Arc<tokio::sync::Semaphore>,
    /// `blocklist_file`, when configured.
    blocklist: Option<Arc<blocklist::BlocklistFile>>,
    /// Work still running after its answer (service/background.rs).
    in_flight: Arc<background::InFlight>,
    /// The padding floor as kept in the database (service/calibration.rs).
    floor_kept: Arc<calibration::FloorKept>,
    /// This process's sign-in counters, for `/metrics` (service/metrics.rs).
    metrics: SignInMetrics,
}

/// Prunes old sign-in attempts now and then until dropped
/// ([`Service::keep_pruning`]).
#[derive(Debug)]
pub struct Pruning(tokio::task::JoinHandle<()>);

impl Drop for Pruning {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// For [`Upkeep::Command`]: sets up an empty database, and refuses one
/// whose schema is not this keyward's, saying what to run.
async fn check_schema(store: &Store) -> Result<()> {
    match store.schema_state().await? {
        SchemaState::Empty => store.migrate().await,
        state => match schema_problem(&state, store.location()) {
            Some(why) => Err(Error::Schema(why)),
            None => Ok(()),
        },
    }
}

/// For [`Upkeep::Nothing`]: the schema must be this keyward's, set up
/// beforehand; nothing is created or migrated.
async fn require_schema(store: &Store) -> Result<()> {
    let state = store.schema_state().await?;
    if state == SchemaState::Empty {
        return Err(Error::Schema(format!(
            "the database ({}) has no keyward schema; set it up with `keyward init` \
             (or `keyward migrate`) first",
            store.location()
        )));
    }
    match schema_problem(&state, store.location()) {
        Some(why) => Err(Error::Schema(why)),
        None => Ok(()),
    }
}

/// What is wrong with a database's schema for this keyward, and what to
/// run: `None` when it is current or empty (a command sets an empty one
/// up). Commands refuse with it (exit 17); `keyward doctor` reports it.
pub fn schema_problem(state: &SchemaState, location: &str) -> Option<String> {
    let list = |v: &[i64]| {
        v.iter()
            .map(|n| format!("{n:04}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match state {
        SchemaState::Empty | SchemaState::Current => None,
        SchemaState::Behind { pending } => Some(format!(
            "the database ({location}) is behind this keyward: migration{} {} not applied yet; \
             run `keyward migrate` (at a quiet time on a large database: see the README, \
             Configuration), then try again",
            if pending.len() == 1 { "" } else { "s" },
            list(pending)
        )),
        SchemaState::Ahead { unknown } => Some(format!(
            "the database ({location}) was migrated by a newer keyward (migration {} is unknown to \
             this one); use that keyward or a newer one (a program that links keyward: build it \
             with that keyward)",
            list(unknown)
        )),
    }
}

/// A policy as it applies to one user, and why.
#[derive(Debug, Clone)]
pub struct EffectivePolicy {
    pub row: PolicyRow,
    pub policy: Policy,
    /// "assigned to this user" or "default for staff users" ...
    pub reason: &'static str,
}

/// What opening a service does to its database besides reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upkeep {
    /// Migrates it and prunes old sign-in attempts: `keyward migrate` and
    /// the long-running processes (the console, `keyward serve`), which
    /// also prune every [`PRUNE_EVERY`] (`Service::keep_pruning`).
    Full,
    /// A one-shot command: neither. A new, empty database is still set up
    /// (the first command on a fresh data directory works); a schema behind
    /// this keyward is refused with [`Error::Schema`], naming `keyward
    /// migrate`, rather than migrated by whatever command came first.
    Command,
    /// A program that links keyward to sign its users in
    /// ([`Service::connect`]): nothing at all. The database must have been
    /// set up by `keyward init` or `keyward migrate`; an empty one, or one
    /// whose schema is not this keyward's, is refused with [`Error::Schema`].
    /// An audit key given is checked against a keyed chain, and never keys
    /// one. Sign-ins still write what they always write (attempts, counts
    /// and locks; no audit entry, so a program that only signs in needs no
    /// audit key), and the dummy hash for the Argon2 parameters is kept in
    /// the database if it is not there yet.
    Nothing,
}

/// How often a long-running process prunes old sign-in attempts.
pub const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

impl Service {
    /// Wraps an open store: migrates it, creates the built-in policies and
    /// prunes old sign-in attempts ([`Upkeep::Full`]).
    pub async fn new(store: Store, config: ServiceConfig, clock: Clock) -> Result<Service> {
        Service::start(store, config, clock, Upkeep::Full).await
    }

    /// Wraps an open store, doing `upkeep` to it.
    pub async fn start(
        store: Store,
        config: ServiceConfig,
        clock: Clock,
        upkeep: Upkeep,
    ) -> Result<Service> {
        let hasher = Arc::new(Hasher::new(config.argon2)?);
        let blocklist = match &config.blocklist_file {
            Some(path) => Some(blocklist::BlocklistFile::open(path)?),
            None => None,
        };
        let store = store.with_audit_key(config.audit_key.clone());
        match upkeep {
            Upkeep::Full => store.migrate().await?,
            Upkeep::Command => check_schema(&store).await?,
            Upkeep::Nothing => require_schema(&store).await?,
        }
        if let Some(key) = &config.audit_key {
            if upkeep == Upkeep::Nothing {
                // A linked program checks the key it was given, and never
                // keys the chain with it.
                store.check_audit_key(key).await?;
            } else {
                store
                    .key_audit_chain(key, &AuditEvent::keyed(key), clock.now())
                    .await?;
            }
        }
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let hashing = HashPool::start(
            cores,
            crate::crypto::pool::IDLE_AFTER,
            crate::crypto::hasher::release_thread_memory,
        )
        .map_err(|e| Error::Internal(format!("cannot start the hashing threads: {e}")))?
        .with_queue_limit(config.hash_queue_limit.unwrap_or(usize::MAX));
        let service = Service {
            store,
            hasher,
            clock,
            config: Arc::new(config.clone()),
            bad_credentials_floor: Arc::default(),
            hashing: Arc::new(hashing),
            public_checks: Arc::new(tokio::sync::Semaphore::new(cores * 4)),
            blocklist,
            in_flight: Arc::default(),
            floor_kept: Arc::default(),
            metrics: SignInMetrics::default(),
        };
        // The dummy hash and the padding floor, as every process reads them.
        service.calibrate().await?;
        if upkeep == Upkeep::Nothing {
            return Ok(service);
        }
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
        if upkeep == Upkeep::Full {
            service.prune_attempts().await?;
        }
        Ok(service)
    }

    /// Opens a database by URL and wraps it ([`Upkeep::Full`]).
    pub async fn open(url: &str, config: ServiceConfig) -> Result<Service> {
        Service::open_with(url, config, Upkeep::Full).await
    }

    /// Connects to a database set up by `keyward init` or `keyward migrate`,
    /// for a program that links keyward to sign its users in: creates no
    /// file and changes no schema ([`Upkeep::Nothing`]). A missing SQLite
    /// file, an empty database or a schema behind (or ahead of) this keyward
    /// is an [`Error::Schema`] that says what to run.
    pub async fn connect(url: &str, config: ServiceConfig) -> Result<Service> {
        let store = Store::connect(url).await?;
        Service::start(store, config, Clock::system(), Upkeep::Nothing).await
    }

    /// Opens a database by URL and wraps it, doing `upkeep` to it.
    pub async fn open_with(url: &str, config: ServiceConfig, upkeep: Upkeep) -> Result<Service> {
        let connections = match upkeep {
            Upkeep::Command => crate::store::Connections::OneShot,
            Upkeep::Full | Upkeep::Nothing => crate::store::Connections::Serving,
        };
        let store = Store::open_for(url, connections).await?;
        Service::start(store, config, Clock::system(), upkeep).await
    }

    /// Deletes sign-in attempts older than `attempts_retention_days`;
    /// returns how many.
    pub async fn prune_attempts(&self) -> Result<u64> {
        let cutoff =
            self.now() - chrono::Duration::days(i64::from(self.config.attempts_retention_days));
        self.store.prune_attempts(cutoff).await
    }

    /// For a long-running process: prunes old sign-in attempts every
    /// `every` until the returned guard is dropped (the first time one
    /// period after this call; opening with [`Upkeep::Full`] pruned at start).
    pub fn keep_pruning(&self, every: std::time::Duration) -> Pruning {
        let service = self.clone();
        Pruning(tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match service.prune_attempts().await {
                    Ok(n) if n > 0 => tracing::info!(attempts = n, "pruned old sign-in attempts"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "pruning old sign-in attempts failed"),
                }
            }
        }))
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

    /// How long a bad-credentials answer takes at least, as learnt so far
    /// (service/padding.rs).
    pub fn padding_floor(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.bad_credentials_floor.nanos())
    }

    /// The hasher itself, for benchmarks that compare with a bare Argon2 run.
    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// Reads `blocklist_file` again if it changed: called before every
    /// password check, so a check never uses a list older than the file.
    pub(crate) fn refresh_blocklist(&self) {
        if let Some(b) = &self.blocklist {
            b.refresh();
        }
    }

    /// What is wrong with `blocklist_file` now, if anything (it vanished or
    /// cannot be read since it was last read; that list is still in use).
    pub fn blocklist_problem(&self) -> Option<String> {
        self.blocklist.as_ref().and_then(|b| {
            b.refresh();
            b.problem()
        })
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
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
            .map_err(|e| match e {
                crate::crypto::pool::PoolError::Busy => Error::Busy(e.to_string()),
                _ => Error::Internal(e.to_string()),
            })
    }

    /// How many Argon2 jobs wait for a hashing thread now.
    pub fn hash_queue_depth(&self) -> usize {
        self.hashing.queued()
    }

    /// `Error::Busy` at once when a sign-in given now would find the
    /// hashing queue full (counted as a busy sign-in), so that `keyward
    /// serve` answers 503 before any other work, even the application key's
    /// look-up: under saturation that database read waits on processors
    /// busy with Argon2. A sign-in that passes may still be refused if the
    /// queue fills meanwhile; the pool decides.
    pub fn refuse_if_hashing_full(&self) -> Result<()> {
        if !self.hashing.is_full() {
            return Ok(());
        }
        let busy = Error::Busy(crate::crypto::pool::PoolError::Busy.to_string());
        self.metrics.count(Err(&busy));
        Err(busy)
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
                        self.builtin_policy(user.kind == Kind::Portal).await?,
                        "default for the user's kind",
                    ),
                }
            }
            None if user.kind == Kind::Portal => {
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

    /// [`Service::effective_policy`] from a policy already read with the
    /// user (`Store::user_for_sign_in`): the same policy and reason.
    pub(crate) fn governing_policy(
        user: &UserRow,
        row: Option<PolicyRow>,
    ) -> Result<EffectivePolicy> {
        let portal = user.kind == Kind::Portal;
        let row = row.ok_or_else(|| {
            Error::Database(format!(
                "the built-in policy {:?} is missing; run keyward migrate",
                if portal { "portal" } else { "default" }
            ))
        })?;
        let reason = match user.policy_id {
            Some(id) if id == row.id => "assigned to this user",
            Some(_) => "default for the user's kind",
            None if portal => "default for portal users",
            None => "default for staff users",
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
    /// keyward (not deleted, disabled, and in the role they signed in with).
    pub(crate) async fn current_actor(&self, actor: &Actor) -> Result<UserRow> {
        let row = self.store.user_by_id(actor.user_id).await?.ok_or_else(|| {
            Error::Unauthenticated("your account no longer exists; sign in again".into())
        })?;
        let role = row.role;
        let kind = row.kind;
        if row.status != crate::domain::Status::Active {
            return Err(Error::Unauthenticated(
                "your account has been disabled".into(),
            ));
        }
        if row
            .sessions_valid_after
            .is_some_and(|t| t > actor.authenticated_at)
        {
            return Err(Error::Unauthenticated(
                "your password was reset or changed since you signed in; sign in again".into(),
            ));
        }
        if !rights::can_use_console(role, kind) {
            return Err(Error::Unauthenticated(
                "your account may no longer administer keyward".into(),
            ));
        }
        // Rights come with a sign-in: after any change of role (up or
        // down) the actor signs in again, as their CLI sessions ended.
        if role != actor.role {
            return Err(Error::Unauthenticated(format!(
                "your role has changed to {}",
                role.label()
            )));
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
        let my_role = me.role;
        let target_rk = target.map(|t| (t.role, t.kind));
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
