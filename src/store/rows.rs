//! Rows as the store reads them. The service turns them into views.

use crate::domain::{Kind, MailKind, MailState, Role, Status};
use chrono::{DateTime, Utc};
use std::fmt;

/// A user row without credentials.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub email: String,
    #[sqlx(try_from = "String")]
    pub kind: Kind,
    #[sqlx(try_from = "String")]
    pub role: Role,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub must_change_password: bool,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub password_policy_version: i64,
    pub failed_attempts: i64,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub last_failure_source: Option<String>,
    pub locked_at: Option<DateTime<Utc>>,
    pub locked_until: Option<DateTime<Utc>>,
    pub lock_streak: i64,
    pub last_locked_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub policy_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    pub has_password: bool,
    /// Console and CLI sessions begun before this have ended (a reset link
    /// used, a password changed by its owner or set by an administrator).
    pub sessions_valid_after: Option<DateTime<Utc>>,
    /// Since when the account must be re-validated: a sign-in found it idle
    /// past its policy's `revalidate_after_days`, and its owner has not yet
    /// followed a re-validation link.
    pub revalidation_due_at: Option<DateTime<Utc>>,
}

/// The columns of [`UserRow`], for `SELECT {USER_COLUMNS} FROM {USERS}`.
pub const USER_COLUMNS: &str = "u.id, u.login, u.name, u.email, u.kind, u.role, u.status, \
    c.must_change_password, c.password_changed_at, c.password_policy_version, u.failed_attempts, \
    u.last_failure_at, u.last_failure_source, u.locked_at, u.locked_until, u.lock_streak, \
    u.last_locked_at, u.last_login_at, u.policy_id, u.created_at, u.updated_at, u.version, \
    (c.password_hash IS NOT NULL OR c.shared_credential_id IS NOT NULL) AS has_password, \
    c.sessions_valid_after, u.revalidation_due_at";

/// Users (`u`) with their credentials (`c`, one row each), as [`USER_COLUMNS`] reads them.
pub const USERS: &str = "users u JOIN credentials c ON c.user_id = u.id";
/// The credentials join of [`USERS`], for statements that name `users u` themselves.
pub const WITH_CREDENTIALS: &str = "JOIN credentials c ON c.user_id = u.id";

/// A user's credential hashes. `Debug` never prints them.
#[derive(Clone, sqlx::FromRow)]
pub struct CredentialRow {
    /// The user's own Argon2id hash, if they have one.
    pub own_hash: Option<String>,
    /// The bulk-reset hash they point at, if any; it takes precedence.
    pub shared_hash: Option<String>,
    pub shared_credential_id: Option<i64>,
}

impl CredentialRow {
    /// The hash a sign-in is checked against. A pointer to a shared
    /// credential that is not there (nothing in the schema stops another
    /// program deleting one: migration 0008) gives none, so the sign-in
    /// fails; it never falls back to the password from before the reset.
    pub fn current(&self) -> Option<&str> {
        match self.shared_credential_id {
            Some(_) => self.shared_hash.as_deref(),
            None => self.own_hash.as_deref(),
        }
    }
}

impl fmt::Debug for CredentialRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialRow")
            .field("own_hash", &self.own_hash.as_ref().map(|_| "***"))
            .field("shared_hash", &self.shared_hash.as_ref().map(|_| "***"))
            .finish()
    }
}

/// A user and their credentials, read together for sign-in.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserWithCredential {
    #[sqlx(flatten)]
    pub user: UserRow,
    #[sqlx(flatten)]
    pub credential: CredentialRow,
}

/// Everything a sign-in reads before it answers, in one statement: the
/// user and their credentials, the policy that governs them, and their
/// grant on the resource signed in through (service/auth.rs).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SignInRow {
    #[sqlx(flatten)]
    pub found: UserWithCredential,
    /// The governing policy's columns, prefixed `gp_`: none only when the
    /// built-in policy for the user's kind is missing.
    pub gp_id: Option<i64>,
    pub gp_name: Option<String>,
    pub gp_version: Option<i64>,
    pub gp_enforced_version: Option<i64>,
    pub gp_settings: Option<String>,
    pub gp_updated_at: Option<DateTime<Utc>>,
    /// The user's access level on the resource asked about, if granted.
    pub grant_level: Option<String>,
}

