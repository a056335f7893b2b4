-- Sorting users by last sign-in (most recent first, never signed in last)
-- orders by this expression; without an index on it every page sorted the
-- whole table. store/listing.rs uses the same expression so that it applies.
DROP INDEX IF EXISTS users_last_login;
CREATE INDEX users_last_login_sort ON users ((COALESCE(last_login_at, TIMESTAMPTZ '1970-01-01 00:00:00+00')), id);

-- A search in login order first walks this index (login, name and email in
-- login order: an index-only scan reads no table rows): see store/listing.rs.
CREATE INDEX users_search_walk ON users (lower(login)) INCLUDE (id, login, name, email);

-- The Lockouts pane: accounts locked or failing, most recent failure first,
-- read from this small index in order (store/signin.rs, lockouts).
CREATE INDEX users_trouble ON users (last_failure_at DESC, id) WHERE locked_at IS NOT NULL OR failed_attempts > 0;

-- Nothing looks users up by their shared credential, and the index stopped
-- a bulk reset's UPDATE from being HOT (in place, no index touched). Room
-- left in each page lets a row's next version stay on its page (HOT).
DROP INDEX IF EXISTS users_shared_credential;
ALTER TABLE users SET (fillfactor = 85);
