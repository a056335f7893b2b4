//! The users listing: one keyset-paged page, filtered and searched, in
//! either direction. Search is case-insensitive over login, name and email:
//! a term of any length matches as a substring of any of them.

use super::pg_plan::PgPlan;
use super::rows::{USER_COLUMNS, USERS, UserRow, WITH_CREDENTIALS};
use super::stmt::{Param, Sql, bind_params};
use super::{Pool, Store, with_pool};

mod grouped;
#[cfg(feature = "postgres")]
pub(super) mod search_blocks;
pub(super) mod search_order;
mod search_pairs;
mod search_paths;
#[cfg(feature = "postgres")]
mod search_pieces;
mod status;
pub use crate::domain::listing::{Cursor, StatusFilter, StatusGroup, UserSort};
use crate::domain::{Kind, Role};
use crate::error::Result;
use chrono::{DateTime, Utc};
use search_paths::{FIRST_PROBE_ROWS, PROBE_ROWS, probe_may_fill};

/// One page request. `search` matches login, name and email case-insensitively,
/// as a substring of any of them, whatever its length.
#[derive(Debug, Clone)]
pub struct UserQuery {
    pub search: Option<String>,
    pub status: Option<StatusFilter>,
    /// One group of the status sort (grouped.rs sets it).
    pub status_group: Option<StatusGroup>,
    pub kind: Option<Kind>,
    pub role: Option<Role>,
    pub resource_id: Option<i64>,
    pub sort: UserSort,
    /// Forward: the rows after this cursor (from the first row when None).
    /// Backward: the rows before it (the last rows when None).
    pub after: Option<Cursor>,
    /// Read towards the start of the listing (reversed ORDER BY and keyset
    /// comparison); the rows still come back in listing order.
    pub backward: bool,
    /// The sort's order reversed (the cursor then compares the other way).
    pub descending: bool,
    pub limit: i64,
    /// "Now", for lock state.
    pub now: DateTime<Utc>,
    /// Inactivity cut-offs for staff and portal users (from their policies).
    pub inactive_before: (DateTime<Utc>, DateTime<Utc>),
    /// (policy id, cut-off) for each policy with a `max_age_days`: passwords
    /// its users set before the cut-off have expired (must-change filter).
    pub password_expired_before: Vec<(i64, DateTime<Utc>)>,
    /// (policy id, cut-off) for each policy with a re-validation or
    /// deletion limit: its users idle since the cut-off show "revalidate"
    /// or "delete?" (the status sort's groups).
    pub idle_before: Vec<(i64, DateTime<Utc>)>,
}

