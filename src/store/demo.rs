//! Fast multi-row inserts for `keyward demo` (demo data only: no audit entry
//! per row; the service writes one entry for the whole fill).

use super::{BeginWrite, Store, with_pool};
use crate::error::Result;
use chrono::{DateTime, Utc};

/// One demo user.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub login: String,
    pub name: String,
    pub email: String,
    pub kind: &'static str,
    pub role: &'static str,
    pub status: &'static str,
    pub must_change: bool,
    pub failed_attempts: i64,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: usize = 14;

impl Store {
    /// Inserts a batch of users sharing one hash; returns their ids in order.
    pub async fn insert_demo_users(
        &self,
        users: &[DemoUser],
        hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = String::from(
            "INSERT INTO users (login, name, email, kind, role, status, must_change_password, password_hash, \
             password_changed_at, failed_attempts, locked_at, locked_until, last_login_at, created_at, updated_at, version) VALUES ",
        );
        for i in 0..users.len() {
            let b = i * COLUMNS;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${},${},${},${},${},${},${},${},${},${},1)",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9,
                b + 10,
                b + 11,
                b + 12,
                b + 13,
                b + 14,
                b + 14
            ));
        }
        sql.push_str(" RETURNING id");
        let ids = with_pool!(self, p => {
            let mut q = sqlx::query_scalar::<_, i64>(&sql);
            for u in users {
                q = q
                    .bind(u.login.clone())
                    .bind(u.name.clone())
                    .bind(u.email.clone())
                    .bind(u.kind)
                    .bind(u.role)
                    .bind(u.status)
                    .bind(u.must_change)
                    .bind(hash.to_string())
                    .bind(u.created_at)
                    .bind(u.failed_attempts)
                    .bind(u.locked_until.map(|_| now))
                    .bind(u.locked_until)
                    .bind(u.last_login_at)
                    .bind(u.created_at);
            }
            let mut tx = p.begin_write().await?;
            let ids = q.fetch_all(&mut *tx).await?;
            tx.commit().await?;
            ids
        });
        Ok(ids)
    }

    /// Grants in bulk: (user_id, resource_id, level).
    pub async fn insert_demo_grants(
        &self,
        grants: &[(i64, i64, &'static str)],
        now: DateTime<Utc>,
    ) -> Result<()> {
        for chunk in grants.chunks(5000) {
            let mut sql = String::from(
                "INSERT INTO grants (user_id, resource_id, level, granted_at) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 3;
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "(${},${},${},${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    chunk.len() * 3 + 1
                ));
            }
            with_pool!(self, p => {
                let mut q = sqlx::query(&sql);
                for (u, r, l) in chunk {
                    q = q.bind(*u).bind(*r).bind(*l);
                }
                q.bind(now).execute(p).await.map(|_| ())
            })?;
        }
        Ok(())
    }
}
