//! What a sign-in attempt answers, and what is recorded about it.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// The answer of `authenticate`. Bad credentials never say whether the login exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AuthOutcome {
    Ok,
    /// Right password, but it must be changed now (flag, age, or policy).
    OkMustChange {
        reason: MustChangeReason,
    },
    /// Right password, but the account was idle past its policy's
    /// `revalidate_after_days`: its owner must follow a re-validation link
    /// mailed to them. Answered at every sign-in until they do.
    OkRevalidate,
    BadCredentials,
    /// `until` is `None` when the lock lasts until an admin unlocks.
    Locked {
        until: Option<DateTime<Utc>>,
    },
    Disabled,
    /// Right password, through an application's key, but the account has no
    /// grant on that application's resource.
    NoAccess,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MustChangeReason {
    Flagged,
    Expired,
    PolicyChanged,
}

impl MustChangeReason {
    pub fn describe(self) -> &'static str {
        match self {
            MustChangeReason::Flagged => "an administrator asked for a new password",
            MustChangeReason::Expired => "the password is older than the policy allows",
            MustChangeReason::PolicyChanged => "the password policy changed",
        }
    }
}

impl AuthOutcome {
    pub fn is_ok(&self) -> bool {
        matches!(
            self,
            AuthOutcome::Ok | AuthOutcome::OkMustChange { .. } | AuthOutcome::OkRevalidate
        )
    }

    /// `keyward verify`'s exit codes.
    pub fn exit_code(&self) -> i32 {
        match self {
            AuthOutcome::Ok => 0,
            AuthOutcome::OkMustChange { .. } => 10,
            AuthOutcome::BadCredentials => 11,
            AuthOutcome::Locked { .. } => 12,
            AuthOutcome::Disabled => 13,
            AuthOutcome::NoAccess => 16,
            AuthOutcome::OkRevalidate => 18,
        }
    }

    /// One line for people.
    pub fn describe(&self) -> String {
        match self {
            AuthOutcome::Ok => "ok".into(),
            AuthOutcome::OkMustChange { reason } => {
                format!(
                    "ok, but the password must be changed now ({})",
                    reason.describe()
                )
            }
            AuthOutcome::OkRevalidate => {
                "ok, but the account must be re-validated: it was not used for a long time; \
                 its owner asks for a re-validation link (the /revalidate page, or the \
                 application through POST /v1/revalidate/request) and follows it"
                    .into()
            }
            AuthOutcome::BadCredentials => "wrong login ID or password".into(),
            AuthOutcome::Locked { until: Some(t) } => {
                format!(
                    "the account is locked until {}",
                    t.format("%Y-%m-%d %H:%M:%S UTC")
                )
            }
            AuthOutcome::Locked { until: None } => {
                "the account is locked until an administrator unlocks it".into()
            }
            AuthOutcome::Disabled => "the account is disabled".into(),
            AuthOutcome::NoAccess => "the account has no access to this application".into(),
        }
    }
}

/// What the attempts table records for one sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    Ok,
    BadPassword,
    UnknownLogin,
    /// A previous password (a device still holding it); not counted.
    StalePassword,
    /// This failure locked the account.
    Locked,
    /// Refused because the account was already locked; not counted.
    WhileLocked,
    Disabled,
    NoPassword,
    /// The right password through an application the account has no grant
    /// on; not counted, and not a sign-in.
    NoAccess,
}

impl AttemptOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Ok => "ok",
            AttemptOutcome::BadPassword => "bad_password",
            AttemptOutcome::UnknownLogin => "unknown_login",
            AttemptOutcome::StalePassword => "stale_password",
            AttemptOutcome::Locked => "locked",
            AttemptOutcome::WhileLocked => "while_locked",
            AttemptOutcome::Disabled => "disabled",
            AttemptOutcome::NoPassword => "no_password",
            AttemptOutcome::NoAccess => "no_access",
        }
    }
}
