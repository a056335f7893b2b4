-- Sorting users by last sign-in (most recent first, never signed in last)
-- orders by this expression; without an index on it every page sorted the
-- whole table. store/listing.rs uses the same expression so that it applies.
DROP INDEX IF EXISTS users_last_login;
CREATE INDEX users_last_login_sort ON users ((COALESCE(last_login_at, TIMESTAMPTZ '1970-01-01 00:00:00+00')), id);

-- A search in login order first walks this index (login, name and email in
-- login order: an index-only scan reads no table rows): see store/listing.rs.
CREATE INDEX users_search_walk ON users (lower(login)) INCLUDE (id, login, name, email);
