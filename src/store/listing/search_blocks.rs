//! PostgreSQL's substring search in login order through search blocks
//! (migration 0018): users cut into blocks of about [`BLOCK_USERS`] in
//! login order, each with the set of one-to-four-character pieces its
//! users' login, name and email hold. A page reads the blocks that hold
//! every piece of the term, in login order, and tests their users block by
//! block until the page is full: what FTS5's rowid order gives SQLite.
//!
//! The blocks are kept by a trigger for each user written; a bulk writer
//! (the demo fill, an import) defers the trigger for its transaction and
//! recomputes the blocks it touched here, from one ordered read, before it
//! commits ([`refresh_blocks`]).

use super::search_paths::{PROBE_ROWS, login_order_search};
use super::search_pieces::{PieceSet, term_pieces};
use super::{Cursor, UserQuery, escape_like};
use crate::error::Result;
use crate::store::rows::{USER_COLUMNS, UserRow, WITH_CREDENTIALS};
use crate::store::{Pool, Store};
use sqlx::PgConnection;

/// Users per block when blocks are computed: a block's range scan reads
/// this many index entries, and the pieces of a hundred users leave most
/// blocks without most pieces of four characters.
pub(in crate::store) const BLOCK_USERS: usize = 100;

/// The blocks a page reads before it leaves the search to the trigram
/// index (or, for a term of one or two characters, the walk of every
/// user): matching blocks whose users rarely match are the sign of a term
/// the trigram index finds quickly.
const MAX_BLOCKS_READ: i64 = 400;

/// A block at least this large was never split (the trigger splits a
/// block at 200 users): the one block over every user that migration 0018
/// starts with, whose pieces are only those of users added since. While
/// it is there searches take the other paths, and [`Store::migrate`]
/// computes the blocks afresh when it finds one.
pub(in crate::store) const OVERSIZED: i32 = 1_000;

/// The key above every login: the last block's upper bound.
const ABOVE_EVERY_LOGIN: &str = "\u{10FFFF}";

/// The key range of a block, and how many users it was computed from.
#[derive(sqlx::FromRow)]
struct Range {
    lo: String,
    hi: String,
    users: i32,
}

/// Blocks being computed from users read in login order.
struct Builder {
    lo: String,
    users: i32,
    pieces: PieceSet,
    done: Vec<(String, String, i32, String)>,
}

impl Builder {
    fn new(lo: String) -> Builder {
        Builder {
            lo,
            users: 0,
            pieces: PieceSet::new(),
            done: Vec::new(),
        }
    }

    /// Adds the next user in login order (`key` is their lower(login)).
    fn push(&mut self, key: &str, login: &str, name: &str, email: &str) {
        if self.users as usize >= BLOCK_USERS {
            let lo = std::mem::replace(&mut self.lo, key.to_string());
            self.done
                .push((lo, key.to_string(), self.users, self.pieces.words()));
            self.pieces.clear();
            self.users = 0;
        }
        self.users += 1;
        for text in [login, name, email] {
            self.pieces.add(text);
        }
    }

    /// Closes the open block at `hi`.
    fn finish(&mut self, hi: &str) {
        let lo = std::mem::take(&mut self.lo);
        self.done
            .push((lo, hi.to_string(), self.users, self.pieces.words()));
    }

    /// Writes the finished blocks.
    async fn flush(&mut self, conn: &mut PgConnection) -> sqlx::Result<()> {
        if self.done.is_empty() {
            return Ok(());
        }
        let column = |f: fn(&(String, String, i32, String)) -> &str| {
            self.done.iter().map(f).collect::<Vec<&str>>()
        };
        sqlx::query(
            "INSERT INTO search_blocks (lo, hi, users, pieces) \
             SELECT t.lo, t.hi, t.users, string_to_array(t.pieces, E'\\n') \
             FROM UNNEST($1::text[], $2::text[], $3::int4[], $4::text[]) AS t(lo, hi, users, pieces)",
        )
        .bind(column(|b| &b.0))
        .bind(column(|b| &b.1))
        .bind(self.done.iter().map(|b| b.2).collect::<Vec<i32>>())
        .bind(column(|b| &b.3))
        .execute(&mut *conn)
        .await?;
        self.done.clear();
        Ok(())
    }
}

