-- The audit chain is keyed (domain/audit.rs): from the entry whose action
-- is 'audit.keyed' on, each entry carries an HMAC-SHA-256 under a key that
-- lives outside the database. The entries written before keep their plain
-- SHA-256 hashes; the keyed entry points at the last of them. keyed_from is
-- that entry's seq, for writers (verification finds the entry itself);
-- NULL until a keyward process with the key first starts.
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT;
