//! `keyward user import`: many users written in one transaction, with one
//! audit entry for all of them (appended first, as in every audited
//! transaction). Imported users have no password and must change it.
//!
//! The caller opens an [`ImportTx`], hands it the validated users batch by
//! batch, and commits: nothing is visible to anyone until then, and a
//! failure anywhere (a login taken meanwhile: the unique index refuses it)
//! rolls everything back. Rows go in as multi-row statements (SQLite binds
//! anonymous `?`, PostgreSQL one array per column). On SQLite the new users
//! are then placed in search order (store/listing/search_order.rs): one by one for
//! a small import, or by renumbering everyone for a large one. On
//! PostgreSQL the search blocks they fall into are recomputed
//! (store/listing/search_blocks.rs).

use super::audit::{AuditEvent, append_audit};
#[cfg(feature = "sqlite")]
use super::demo::{SQLITE_MAX_PARAMS, index_in_search_order, set_aside_sqlite, sqlite_values_sql};
#[cfg(feature = "postgres")]
use super::demo::{SetAside, put_back_postgres, set_aside_postgres};
#[cfg(feature = "postgres")]
use super::listing::search_blocks;
#[cfg(feature = "sqlite")]
use super::listing::search_order;
use super::{BeginWrite, Pool, Store};
use crate::domain::{AccessLevel, Kind, Role};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
#[cfg(feature = "sqlite")]
use sqlx::Sqlite;
use sqlx::Transaction;
#[cfg(feature = "postgres")]
use sqlx::{PgPool, Postgres};
use std::collections::HashMap;

/// One user to import, validated by the service.
#[derive(Debug, Clone)]
pub struct ImportUserRow {
    pub login: String,
    pub name: String,
    pub email: String,
    pub kind: Kind,
    pub role: Role,
    pub policy_id: Option<i64>,
    /// The version of the user's policy now (their password, when they set
    /// one, is checked under it).
    pub policy_version: i64,
    /// (resource id, level).
    pub grants: Vec<(i64, AccessLevel)>,
    /// (name, email).
    pub holders: Vec<(String, String)>,
}

/// On SQLite, an import of more users than this renumbers every user in
/// search order at the end instead of placing each new one.
#[cfg(feature = "sqlite")]
const RENUMBER_FROM: usize = 5_000;

/// An open import: one write transaction.
pub struct ImportTx {
    tx: Tx,
    now: DateTime<Utc>,
    written: u64,
    /// SQLite: the new users' ids, to place in search order.
    #[cfg(feature = "sqlite")]
    new_ids: Vec<i64>,
}

enum Tx {
    #[cfg(feature = "sqlite")]
    Sqlite(Transaction<'static, Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres {
        tx: Transaction<'static, Postgres>,
        /// For the statistics after commit.
        pool: PgPool,
        /// The indexes and foreign keys dropped for a large import.
        set_aside: Option<SetAside>,
        /// The new users' lower-case logins, whose search blocks are
        /// recomputed before commit (the trigger is deferred); `None` once
        /// there are more than [`RECOMPUTE_ALL_FROM`]: then all are.
        added: Option<Vec<String>>,
    },
}

/// On PostgreSQL, an import of more users than this recomputes every
/// search block rather than those its users fall into.
#[cfg(feature = "postgres")]
const RECOMPUTE_ALL_FROM: usize = 100_000;

/// On PostgreSQL, an import of at least this many users that at least
/// doubles the users table sets the secondary indexes of users and grants
/// aside, as the demo fill does, and rebuilds them once before commit:
/// maintaining the trigram indexes row by row is most of such an import's
/// time. Meanwhile it holds users and grants exclusively (sign-ins wait),
/// which on a table it doubles (a first load) costs little; a smaller
/// import into a large table keeps the indexes and blocks nobody.
#[cfg(feature = "postgres")]
const SET_ASIDE_FROM: u64 = 100_000;

