-- Locked and disabled users in login order. A million users hold a few
-- dozen locked accounts and a few thousand disabled ones; the status sort
-- (and the console's locked and disabled filters) read them in login
-- order, and without these walked the whole login index to find them: 1.8 s
-- on SQLite for a page of locked users when none was locked. Only the
-- accounts concerned are in them, so an ordinary insert or sign-in does
-- not touch them; a query names `locked_at IS NOT NULL` or
-- `status = 'disabled'` to use them.
CREATE INDEX users_locked_login ON users (lower(login)) WHERE locked_at IS NOT NULL;
CREATE INDEX users_disabled_login ON users (lower(login)) WHERE status = 'disabled';