/// Users read per statement while blocks are computed.
const READ_USERS: i64 = 20_000;

/// Recomputes the blocks covering [lo, hi) from the users in that range:
/// the old blocks there are deleted, and the users cut afresh into blocks
/// of [`BLOCK_USERS`], the first starting at `lo`, the last ending at `hi`.
async fn recompute_span(conn: &mut PgConnection, lo: &str, hi: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM search_blocks WHERE lo >= $1 AND lo < $2")
        .bind(lo)
        .bind(hi)
        .execute(&mut *conn)
        .await?;
    let mut builder = Builder::new(lo.to_string());
    let mut after: Option<String> = None;
    loop {
        // From the span's start, then past the last user read: each read
        // one range scan (a bound that may be NULL would leave the scan
        // starting at the span's start every time).
        let (from, past) = match &after {
            None => (lo, ">="),
            Some(a) => (a.as_str(), ">"),
        };
        let users: Vec<(String, String, String, String)> = sqlx::query_as(&format!(
            "SELECT lower(login), login, name, email FROM users \
             WHERE lower(login) {past} $1 AND lower(login) < $2 ORDER BY lower(login) LIMIT $3"
        ))
        .bind(from)
        .bind(hi)
        .bind(READ_USERS)
        .fetch_all(&mut *conn)
        .await?;
        for (key, login, name, email) in &users {
            builder.push(key, login, name, email);
        }
        builder.flush(&mut *conn).await?;
        if (users.len() as i64) < READ_USERS {
            break;
        }
        after = users.last().map(|u| u.0.clone());
    }
    builder.finish(hi);
    builder.flush(conn).await
}

/// Defers the blocks' trigger for the rest of `conn`'s transaction: the
/// bulk writer calls [`refresh_blocks`] before it commits.
pub(in crate::store) async fn defer_blocks(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("SELECT set_config('keyward.search_blocks', 'deferred', true)")
        .execute(conn)
        .await?;
    Ok(())
}

/// Recomputes the blocks after a bulk write in `conn`'s transaction (see
/// [`defer_blocks`]): those holding the lower-case logins `added`, or every
/// block when `added` is `None` or touches more than an eighth of them.
/// The table is locked against other writers meanwhile (their triggers
/// wait), and read as it stands once the lock is held.
pub(in crate::store) async fn refresh_blocks(
    conn: &mut PgConnection,
    added: Option<&[String]>,
) -> sqlx::Result<()> {
    sqlx::query("LOCK TABLE search_blocks IN EXCLUSIVE MODE")
        .execute(&mut *conn)
        .await?;
    let spans = match added {
        None => None,
        Some(added) => {
            let ranges: Vec<Range> =
                sqlx::query_as("SELECT lo, hi, users FROM search_blocks ORDER BY lo")
                    .fetch_all(&mut *conn)
                    .await?;
            touched_spans(&ranges, added)
        }
    };
    match spans {
        Some(spans) => {
            for (lo, hi) in spans {
                recompute_span(conn, &lo, &hi).await?;
            }
        }
        None => recompute_span(conn, "", ABOVE_EVERY_LOGIN).await?,
    }
    Ok(())
}

/// The key ranges to recompute when `added` logins were written: the
/// blocks holding them, neighbours merged into one span. `None` (all of
/// them) when there are no blocks or more than an eighth are touched.
fn touched_spans(ranges: &[Range], added: &[String]) -> Option<Vec<(String, String)>> {
    if ranges.is_empty() || ranges[0].lo.as_str() != "" {
        return None;
    }
    let mut touched = vec![false; ranges.len()];
    let mut count = 0;
    for key in added {
        let i = ranges.partition_point(|r| r.lo.as_str() <= key.as_str()) - 1;
        if !touched[i] {
            touched[i] = true;
            count += 1;
        }
    }
    if count * 8 > ranges.len() {
        return None;
    }
    let mut spans: Vec<(String, String)> = Vec::new();
    for (i, r) in ranges.iter().enumerate() {
        if !touched[i] {
            continue;
        }
        match spans.last_mut() {
            Some(last) if last.1 == r.lo => last.1 = r.hi.clone(),
            _ => spans.push((r.lo.clone(), r.hi.clone())),
        }
    }
    Some(spans)
}

