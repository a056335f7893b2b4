-- keyward schema for PostgreSQL. Text columns that are searched use the "C"
-- collation so that lower() is plain ASCII folding, ordering is by bytes
-- (as on SQLite) and B-tree indexes serve prefix searches.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE policies (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL,
    version     BIGINT NOT NULL DEFAULT 1,
    enforced_version BIGINT NOT NULL DEFAULT 0,
    settings    TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX policies_name_lower ON policies (lower(name));

CREATE TABLE shared_credentials (
    id          BIGSERIAL PRIMARY KEY,
    hash        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id                      BIGSERIAL PRIMARY KEY,
    login                   TEXT COLLATE "C" NOT NULL,
    name                    TEXT COLLATE "C" NOT NULL,
    email                   TEXT COLLATE "C" NOT NULL,
    kind                    TEXT NOT NULL CHECK (kind IN ('staff', 'portal')),
    role                    TEXT NOT NULL CHECK (role IN ('global_admin', 'admin', 'manager', 'account_manager', 'user')),
    status                  TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    must_change_password    BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash           TEXT,
    shared_credential_id    BIGINT REFERENCES shared_credentials (id),
    password_changed_at     TIMESTAMPTZ,
    password_policy_version BIGINT NOT NULL DEFAULT 0,
    failed_attempts         BIGINT NOT NULL DEFAULT 0,
    last_failure_at         TIMESTAMPTZ,
    last_failure_source     TEXT,
    locked_at               TIMESTAMPTZ,
    locked_until            TIMESTAMPTZ,
    lock_streak             BIGINT NOT NULL DEFAULT 0,
    last_locked_at          TIMESTAMPTZ,
    last_login_at           TIMESTAMPTZ,
    policy_id               BIGINT REFERENCES policies (id),
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL,
    version                 BIGINT NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_login_lower ON users (lower(login));
CREATE INDEX users_name_lower ON users (lower(name), id);
CREATE INDEX users_email_lower ON users (lower(email), id);
CREATE INDEX users_last_login ON users (last_login_at, id);
CREATE INDEX users_locked ON users (locked_at) WHERE locked_at IS NOT NULL;
CREATE INDEX users_failing ON users (failed_attempts) WHERE failed_attempts > 0;
CREATE INDEX users_shared_credential ON users (shared_credential_id) WHERE shared_credential_id IS NOT NULL;
CREATE INDEX users_login_trgm ON users USING gin (lower(login) gin_trgm_ops);
CREATE INDEX users_name_trgm ON users USING gin (lower(name) gin_trgm_ops);
CREATE INDEX users_email_trgm ON users USING gin (lower(email) gin_trgm_ops);

CREATE TABLE password_history (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX password_history_user ON password_history (user_id, id);

CREATE TABLE holders (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX holders_user ON holders (user_id);

CREATE TABLE resources (
    id          BIGSERIAL PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX resources_name_lower ON resources (lower(name));

CREATE TABLE grants (
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    resource_id BIGINT NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    level       TEXT NOT NULL CHECK (level IN ('read', 'standard', 'manage')),
    granted_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, resource_id)
);
CREATE INDEX grants_resource ON grants (resource_id, user_id);

CREATE TABLE attempts (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    login       TEXT NOT NULL,
    user_id     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    outcome     TEXT NOT NULL,
    source      TEXT NOT NULL
);
CREATE INDEX attempts_at ON attempts (at);
CREATE INDEX attempts_user ON attempts (user_id, id);

CREATE TABLE sessions (
    id                  BIGSERIAL PRIMARY KEY,
    user_id             BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash          TEXT NOT NULL UNIQUE,
    created_at          TIMESTAMPTZ NOT NULL,
    last_seen_at        TIMESTAMPTZ NOT NULL,
    authenticated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE reset_tokens (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX reset_tokens_user ON reset_tokens (user_id);

CREATE TABLE audit (
    seq         BIGINT PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    details     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_target ON audit (target, seq);
CREATE TABLE audit_head (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    seq     BIGINT NOT NULL,
    hash    TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE FUNCTION keyward_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION keyward_audit_append_only();

-- Lock and unlock notifications for live consoles (LISTEN keyward_lockouts).
CREATE FUNCTION keyward_notify_lockouts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.locked_at IS DISTINCT FROM NEW.locked_at) THEN
        PERFORM pg_notify('keyward_lockouts', NEW.id::text);
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER users_notify_lockouts AFTER UPDATE OF locked_at ON users
    FOR EACH ROW EXECUTE FUNCTION keyward_notify_lockouts();
