-- A substring search's first page in login order, read straight off the
-- full-text index.
--
-- FTS5 hands its matches back in rowid order and stops at a LIMIT, but it
-- cannot sort them by anything else. Keyed by the user id, every match of
-- a common fragment ("eli": 43,000 of a million users) had to be read and
-- sorted by login for one page (50-85 ms; "e.org" took a second). Keyed
-- by each user's place in login order, the first rows FTS5 returns are the
-- page: under a millisecond for any term.
--
-- `search_pos` is that place: ascending with lower(login), numbered 2^32
-- apart. store/search_order.rs gives a new or renamed user the midpoint
-- between its neighbours, and renumbers a few neighbours evenly when two
-- have no room left between them. Every INSERT into users and every change
-- of a login must go through it: a user without a position (NULL) is not
-- in the full-text index, so a substring search would not find them.
ALTER TABLE users ADD COLUMN search_pos INTEGER;

WITH ranked AS (SELECT id, row_number() OVER (ORDER BY lower(login)) AS n FROM users)
UPDATE users SET search_pos = ranked.n * 4294967296 FROM ranked WHERE ranked.id = users.id;

CREATE UNIQUE INDEX users_search_pos ON users (search_pos);

DROP TRIGGER users_fts_insert;
DROP TRIGGER users_fts_delete;
DROP TRIGGER users_fts_update;
DROP TABLE users_fts;
-- Migration 0007's (id, lower(login)) index served the sort this replaces.
DROP INDEX users_sort_key;

CREATE VIRTUAL TABLE users_fts USING fts5 (
    login, name, email,
    content = 'users', content_rowid = 'search_pos', tokenize = 'trigram'
);
-- In rowid order: FTS5 writes a sorted batch in one pass, but a smaller
-- rowid after a larger one makes it flush what it holds (4x slower).
INSERT INTO users_fts (rowid, login, name, email)
    SELECT search_pos, login, name, email FROM users WHERE search_pos IS NOT NULL ORDER BY search_pos;

-- One trigger per statement kind: SQLite does not promise an order between
-- two triggers on the same event, and an update must delete the old entry
-- before it adds the new one (their rowid may be the same).
CREATE TRIGGER users_fts_insert AFTER INSERT ON users WHEN new.search_pos IS NOT NULL BEGIN
    INSERT INTO users_fts (rowid, login, name, email) VALUES (new.search_pos, new.login, new.name, new.email);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users WHEN old.search_pos IS NOT NULL BEGIN
    INSERT INTO users_fts (users_fts, rowid, login, name, email) VALUES ('delete', old.search_pos, old.login, old.name, old.email);
END;
CREATE TRIGGER users_fts_update AFTER UPDATE OF login, name, email, search_pos ON users BEGIN
    INSERT INTO users_fts (users_fts, rowid, login, name, email)
        SELECT 'delete', old.search_pos, old.login, old.name, old.email WHERE old.search_pos IS NOT NULL;
    INSERT INTO users_fts (rowid, login, name, email)
        SELECT new.search_pos, new.login, new.name, new.email WHERE new.search_pos IS NOT NULL;
END;
