-- The administrators' roles in login order. A million users hold a
-- handful of global administrators and a few thousand of each other
-- administrative role; listing one of those roles (the console's role
-- filter, the role sort) walked the whole login index to find them: 2.3 s
-- on SQLite for the one global administrator. Plain users, nearly all of
-- them, are left out, so an insert of a plain user (the import, the demo
-- fill) does not touch it; a query names `role <> 'user'` to use it.
CREATE INDEX users_role_login ON users (role, lower(login)) WHERE role <> 'user';
