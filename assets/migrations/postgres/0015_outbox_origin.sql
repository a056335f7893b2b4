-- Why a mail was queued, where its words depend on it: NULL for a link the
-- user asked for (/reset, the API), 'bulk_reset' for one of the links an
-- administrator's bulk reset by link mails to every user in its scope (the
-- mail says an administrator asked, not "someone, probably you").
ALTER TABLE outbox ADD COLUMN origin TEXT;

-- A bulk reset by link writes a token and an outbox row for every staff
-- user in one transaction (a million at once), and PostgreSQL checks a
-- foreign key with a query per inserted row: the key from outbox.token_id to
-- reset_tokens was a third of those checks. Every statement that sets
-- token_id inserts that token in the same transaction, and tokens are never
-- deleted but with their user, whose outbox rows go with them (the key
-- from outbox.user_id stays); a row whose token is gone is dropped by the
-- sender ("its link is no longer kept"). SQLite checks a key with an index
-- look-up and keeps it.
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_token_id_fkey;
