-- When the owner of an account approaching its policy's delete_after_days
-- was warned by mail (issue 17); cleared by their next sign-in, so that a
-- later stretch of idleness warns again.
ALTER TABLE users ADD COLUMN deletion_warned_at TIMESTAMPTZ;