impl Store {
    /// Starts an import of `users` users: a write transaction with `audit`
    /// appended first. (`users` matters only on PostgreSQL.)
    #[cfg_attr(not(feature = "postgres"), allow(unused_variables))]
    pub async fn begin_import(
        &self,
        audit: &AuditEvent,
        users: u64,
        now: DateTime<Utc>,
    ) -> Result<ImportTx> {
        let tx = match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => {
                let mut tx = p.begin_write().await?;
                append_audit!(tx, self.audit_key(), audit, now);
                Tx::Sqlite(tx)
            }
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => {
                let mut tx = p.begin_write().await?;
                append_audit!(tx, self.audit_key(), audit, now);
                let set_aside = if users >= SET_ASIDE_FROM {
                    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
                        .fetch_one(&mut *tx)
                        .await?;
                    if users >= u64::try_from(existing).unwrap_or(u64::MAX) {
                        Some(set_aside_postgres(&mut tx).await?)
                    } else {
                        None
                    }
                } else {
                    None
                };
                search_blocks::defer_blocks(&mut tx).await?;
                Tx::Postgres {
                    tx,
                    pool: p.clone(),
                    set_aside,
                    added: Some(Vec::new()),
                }
            }
        };
        Ok(ImportTx {
            tx,
            now,
            written: 0,
            #[cfg(feature = "sqlite")]
            new_ids: Vec::new(),
        })
    }

    /// Which of `emails` (lower case) some account has already, with that
    /// account's kind: (kind, email).
    pub async fn existing_emails(&self, emails: &[String]) -> Result<Vec<(String, String)>> {
        let mut found = Vec::new();
        for chunk in emails.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT kind, lower(email) FROM users WHERE lower(email) IN ({})",
                marks.join(",")
            );
            let rows: Vec<(String, String)> = super::with_pool!(self, p => {
                let mut q = sqlx::query_as(&sql);
                for e in chunk {
                    q = q.bind(e);
                }
                q.fetch_all(p).await
            })?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// Which of `logins` (lower case) exist already.
    pub async fn existing_logins(&self, logins: &[String]) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for chunk in logins.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT lower(login) FROM users WHERE lower(login) IN ({})",
                marks.join(",")
            );
            let rows: Vec<String> = super::with_pool!(self, p => {
                let mut q = sqlx::query_scalar(&sql);
                for l in chunk {
                    q = q.bind(l);
                }
                q.fetch_all(p).await
            })?;
            found.extend(rows);
        }
        Ok(found)
    }
}

