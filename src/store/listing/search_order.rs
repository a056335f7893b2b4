//! Each user's place in login order on SQLite (`users.search_pos`), which
//! is also their rowid in the full-text index (migration 0008). FTS5 hands
//! matches back in rowid order and stops at a LIMIT, so with these rowids a
//! substring search's first page in login order is the first rows it
//! returns: nothing is read and sorted but the page (store/listing/search_paths.rs).
//!
//! The invariant: positions ascend strictly with lower(login). They are
//! numbered [`SPACING`] apart; a new or renamed user takes the midpoint
//! between its neighbours, and when two neighbours have no room left
//! between them, a window of neighbours around the user is renumbered
//! evenly, wider each time until it fits. Every insert into `users` and
//! every change of a login calls [`KeepSearchOrder::keep_search_order`] in
//! its transaction, which holds SQLite's write lock, so no other writer
//! sees or moves a neighbour meanwhile.
//!
//! PostgreSQL has no such column: pg_trgm answers with an unordered bitmap
//! whatever the row's key, so nothing there would read it; a build without
//! the SQLite driver uses only the trait's no-op.
#![cfg_attr(not(feature = "sqlite"), allow(dead_code))]

#[cfg(feature = "sqlite")]
use crate::store::BeginWrite;
#[cfg(feature = "postgres")]
use sqlx::Postgres;
use sqlx::Transaction;
#[cfg(feature = "sqlite")]
use sqlx::{Sqlite, SqliteConnection, SqlitePool};

/// The distance between consecutive positions when users are numbered: 32
/// users can be added between two neighbours, each next to the last, before
/// a window is renumbered; a million users use 2^52 of the 2^63.
pub(super) const SPACING: i64 = 1 << 32;

/// Numbers every user in login order ([`SPACING`] apart), as migration 0008
/// does. For the demo fill, with the full-text triggers and the
/// `users_search_pos` index set aside: it moves every user, and SQLite
/// checks a UNIQUE index row by row, so renumbering in place would collide
/// half-way.
pub(in crate::store) const NUMBER_ALL: &str = "WITH ranked AS (SELECT id, row_number() OVER (ORDER BY lower(login)) AS n FROM users) \
     UPDATE users SET search_pos = ranked.n * 4294967296 FROM ranked WHERE ranked.id = users.id";

/// The narrowest step between renumbered positions: a window that cannot
/// spread its users at least this far apart is widened, so that one
/// renumbering leaves room for the next 16 additions at any of its places.
const MIN_STEP: i64 = 1 << 16;

/// The first window renumbered, in users on each side; it grows 4x a try.
const FIRST_WINDOW: i64 = 16;

/// Keeps a user in search order after their row was inserted or their login
/// changed, in the same transaction.
pub(crate) trait KeepSearchOrder {
    async fn keep_search_order(&mut self, user_id: i64) -> sqlx::Result<()>;
}

#[cfg(feature = "sqlite")]
impl KeepSearchOrder for Transaction<'_, Sqlite> {
    async fn keep_search_order(&mut self, user_id: i64) -> sqlx::Result<()> {
        place(self, user_id).await
    }
}

#[cfg(feature = "postgres")]
impl KeepSearchOrder for Transaction<'_, Postgres> {
    async fn keep_search_order(&mut self, _user_id: i64) -> sqlx::Result<()> {
        Ok(())
    }
}

