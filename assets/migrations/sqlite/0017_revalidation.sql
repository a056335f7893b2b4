-- Re-validation (issue 17). A sign-in to an account idle past its policy's
-- revalidate_after_days sets users.revalidation_due_at; the account then
-- answers ok_revalidate until its owner follows a re-validation link
-- (a reset_tokens row of purpose 'revalidate'), which clears it.
--
-- SQLite cannot change a CHECK constraint in place, so reset_tokens is
-- rebuilt. The migration runs in a transaction with foreign keys on, and
-- dropping the old table would cascade into the outbox rows that carry its
-- tokens: those rows are set aside first and put back, ids and all, once
-- the new table has the old one's name (outbox's foreign key names the
-- table, so it then refers to the new one).
CREATE TABLE reset_tokens_0017 (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    revoked_at  TEXT,
    purpose     TEXT NOT NULL DEFAULT 'reset'
                    CHECK (purpose IN ('reset', 'change', 'revalidate'))
);
INSERT INTO reset_tokens_0017 (id, user_id, token_hash, created_at, expires_at, used_at, revoked_at, purpose)
    SELECT id, user_id, token_hash, created_at, expires_at, used_at, revoked_at, purpose FROM reset_tokens;
CREATE TABLE outbox_0017 AS SELECT * FROM outbox;
DELETE FROM outbox;
DROP TABLE reset_tokens;
ALTER TABLE reset_tokens_0017 RENAME TO reset_tokens;
CREATE INDEX reset_tokens_user ON reset_tokens (user_id);
INSERT INTO outbox SELECT * FROM outbox_0017;
DROP TABLE outbox_0017;
ALTER TABLE users ADD COLUMN revalidation_due_at TEXT;
