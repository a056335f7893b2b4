-- Credentials move to a narrow table of their own (see the PostgreSQL
-- migration of the same name for why: a bulk reset rewrote wide rows).
-- SQLite cannot drop a column that takes part in a foreign key, so
-- users.shared_credential_id stays behind, always NULL and read by nothing.
CREATE TABLE credentials (
    user_id                 INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    password_hash           TEXT,
    shared_credential_id    INTEGER REFERENCES shared_credentials (id),
    must_change_password    BOOLEAN NOT NULL DEFAULT 0,
    password_changed_at     TEXT,
    password_policy_version INTEGER NOT NULL DEFAULT 0
);
INSERT INTO credentials (user_id, password_hash, shared_credential_id, must_change_password,
                         password_changed_at, password_policy_version)
    SELECT id, password_hash, shared_credential_id, must_change_password, password_changed_at, password_policy_version
    FROM users;
UPDATE users SET shared_credential_id = NULL WHERE shared_credential_id IS NOT NULL;
ALTER TABLE users DROP COLUMN password_hash;
ALTER TABLE users DROP COLUMN must_change_password;
ALTER TABLE users DROP COLUMN password_changed_at;
ALTER TABLE users DROP COLUMN password_policy_version;
