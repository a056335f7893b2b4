//! Where a listing is and how it is ordered and filtered: the keyset
//! cursors of the Users and Lockouts listings, their sort and status
//! filter, and the Lockouts counts. Plain values that the console, the
//! command line and the store all speak, so that neither the console nor
//! the command line needs the store to page through users.

use chrono::{DateTime, Utc};

/// The time that stands for "never" in sort keys (never signed in, never
/// failed): the Unix epoch.
pub fn epoch() -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default()
}

/// Listing order. Each has a keyset cursor so paging never uses OFFSET.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserSort {
    #[default]
    Login,
    Name,
    Email,
    /// Most recent sign-in first; never signed in last.
    LastLogin,
}

/// A position in a listing: the sort key of one row. A forward page starts
/// strictly after it, a backward page ends strictly before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Login(String),
    Name(String, i64),
    Email(String, i64),
    LastLogin(DateTime<Utc>, i64),
}

impl Cursor {
    /// The cursor at the row with these keys, in `sort` order (what the
    /// listing's ORDER BY compares).
    pub fn at(
        sort: UserSort,
        id: i64,
        login: &str,
        name: &str,
        email: &str,
        last_login_at: Option<DateTime<Utc>>,
    ) -> Cursor {
        match sort {
            UserSort::Login => Cursor::Login(login.to_ascii_lowercase()),
            UserSort::Name => Cursor::Name(name.to_ascii_lowercase(), id),
            UserSort::Email => Cursor::Email(email.to_ascii_lowercase(), id),
            UserSort::LastLogin => Cursor::LastLogin(last_login_at.unwrap_or_else(epoch), id),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Enabled and not locked.
    Active,
    Locked,
    Disabled,
    MustChange,
    /// No sign-in since the inactivity cut-off.
    Inactive,
}

impl std::str::FromStr for StatusFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "active" => StatusFilter::Active,
            "locked" => StatusFilter::Locked,
            "disabled" => StatusFilter::Disabled,
            "must-change" => StatusFilter::MustChange,
            "inactive" => StatusFilter::Inactive,
            _ => {
                return Err(format!(
                    "unknown status {s:?}: expected active, locked, disabled, must-change or inactive"
                ));
            }
        })
    }
}

/// A place in the Lockouts order: the row's last failure (the epoch when it
/// has none) and its id. Forward pages start at a cursor; backward pages
/// end just before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockCursor {
    pub failed_at: DateTime<Utc>,
    pub id: i64,
}

impl LockCursor {
    pub fn at(id: i64, last_failure_at: Option<DateTime<Utc>>) -> LockCursor {
        LockCursor {
            failed_at: last_failure_at.unwrap_or_else(epoch),
            id,
        }
    }
}

/// How many accounts the Lockouts pane concerns, however few it lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LockoutCounts {
    pub locked: i64,
    pub close: i64,
}
