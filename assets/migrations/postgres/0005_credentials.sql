-- Credentials move to a narrow table of their own. A bulk reset changes
-- every staff user's credential at once: as columns of `users`, each change
-- wrote a new copy of a wide row and an entry in every one of its indexes
-- (trigram, search and sort indexes: 57 s of bare UPDATE for 900,000 users,
-- 112 s once the prefix indexes came). Here it touches one narrow row and
-- its primary key. Nothing searches or sorts by these columns.
CREATE TABLE credentials (
    user_id                 BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    password_hash           TEXT,
    shared_credential_id    BIGINT REFERENCES shared_credentials (id),
    must_change_password    BOOLEAN NOT NULL DEFAULT FALSE,
    password_changed_at     TIMESTAMPTZ,
    password_policy_version BIGINT NOT NULL DEFAULT 0
);
INSERT INTO credentials (user_id, password_hash, shared_credential_id, must_change_password,
                         password_changed_at, password_policy_version)
    SELECT id, password_hash, shared_credential_id, must_change_password, password_changed_at, password_policy_version
    FROM users;
ALTER TABLE users
    DROP COLUMN password_hash,
    DROP COLUMN shared_credential_id,
    DROP COLUMN must_change_password,
    DROP COLUMN password_changed_at,
    DROP COLUMN password_policy_version;