/// Recomputes every block when one is [`OVERSIZED`] (after migration 0018,
/// the one block over every user): run by [`Store::migrate`]. Several
/// processes migrating at once take turns, and the later ones find
/// nothing left to do.
pub(in crate::store) async fn compute_oversized(pool: &sqlx::PgPool) -> sqlx::Result<()> {
    let oversized = "SELECT EXISTS (SELECT 1 FROM search_blocks WHERE users >= $1)";
    let any: bool = sqlx::query_scalar(oversized)
        .bind(OVERSIZED)
        .fetch_one(pool)
        .await?;
    if !any {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    sqlx::query("LOCK TABLE search_blocks IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let still: bool = sqlx::query_scalar(oversized)
        .bind(OVERSIZED)
        .fetch_one(&mut *tx)
        .await?;
    if still {
        refresh_blocks(&mut tx, None).await?;
    }
    tx.commit().await
}

/// The direction a page reads the blocks in: the order, and the
/// comparison past a cursor.
fn direction(backward: bool) -> (&'static str, &'static str) {
    if backward {
        ("DESC", "<")
    } else {
        ("ASC", ">")
    }
}

/// Up to [`MAX_BLOCKS_READ`] + 1 blocks that hold every one of `pieces`,
/// past `cursor` in the page's direction, in that order; `None` while
/// migration 0018's one block over everyone is there (it lacks their
/// pieces: the other paths answer meanwhile).
async fn blocks_holding(
    pool: &sqlx::PgPool,
    pieces: &[String],
    cursor: Option<&str>,
    backward: bool,
) -> sqlx::Result<Option<Vec<Range>>> {
    let (dir, _) = direction(backward);
    let past = if backward { "lo < $2" } else { "hi > $2" };
    let mut tx = pool.begin().await?;
    let first: Option<i32> = sqlx::query_scalar("SELECT users FROM search_blocks WHERE lo = ''")
        .fetch_optional(&mut *tx)
        .await?;
    if first.is_none_or(|n| n >= OVERSIZED) {
        return Ok(None);
    }
    // From the GIN index: walking the primary key instead and testing each
    // block's pieces reads every block's list when the term is rare.
    sqlx::query(
        "SELECT set_config('enable_indexscan', 'off', true), set_config('enable_seqscan', 'off', true)",
    )
    .execute(&mut *tx)
    .await?;
    // The pieces condition alone, so that the GIN bitmap answers it and no
    // block's list is read (a condition OR-ed to it is tested on every
    // row, which reads every matching block's list: 195 ms for "01").
    let blocks: Vec<Range> = sqlx::query_as(&format!(
        "SELECT lo, hi, users FROM search_blocks WHERE pieces @> $1::text[] \
         AND ($2::text IS NULL OR {past}) ORDER BY lo {dir} LIMIT $3"
    ))
    .bind(pieces)
    .bind(cursor)
    .bind(MAX_BLOCKS_READ + 1)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(blocks))
}

/// The first `limit` users in `blocks` (in the page's direction) whose
/// login, name or email contains `term`, past `cursor`. Each block is one
/// range scan of users_search_walk; the blocks come in order (WITH
/// ORDINALITY), so the sort is incremental and the scans stop once the
/// page is full.
async fn walk_blocks(
    pool: &sqlx::PgPool,
    blocks: &[Range],
    term: &str,
    cursor: Option<&str>,
    backward: bool,
    limit: i64,
) -> sqlx::Result<Vec<UserRow>> {
    let (dir, cmp) = direction(backward);
    let (los, his): (Vec<&str>, Vec<&str>) = blocks
        .iter()
        .map(|b| (b.lo.as_str(), b.hi.as_str()))
        .unzip();
    let like = |col: &str| format!("lower(u.{col}) LIKE $3 ESCAPE '\\'");
    let text = format!(
        "SELECT {USER_COLUMNS} FROM (\
           SELECT m.id, m.k, b.ord FROM UNNEST($1::text[], $2::text[]) WITH ORDINALITY AS b(lo, hi, ord) \
           CROSS JOIN LATERAL (\
             SELECT u.id, lower(u.login) AS k FROM users u \
             WHERE lower(u.login) >= b.lo AND lower(u.login) < b.hi \
             AND ($4::text IS NULL OR lower(u.login) {cmp} $4) AND ({} OR {} OR {}) \
             ORDER BY lower(u.login) {dir} LIMIT $5\
           ) m ORDER BY b.ord, m.k {dir} LIMIT $5\
         ) p JOIN users u ON u.id = p.id {WITH_CREDENTIALS} ORDER BY p.ord, p.k {dir}",
        like("login"),
        like("name"),
        like("email")
    );
    sqlx::query_as(&text)
        .bind(&los)
        .bind(&his)
        .bind(format!("%{}%", escape_like(term)))
        .bind(cursor)
        .bind(limit)
        .fetch_all(pool)
        .await
}

impl Store {
    /// A page of a search in login order read through the blocks, on
    /// PostgreSQL, when no other filter applies and the term is ASCII.
    /// `None` when the blocks cannot answer it: no piece in the term, or
    /// the blocks that hold its pieces are so many (more than
    /// [`MAX_BLOCKS_READ`], or [`PROBE_ROWS`] users) that the page did not
    /// fill from those read.
    pub(super) async fn block_page(&self, q: &UserQuery) -> Result<Option<Vec<UserRow>>> {
        #[allow(irrefutable_let_patterns)]
        let Pool::Postgres(pool) = &self.pool else {
            return Ok(None);
        };
        let Some(term) = login_order_search(q).filter(|t| t.is_ascii()) else {
            return Ok(None);
        };
        let term = term.to_ascii_lowercase();
        let pieces = term_pieces(&term);
        if pieces.is_empty() {
            return Ok(None);
        }
        let cursor = match &q.after {
            Some(Cursor::Login(l)) => Some(l.to_ascii_lowercase()),
            _ => None,
        };
        let Some(blocks) = blocks_holding(pool, &pieces, cursor.as_deref(), q.backward).await?
        else {
            return Ok(None);
        };
        if blocks.is_empty() {
            // No block holds every piece: nobody matches.
            return Ok(Some(Vec::new()));
        }
        let mut users = 0i64;
        let taken = blocks
            .iter()
            .take(MAX_BLOCKS_READ as usize)
            .take_while(|b| {
                users += i64::from(b.users);
                users <= PROBE_ROWS
            })
            .count();
        if taken == 0 {
            return Ok(None);
        }
        let limit = q.limit.clamp(1, 1001);
        let mut rows = walk_blocks(
            pool,
            &blocks[..taken],
            &term,
            cursor.as_deref(),
            q.backward,
            limit,
        )
        .await?;
        if (rows.len() as i64) < limit && taken < blocks.len() {
            return Ok(None);
        }
        if q.backward {
            rows.reverse();
        }
        Ok(Some(rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spans_to_recompute_are_the_touched_blocks_with_neighbours_merged() {
        let range = |lo: &str, hi: &str| Range {
            lo: lo.into(),
            hi: hi.into(),
            users: 100,
        };
        // "", k01, k02, ... k39: forty blocks.
        let los: Vec<String> = std::iter::once(String::new())
            .chain((1..40).map(|i| format!("k{i:02}")))
            .collect();
        let ranges: Vec<Range> = los
            .iter()
            .enumerate()
            .map(|(i, lo)| range(lo, los.get(i + 1).map_or(ABOVE_EVERY_LOGIN, |s| s.as_str())))
            .collect();
        let spans = touched_spans(&ranges, &["k01x".into(), "k02".into(), "a".into()]).unwrap();
        assert_eq!(spans, [(String::new(), "k03".to_string())]);
        let spans = touched_spans(&ranges, &["k10".into(), "k39z".into(), "k10a".into()]).unwrap();
        assert_eq!(
            spans,
            [
                ("k10".to_string(), "k11".to_string()),
                ("k39".to_string(), ABOVE_EVERY_LOGIN.to_string())
            ]
        );
        // More than an eighth (six of forty): everything.
        let many: Vec<String> = ["a", "k05", "k10", "k15", "k20", "k25"]
            .map(String::from)
            .to_vec();
        assert!(touched_spans(&ranges, &many).is_none());
        assert!(touched_spans(&[], &["a".into()]).is_none());
    }
}
