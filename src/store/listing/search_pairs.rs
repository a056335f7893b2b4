//! A two-character search on SQLite, read in login order (issue 19).
//!
//! A pair has no trigram of its own to look up in the full-text index, but
//! every occurrence of it inside a field of three characters or more is
//! the start or the end of one of that field's windows ("zq" of "zqa" or
//! "azq"). Migration 0018 keeps the list of windows that occur anywhere
//! (`search_grams`); the page asks the full-text index for any of the
//! windows that hold the pair, which FTS5 merges in rowid order (login
//! order) and stops reading at the page, as for a longer term. A field
//! that is exactly the pair (a name such as "Li") has no window: those
//! users come from a lookup of the field's own value, and the two pages are
//! merged here.
//!
//! Before, the pair was tested on every user in login order until a page
//! was full: quick when many users have it, a walk of the whole table when
//! nearly nobody does ("zq": about 100 ms at 100,000 users). PostgreSQL's
//! trigram index has no such list; it keeps its walk (search_paths.rs).

use super::UserQuery;
use super::fts_phrase;
use crate::error::Result;
use crate::store::pg_plan::PgPlan;
use crate::store::rows::UserRow;
use crate::store::stmt::{Param, Sql};
use crate::store::{Pool, Store};
use std::cmp::Ordering;

/// The most windows asked of the full-text index at once. FTS5 opens each
/// phrase of an OR: 100 took 9 ms and 1,000 took 80 ms at 100,000 users.
/// A pair held by more windows than this (many different letters next to
/// it) is a common one, which the walk in login order finds quickly.
const MAX_WINDOWS: usize = 200;

impl Store {
    /// The lower-cased pair when `q` searches for two ASCII characters and
    /// its page can be read in login order off the full-text index. Other
    /// letters are left to the walk: the window list folds ASCII letters
    /// only, and the index folds more, so a non-ASCII pair could miss a
    /// window spelled in another case.
    pub(super) fn ordered_pair(&self, q: &UserQuery) -> Option<String> {
        if !self.reads_fts_in_login_order(q) {
            return None;
        }
        let term = q.search.as_deref().map(str::trim)?;
        (term.len() == 2 && term.is_ascii()).then(|| term.to_ascii_lowercase())
    }

    /// The page of the users whose login, name or email holds `pair` (see
    /// the module's comment), in login order, either way.
    pub(super) async fn pair_page(&self, q: &UserQuery, pair: &str) -> Result<Vec<UserRow>> {
        let windows = self.windows_holding(pair).await?;
        if windows.len() > MAX_WINDOWS {
            return self.fetch_page(&self.page_sql(q), q, PgPlan::Chosen).await;
        }
        let mut rows = if windows.is_empty() {
            Vec::new()
        } else {
            let any = windows
                .iter()
                .map(|w| fts_phrase(w))
                .collect::<Vec<_>>()
                .join(" OR ");
            self.fetch_users(&self.ordered_fts_sql(q, any), PgPlan::Chosen)
                .await?
        };
        let exact = self
            .fetch_users(&self.exact_field_sql(q, pair), PgPlan::Chosen)
            .await?;
        rows.extend(exact);
        merge_in_login_order(&mut rows, q.backward, q.limit.clamp(1, 1001) as usize);
        if q.backward {
            rows.reverse();
        }
        Ok(rows)
    }

    /// The windows of three characters that start or end with `pair`.
    async fn windows_holding(&self, pair: &str) -> Result<Vec<String>> {
        match &self.pool {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => Ok(sqlx::query_scalar(
                "SELECT gram FROM search_grams WHERE substr(gram, 1, 2) = $1 OR substr(gram, 2, 2) = $1",
            )
            .bind(pair)
            .fetch_all(p)
            .await?),
            // Never asked: PostgreSQL has no window list (`ordered_pair`).
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => {
                let _ = pair;
                Ok(Vec::new())
            }
        }
    }

    /// The page of the users whose login or name is `pair` itself, past
    /// `q`'s cursor and through its filters (an email is never two
    /// characters).
    fn exact_field_sql(&self, q: &UserQuery, pair: &str) -> Sql {
        let mut sql = Sql::new();
        let ph = sql.param(Param::Text(pair.to_string()));
        let mut conds = vec![format!("(lower(u.login) = {ph} OR lower(u.name) = {ph})")];
        conds.extend(self.filter_conds(q, &mut sql));
        self.page_sql_where(q, sql, conds)
    }
}

/// Orders the rows of both pages as the listing does (SQLite's
/// `lower(login)`, which folds ASCII letters only, compared byte by byte),
/// backwards when the pages were read backwards, drops a user found by
/// both and keeps the first `limit`.
fn merge_in_login_order(rows: &mut Vec<UserRow>, backward: bool, limit: usize) {
    let key = |r: &UserRow| r.login.to_ascii_lowercase();
    rows.sort_by(|a, b| {
        let o: Ordering = key(a).cmp(&key(b));
        if backward { o.reverse() } else { o }
    });
    rows.dedup_by_key(|r| r.id);
    rows.truncate(limit);
}