/// A lower-cased search term as PostgreSQL's `keyward_search_fold` spells
/// it (migration 0007): separators as letters and digits, so that the
/// trigram index has whole words to look up.
#[cfg(feature = "postgres")]
pub(super) fn search_fold(term: &str) -> String {
    let mut out = String::with_capacity(term.len() * 2);
    for c in term.chars() {
        match c.to_ascii_lowercase() {
            '.' => out.push_str("0p0"),
            ' ' => out.push_str("0s0"),
            '@' => out.push_str("0a0"),
            '-' => out.push_str("0h0"),
            '_' => out.push_str("0u0"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes `%`, `_` and `\` for LIKE ... ESCAPE '\'.
pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Quotes a search string as one FTS5 phrase (FTS5 ignores LIKE escapes).
pub(super) fn fts_phrase(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

impl Store {
    /// One page of users in the requested order, filtered: the rows after
    /// the cursor, or with `backward` the rows before it (the last page
    /// without one), in listing order either way. Keyset only, never OFFSET.
    ///
    /// A search in login order takes a fast path (store/listing/search_paths.rs):
    /// on SQLite a term of three characters or more is read off the
    /// full-text index in login order, a term of two (ASCII) through the
    /// windows that hold it (store/listing/search_pairs.rs), and one of
    /// one character walks the login order; on PostgreSQL, with no other
    /// filter, a search first tries a probe, the first
    /// `FIRST_PROBE_ROWS` rows in login order (an index walk), each tested
    /// for the match; then the search blocks (store/listing/search_blocks.rs),
    /// which read in login order only the blocks of users that hold every
    /// piece of the term; then, when they hold too many, and matches came at
    /// a rate that would fill the page, the first `PROBE_ROWS`. When matches are common
    /// ("example.org") that finds the page at once, where the trigram index
    /// would hand back hundreds of thousands of matches to sort. When the
    /// probes find less than a page, the matches are rare and the trigram
    /// index finds them all quickly; a term of one or two characters has no
    /// trigram, so it always gets the long probe, and then every user is
    /// tested (hundreds of milliseconds at a million users). Sorted by kind
    /// or role, the page is read one group at a time (grouped.rs).
    pub async fn list_users(&self, q: &UserQuery) -> Result<Vec<UserRow>> {
        match q.sort {
            UserSort::Kind | UserSort::Role | UserSort::Status => self.grouped_page(q).await,
            UserSort::Login | UserSort::Name | UserSort::Email | UserSort::LastLogin => {
                self.column_page(q).await
            }
        }
    }

    /// A page in the order of one column (login, name, email or last
    /// sign-in), as `list_users` says.
    async fn column_page(&self, q: &UserQuery) -> Result<Vec<UserRow>> {
        if let Some(pair) = self.ordered_pair(q) {
            return self.pair_page(q, &pair).await;
        }
        if let Some(ordered) = self.ordered_substring_sql(q) {
            return self.fetch_page(&ordered, q, PgPlan::Chosen).await;
        }
        let mut plan = PgPlan::Chosen;
        let limit = q.limit.clamp(1, 1001);
        if let Some(probe) = self.probe_sql(q, FIRST_PROBE_ROWS) {
            let rows = self.fetch_page(&probe, q, PgPlan::Chosen).await?;
            if rows.len() as i64 >= limit {
                return Ok(rows);
            }
            #[cfg(feature = "postgres")]
            if let Some(rows) = self.block_page(q).await? {
                return Ok(rows);
            }
            // A term of one or two characters has no trigram to look up:
            // what the probes leave, a scan of every user finds.
            let short = q
                .search
                .as_deref()
                .is_some_and(|t| t.trim().chars().count() < 3);
            if (short || probe_may_fill(rows.len(), limit))
                && let Some(probe) = self.probe_sql(q, PROBE_ROWS)
            {
                let rows = self.fetch_page(&probe, q, PgPlan::Chosen).await?;
                if rows.len() as i64 >= limit {
                    return Ok(rows);
                }
            }
            plan = PgPlan::NoIndexScan;
        }
        self.fetch_page(&self.page_sql(q), q, plan).await
    }

    /// Runs a page statement, on PostgreSQL with `plan`'s setting.
    async fn fetch_page(&self, sql: &Sql, q: &UserQuery, plan: PgPlan) -> Result<Vec<UserRow>> {
        let mut rows = self.fetch_users(sql, plan).await?;
        if q.backward {
            rows.reverse();
        }
        Ok(rows)
    }

    /// How many users `q` lists in all (its search and filters; its cursor,
    /// sort and limit play no part).
    pub async fn count_listed(&self, q: &UserQuery) -> Result<i64> {
        let mut sql = Sql::new();
        let conds = self.match_conds(q, &mut sql);
        let filter = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        let from = if status::reads_credentials(q) {
            USERS
        } else {
            "users u"
        };
        sql.text = format!("SELECT COUNT(*) FROM {from} {filter}");
        let (n,) = with_pool!(self, p => bind_params!(sqlx::query_as::<_, (i64,)>(&sql.text), sql)
            .fetch_one(p)
            .await)?;
        Ok(n)
    }

    /// PostgreSQL's estimate of how many users there are (from its
    /// statistics, at once); `None` on SQLite or before the table was
    /// ever analysed.
    pub async fn estimate_users(&self) -> Result<Option<i64>> {
        match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => Ok(None),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => {
                let (n,): (f32,) =
                    sqlx::query_as("SELECT reltuples FROM pg_class WHERE oid = 'users'::regclass")
                        .fetch_one(p)
                        .await?;
                Ok((n >= 0.0).then_some(n as i64))
            }
        }
    }

    /// The search and filter conditions of `q` (not its cursor).
    fn match_conds(&self, q: &UserQuery, sql: &mut Sql) -> Vec<String> {
        let mut conds: Vec<String> = Vec::new();
        let term = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty());

        if let Some(term) = term {
            let term = term.to_ascii_lowercase();
            if term.chars().count() < 3 {
                // Too short for a trigram: tested on each row, in the
                // order the page statement walks (the login index).
                let ph = sql.param(Param::Text(format!("%{}%", escape_like(&term))));
                conds.push(format!(
                    "(lower(u.login) LIKE {ph} ESCAPE '\\' OR lower(u.name) LIKE {ph} ESCAPE '\\' \
                     OR lower(u.email) LIKE {ph} ESCAPE '\\')"
                ));
            } else {
                match self.pool {
                    #[cfg(feature = "sqlite")]
                    Pool::Sqlite(_) => {
                        let ph = sql.param(Param::Text(fts_phrase(&term)));
                        conds.push(format!(
                            "u.search_pos IN (SELECT rowid FROM users_fts WHERE users_fts MATCH {ph})"
                        ));
                    }
                    #[cfg(feature = "postgres")]
                    Pool::Postgres(_) => {
                        // The trigram index holds the folded text (migration
                        // 0007); the real columns decide.
                        let folded = sql.param(Param::Text(format!(
                            "%{}%",
                            escape_like(&search_fold(&term))
                        )));
                        let ph = sql.param(Param::Text(format!("%{}%", escape_like(&term))));
                        conds.push(format!(
                            "keyward_search_text(u.login, u.name, u.email) LIKE {folded} ESCAPE '\\' \
                             AND (lower(u.login) LIKE {ph} ESCAPE '\\' OR lower(u.name) LIKE {ph} ESCAPE '\\' \
                             OR lower(u.email) LIKE {ph} ESCAPE '\\')"
                        ));
                    }
                }
            }
        }

        conds.extend(self.filter_conds(q, sql));
        conds
    }

    /// The page's statement, using the search indexes.
    fn page_sql(&self, q: &UserQuery) -> Sql {
        let mut sql = Sql::new();
        let conds = self.match_conds(q, &mut sql);
        self.page_sql_where(q, sql, conds)
    }

    /// The page's statement for the users `conds` select (their parameters
    /// already in `sql`), past `q`'s cursor, in `q`'s order.
    fn page_sql_where(&self, q: &UserQuery, mut sql: Sql, mut conds: Vec<String>) -> Sql {
        // Login and name ascend, last sign-in descends; reading backward
        // reverses both the order and the keyset comparison.
        let ascending = ((q.sort != UserSort::LastLogin) != q.backward) != q.descending;
        let (dir, cmp) = if ascending {
            ("ASC", ">")
        } else {
            ("DESC", "<")
        };
        // Kind, role and status are read one group at a time (grouped.rs),
        // each in login order: within a group they are the login order.
        let order = match q.sort {
            UserSort::Login | UserSort::Kind | UserSort::Role | UserSort::Status => {
                format!("lower(u.login) {dir}")
            }
            UserSort::Name => format!("lower(u.name) {dir}, u.id {dir}"),
            UserSort::Email => format!("lower(u.email) {dir}, u.id {dir}"),
            UserSort::LastLogin => format!("{} {dir}, u.id {dir}", self.last_login_key()),
        };
        // The chosen page's own sort key, to order the joined page by.
        let key = match q.sort {
            UserSort::Login | UserSort::Kind | UserSort::Role | UserSort::Status => {
                "lower(u.login)".to_string()
            }
            UserSort::Name => "lower(u.name)".to_string(),
            UserSort::Email => "lower(u.email)".to_string(),
            UserSort::LastLogin => self.last_login_key().to_string(),
        };
        // Two-part keys: the first part as a range (an index seek on both
        // backends), then the tie-break on id.
        match &q.after {
            None => {}
            // lower() on the cursor too: PostgreSQL lowercases more than
            // ASCII, and the key must be the one the index holds.
            Some(
                Cursor::Login(l) | Cursor::Kind(_, l) | Cursor::Role(_, l) | Cursor::Status(_, l),
            ) => {
                let ph = sql.param(Param::Text(l.clone()));
                conds.push(format!("lower(u.login) {cmp} lower({ph})"));
            }
            Some(Cursor::Name(n, id)) => {
                let a = format!("lower({})", sql.param(Param::Text(n.clone())));
                let b = sql.param(Param::Int(*id));
                conds.push(format!(
                    "lower(u.name) {cmp}= {a} AND (lower(u.name) {cmp} {a} OR u.id {cmp} {b})"
                ));
            }
            Some(Cursor::Email(e, id)) => {
                let a = format!("lower({})", sql.param(Param::Text(e.clone())));
                let b = sql.param(Param::Int(*id));
                conds.push(format!(
                    "lower(u.email) {cmp}= {a} AND (lower(u.email) {cmp} {a} OR u.id {cmp} {b})"
                ));
            }
            Some(Cursor::LastLogin(t, id)) => {
                let a = sql.param(Param::Time(*t));
                let b = sql.param(Param::Int(*id));
                let key = self.last_login_key();
                conds.push(format!(
                    "{key} {cmp}= {a} AND ({key} {cmp} {a} OR u.id {cmp} {b})"
                ));
            }
        }
        // A page of up to 1000, and one row more to see whether more follow.
        let limit = sql.param(Param::Int(q.limit.clamp(1, 1001)));
        let filter = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        // The page is chosen from `users` alone (credentials only when the
        // filter reads them), then joined: a search that sorts thousands of
        // matches does not look each one's credentials up first. The joined
        // page is ordered by the key the inner query carries: ordered by the
        // outer row's own expression, SQLite 3.46 drove the join from a walk
        // of the whole login index instead (2.5 s for a first page).
        let chosen_from = if status::reads_credentials(q) {
            USERS
        } else {
            "users u"
        };
        sql.text = format!(
            "SELECT {USER_COLUMNS} FROM (SELECT u.id AS page_id, {key} AS page_key FROM {chosen_from} \
             {filter} ORDER BY {order} LIMIT {limit}) p JOIN users u ON u.id = p.page_id {WITH_CREDENTIALS} \
             ORDER BY p.page_key {dir}, p.page_id {dir}"
        );
        sql
    }

    /// The status, kind, role and resource conditions of `q` on `users u`
    /// (joined to `credentials c`), with their parameters added to `sql`.
    pub(super) fn filter_conds(&self, q: &UserQuery, sql: &mut Sql) -> Vec<String> {
        let mut conds: Vec<String> = Vec::new();
        if let Some(status) = q.status {
            conds.push(status::filter_cond(q, status, sql));
        }
        if let Some(group) = q.status_group {
            conds.push(status::group_cond(q, group, sql));
        }
        if let Some(kind) = q.kind {
            let ph = sql.param(Param::Text(kind.as_str().into()));
            conds.push(format!("u.kind = {ph}"));
        }
        if let Some(role) = q.role {
            let ph = sql.param(Param::Text(role.as_str().into()));
            if role == Role::User {
                conds.push(format!("u.role = {ph}"));
            } else {
                // Spelled out so that both planners may use the partial
                // index of the rarer roles (migration 0019).
                conds.push(format!("u.role = {ph} AND u.role <> 'user'"));
            }
        }
        if let Some(res) = q.resource_id {
            let ph = sql.param(Param::Int(res));
            conds.push(format!(
                "EXISTS (SELECT 1 FROM grants g WHERE g.user_id = u.id AND g.resource_id = {ph})"
            ));
        }

        conds
    }

    /// The last-sign-in sort key, never-signed-in as the epoch: the very
    /// expression the `users_last_login_sort` index holds (a bound epoch
    /// would not match it). SQLite keeps times as the text sqlx writes.
    fn last_login_key(&self) -> &'static str {
        match self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => "COALESCE(u.last_login_at, '1970-01-01T00:00:00+00:00')",
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => "COALESCE(u.last_login_at, TIMESTAMPTZ '1970-01-01 00:00:00+00')",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_fold_spells_separators_as_migration_0007_does() {
        assert_eq!(search_fold("Y.Ande"), "y0p0ande");
        assert_eq!(search_fold("f a@b-c_d%"), "f0s0a0a0b0h0c0u0d%");
        assert_eq!(search_fold("Zoë"), "zoë");
    }

    #[test]
    fn like_escaping() {
        assert_eq!(escape_like("50%_a\\b"), "50\\%\\_a\\\\b");
    }

    #[test]
    fn fts_quotes() {
        assert_eq!(fts_phrase("o\"brien"), "\"o\"\"brien\"");
    }
}
