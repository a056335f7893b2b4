-- The Lockouts pane pages by keyset (store/lockouts.rs): most recent
-- failure first, then id, with accounts that never failed (locked by an
-- import, say) at the end as the epoch, the literal sqlx writes for a UTC
-- time. The index also carries every column that decides "locked now" and
-- "close to locking", so the pane's counts read nothing else.
DROP INDEX IF EXISTS users_trouble;
CREATE INDEX users_trouble ON users (
    COALESCE(last_failure_at, '1970-01-01T00:00:00+00:00') DESC, id,
    locked_at, locked_until, failed_attempts, policy_id, kind
) WHERE locked_at IS NOT NULL OR failed_attempts > 0;
