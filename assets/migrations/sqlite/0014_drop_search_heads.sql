-- Search is a substring at every length now (store/search_paths.rs): a term
-- of one or two characters no longer merges prefix walks over the first
-- characters of name and email, so the indexes migration 0004 made for
-- them are read by nothing and cost four index writes per insert and rename.
DROP INDEX IF EXISTS users_name_head1;
DROP INDEX IF EXISTS users_name_head2;
DROP INDEX IF EXISTS users_email_head1;
DROP INDEX IF EXISTS users_email_head2;
