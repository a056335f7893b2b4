-- The few users under a policy of their own: a bulk reset checks its
-- password against each policy in scope (store/bulk.rs) without reading
-- every user, and deleting a policy finds the users that still hold it.
CREATE INDEX users_own_policy ON users (policy_id) WHERE policy_id IS NOT NULL;
