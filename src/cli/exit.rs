//! Exit statuses: one per kind of error, so that scripts can tell "no such
//! user" from "not allowed" from "the database is down" without reading the
//! message. The numbers are stable; README lists them.

use crate::error::Error;

/// Success.
pub const OK: u8 = 0;
/// Any other error: a database error that is not the caller's fault, or an
/// internal one.
pub const OTHER: u8 = 1;
/// The command line itself is wrong (clap's own status, kept for it).
pub const USAGE: u8 = 2;
/// Bad input: a value, a file's rows, a password that breaks the policy.
pub const INVALID: u8 = 3;
/// Something named does not exist.
pub const NOT_FOUND: u8 = 4;
/// A value is taken, or someone changed the record meanwhile.
pub const CONFLICT: u8 = 5;
/// The signed-in administrator may not do this (the refusal is audited).
pub const FORBIDDEN: u8 = 6;
/// Not signed in, or the session ended.
pub const UNAUTHENTICATED: u8 = 7;
/// The action needs a recent sign-in: run `keyward login` again.
pub const STEP_UP: u8 = 8;
/// The database cannot be reached, or keyward is too busy; nothing
/// changed, trying later may help.
pub const UNAVAILABLE: u8 = 9;
// 10 to 13 are `keyward verify`'s answers (domain::AuthOutcome::exit_code).
/// Cancelled before anything changed.
pub const CANCELLED: u8 = 14;
/// `keyward audit verify` found the trail tampered with.
pub const AUDIT_BROKEN: u8 = 15;
// 16 is `keyward verify --resource`'s "no access".
/// The database's schema is behind this keyward (`keyward migrate`), or
/// was made by a newer one.
pub const SCHEMA: u8 = 17;
// 18 is `keyward verify`'s "ok, but re-validate" (AuthOutcome::OkRevalidate).
/// `keyward doctor` found something to fix (each problem is printed with
/// its fix).
pub const DOCTOR: u8 = 19;

/// Every status and what it means, for `man keyward` (EXIT STATUS); the
/// README's table says the same.
pub const TABLE: &[(&str, &str)] = &[
    ("0", "success"),
    (
        "1",
        "any other error: a database error that is not the caller's fault, or an internal one",
    ),
    (
        "2",
        "usage error: unknown command or flag, a missing or malformed argument",
    ),
    (
        "3",
        "invalid input: a value, a file's rows, a password the policy refuses; the console without a terminal",
    ),
    ("4", "not found: no such user, resource or policy"),
    (
        "5",
        "conflict: the login ID or name is taken, the record changed meanwhile, already set up",
    ),
    (
        "6",
        "not allowed: your role may not do this (the refusal is audited)",
    ),
    (
        "7",
        "not signed in, or the session ended: keyward login --as LOGIN",
    ),
    (
        "8",
        "needs a recent sign-in (within 5 minutes): keyward login again",
    ),
    (
        "9",
        "the database cannot be reached (or keyward is too busy); nothing changed, try again later",
    ),
    (
        "10-13",
        "keyward verify: 10 ok but must change, 11 bad credentials, 12 locked, 13 disabled (0 ok)",
    ),
    (
        "14",
        "cancelled before anything changed (a confirmation not given)",
    ),
    (
        "15",
        "keyward audit verify: the trail was tampered with (the first broken entry is named)",
    ),
    (
        "16",
        "keyward verify --resource: the right password, but no access to that resource",
    ),
    (
        "17",
        "the database's schema is older than this keyward: keyward migrate (or it was made by a newer keyward)",
    ),
    (
        "18",
        "keyward verify: the right password, but the account must be re-validated (idle too long; its owner follows the mailed link)",
    ),
    (
        "19",
        "keyward doctor: something needs fixing (each problem is printed with how to fix it)",
    ),
];

/// The exit status for an error.
pub fn code(e: &Error) -> u8 {
    match e {
        Error::Invalid(_) | Error::Policy(_) => INVALID,
        Error::NotFound(_) => NOT_FOUND,
        Error::Conflict(_) => CONFLICT,
        Error::Forbidden(_) => FORBIDDEN,
        Error::Unauthenticated(_) => UNAUTHENTICATED,
        Error::StepUpRequired(_) => STEP_UP,
        Error::Unavailable(_) | Error::Busy(_) => UNAVAILABLE,
        Error::Cancelled => CANCELLED,
        Error::Schema(_) => SCHEMA,
        Error::Database(_) | Error::Internal(_) => OTHER,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_error_has_its_own_status_apart_from_verify_s() {
        let errors = [
            Error::Invalid(String::new()),
            Error::NotFound(String::new()),
            Error::Conflict(String::new()),
            Error::Forbidden(String::new()),
            Error::Unauthenticated(String::new()),
            Error::StepUpRequired(String::new()),
            Error::Unavailable(String::new()),
            Error::Cancelled,
            Error::Schema(String::new()),
            Error::Internal(String::new()),
        ];
        let mut codes: Vec<u8> = errors.iter().map(code).collect();
        codes.push(USAGE);
        codes.push(AUDIT_BROKEN);
        codes.push(DOCTOR);
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), codes.len(), "{codes:?}");
        assert!(codes.iter().all(|c| *c != OK && !(10..=13).contains(c)));
        assert_eq!(code(&Error::Policy(vec![])), INVALID);
        assert_eq!(code(&Error::Database(String::new())), OTHER);
    }
}
