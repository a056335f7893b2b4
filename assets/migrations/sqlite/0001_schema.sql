-- keyward schema for SQLite. Times are UTC, written by the service (never
-- CURRENT_TIMESTAMP) so that text comparisons order correctly.

CREATE TABLE policies (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    enforced_version INTEGER NOT NULL DEFAULT 0,
    settings    TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX policies_name_lower ON policies (lower(name));

-- One hash shared by every user of one bulk reset (DESIGN.md "Credentials").
CREATE TABLE shared_credentials (
    id          INTEGER PRIMARY KEY,
    hash        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE users (
    id                      INTEGER PRIMARY KEY,
    login                   TEXT NOT NULL,
    name                    TEXT NOT NULL,
    email                   TEXT NOT NULL,
    kind                    TEXT NOT NULL CHECK (kind IN ('staff', 'portal')),
    role                    TEXT NOT NULL CHECK (role IN ('global_admin', 'admin', 'manager', 'account_manager', 'user')),
    status                  TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    must_change_password    BOOLEAN NOT NULL DEFAULT 0,
    password_hash           TEXT,
    shared_credential_id    INTEGER REFERENCES shared_credentials (id),
    password_changed_at     TEXT,
    password_policy_version INTEGER NOT NULL DEFAULT 0,
    failed_attempts         INTEGER NOT NULL DEFAULT 0,
    last_failure_at         TEXT,
    last_failure_source     TEXT,
    locked_at               TEXT,
    locked_until            TEXT,
    lock_streak             INTEGER NOT NULL DEFAULT 0,
    last_locked_at          TEXT,
    last_login_at           TEXT,
    policy_id               INTEGER REFERENCES policies (id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    version                 INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_login_lower ON users (lower(login));
CREATE INDEX users_name_lower ON users (lower(name), id);
CREATE INDEX users_email_lower ON users (lower(email), id);
CREATE INDEX users_last_login ON users (last_login_at, id);
CREATE INDEX users_locked ON users (locked_at) WHERE locked_at IS NOT NULL;
CREATE INDEX users_failing ON users (failed_attempts) WHERE failed_attempts > 0;
CREATE INDEX users_shared_credential ON users (shared_credential_id) WHERE shared_credential_id IS NOT NULL;

-- Substring search over login, name and email (3+ characters).
CREATE VIRTUAL TABLE users_fts USING fts5 (
    login, name, email,
    content = 'users', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_fts (rowid, login, name, email) VALUES (new.id, new.login, new.name, new.email);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_fts (users_fts, rowid, login, name, email) VALUES ('delete', old.id, old.login, old.name, old.email);
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF login, name, email ON users BEGIN
    INSERT INTO users_fts (users_fts, rowid, login, name, email) VALUES ('delete', old.id, old.login, old.name, old.email);
    INSERT INTO users_fts (rowid, login, name, email) VALUES (new.id, new.login, new.name, new.email);
END;

CREATE TABLE password_history (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id);

CREATE TABLE holders (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE INDEX holders_user ON holders (user_id);

CREATE TABLE resources (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX resources_name_lower ON resources (lower(name));

CREATE TABLE grants (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    resource_id INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    level       TEXT NOT NULL CHECK (level IN ('read', 'standard', 'manage')),
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, resource_id)
);
CREATE INDEX grants_resource ON grants (resource_id, user_id);

-- Sign-in attempts: append-only, outside the audit chain, pruned after
-- attempts_retention_days.
CREATE TABLE attempts (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    login       TEXT NOT NULL,
    user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    outcome     TEXT NOT NULL,
    source      TEXT NOT NULL
);
CREATE INDEX attempts_at ON attempts (at);
CREATE INDEX attempts_user ON attempts (user_id, id);

CREATE TABLE sessions (
    id                  INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash          TEXT NOT NULL UNIQUE,
    created_at          TEXT NOT NULL,
    last_seen_at        TEXT NOT NULL,
    authenticated_at    TEXT NOT NULL
);

CREATE TABLE reset_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    revoked_at  TEXT
);
CREATE INDEX reset_tokens_user ON reset_tokens (user_id);

-- The audit chain. seq is the chain position; audit_head holds the newest
-- seq and hash and is updated in the same transaction as each append, which
-- serialises appends and lets verification notice a deleted tail.
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    details     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_target ON audit (target, seq);
CREATE TABLE audit_head (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    seq     INTEGER NOT NULL,
    hash    TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
