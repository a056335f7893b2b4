-- A two-character search on SQLite, read in login order (issue 19).
--
-- The full-text index holds every three-character window of login, name
-- and email (FTS5's trigram tokenizer), each user under their place in
-- login order (migration 0008), so a term of three characters or more is
-- answered by reading the first matches it returns. A term of two has no
-- trigram: it was tested on every user in login order until a page was
-- full, which for a pair that nearly nobody has ("zq") meant every user
-- (about 100 ms at 100,000 users, ten times that at a million).
--
-- Every occurrence of a pair inside a field of three characters or more
-- is the start or the end of one of that field's windows. This table is
-- the list of windows that occur anywhere (the index's vocabulary, case
-- folded as the index folds it, and the triggers' windows, with ASCII
-- letters lower-cased; a pair is looked up in ASCII), so that the windows
-- holding a pair ("zqa", "azq", ...) can be looked up by their first two
-- and last two characters. A search for the pair asks the full-text index
-- for any of those windows; FTS5 merges them in rowid order, which is
-- login order, and stops at the page. A field of exactly the pair (a name
-- such as "Li") has no window and is looked up by its own value
-- (store/listing/search_paths.rs).
--
-- The list only grows: a window whose users have all gone costs one empty
-- lookup in the index. Triggers add the windows of every new or changed
-- login, name and email; the demo fill and a large import set them aside
-- and add the index's vocabulary once at the end (store/demo.rs).
CREATE TABLE search_grams (gram TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE INDEX search_grams_head ON search_grams (substr(gram, 1, 2));
CREATE INDEX search_grams_tail ON search_grams (substr(gram, 2, 2));

-- The index's own list of terms, read once per fill or import.
CREATE VIRTUAL TABLE users_fts_terms USING fts5vocab (users_fts, 'row');

-- The window offsets of a field: 1 .. 1024, more than any field may hold
-- (a login 64 characters, a name 200, an email 254). Triggers cannot use
-- a recursive query, so the numbers are a table.
CREATE TABLE search_gram_offsets (i INTEGER PRIMARY KEY);
INSERT INTO search_gram_offsets (i)
    WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1024)
    SELECT i FROM n;

INSERT OR IGNORE INTO search_grams (gram) SELECT term FROM users_fts_terms;

-- Like the full-text triggers, they wait for the user's place: a user has
-- windows here from the moment they are in the full-text index.
CREATE TRIGGER search_grams_insert AFTER INSERT ON users WHEN new.search_pos IS NOT NULL BEGIN
    INSERT OR IGNORE INTO search_grams (gram)
        SELECT substr(lower(f.t), o.i, 3)
        FROM (SELECT new.login AS t UNION ALL SELECT new.name UNION ALL SELECT new.email) f
        JOIN search_gram_offsets o ON o.i <= length(f.t) - 2;
END;
-- Only the fields that changed, or all of them when the user is placed
-- (store/listing/search_order.rs clears a renumbered neighbour's place
-- first, so its windows are written again; they are there already).
CREATE TRIGGER search_grams_update AFTER UPDATE OF login, name, email, search_pos ON users
    WHEN new.search_pos IS NOT NULL BEGIN
    INSERT OR IGNORE INTO search_grams (gram)
        SELECT substr(lower(f.t), o.i, 3)
        FROM (SELECT new.login AS t WHERE old.search_pos IS NULL OR new.login IS NOT old.login
              UNION ALL SELECT new.name WHERE old.search_pos IS NULL OR new.name IS NOT old.name
              UNION ALL SELECT new.email WHERE old.search_pos IS NULL OR new.email IS NOT old.email) f
        JOIN search_gram_offsets o ON o.i <= length(f.t) - 2;
END;
