//! The fast paths of a search in login order (the Users pane as an
//! administrator types), tried before the general page statement in
//! listing/mod.rs. A term of any length is a substring of login, name or email:
//! - on SQLite, a term of three characters or more is read off the
//!   full-text index in login order (its rowids are positions in that
//!   order: store/listing/search_order.rs), and one of two ASCII characters
//!   through the windows that hold it (search_pairs.rs); a single character
//!   has no window to look up, and the general statement walks the
//!   `users_search_walk` index in login order, testing each row, until the
//!   page is full;
//! - on PostgreSQL, with no other filter, a bounded walk of
//!   `users_search_walk` is probed first, whatever the term's length, then
//!   the search blocks are read (search_blocks.rs).

use super::{Cursor, UserQuery, UserSort, escape_like, fts_phrase};
use crate::store::rows::{USER_COLUMNS, WITH_CREDENTIALS};
use crate::store::stmt::{Param, Sql};
use crate::store::{Backend, Store};

/// How many rows, in listing order, a search probe tests before it leaves
/// the search to the search index (see [`Store::list_users`]): matches
/// rarer than one in PROBE_ROWS / page size are found by the index.
pub(super) const PROBE_ROWS: i64 = 20_000;

/// The first, short probe: most terms of three characters or more match
/// too few users to fill a page from [`PROBE_ROWS`] rows, and the walk of
/// all of them cost 9 ms at a million users (31 ms with a cold cache)
/// before the index answered; the first 2,000 took 1.1 ms. What it finds
/// tells whether the long probe is worth it (see [`probe_may_fill`]).
pub(super) const FIRST_PROBE_ROWS: i64 = 2_000;

/// Whether matches found at the rate of `found` in [`FIRST_PROBE_ROWS`]
/// rows would fill a page of `limit` within [`PROBE_ROWS`]; rarer ones
/// are left to the search index, which then has at most about
/// `found` / FIRST_PROBE_ROWS of the users to read.
pub(super) fn probe_may_fill(found: usize, limit: i64) -> bool {
    found as i64 * PROBE_ROWS >= limit * FIRST_PROBE_ROWS
}

/// The search term when `q` is a search in login order and nothing else.
pub(super) fn login_order_search(q: &UserQuery) -> Option<&str> {
    let term = q
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())?;
    let only_search = q.status.is_none()
        && q.status_group.is_none()
        && q.kind.is_none()
        && q.role.is_none()
        && q.resource_id.is_none();
    // These paths walk the login order forward only.
    (q.sort == UserSort::Login && only_search && !q.descending).then_some(term)
}

/// The direction of a page in login order, the keyset condition past its
/// cursor (if any) and the placeholder of its row limit.
fn login_keyset(q: &UserQuery, sql: &mut Sql) -> (&'static str, Option<String>, String) {
    let (dir, cmp) = if q.backward {
        ("DESC", "<")
    } else {
        ("ASC", ">")
    };
    let after = match &q.after {
        Some(Cursor::Login(l)) => Some(format!(
            "lower(u.login) {cmp} lower({})",
            sql.param(Param::Text(l.clone()))
        )),
        _ => None,
    };
    let limit = sql.param(Param::Int(q.limit.clamp(1, 1001)));
    (dir, after, limit)
}

