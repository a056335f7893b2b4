-- What a sign-in needs from the start in every process, kept where a fresh
-- process reads it as it reads a user (service/calibration.rs): the dummy
-- hash that unknown, disabled and locked logins verify against, made with
-- the live Argon2 parameters, and the floor that bad-credentials answers
-- are padded to. One row per set of parameters (`m=..,t=..,p=..`).
-- Neither is a secret: the dummy is the hash of a random password nobody
-- knows, and the floor is a time.
CREATE TABLE sign_in_calibration (
    params      TEXT PRIMARY KEY,
    dummy_hash  TEXT NOT NULL,
    floor_ns    BIGINT NOT NULL DEFAULT 0,
    updated_at  TIMESTAMPTZ NOT NULL
);
