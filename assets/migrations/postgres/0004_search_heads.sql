-- A search of one or two characters is a prefix of login, name or email.
-- Its first page in login order merges three walks that are each already
-- in that order (store/search_paths.rs): the login range, and these, which
-- hold the first one or two characters of name and email, then the login
-- (and the id, which the query also orders by so that no other index
-- offers its order).
-- Without them the name and email matches ("j": one user in eight) were
-- all read and sorted for every page.
CREATE INDEX users_name_head1 ON users (substr(lower(name), 1, 1), lower(login), id);
CREATE INDEX users_name_head2 ON users (substr(lower(name), 1, 2), lower(login), id);
CREATE INDEX users_email_head1 ON users (substr(lower(email), 1, 1), lower(login), id);
CREATE INDEX users_email_head2 ON users (substr(lower(email), 1, 2), lower(login), id);
