-- A bulk reset rewrites one `credentials` row per staff user (a million at
-- once). Two things made each rewrite cost more than the row itself:
--
-- 1. The foreign key from `shared_credential_id` to `shared_credentials`.
--    PostgreSQL checks it for every row whose value changes, and a reset
--    changes it in every row: at 900,000 users the checks took 8.5 s of a
--    14 s reset (the UPDATE itself about 5 s). The one statement that
--    writes a non-NULL value (store/bulk.rs) inserts the shared credential
--    it points at in the same transaction, and shared credentials are
--    never deleted, so the key cannot dangle; the constraint goes.
--
-- 2. Full pages. With no room in the page a changed row moves to a new
--    page and gets a new primary-key entry. With half of each page free,
--    the change is a HOT update: the new version stays in the page, no
--    index entry is added, and the next change prunes the old one. At a
--    million rows the bare UPDATE took 10.2 s packed and 4.1 s with room.
--    Nothing indexes the columns a password change writes; keep it so (an
--    index on any of them makes every such update a full one again).
--
-- CLUSTER rewrites the rows already there with the new fill factor. It
-- locks the table, reads included, while it runs (seconds at a million
-- users), so other applications' sign-ins wait; and it waits at most 30 s
-- for a lock of its own (a long transaction elsewhere): then the
-- migration fails, changes nothing, and can be run again later.
SET LOCAL lock_timeout = '30s';
ALTER TABLE credentials DROP CONSTRAINT IF EXISTS credentials_shared_credential_id_fkey;
ALTER TABLE credentials SET (fillfactor = 50);
CLUSTER credentials USING credentials_pkey;
