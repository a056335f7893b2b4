//! Users: look-ups, the paged and searched listing, and every change to a
//! user row (each in one transaction with its audit entry).

use super::audit::{AuditEvent, audited};
use super::listing::search_order::KeepSearchOrder;
use super::rows::{CredentialRow, SignInRow, USER_COLUMNS, USERS, UserRow, UserWithCredential};
use super::{BeginWrite, Store, with_pool};
use crate::domain::{Kind, Role};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

/// A user to insert with [`Store::insert_user`].
#[derive(Debug, Clone, Copy)]
pub struct NewUserRow<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub kind: Kind,
    pub role: Role,
    pub policy_id: Option<i64>,
    /// The first hash, if a password is set now.
    pub hash: Option<&'a str>,
    pub must_change: bool,
    /// The version of the policy the password was checked under.
    pub policy_version: i64,
    /// First run: refuse if any user exists (checked in the transaction).
    pub first: bool,
}

/// The editable fields of a user, for [`Store::update_user`].
#[derive(Debug, Clone, Copy)]
pub struct UserFields<'a> {
    pub login: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub policy_id: Option<i64>,
    /// Set when the user moves to another policy: the new policy's current
    /// version, so that versions of different policies are never compared.
    pub policy_version: Option<i64>,
}

/// A new own password for [`Store::set_password`].
#[derive(Debug, Clone, Copy)]
pub struct NewPassword<'a> {
    pub hash: &'a str,
    pub must_change: bool,
    /// The version of the user's policy the password was checked under.
    pub policy_version: i64,
    /// How many previous hashes to keep.
    pub keep: i64,
    /// A reset token to consume atomically with the change.
    pub redeem_token: Option<i64>,
    /// End the user's console and CLI sessions (a reset link used, a
    /// password changed by its owner elsewhere, or set by an administrator).
    pub end_sessions: bool,
    /// A notice to the owner, mailed with the change (store/outbox.rs).
    pub notice: Option<super::Notice<'a>>,
}

/// Counts the active global administrators.
const ACTIVE_GLOBAL_ADMINS: &str =
    "SELECT COUNT(*) FROM users WHERE role = 'global_admin' AND status = 'active'";

/// Inside an open write transaction, after a change: refuses (and so rolls
/// back) if no active global administrator would remain. Appends run first
/// in every audited transaction, so two such changes cannot race past it.
macro_rules! guard_last_admin {
    ($tx:expr) => {{
        let admins: i64 = sqlx::query_scalar(ACTIVE_GLOBAL_ADMINS)
            .fetch_one(&mut *$tx)
            .await?;
        if admins == 0 {
            return Err(Error::Forbidden(
                "this would leave no active global administrator".into(),
            ));
        }
    }};
}

/// Inside an open write transaction: refuses (and so rolls back) when
/// another account of `$kind` than `$id` has `$email` (case-insensitively):
/// a reset by email must reach one account. Audited transactions are
/// serialised by their append, so two such writes cannot both pass.
macro_rules! guard_unique_email {
    ($tx:expr, $email:expr, $kind:expr, $id:expr) => {{
        let other: Option<String> = sqlx::query_scalar(
            "SELECT login FROM users WHERE lower(email) = lower($1) AND kind = $2 AND id <> $3 LIMIT 1",
        )
        .bind($email)
        .bind($kind)
        .bind($id)
        .fetch_optional(&mut *$tx)
        .await?;
        if let Some(login) = other {
            return Err(Error::Conflict(format!(
                "{} is already the email address of {login}: an address may belong to one {} account \
                 only, so that a reset link by mail reaches the right person",
                $email, $kind
            )));
        }
    }};
}

