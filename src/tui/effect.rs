//! What the console's state machine asks for (effects) and what comes back
//! (events). `App::update` returns effects as data; the worker runs them
//! through the service and answers with a `Reply` tagged with the request id.

use crate::domain::policy::Policy;
use crate::domain::{AccessLevel, Password};
use crate::error::Error;
use crate::service::views::{AuditView, Page, PolicyView, ResourceView, UserDetail, UserSummary};
use crate::service::{Actor, BulkRequest, NewUser, UserEdit, UserFilter};
pub use crate::service::{FormChoices, LockoutsOverview, PasswordTarget, Session, SignInReply};
use crossterm::event::{KeyEvent, MouseEvent};

pub type RequestId = u64;

/// An input to the state machine. Each event is moved through the channel
/// once, so the size of the largest variant does not matter.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Event {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// Periodic: debounce, countdowns, idle lock, retries.
    Tick,
    /// A long call (bulk reset) has come this far.
    Progress {
        id: RequestId,
        done: u64,
        total: u64,
    },
    Reply {
        id: RequestId,
        reply: Reply,
    },
    /// Some account was locked or unlocked (PostgreSQL notifications, after
    /// a `Call::WatchLockouts`).
    LockoutsChanged,
}

/// What the state machine asks the outside world to do.
#[derive(Debug)]
pub enum Effect {
    Call {
        id: RequestId,
        actor: Option<Actor>,
        call: Call,
    },
    /// Put this text on the clipboard of the terminal the console runs in
    /// (OSC 52: it works over SSH). Wiped when dropped.
    Copy(zeroize::Zeroizing<String>),
    Quit,
}

/// One service call.
#[derive(Debug)]
pub enum Call {
    NeedsSetup,
    Setup {
        login: String,
        name: String,
        email: String,
        password: Password,
    },
    SignIn {
        login: String,
        password: Password,
    },
    /// After ok-must-change at sign-in.
    ChangeAtSignIn {
        login: String,
        current: Password,
        new: Password,
    },
    ChangeOwn {
        current: Password,
        new: Password,
    },
    ListUsers {
        filter: UserFilter,
    },
    /// How many users the filter lists in all.
    CountUsers {
        filter: UserFilter,
    },
    GetUser {
        login: String,
    },
    /// The policy and people a new password for `login` is checked against.
    PasswordContext {
        login: String,
    },
    /// Policies and resources for the user form.
    FormChoices,
    SetPassword {
        login: String,
        password: Password,
        must_change: bool,
        /// The user's version when the dialog read them: a change made
        /// since is reported, not overwritten.
        expected_version: Option<i64>,
    },
    TempPassword {
        login: String,
    },
    /// Writes a reset link for each user and the mail that carries it.
    MailResetLinks {
        logins: Vec<String>,
    },
    ResetToken {
        login: String,
    },
    Unlock {
        login: String,
    },
    SetDisabled {
        login: String,
        disabled: bool,
    },
    Delete {
        login: String,
    },
    CreateUser {
        user: NewUser,
        password: Option<Password>,
    },
    EditUser {
        login: String,
        version: i64,
        edit: UserEdit,
    },
    AddHolder {
        login: String,
        name: String,
        email: String,
        note: String,
    },
    RemoveHolder {
        login: String,
        id: i64,
    },
    Grant {
        login: String,
        resource: String,
        level: Option<AccessLevel>,
    },
    /// Audit entries before `before` (newest first), filtered.
    Audit {
        filter: String,
        before: Option<i64>,
    },
    VerifyAudit,
    /// Writes the filtered entries to a JSON Lines file in `dir`.
    ExportAudit {
        filter: String,
        dir: std::path::PathBuf,
    },
    /// Resources with their user counts.
    Resources,
    /// Who has access to a resource.
    ResourceUsers {
        name: String,
    },
    /// Creates a resource (`original` None) or renames/describes one.
    SaveResource {
        original: Option<String>,
        name: String,
        description: String,
    },
    DeleteResource {
        name: String,
    },
    GrantMany {
        resource: String,
        logins: Vec<String>,
        level: AccessLevel,
    },
    /// A resource's application keys (never the keys themselves).
    ApiKeys {
        resource: String,
    },
    /// Confirms the administrator's password, then issues a key (shown once).
    IssueKey {
        resource: String,
        label: String,
        admin_password: Password,
    },
    /// Confirms the administrator's password, then revokes a key.
    RevokeKey {
        resource: String,
        key: String,
        admin_password: Password,
    },
    /// The mail outbox at a glance.
    MailStatus,
    /// Queues every failed mail again.
    RetryMail,
    /// How many accounts a purge would delete, and the first `limit`.
    PurgePreview {
        limit: i64,
    },
    /// Confirms the administrator's password, then deletes every deletion
    /// candidate if there are exactly `count`.
    Purge {
        admin_password: Password,
        count: i64,
    },
    /// Named policies, without their user counts (fast).
    Policies,
    /// How many users each policy governs (slow on a million users).
    PolicyCounts,
    /// Confirms the administrator's password, then saves policy changes.
    SavePolicy {
        name: String,
        pairs: Vec<(String, String)>,
        version: i64,
        admin_password: Password,
    },
    CreatePolicy {
        name: String,
        copy_of: String,
    },
    DeletePolicy {
        name: String,
    },
    /// How many accounts a bulk reset would change.
    BulkCount {
        request: BulkRequest,
    },
    /// Confirms the acting administrator's password, then resets every
    /// account in scope; `cancel` stops it before the commit.
    BulkReset {
        request: BulkRequest,
        password: Password,
        admin_password: Password,
        cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    },
    /// How many links a bulk reset by link would mail (refused without
    /// `[web] public_url`).
    BulkLinksCount {
        request: BulkRequest,
    },
    /// Confirms the acting administrator's password, then queues a reset
    /// link for every account in scope; `cancel` stops it before the commit.
    BulkResetLinks {
        request: BulkRequest,
        admin_password: Password,
        cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
    },
    /// A page of locked and nearly locked accounts, their counts, and
    /// recent failed sign-ins.
    Lockouts {
        request: crate::service::LockoutsRequest,
    },
    UnlockMany {
        logins: Vec<String>,
    },
    SetDisabledMany {
        logins: Vec<String>,
        disabled: bool,
    },
    /// A generated temporary password for each user, shown once.
    TempPasswords {
        logins: Vec<String>,
    },
    /// Which of these logins several people share (and who).
    SharedLogins {
        logins: Vec<String>,
    },
    /// Confirm the signed-in administrator's password again.
    StepUp {
        password: Password,
    },
    Ping,
    /// Starts listening for locks and unlocks: each one then arrives as an
    /// `Event::LockoutsChanged`, for as long as the console runs.
    WatchLockouts,
    /// The live checklist and strength meter of a password being typed
    /// (pure, but too slow for the UI task on long input).
    CheckPassword {
        input: Box<crate::tui::new_password::CheckInput>,
        password: Password,
    },
}

