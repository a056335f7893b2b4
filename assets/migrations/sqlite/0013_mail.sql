-- Mail delivery (issue 17): the outbox becomes a transactional outbox. A
-- row is written in the same transaction as what it reports or carries, and
-- a sender (inside `keyward serve`, or `keyward mail send`) delivers it:
-- it claims due rows for a lease (claimed_until), sends, and marks them.
-- Failures retry later (next_attempt_at) until the attempt limit, then the
-- row is failed. A link's token is in the clear only while the row waits:
-- it is cleared when the mail is sent or dropped.
--
-- SQLite cannot change a CHECK constraint, so the table is rebuilt.
CREATE TABLE outbox_mail (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('reset_link', 'revalidate_link',
                         'password_set', 'password_changed', 'account_locked',
                         'reset_requested', 'deletion_warning')),
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_id         INTEGER REFERENCES reset_tokens (id) ON DELETE CASCADE,
    recipient        TEXT NOT NULL,
    link             TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    state            TEXT NOT NULL DEFAULT 'queued'
                         CHECK (state IN ('queued', 'sent', 'failed', 'dropped')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    claimed_until    TEXT,
    last_error       TEXT,
    finished_at      TEXT
);
INSERT INTO outbox_mail (id, kind, user_id, token_id, recipient, link, created_at, sent_at,
                         state, next_attempt_at, finished_at)
    SELECT id, kind, user_id, token_id, recipient,
           CASE WHEN sent_at IS NULL THEN link END, created_at, sent_at,
           CASE WHEN sent_at IS NULL THEN 'queued' ELSE 'sent' END, created_at, sent_at
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_mail RENAME TO outbox;
CREATE INDEX outbox_user ON outbox (user_id, id);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX outbox_state ON outbox (state, id);