impl SignInRow {
    /// The governing policy, if it was found.
    pub fn policy(&self) -> Option<PolicyRow> {
        Some(PolicyRow {
            id: self.gp_id?,
            name: self.gp_name.clone()?,
            version: self.gp_version?,
            enforced_version: self.gp_enforced_version?,
            settings: self.gp_settings.clone()?,
            updated_at: self.gp_updated_at?,
        })
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PolicyRow {
    pub id: i64,
    pub name: String,
    pub version: i64,
    pub enforced_version: i64,
    pub settings: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PolicyCountRow {
    #[sqlx(flatten)]
    pub policy: PolicyRow,
    pub users: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HolderRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResourceRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub users: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantRow {
    pub resource_id: i64,
    pub resource: String,
    pub user_id: i64,
    pub login: String,
    pub level: String,
    pub granted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub login: String,
    pub user_id: Option<i64>,
    pub outcome: String,
    pub source: String,
}

/// Sign-ins of one user through one application, by outcome.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResourceSignInRow {
    pub resource_id: i64,
    /// The resource's name now, or as recorded if it was deleted.
    pub resource: String,
    pub outcome: String,
    pub attempts: i64,
    pub last_at: DateTime<Utc>,
}

/// An application's key, without the key (only its digest is stored).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: i64,
    pub resource_id: i64,
    pub prefix: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The application a valid key belongs to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyOwnerRow {
    pub key_id: i64,
    pub resource_id: i64,
    pub resource: String,
}

/// A link waiting to be delivered, with whom it is for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingLinkRow {
    pub id: i64,
    pub user_id: i64,
    pub login: String,
    pub recipient: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRow {
    /// What the entry's MAC covers.
    pub fn canonical(&self) -> crate::domain::audit::Canonical {
        crate::domain::audit::Canonical::new(
            &self.prev_hash,
            self.seq,
            self.at,
            &self.actor,
            &self.action,
            &self.target,
            &self.details,
        )
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub authenticated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResetTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub purpose: String,
}

#[cfg(test)]
mod tests {
    use super::CredentialRow;

    fn row(own: Option<&str>, shared_id: Option<i64>, shared: Option<&str>) -> CredentialRow {
        CredentialRow {
            own_hash: own.map(str::to_string),
            shared_hash: shared.map(str::to_string),
            shared_credential_id: shared_id,
        }
    }

    #[test]
    fn a_shared_credential_takes_precedence_over_the_own_hash() {
        assert_eq!(
            row(Some("own"), Some(7), Some("shared")).current(),
            Some("shared")
        );
        assert_eq!(row(Some("own"), None, None).current(), Some("own"));
        assert_eq!(row(None, None, None).current(), None);
    }

    #[test]
    fn a_shared_credential_that_is_gone_is_no_password_not_the_old_one() {
        assert_eq!(row(Some("own"), Some(7), None).current(), None);
    }
}

/// A claimed outbox row with its user and, for a link, its token.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: MailKind,
    pub user_id: i64,
    pub login: String,
    pub name: String,
    pub recipient: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub attempts: i64,
    pub token_id: Option<i64>,
    pub token_created_at: Option<DateTime<Utc>>,
    pub token_expires_at: Option<DateTime<Utc>>,
    pub token_used_at: Option<DateTime<Utc>>,
    pub token_revoked_at: Option<DateTime<Utc>>,
    /// Why it was queued: `None` for a link the user asked for,
    /// `bulk_reset` for an administrator's bulk reset by link.
    pub origin: Option<String>,
}

/// How many outbox rows are in one state, and the oldest one's time.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailCountRow {
    #[sqlx(try_from = "String")]
    pub state: MailState,
    pub n: i64,
    pub oldest: Option<DateTime<Utc>>,
}

/// A mail that has not left, with the error that kept it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnsentMailRow {
    pub id: i64,
    #[sqlx(try_from = "String")]
    pub kind: MailKind,
    pub login: String,
    pub recipient: String,
    #[sqlx(try_from = "String")]
    pub state: MailState,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
}
