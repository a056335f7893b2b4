-- Search blocks (issue 19): what FTS5 gives SQLite, a structure read in
-- login order that stops when a page is full, for PostgreSQL's substring
-- search (store/listing/search_blocks.rs).
--
-- Users are cut, in login order, into blocks of about 100. A block holds
-- the half-open range of lower(login) it covers, [lo, hi), and `pieces`:
-- every string of one to four printable ASCII characters (letters, digits,
-- spaces and punctuation) found in its users' lower-cased login, name or
-- email. A user matches a term only if each of
-- the term's pieces (its four-character windows) is in the user's block,
-- so a search reads the blocks that hold them all in login order (a GIN
-- look-up, then a sort of the block keys) and tests their users, block by
-- block, until the page is full. pg_trgm answers with an unordered bitmap
-- instead, and a term that matches tens of thousands of users cost a sort
-- of all of them (p99 166-226 ms at a million users).
--
-- `pieces` may hold more than its users have (a user renamed away or
-- deleted leaves theirs): a block read for nothing, never a match missed.
-- `users` counts the users placed in the block since its pieces were last
-- computed; at 200 the block is cut in two at its middle user and both
-- halves computed afresh.
--
-- The first block starts at '' and the last ends at U+10FFFF, above every
-- login (logins are ASCII): the blocks cover every key, and a range's upper
-- bound is never NULL, so each block is one bounded index range scan.
CREATE TABLE search_blocks (
    lo      TEXT COLLATE "C" PRIMARY KEY,
    hi      TEXT COLLATE "C" NOT NULL,
    users   INTEGER NOT NULL,
    pieces  TEXT[] NOT NULL
);
CREATE INDEX search_blocks_pieces ON search_blocks USING gin (pieces);

-- A user's pieces, as store/listing/search_blocks.rs computes them (keep
-- the two in step): every substring of one to four characters of each
-- field, lower-cased, that is all ASCII. lower() under the "C" collation
-- folds ASCII only, as the search's own test of each row does. (Rust also
-- drops pieces with control characters, which no validated field holds;
-- a piece more here only makes a block read for nothing. Splitting the
-- text on a regular expression instead cost 3.3 ms a user, this 0.1 ms.)
CREATE FUNCTION keyward_search_pieces(login text, name text, email text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT COALESCE(array_agg(DISTINCT substr(r, i, n) COLLATE "C"), '{}')
    FROM unnest(ARRAY[lower(login COLLATE "C"), lower(name COLLATE "C"), lower(email COLLATE "C")]) AS r,
         generate_series(1, length(r)) AS i,
         generate_series(1, 4) AS n
    WHERE i + n - 1 <= length(r) AND octet_length(substr(r, i, n)) = n;
END;

-- The pieces of the users whose lower(login) is in [lo, hi).
CREATE FUNCTION keyward_search_block_pieces(lo text, hi text) RETURNS text[]
    LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT COALESCE(array_agg(DISTINCT p COLLATE "C"), '{}')
    FROM users u, unnest(keyward_search_pieces(u.login, u.name, u.email)) AS p
    WHERE lower(u.login) >= lo AND lower(u.login) < hi;
END;

-- Keeps a user's pieces in their block when the user is inserted or their
-- login, name or email changes. The block row is locked first (FOR
-- UPDATE), so writers to one block take turns, and a block split by
-- another writer meanwhile is seen as a range that no longer holds the
-- login: the look-up is repeated, in a statement whose snapshot sees the
-- new block.
--
-- A bulk writer (the demo fill, an import) sets keyward.search_blocks to
-- 'deferred' for its transaction and recomputes the blocks before it
-- commits (store/listing/search_blocks.rs).
CREATE FUNCTION keyward_search_blocks_keep() RETURNS trigger
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    k text := lower(NEW.login);
    p text[];
    b record;
    moved_in boolean;
    n integer;
    mid text;
BEGIN
    IF current_setting('keyward.search_blocks', true) = 'deferred' THEN
        RETURN NULL;
    END IF;
    p := keyward_search_pieces(NEW.login, NEW.name, NEW.email);
    LOOP
        SELECT lo, hi, users, pieces @> p AS has INTO b FROM search_blocks
            WHERE lo <= k ORDER BY lo DESC LIMIT 1 FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO search_blocks (lo, hi, users, pieces)
                VALUES ('', chr(1114111), 0, '{}') ON CONFLICT DO NOTHING;
        ELSIF k < b.hi THEN
            EXIT;
        END IF;
    END LOOP;
    moved_in := TG_OP = 'INSERT' OR NOT (lower(OLD.login) >= b.lo AND lower(OLD.login) < b.hi);
    IF moved_in AND b.users >= 200 AND b.users < 5000 THEN
        -- Split at the middle user, both halves computed afresh (this
        -- user included: the row is visible to its own trigger), unless
        -- deletions left the block small: then only its count is renewed.
        SELECT count(*) INTO n FROM users u WHERE lower(u.login) >= b.lo AND lower(u.login) < b.hi;
        IF n > 150 THEN
            SELECT lower(u.login) INTO mid FROM users u
                WHERE lower(u.login) >= b.lo AND lower(u.login) < b.hi
                ORDER BY lower(u.login) OFFSET n / 2 LIMIT 1;
            INSERT INTO search_blocks (lo, hi, users, pieces)
                VALUES (mid, b.hi, n - n / 2, keyward_search_block_pieces(mid, b.hi));
            UPDATE search_blocks SET hi = mid, users = n / 2,
                pieces = keyward_search_block_pieces(b.lo, mid)
                WHERE lo = b.lo;
            RETURN NULL;
        END IF;
        UPDATE search_blocks SET users = n WHERE lo = b.lo;
        moved_in := false;
    END IF;
    IF NOT b.has THEN
        -- Only the pieces the block lacks are appended (sorting the whole
        -- list again cost 2 ms a write).
        UPDATE search_blocks
            SET users = users + moved_in::int,
                pieces = pieces || ARRAY(SELECT x FROM unnest(p) AS x EXCEPT SELECT y FROM unnest(pieces) AS y)
            WHERE lo = b.lo;
    ELSIF moved_in THEN
        UPDATE search_blocks SET users = users + 1 WHERE lo = b.lo;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_search_blocks_insert AFTER INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION keyward_search_blocks_keep();
CREATE TRIGGER users_search_blocks_update AFTER UPDATE OF login, name, email ON users
    FOR EACH ROW
    WHEN (OLD.login IS DISTINCT FROM NEW.login OR OLD.name IS DISTINCT FROM NEW.name
          OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION keyward_search_blocks_keep();

-- Until keyward computes the blocks (Store::migrate, right after this
-- migration), one block covers every user, with the pieces only of those
-- added since; while it is this large (search_blocks.rs, OVERSIZED)
-- searches take the paths they took before the blocks.
INSERT INTO search_blocks (lo, hi, users, pieces)
SELECT '', chr(1114111), (SELECT count(*) FROM users), '{}';