/// Places every user without a position (a NULL `search_pos`: written by
/// another program, not through the store), each in its own write
/// transaction. Their absence from substring searches ends here; one
/// indexed look-up when there are none.
#[cfg(feature = "sqlite")]
pub(in crate::store) async fn place_unplaced(pool: &SqlitePool) -> sqlx::Result<()> {
    let unplaced: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE search_pos IS NULL ORDER BY id")
            .fetch_all(pool)
            .await?;
    if !unplaced.is_empty() {
        tracing::warn!(
            users = unplaced.len(),
            "users without a place in search order (written outside keyward): placing them"
        );
    }
    for id in unplaced {
        let mut tx = pool.begin_write().await?;
        place(&mut tx, id).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Gives `user_id` a position between its neighbours in login order,
/// unless it already has one there.
#[cfg(feature = "sqlite")]
pub(in crate::store) async fn place(conn: &mut SqliteConnection, user_id: i64) -> sqlx::Result<()> {
    let Some((key, pos)): Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT lower(login), search_pos FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(());
    };
    let prev = neighbours(conn, &key, Side::Before, 1)
        .await?
        .first()
        .map(|n| n.1);
    let next = neighbours(conn, &key, Side::After, 1)
        .await?
        .first()
        .map(|n| n.1);
    if let Some(pos) = pos
        && prev.is_none_or(|p| p < pos)
        && next.is_none_or(|n| pos < n)
    {
        return Ok(());
    }
    let lo = prev.unwrap_or(0);
    let room = match next {
        None => lo.checked_add(SPACING),
        Some(hi) if hi - lo >= 2 => Some(lo + (hi - lo) / 2),
        Some(_) => None,
    };
    match room {
        Some(p) => set_position(conn, user_id, Some(p)).await,
        None => renumber_around(conn, user_id, &key).await,
    }
}

#[derive(Clone, Copy)]
enum Side {
    Before,
    After,
}

/// Up to `n` positioned users next to `key` on one side, nearest first:
/// (id, position).
#[cfg(feature = "sqlite")]
async fn neighbours(
    conn: &mut SqliteConnection,
    key: &str,
    side: Side,
    n: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    let sql = match side {
        Side::Before => {
            "SELECT id, search_pos FROM users WHERE lower(login) < $1 AND search_pos IS NOT NULL \
             ORDER BY lower(login) DESC LIMIT $2"
        }
        Side::After => {
            "SELECT id, search_pos FROM users WHERE lower(login) > $1 AND search_pos IS NOT NULL \
             ORDER BY lower(login) ASC LIMIT $2"
        }
    };
    sqlx::query_as(sql)
        .bind(key)
        .bind(n)
        .fetch_all(&mut *conn)
        .await
}

/// Spreads `user_id` and a window of its neighbours evenly between the
/// positions just outside the window, widening the window until they are
/// at least [`MIN_STEP`] apart. At the end of the order there is always
/// room, so this stops at the latest when the window reaches it.
#[cfg(feature = "sqlite")]
async fn renumber_around(conn: &mut SqliteConnection, user_id: i64, key: &str) -> sqlx::Result<()> {
    let mut w = FIRST_WINDOW;
    loop {
        let before = neighbours(conn, key, Side::Before, w + 1).await?;
        let after = neighbours(conn, key, Side::After, w + 1).await?;
        let (lo, left) = split_bound(&before, w);
        let (hi, right) = split_bound(&after, w);
        let ids: Vec<i64> = left
            .iter()
            .rev()
            .map(|n| n.0)
            .chain([user_id])
            .chain(right.iter().map(|n| n.0))
            .collect();
        let start = lo.unwrap_or(0);
        if let Some(step) = even_step(start, hi, ids.len() as i64) {
            // Cleared first, so no position is held twice on the way.
            for id in &ids {
                set_position(conn, *id, None).await?;
            }
            for (i, id) in ids.iter().enumerate() {
                set_position(conn, *id, Some(start + step * (i as i64 + 1))).await?;
            }
            return Ok(());
        }
        w *= 4;
    }
}

/// The window (up to `w` nearest) and the position just outside it, if any.
fn split_bound(side: &[(i64, i64)], w: i64) -> (Option<i64>, &[(i64, i64)]) {
    let w = usize::try_from(w).unwrap_or(usize::MAX);
    match side.get(w) {
        Some(outside) => (Some(outside.1), &side[..w]),
        None => (None, side),
    }
}

/// The step that spreads `n` users over the positions after `start` and
/// before `end` (open at the end of the order), if it is at least
/// [`MIN_STEP`].
fn even_step(start: i64, end: Option<i64>, n: i64) -> Option<i64> {
    let room = match end {
        Some(end) => end.checked_sub(start)?,
        None => i64::MAX.checked_sub(start)?,
    };
    let step = room / (n + 1);
    let step = if end.is_none() {
        step.min(SPACING)
    } else {
        step
    };
    (step >= MIN_STEP).then_some(step)
}

#[cfg(feature = "sqlite")]
async fn set_position(
    conn: &mut SqliteConnection,
    user_id: i64,
    pos: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET search_pos = $1 WHERE id = $2")
        .bind(pos)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_step_spreads_a_window_between_its_bounds() {
        // Four users between 0 and 5 * 2^16: exactly the narrowest step.
        assert_eq!(even_step(0, Some(5 * MIN_STEP), 4), Some(MIN_STEP));
        assert_eq!(even_step(0, Some(5 * MIN_STEP - 1), 4), None);
        // Open at the end: the usual spacing.
        assert_eq!(even_step(7, None, 3), Some(SPACING));
        // Near the top of the range: what is left, or nothing.
        assert_eq!(even_step(i64::MAX - 4 * MIN_STEP, None, 3), Some(MIN_STEP));
        assert_eq!(even_step(i64::MAX - 3, None, 3), None);
    }

    #[test]
    fn a_window_ends_where_its_side_runs_out() {
        let side = [(1, 10), (2, 20), (3, 30)];
        assert_eq!(split_bound(&side, 2), (Some(30), &side[..2]));
        assert_eq!(split_bound(&side, 3), (None, &side[..]));
    }
}
