-- Sorting users by last sign-in (most recent first, never signed in last)
-- orders by this expression; without an index on it every page sorted the
-- whole table. The literal is the epoch as sqlx writes a UTC time, and
-- store/listing.rs uses the same text so that the index applies.
DROP INDEX IF EXISTS users_last_login;
CREATE INDEX users_last_login_sort ON users (COALESCE(last_login_at, '1970-01-01T00:00:00+00:00'), id);

-- A search in login order first walks this index (login, name and email in
-- login order, so the walk reads no table rows): see store/listing.rs.
CREATE INDEX users_search_walk ON users (lower(login), login, name, email);

-- The Lockouts pane: accounts locked or failing, most recent failure first,
-- read from this small index in order (store/signin.rs, lockouts).
CREATE INDEX users_trouble ON users (last_failure_at DESC, id) WHERE locked_at IS NOT NULL OR failed_attempts > 0;

-- Nothing looks users up by their shared credential; a bulk reset had to
-- update this index for every user it changed.
DROP INDEX IF EXISTS users_shared_credential;
