-- A backup must restore. pg_dump writes, and pg_restore runs, with an
-- empty search_path, and a function body kept as text is resolved by name
-- each time it is parsed: keyward_search_text called keyward_search_fold
-- unqualified, so restoring the trigram index over it failed ("function
-- keyward_search_fold(text) does not exist"), and with
-- --single-transaction nothing was restored at all.
--
-- Every keyward function is therefore independent of the caller's
-- search_path:
-- - the two search functions get SQL-standard bodies (RETURN ...): they
--   are parsed once, here, and stored as references to the functions they
--   call, which pg_dump writes schema-qualified and records as
--   dependencies. A `SET search_path` clause would do too, but it stops
--   PostgreSQL from inlining a SQL function, and the search recheck calls
--   these for every candidate row;
-- - the trigger functions (PL/pgSQL, whose bodies stay text) run with
--   search_path pinned to pg_catalog, where everything they call lives.
--
-- The search functions return exactly what they returned before, so the
-- index built on them stays valid.
CREATE OR REPLACE FUNCTION keyward_search_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN replace(replace(replace(replace(replace(lower(t), '.', '0p0'), ' ', '0s0'), '@', '0a0'), '-', '0h0'), '_', '0u0');

CREATE OR REPLACE FUNCTION keyward_search_text(login text, name text, email text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN keyward_search_fold(login) || E'\n' || keyward_search_fold(name) || E'\n' || keyward_search_fold(email);

ALTER FUNCTION keyward_audit_append_only() SET search_path = pg_catalog;
ALTER FUNCTION keyward_notify_lockouts() SET search_path = pg_catalog;