/// Secrets to show once: a title, each secret with what it is for (a
/// login, or nothing when there is one), and what could not be done.
#[derive(Debug)]
pub struct Secrets {
    pub title: String,
    pub items: Vec<(String, crate::crypto::tokens::Shown)>,
    pub note: Option<String>,
}

/// A service answer. Errors travel as they are; the app decides what to show.
/// Like `Event`, each reply is moved once, so variant sizes do not matter.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Reply {
    /// `Some(staff policy)` when the database has no users yet.
    NeedsSetup(Result<Option<Policy>, Error>),
    SignIn(Result<SignInReply, Error>),
    Users(Result<Page<UserSummary>, Error>),
    UserCount(Result<crate::service::ListCount, Error>),
    User(Result<UserDetail, Error>),
    PasswordContext(Result<PasswordTarget, Error>),
    FormChoices(Result<FormChoices, Error>),
    /// A change that succeeded, with a message for the status line.
    Done(Result<String, Error>),
    /// Secrets to show once (temporary passwords, a reset token).
    Secret(Result<Secrets, Error>),
    /// The shared logins among those asked about, with their holders.
    Shared(Result<Vec<(String, Vec<String>)>, Error>),
    Pong(Result<(), Error>),
    Lockouts(Result<LockoutsOverview, Error>),
    Count(Result<i64, Error>),
    Policies(Result<Vec<PolicyView>, Error>),
    /// Users per policy, by name.
    PolicyCounts(Result<Vec<(String, i64)>, Error>),
    Resources(Result<Vec<ResourceView>, Error>),
    ApiKeys(Result<Vec<crate::service::KeyView>, Error>),
    MailStatus(Result<crate::service::MailStatus, Error>),
    PurgePreview(Result<crate::service::PurgePreview, Error>),
    Grants(Result<Vec<crate::service::views::GrantView>, Error>),
    Audit(Result<Vec<AuditView>, Error>),
    /// The verification verdict: text, and whether the chain is intact.
    Verdict(Result<(String, bool), Error>),
    /// The actor with a renewed step-up time.
    SteppedUp(Result<Actor, Error>),
    Checked(Result<crate::tui::new_password::Checked, Error>),
    /// Whether locks and unlocks are now notified as they happen.
    Watching(Result<bool, Error>),
}
