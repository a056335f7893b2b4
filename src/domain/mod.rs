//! Pure types and rules of the account domain: no I/O, no clock, no database.
//!
//! Everything here is deterministic so it can be unit-tested exhaustively; the
//! service layer feeds it the current time and the rows it read.

pub mod audit;
pub mod blocked_words;
pub mod kinds;
pub mod listing;
pub mod login;
pub mod outcome;
pub mod password;
pub mod password_rules;
pub mod plural;
pub mod policy;
pub mod progress;
pub mod rights;
pub mod user;

pub use kinds::{AccessLevel, Kind, MailKind, MailState, Role, Status};
pub use login::LoginId;
pub use outcome::{AuthOutcome, MustChangeReason};
pub use password::Password;
pub use policy::Policy;
pub use rights::Action;
