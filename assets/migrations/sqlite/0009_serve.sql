-- keyward serve: applications' keys, sign-ins through a resource, rate
-- limits counted in the database (several instances share them), change
-- tickets, links waiting for an administrator (or, later, the mail sender),
-- and sessions ended by a password reset.

-- Keys an application presents (Authorization: Bearer). Only the SHA-256
-- digest is kept; the prefix tells keys apart in listings.
CREATE TABLE api_keys (
    id          INTEGER PRIMARY KEY,
    resource_id INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    key_hash    TEXT NOT NULL UNIQUE,
    prefix      TEXT NOT NULL,
    label       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX api_keys_resource ON api_keys (resource_id, id);

-- The resource a sign-in came through (NULL for the console and the CLI).
-- No foreign key: attempts are an append-only log, and a deleted resource
-- must not rewrite it (its name stays in `source`).
ALTER TABLE attempts ADD COLUMN resource_id INTEGER;

-- Fixed-window counters: one row per bucket ("reset-account:42").
CREATE TABLE rate_limits (
    bucket       TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    hits         INTEGER NOT NULL
);

-- 'reset': a reset link; 'change': the short-lived ticket that finishes a
-- forced change after a sign-in answered must_change.
ALTER TABLE reset_tokens ADD COLUMN purpose TEXT NOT NULL DEFAULT 'reset'
    CHECK (purpose IN ('reset', 'change'));

-- Links to deliver. Until mail delivery exists an administrator passes
-- them on (`keyward reset-token pending`, the console's detail view); the
-- row goes with its token.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('reset_link')),
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_id    INTEGER REFERENCES reset_tokens (id) ON DELETE CASCADE,
    recipient   TEXT NOT NULL,
    link        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT
);
CREATE INDEX outbox_user ON outbox (user_id, id);
CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

-- Console and CLI sessions that began before this time have ended (a reset
-- link used, a password changed by its owner or set by an administrator).
ALTER TABLE credentials ADD COLUMN sessions_valid_after TEXT;