impl Store {
    pub async fn user_by_login(&self, login_lower: &str) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM {USERS} WHERE lower(u.login) = $1");
        let row = with_pool!(self, p => sqlx::query_as::<_, UserRow>(&sql).bind(login_lower).fetch_optional(p).await)?;
        Ok(row)
    }

    /// Users whose email is `email_lower` (case-insensitively), at most
    /// `limit` of them: a reset by email needs exactly one.
    pub async fn users_by_email(&self, email_lower: &str, limit: i64) -> Result<Vec<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM {USERS} WHERE lower(u.email) = $1 ORDER BY u.id LIMIT $2"
        );
        let rows = with_pool!(self, p => sqlx::query_as::<_, UserRow>(&sql)
            .bind(email_lower)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM {USERS} WHERE u.id = $1");
        let row = with_pool!(self, p => sqlx::query_as::<_, UserRow>(&sql).bind(id).fetch_optional(p).await)?;
        Ok(row)
    }

    /// A user and their hashes in one query, for sign-in.
    pub async fn user_with_credential(
        &self,
        login_lower: &str,
    ) -> Result<Option<UserWithCredential>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, c.password_hash AS own_hash, s.hash AS shared_hash, c.shared_credential_id \
             FROM {USERS} LEFT JOIN shared_credentials s ON s.id = c.shared_credential_id \
             WHERE lower(u.login) = $1"
        );
        let row = with_pool!(self, p => sqlx::query_as::<_, UserWithCredential>(&sql).bind(login_lower).fetch_optional(p).await)?;
        Ok(row)
    }

    /// [`Store::user_with_credential`], the policy that governs the user
    /// (their own, or the built-in one for their kind when they have none
    /// or it is gone) and their grant on `resource_id`: one round trip
    /// where a sign-in made three.
    pub async fn user_for_sign_in(
        &self,
        login_lower: &str,
        resource_id: Option<i64>,
    ) -> Result<Option<SignInRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, c.password_hash AS own_hash, s.hash AS shared_hash, c.shared_credential_id, \
               gp.id AS gp_id, gp.name AS gp_name, gp.version AS gp_version, \
               gp.enforced_version AS gp_enforced_version, gp.settings AS gp_settings, \
               gp.updated_at AS gp_updated_at, g.level AS grant_level \
             FROM {USERS} LEFT JOIN shared_credentials s ON s.id = c.shared_credential_id \
             LEFT JOIN policies gp ON gp.id = COALESCE( \
               (SELECT a.id FROM policies a WHERE a.id = u.policy_id), \
               (SELECT d.id FROM policies d \
                 WHERE d.name = CASE WHEN u.kind = 'portal' THEN 'portal' ELSE 'default' END)) \
             LEFT JOIN grants g ON g.user_id = u.id AND g.resource_id = $2 \
             WHERE lower(u.login) = $1"
        );
        let row = with_pool!(self, p => sqlx::query_as::<_, SignInRow>(&sql)
            .bind(login_lower)
            .bind(resource_id)
            .fetch_optional(p)
            .await)?;
        Ok(row)
    }

    pub async fn credential(&self, user_id: i64) -> Result<CredentialRow> {
        let sql = "SELECT c.password_hash AS own_hash, s.hash AS shared_hash, c.shared_credential_id \
                   FROM credentials c LEFT JOIN shared_credentials s ON s.id = c.shared_credential_id WHERE c.user_id = $1";
        let row = with_pool!(self, p => sqlx::query_as::<_, CredentialRow>(sql).bind(user_id).fetch_optional(p).await)?;
        row.ok_or_else(|| Error::NotFound("the user no longer exists".into()))
    }

    /// The user's previous hashes, newest first: their own hash when a bulk
    /// reset's shared hash is current, then the history table. One round
    /// trip; a user that does not exist has none (the sign-in's deferred
    /// stale check runs the same query for every failure: service/stale.rs).
    pub async fn previous_hashes(&self, user_id: i64, limit: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = with_pool!(self, p => sqlx::query_as(
            "SELECT hash FROM ( \
               SELECT password_hash AS hash, 0 AS k, 0 AS n FROM credentials \
                WHERE user_id = $1 AND shared_credential_id IS NOT NULL AND password_hash IS NOT NULL \
               UNION ALL \
               SELECT hash, 1 AS k, id AS n FROM password_history WHERE user_id = $1 \
             ) previous ORDER BY k, n DESC LIMIT $2")
            .bind(user_id)
            .bind(limit.max(0))
            .fetch_all(p)
            .await)?;
        Ok(rows.into_iter().map(|(h,)| h).collect())
    }

    pub async fn any_user(&self) -> Result<bool> {
        let n: Option<i64> = with_pool!(self, p => sqlx::query_scalar("SELECT id FROM users LIMIT 1").fetch_optional(p).await)?;
        Ok(n.is_some())
    }

    /// Exact number of users (used by `demo` and summaries, not per keystroke).
    pub async fn count_users(&self) -> Result<i64> {
        let n = with_pool!(self, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users").fetch_one(p).await)?;
        Ok(n)
    }

    /// Accounts that share an email address with another of their kind,
    /// grouped by kind and address (at most `limit` rows).
    pub async fn duplicate_emails(&self, limit: i64) -> Result<Vec<(String, String, String)>> {
        let rows = with_pool!(self, p => sqlx::query_as::<_, (String, String, String)>(
            "SELECT kind, lower(email), login FROM users WHERE (kind, lower(email)) IN \
             (SELECT kind, lower(email) FROM users GROUP BY kind, lower(email) HAVING COUNT(*) > 1) \
             ORDER BY kind, lower(email), lower(login) LIMIT $1")
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows)
    }

    /// Creates a user (with an optional first hash) and returns its id.
    pub async fn insert_user(
        &self,
        new: &NewUserRow<'_>,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<i64> {
        let NewUserRow {
            login,
            name,
            email,
            kind,
            role,
            policy_id,
            hash,
            must_change,
            policy_version,
            first,
        } = *new;
        let id = audited!(self, audit, now, |tx| {
            if first {
                // First run: checked inside the transaction, so two
                // simultaneous first runs cannot both create an administrator.
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_some() {
                    return Err(Error::Conflict(
                        "keyward is already set up: an administrator exists; sign in instead"
                            .into(),
                    ));
                }
            }
            guard_unique_email!(tx, email, kind.as_str(), -1_i64);
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO users (login, name, email, kind, role, status, policy_id, created_at, updated_at, version) \
                 VALUES ($1, $2, $3, $4, $5, 'active', $6, $7, $7, 1) RETURNING id")
                .bind(login)
                .bind(name)
                .bind(email)
                .bind(kind.as_str())
                .bind(role.as_str())
                .bind(policy_id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            tx.keep_search_order(id).await?;
            sqlx::query(
                "INSERT INTO credentials (user_id, password_hash, must_change_password, password_changed_at, \
                 password_policy_version) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(hash)
                .bind(must_change)
                .bind(hash.map(|_| now))
                .bind(policy_version)
                .execute(&mut *tx)
                .await?;
            id
        });
        Ok(id)
    }

    /// Changes the editable fields if the row still has `expected_version`;
    /// a change of role ends the user's sessions. Refuses (and rolls back)
    /// if it would leave no active global admin.
    pub async fn update_user(
        &self,
        id: i64,
        expected_version: i64,
        fields: &UserFields<'_>,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()> {
        audited!(self, audit, now, |tx| {
            // Any change of role ends the user's CLI sessions (DESIGN.md
            // "Credentials"): a session carries the rights it was opened
            // with. Rolled back with the rest if the update is refused.
            sqlx::query(
                "DELETE FROM sessions WHERE user_id = $1 \
                 AND (SELECT role FROM users WHERE id = $1) <> $2",
            )
            .bind(id)
            .bind(fields.role.as_str())
            .execute(&mut *tx)
            .await?;
            let (old_email, kind): (String, String) =
                sqlx::query_as("SELECT email, kind FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            if old_email.to_lowercase() != fields.email.to_lowercase() {
                guard_unique_email!(tx, fields.email, kind.as_str(), id);
            }
            let done = sqlx::query(
                "UPDATE users SET login = $1, name = $2, email = $3, role = $4, policy_id = $5, \
                 updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8",
            )
            .bind(fields.login)
            .bind(fields.name)
            .bind(fields.email)
            .bind(fields.role.as_str())
            .bind(fields.policy_id)
            .bind(now)
            .bind(id)
            .bind(expected_version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(Error::Conflict(
                    "someone else changed this user since you opened it; reload to see their change, then edit again".into(),
                ));
            }
            tx.keep_search_order(id).await?;
            if let Some(version) = fields.policy_version {
                sqlx::query(
                    "UPDATE credentials SET password_policy_version = $1 WHERE user_id = $2",
                )
                .bind(version)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            guard_last_admin!(tx);
        });
        Ok(())
    }

    /// Enables or disables a user; disabling ends their sessions and revokes
    /// their reset tokens. Guards the last active global admin.
    pub async fn set_status(
        &self,
        id: i64,
        disabled: bool,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let status = if disabled { "disabled" } else { "active" };
        audited!(self, audit, now, |tx| {
            sqlx::query("UPDATE users SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3")
                .bind(status)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("UPDATE reset_tokens SET revoked_at = $1 WHERE user_id = $2 AND used_at IS NULL AND revoked_at IS NULL")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                guard_last_admin!(tx);
            }
        });
        Ok(())
    }

    /// Deletes a user (cascading to holders, grants, history, sessions and
    /// tokens). Guards the last active global admin.
    pub async fn delete_user(&self, id: i64, now: DateTime<Utc>, audit: &AuditEvent) -> Result<()> {
        audited!(self, audit, now, |tx| {
            sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            guard_last_admin!(tx);
        });
        Ok(())
    }

    /// Gives a user a new own hash: the current credentials move into the
    /// history (trimmed to `keep`), the bulk-reset pointer is cleared, lock
    /// and failures are reset, and older reset tokens are revoked.
    /// With `redeem_token`, the token is consumed in the same transaction.
    pub async fn set_password(
        &self,
        id: i64,
        new: &NewPassword<'_>,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()> {
        self.set_password_at(id, None, new, now, audit).await
    }

    /// [`Store::set_password`], refused (and nothing written) when
    /// `expected_version` is given and the user's row no longer has it:
    /// someone changed the user since the caller read it.
    pub async fn set_password_at(
        &self,
        id: i64,
        expected_version: Option<i64>,
        new: &NewPassword<'_>,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()> {
        let NewPassword {
            hash,
            must_change,
            policy_version,
            keep,
            redeem_token,
            end_sessions,
            notice,
        } = *new;
        audited!(self, audit, now, |tx| {
            // The user's row first: on PostgreSQL this locks it, so of two
            // saves made on the same read the second sees the first's
            // version and is refused.
            let changed = sqlx::query(
                "UPDATE users SET failed_attempts = 0, locked_at = NULL, locked_until = NULL, updated_at = $1, \
                 version = version + 1 WHERE id = $2 AND ($3 IS NULL OR version = $3)")
                .bind(now)
                .bind(id)
                .bind(expected_version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if changed == 0 && expected_version.is_some() {
                return Err(Error::Conflict(
                    "someone else changed this user since you opened it (a password set, an unlock or an edit); \
                     reload to see their change, then set the password again".into(),
                ));
            }
            if let Some(token_id) = redeem_token {
                // Single use, even when two redemptions race.
                let n = sqlx::query(
                    "UPDATE reset_tokens SET used_at = $1 WHERE id = $2 AND user_id = $3 AND used_at IS NULL \
                     AND revoked_at IS NULL AND expires_at > $1")
                    .bind(now)
                    .bind(token_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 0 {
                    return Err(Error::Unauthenticated(
                        "the reset token is not valid: it was used, replaced or has expired; ask for a new one".into(),
                    ));
                }
            }
            // Own hash first (older), then the shared one (newer).
            sqlx::query(
                "INSERT INTO password_history (user_id, hash, created_at) \
                 SELECT user_id, password_hash, $2 FROM credentials WHERE user_id = $1 AND password_hash IS NOT NULL")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO password_history (user_id, hash, created_at) \
                 SELECT c.user_id, s.hash, $2 FROM credentials c JOIN shared_credentials s ON s.id = c.shared_credential_id WHERE c.user_id = $1")
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "DELETE FROM password_history WHERE user_id = $1 AND id NOT IN \
                 (SELECT id FROM password_history WHERE user_id = $1 ORDER BY id DESC LIMIT $2)",
            )
            .bind(id)
            .bind(keep)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE credentials SET password_hash = $1, shared_credential_id = NULL, must_change_password = $2, \
                 password_changed_at = $3, password_policy_version = $4 WHERE user_id = $5")
                .bind(hash)
                .bind(must_change)
                .bind(now)
                .bind(policy_version)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE reset_tokens SET revoked_at = $1 WHERE user_id = $2 AND used_at IS NULL AND revoked_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if let Some(n) = notice {
                sqlx::query(super::outbox::NOTICE_INSERT)
                    .bind(n.kind.as_str())
                    .bind(id)
                    .bind(n.recipient)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            if end_sessions {
                sqlx::query("UPDATE credentials SET sessions_valid_after = $1 WHERE user_id = $2")
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }

    /// Replaces the hash of the current password with a stronger one
    /// (same password, new parameters or own salt after a bulk reset) without
    /// touching history, flags or the audit trail. Only if the credential is
    /// still the one that was verified.
    pub async fn rehash(&self, id: i64, expected_current: &str, new_hash: &str) -> Result<()> {
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            // After a bulk reset the user's old own hash is a previous password:
            // keep it, unless the hash that verified was replaced meanwhile (the
            // rehash runs after the sign-in's answer: service/auth.rs).
            sqlx::query(
                "INSERT INTO password_history (user_id, hash, created_at) \
                 SELECT c.user_id, c.password_hash, u.updated_at FROM credentials c JOIN users u ON u.id = c.user_id \
                 WHERE c.user_id = $1 AND c.shared_credential_id IS NOT NULL AND c.password_hash IS NOT NULL \
                 AND (SELECT hash FROM shared_credentials s WHERE s.id = c.shared_credential_id) = $2")
                .bind(id)
                .bind(expected_current)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "UPDATE credentials SET password_hash = $1, shared_credential_id = NULL WHERE user_id = $2 AND \
                 COALESCE((SELECT hash FROM shared_credentials s WHERE s.id = credentials.shared_credential_id), password_hash) = $3")
                .bind(new_hash)
                .bind(id)
                .bind(expected_current)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Sets or clears the must-change flag.
    pub async fn set_must_change(
        &self,
        id: i64,
        must_change: bool,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<()> {
        audited!(self, audit, now, |tx| {
            sqlx::query("UPDATE credentials SET must_change_password = $1 WHERE user_id = $2")
                .bind(must_change)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE users SET updated_at = $1, version = version + 1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        });
        Ok(())
    }

    /// Ends a lock and clears the failure count.
    pub async fn unlock(&self, id: i64, now: DateTime<Utc>, audit: &AuditEvent) -> Result<()> {
        audited!(self, audit, now, |tx| {
            sqlx::query(
                "UPDATE users SET locked_at = NULL, locked_until = NULL, failed_attempts = 0, \
                         updated_at = $1, version = version + 1 WHERE id = $2",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }

    /// Global administrators other than `user_id` who are active and not
    /// locked now: the ones who could sign in and unlock `user_id`.
    pub async fn count_other_available_global_admins(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let n = with_pool!(self, p => sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM users WHERE role = 'global_admin' AND status = 'active' AND id <> $1 \
             AND (locked_at IS NULL OR locked_until <= $2)")
            .bind(user_id)
            .bind(now)
            .fetch_one(p)
            .await)?;
        Ok(n)
    }

    /// Number of active global administrators.
    pub async fn count_active_global_admins(&self) -> Result<i64> {
        let n = with_pool!(self, p => sqlx::query_scalar::<_, i64>(ACTIVE_GLOBAL_ADMINS).fetch_one(p).await)?;
        Ok(n)
    }
}
