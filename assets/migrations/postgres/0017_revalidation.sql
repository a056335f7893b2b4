-- Re-validation (issue 17). A sign-in to an account idle past its policy's
-- revalidate_after_days sets users.revalidation_due_at; the account then
-- answers ok_revalidate until its owner follows a re-validation link
-- (a reset_tokens row of purpose 'revalidate'), which clears it.
ALTER TABLE reset_tokens DROP CONSTRAINT IF EXISTS reset_tokens_purpose_check;
ALTER TABLE reset_tokens ADD CONSTRAINT reset_tokens_purpose_check
    CHECK (purpose IN ('reset', 'change', 'revalidate'));
ALTER TABLE users ADD COLUMN revalidation_due_at TIMESTAMPTZ;
