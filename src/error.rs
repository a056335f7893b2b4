//! The one error type of the library. Every message says what happened and,
//! where it helps, what to do; none ever contains a secret.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    /// Something named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Bad input: the message names the field and the rule.
    #[error("{0}")]
    Invalid(String),
    /// A password broke policy rules; each entry is one broken rule.
    #[error("the password does not meet the policy: {}", .0.join("; "))]
    Policy(Vec<String>),
    /// Someone else changed the record, or a unique value is taken.
    #[error("{0}")]
    Conflict(String),
    /// The acting administrator may not do this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// No valid session or sign-in.
    #[error("{0}")]
    Unauthenticated(String),
    /// The action needs a recent password confirmation.
    #[error("{0}")]
    StepUpRequired(String),
    /// The database cannot be reached; nothing was changed.
    #[error(
        "the database cannot be reached ({0}); check that it is running and reachable, then try again"
    )]
    Unavailable(String),
    /// Too much work at once (the hashing queue is full); nothing was done.
    /// Retrying after a moment may help.
    #[error("keyward is busy ({0}); try again in a moment")]
    Busy(String),
    /// The database's schema is not the one this keyward was built for
    /// (behind it: `keyward migrate` brings it up to date; or made by a
    /// newer keyward). The message says which and what to run.
    #[error("{0}")]
    Schema(String),
    /// The operation was cancelled before it committed.
    #[error("cancelled before anything was changed")]
    Cancelled,
    /// A database error that is not the user's fault.
    #[error("database error: {0}")]
    Database(String),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Error::Unavailable(e.to_string()),
            sqlx::Error::Database(db) => {
                let msg = db.message().to_string();
                if db.is_unique_violation() {
                    Error::Conflict(format!("that value is already taken ({msg})"))
                } else if db.is_foreign_key_violation() {
                    Error::Conflict(format!(
                        "a related record is missing or still in use ({msg})"
                    ))
                } else if db.code().as_deref() == Some("26") {
                    // SQLite's SQLITE_NOTADB (PostgreSQL's codes have five
                    // characters): a file that holds no database.
                    Error::Invalid(format!("not a database ({msg})"))
                } else if msg.contains("database is locked") || msg.contains("database is busy") {
                    Error::Unavailable("the database is busy; try again in a moment".into())
                } else if db
                    .code()
                    .is_some_and(|c| c.starts_with("08") || c == "57P01" || c == "57P03")
                {
                    Error::Unavailable(msg)
                } else {
                    Error::Database(msg)
                }
            }
            _ => Error::Database(e.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Error::Database(format!("migration failed: {e}"))
    }
}

impl Error {
    /// Whether retrying later may help (the console shows a banner and retries).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Error::Unavailable(_))
    }
}