impl Store {
    /// A substring search's page on SQLite: the first matches the
    /// full-text index returns past the cursor, in rowid order, which is
    /// login order (migration 0008). However many users match, FTS5 reads
    /// no further than the page. The cursor's login becomes a position
    /// through the login index: the last user at or before it (forward),
    /// or the first at or after it (backward), so a cursor whose user was
    /// renamed or deleted meanwhile still pages from the right place.
    ///
    /// Other filters (status, kind, role, resource) are tested on each
    /// match as it comes, in login order, until the page is full: "eli"
    /// and locked took 12 ms this way and 140 ms collecting and sorting
    /// every match; a filter that no match passes reads them all either way.
    pub(super) fn ordered_substring_sql(&self, q: &UserQuery) -> Option<Sql> {
        if !self.reads_fts_in_login_order(q) {
            return None;
        }
        let term = q
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| t.chars().count() >= 3)?;
        Some(self.ordered_fts_sql(q, fts_phrase(&term.to_ascii_lowercase())))
    }

    /// Whether `q`'s page can be read off the full-text index in login
    /// order: SQLite, sorted by login, ascending.
    pub(super) fn reads_fts_in_login_order(&self, q: &UserQuery) -> bool {
        self.backend() == Backend::Sqlite && q.sort == UserSort::Login && !q.descending
    }

    /// The page of the users the full-text query `fts_query` matches, past
    /// `q`'s cursor and through its filters, in login order (see
    /// [`Store::ordered_substring_sql`]).
    pub(super) fn ordered_fts_sql(&self, q: &UserQuery, fts_query: String) -> Sql {
        let mut sql = Sql::new();
        let filters = self.filter_conds(q, &mut sql);
        let filter = if filters.is_empty() {
            String::new()
        } else {
            format!("WHERE {} ", filters.join(" AND "))
        };
        let phrase = sql.param(Param::Text(fts_query));
        let (dir, bound) = match (&q.after, q.backward) {
            (Some(Cursor::Login(l)), false) => (
                "ASC",
                format!(
                    " AND rowid > COALESCE((SELECT search_pos FROM users WHERE lower(login) <= lower({}) \
                     AND search_pos IS NOT NULL ORDER BY lower(login) DESC LIMIT 1), {})",
                    sql.param(Param::Text(l.clone())),
                    i64::MIN
                ),
            ),
            (Some(Cursor::Login(l)), true) => (
                "DESC",
                format!(
                    " AND rowid < COALESCE((SELECT search_pos FROM users WHERE lower(login) >= lower({}) \
                     AND search_pos IS NOT NULL ORDER BY lower(login) ASC LIMIT 1), {})",
                    sql.param(Param::Text(l.clone())),
                    i64::MAX
                ),
            ),
            (_, false) => ("ASC", String::new()),
            (_, true) => ("DESC", String::new()),
        };
        let limit = sql.param(Param::Int(q.limit.clamp(1, 1001)));
        sql.text = format!(
            "SELECT {USER_COLUMNS} FROM (SELECT rowid AS pos FROM users_fts \
             WHERE users_fts MATCH {phrase}{bound} ORDER BY rowid {dir}) f \
             JOIN users u ON u.search_pos = f.pos {WITH_CREDENTIALS} {filter}\
             ORDER BY f.pos {dir} LIMIT {limit}"
        );
        sql
    }

    /// The probe described at [`Store::list_users`], for a search in
    /// login order with no other filter on PostgreSQL: a walk of the
    /// `users_search_walk` index, which holds login, name and email in
    /// login order, so that no row is read but the page's. `None` when it
    /// does not apply, or the term has letters whose case only the search
    /// index folds (lower() is applied to the indexed columns, as the
    /// index's own recheck does).
    pub(super) fn probe_sql(&self, q: &UserQuery, rows: i64) -> Option<Sql> {
        if self.backend() != Backend::Postgres {
            return None;
        }
        let term = login_order_search(q)?;
        if !term.is_ascii() {
            return None;
        }
        let mut sql = Sql::new();
        let escaped = escape_like(&term.to_ascii_lowercase());
        let p = sql.param(Param::Text(format!("%{escaped}%")));
        let (dir, after, limit) = login_keyset(q, &mut sql);
        let walk = after.map(|c| format!("WHERE {c}")).unwrap_or_default();
        let like = |col: &str| format!("lower(w.{col}) LIKE {p} ESCAPE '\\'");
        sql.text = format!(
            "SELECT {USER_COLUMNS} FROM (\
               SELECT w.id, w.k FROM (\
                 SELECT u.id, lower(u.login) AS k, u.login, u.name, u.email FROM users u {walk} \
                 ORDER BY lower(u.login) {dir} LIMIT {rows}\
               ) w WHERE {} OR {} OR {} ORDER BY w.k {dir} LIMIT {limit}\
             ) m JOIN users u ON u.id = m.id {WITH_CREDENTIALS} ORDER BY m.k {dir}",
            like("login"),
            like("name"),
            like("email")
        );
        Some(sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_probe_runs_only_when_the_short_one_found_matches_enough_to_fill_a_page() {
        // A page of 50 and one more: 5.1 matches in 2,000 rows would fill
        // it within 20,000.
        assert!(!probe_may_fill(0, 51));
        assert!(!probe_may_fill(5, 51));
        assert!(probe_may_fill(6, 51));
        assert!(probe_may_fill(1, 10));
        assert!(!probe_may_fill(99, 1001));
        assert!(probe_may_fill(101, 1001));
    }
}
