-- Why a mail was queued, where its words depend on it: NULL for a link the
-- user asked for (/reset, the API), 'bulk_reset' for one of the links an
-- administrator's bulk reset by link mails to every user in its scope (the
-- mail says an administrator asked, not "someone, probably you").
ALTER TABLE outbox ADD COLUMN origin TEXT;