impl ImportTx {
    /// Inserts one batch of users with their credentials (no password,
    /// must change), grants and holders.
    pub async fn insert(&mut self, rows: &[ImportUserRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let now = self.now;
        match &mut self.tx {
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(tx) => {
                let ids = insert_sqlite(tx, rows, now).await?;
                self.new_ids.extend(ids);
            }
            #[cfg(feature = "postgres")]
            Tx::Postgres { tx, added, .. } => {
                insert_postgres(tx, rows, now).await?;
                if let Some(logins) = added {
                    if logins.len() + rows.len() > RECOMPUTE_ALL_FROM {
                        *added = None;
                    } else {
                        logins.extend(rows.iter().map(|r| r.login.to_ascii_lowercase()));
                    }
                }
            }
        }
        self.written += rows.len() as u64;
        Ok(())
    }

    /// How many users were inserted so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Places the new users in search order (SQLite) and commits.
    pub async fn commit(self) -> Result<()> {
        match self.tx {
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(mut tx) => {
                if self.new_ids.len() > RENUMBER_FROM {
                    // Renumbering in place would collide with positions not
                    // yet moved: the unique index is set aside meanwhile.
                    let unique =
                        set_aside_sqlite(&mut tx, "index", "name = 'users_search_pos'").await?;
                    index_in_search_order(&mut tx).await?;
                    for (_, sql) in &unique {
                        sqlx::query(sql).execute(&mut *tx).await?;
                    }
                } else {
                    for id in &self.new_ids {
                        search_order::place(&mut tx, *id).await?;
                    }
                }
                tx.commit().await?;
            }
            #[cfg(feature = "postgres")]
            Tx::Postgres {
                mut tx,
                pool,
                set_aside,
                added,
            } => {
                if let Some(set_aside) = &set_aside {
                    put_back_postgres(&mut tx, set_aside).await?;
                }
                search_blocks::refresh_blocks(&mut tx, added.as_deref()).await?;
                tx.commit().await?;
                // Fresh statistics for the tables the import grew (the
                // exports' and listings' plans depend on them; autovacuum may
                // take minutes). Best effort: a role that does not own the
                // tables is only warned.
                if self.written >= SET_ASIDE_FROM
                    && let Err(e) = sqlx::query("ANALYZE users, credentials, grants, holders")
                        .execute(&pool)
                        .await
                {
                    tracing::warn!(error = %e, "analyze after the import failed");
                }
            }
        }
        Ok(())
    }
}

/// Maps the lower-case logins of `rows` to the ids the database gave them.
fn ids_in_order(rows: &[ImportUserRow], returned: Vec<(i64, String)>) -> Result<Vec<i64>> {
    let by_login: HashMap<String, i64> = returned.into_iter().map(|(id, l)| (l, id)).collect();
    rows.iter()
        .map(|r| {
            by_login
                .get(&r.login.to_lowercase())
                .copied()
                .ok_or_else(|| Error::Internal(format!("no id came back for {}", r.login)))
        })
        .collect()
}

#[cfg(feature = "sqlite")]
async fn insert_sqlite(
    tx: &mut Transaction<'static, Sqlite>,
    rows: &[ImportUserRow],
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    const USER_PARAMS: usize = 8;
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(SQLITE_MAX_PARAMS / USER_PARAMS) {
        let sql = sqlite_values_sql(
            "INSERT INTO users (login, name, email, kind, role, status, policy_id, created_at, updated_at, version) VALUES ",
            "(?,?,?,?,?,'active',?,?,?,1)",
            chunk.len(),
        ) + " RETURNING id, lower(login)";
        let mut q = sqlx::query_as::<_, (i64, String)>(&sql);
        for r in chunk {
            q = q
                .bind(&r.login)
                .bind(&r.name)
                .bind(&r.email)
                .bind(r.kind.as_str())
                .bind(r.role.as_str())
                .bind(r.policy_id)
                .bind(now)
                .bind(now);
        }
        let returned = q.fetch_all(&mut **tx).await?;
        ids.extend(ids_in_order(chunk, returned)?);
    }
    let pairs: Vec<(i64, &ImportUserRow)> = ids.iter().copied().zip(rows).collect();
    for chunk in pairs.chunks(SQLITE_MAX_PARAMS / 2) {
        let sql = sqlite_values_sql(
            "INSERT INTO credentials (user_id, password_hash, must_change_password, password_changed_at, password_policy_version) VALUES ",
            "(?,NULL,1,NULL,?)",
            chunk.len(),
        );
        let mut q = sqlx::query(&sql);
        for (id, r) in chunk {
            q = q.bind(*id).bind(r.policy_version);
        }
        q.execute(&mut **tx).await?;
    }
    let grants: Vec<(i64, i64, &str)> = pairs
        .iter()
        .flat_map(|(id, r)| r.grants.iter().map(|(res, l)| (*id, *res, l.as_str())))
        .collect();
    for chunk in grants.chunks(SQLITE_MAX_PARAMS / 4) {
        let sql = sqlite_values_sql(
            "INSERT INTO grants (user_id, resource_id, level, granted_at) VALUES ",
            "(?,?,?,?)",
            chunk.len(),
        );
        let mut q = sqlx::query(&sql);
        for (u, res, l) in chunk {
            q = q.bind(*u).bind(*res).bind(*l).bind(now);
        }
        q.execute(&mut **tx).await?;
    }
    let holders: Vec<(i64, &str, &str)> = pairs
        .iter()
        .flat_map(|(id, r)| r.holders.iter().map(|(n, e)| (*id, n.as_str(), e.as_str())))
        .collect();
    for chunk in holders.chunks(SQLITE_MAX_PARAMS / 4) {
        let sql = sqlite_values_sql(
            "INSERT INTO holders (user_id, name, email, note, created_at) VALUES ",
            "(?,?,?,'',?)",
            chunk.len(),
        );
        let mut q = sqlx::query(&sql);
        for (u, n, e) in chunk {
            q = q.bind(*u).bind(*n).bind(*e).bind(now);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(ids)
}

#[cfg(feature = "postgres")]
async fn insert_postgres(
    tx: &mut Transaction<'static, Postgres>,
    rows: &[ImportUserRow],
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    let text = |f: fn(&ImportUserRow) -> &str| rows.iter().map(f).collect::<Vec<&str>>();
    let returned: Vec<(i64, String)> = sqlx::query_as(
        "INSERT INTO users (login, name, email, kind, role, status, policy_id, created_at, updated_at, version) \
         SELECT t.login, t.name, t.email, t.kind, t.role, 'active', t.policy_id, $7, $7, 1 \
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[]) \
         AS t(login, name, email, kind, role, policy_id) RETURNING id, lower(login)",
    )
    .bind(text(|r| &r.login))
    .bind(text(|r| &r.name))
    .bind(text(|r| &r.email))
    .bind(text(|r| r.kind.as_str()))
    .bind(text(|r| r.role.as_str()))
    .bind(rows.iter().map(|r| r.policy_id).collect::<Vec<_>>())
    .bind(now)
    .fetch_all(&mut **tx)
    .await?;
    let ids = ids_in_order(rows, returned)?;
    sqlx::query(
        "INSERT INTO credentials (user_id, password_hash, must_change_password, password_changed_at, password_policy_version) \
         SELECT t.id, NULL, TRUE, NULL, t.version FROM UNNEST($1::int8[], $2::int8[]) AS t(id, version)",
    )
    .bind(&ids)
    .bind(rows.iter().map(|r| r.policy_version).collect::<Vec<_>>())
    .execute(&mut **tx)
    .await?;
    let (mut g_user, mut g_res, mut g_level) = (Vec::new(), Vec::new(), Vec::new());
    let (mut h_user, mut h_name, mut h_email) = (Vec::new(), Vec::new(), Vec::new());
    for (id, r) in ids.iter().zip(rows) {
        for (res, level) in &r.grants {
            g_user.push(*id);
            g_res.push(*res);
            g_level.push(level.as_str());
        }
        for (name, email) in &r.holders {
            h_user.push(*id);
            h_name.push(name.as_str());
            h_email.push(email.as_str());
        }
    }
    if !g_user.is_empty() {
        sqlx::query(
            "INSERT INTO grants (user_id, resource_id, level, granted_at) \
             SELECT t.*, $4 FROM UNNEST($1::int8[], $2::int8[], $3::text[]) AS t",
        )
        .bind(&g_user)
        .bind(&g_res)
        .bind(&g_level)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    if !h_user.is_empty() {
        sqlx::query(
            "INSERT INTO holders (user_id, name, email, note, created_at) \
             SELECT t.user_id, t.name, t.email, '', $4 FROM UNNEST($1::int8[], $2::text[], $3::text[]) AS t(user_id, name, email)",
        )
        .bind(&h_user)
        .bind(&h_name)
        .bind(&h_email)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(ids)
}
