//! Deletion candidates: accounts with the role `user` (never an
//! administrator of any rank) that nobody has signed in to for their
//! policy's `delete_after_days` (counted from creation when never), listed
//! and deleted all at once. Each policy has its own cut-off; a user follows
//! their own policy, else their kind's built-in one.

use super::audit::AuditEvent;
use super::stmt::{Param, Sql, bind_params};
use super::{BeginWrite, Store, with_pool};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};

/// Which accounts are candidates now.
#[derive(Debug, Clone)]
pub struct PurgeScope {
    /// (policy id, cut-off): idle since before the cut-off. Policies that
    /// never delete (`delete_after_days = 0`) are left out.
    pub cutoffs: Vec<(i64, DateTime<Utc>)>,
    /// The built-in policies of staff and portal users.
    pub staff_policy: i64,
    pub portal_policy: i64,
}

impl PurgeScope {
    /// The WHERE clause over `users u`.
    fn condition(&self, sql: &mut Sql) -> String {
        if self.cutoffs.is_empty() {
            return "1 = 0".into();
        }
        let staff = sql.param(Param::Int(self.staff_policy));
        let portal = sql.param(Param::Int(self.portal_policy));
        let effective = format!(
            "COALESCE(u.policy_id, CASE WHEN u.kind = 'staff' THEN {staff} ELSE {portal} END)"
        );
        let each: Vec<String> = self
            .cutoffs
            .iter()
            .map(|(policy, cutoff)| {
                let p = sql.param(Param::Int(*policy));
                let c = sql.param(Param::Time(*cutoff));
                format!("({effective} = {p} AND COALESCE(u.last_login_at, u.created_at) < {c})")
            })
            .collect();
        format!("u.role = 'user' AND ({})", each.join(" OR "))
    }
}

/// A candidate as the preview lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CandidateRow {
    pub login: String,
    #[sqlx(try_from = "String")]
    pub kind: crate::domain::Kind,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// How many accounts are candidates, and the first `limit` of them in
    /// login order.
    pub async fn purge_candidates(
        &self,
        scope: &PurgeScope,
        limit: i64,
    ) -> Result<(i64, Vec<CandidateRow>)> {
        let mut count = Sql::new();
        let cond = scope.condition(&mut count);
        count.text = format!("SELECT COUNT(*) FROM users u WHERE {cond}");
        let mut list = Sql::new();
        let cond = scope.condition(&mut list);
        let lim = list.param(Param::Int(limit));
        list.text = format!(
            "SELECT u.login, u.kind, u.last_login_at, u.created_at FROM users u WHERE {cond} \
             ORDER BY lower(u.login) LIMIT {lim}"
        );
        let result = with_pool!(self, p => {
            let n: i64 = bind_params!(sqlx::query_scalar(&count.text), count).fetch_one(p).await?;
            let rows = bind_params!(sqlx::query_as::<_, CandidateRow>(&list.text), list)
                .fetch_all(p)
                .await?;
            (n, rows)
        });
        Ok(result)
    }

    /// Deletes every candidate in one transaction, if there are exactly
    /// `expected` of them (what the administrator confirmed); otherwise
    /// deletes nothing. The audit entry, written last in the same
    /// transaction, names the logins deleted (`audit` gets them under
    /// "logins"). Returns them.
    pub async fn purge(
        &self,
        scope: &PurgeScope,
        expected: i64,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> Result<Vec<String>> {
        let mut sql = Sql::new();
        let cond = scope.condition(&mut sql);
        sql.text = format!(
            "DELETE FROM users WHERE id IN (SELECT u.id FROM users u WHERE {cond}) RETURNING login"
        );
        let logins = with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let mut logins: Vec<String> = bind_params!(sqlx::query_scalar(&sql.text), sql)
                .fetch_all(&mut *tx)
                .await?;
            if logins.len() as i64 != expected {
                return Err(Error::Conflict(format!(
                    "{expected} confirmed, but there are {} candidates now (a wrong count, or they changed since the preview); nothing was deleted: preview again and confirm that count",
                    logins.len()
                )));
            }
            logins.sort_by_key(|l| l.to_lowercase());
            let mut event = audit.clone();
            if let Some(details) = event.details.as_object_mut() {
                details.insert("logins".into(), serde_json::json!(logins));
            }
            super::audit::append_audit!(tx, self.audit_key(), &event, now);
            tx.commit().await?;
            logins
        });
        Ok(logins)
    }

    /// Marks the owners of the accounts in `scope` (cut-offs: when the
    /// warning is due) who have not been warned yet, and puts a warning
    /// mail for each in the outbox, in one transaction. Returns how many.
    /// Two senders at once warn each owner once: the mark is taken first.
    pub async fn queue_deletion_warnings(
        &self,
        scope: &PurgeScope,
        now: DateTime<Utc>,
    ) -> Result<u64> {
        let mut sql = Sql::new();
        let cond = scope.condition(&mut sql);
        let at = sql.param(Param::Time(now));
        sql.text = format!(
            "UPDATE users SET deletion_warned_at = {at} WHERE id IN \
             (SELECT u.id FROM users u WHERE {cond} AND u.deletion_warned_at IS NULL AND u.status = 'active' \
              AND u.email LIKE '%@%') RETURNING id, email"
        );
        let n = with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let marked: Vec<(i64, String)> = bind_params!(sqlx::query_as(&sql.text), sql)
                .fetch_all(&mut *tx)
                .await?;
            for (id, email) in &marked {
                sqlx::query(super::outbox::NOTICE_INSERT)
                    .bind(crate::domain::MailKind::DeletionWarning.as_str())
                    .bind(id)
                    .bind(email)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            marked.len() as u64
        });
        Ok(n)
    }
}
