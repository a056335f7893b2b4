-- Mail delivery (issue 17): the outbox becomes a transactional outbox. A
-- row is written in the same transaction as what it reports or carries, and
-- a sender (inside `keyward serve`, or `keyward mail send`) delivers it:
-- it claims due rows for a lease (claimed_until; senders skip each other's
-- locked rows), sends, and marks them. Failures retry later
-- (next_attempt_at) until the attempt limit, then the row is failed. A
-- link's token is in the clear only while the row waits: it is cleared when
-- the mail is sent or dropped.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('reset_link',
    'revalidate_link', 'password_set', 'password_changed', 'account_locked',
    'reset_requested', 'deletion_warning'));
ALTER TABLE outbox ALTER COLUMN link DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'queued'
    CHECK (state IN ('queued', 'sent', 'failed', 'dropped'));
ALTER TABLE outbox ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN next_attempt_at TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN claimed_until TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
ALTER TABLE outbox ADD COLUMN finished_at TIMESTAMPTZ;
UPDATE outbox SET next_attempt_at = created_at,
    state = CASE WHEN sent_at IS NULL THEN 'queued' ELSE 'sent' END,
    finished_at = sent_at,
    link = CASE WHEN sent_at IS NULL THEN link END;
ALTER TABLE outbox ALTER COLUMN next_attempt_at SET NOT NULL;
DROP INDEX outbox_unsent;
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX outbox_state ON outbox (state, id);
