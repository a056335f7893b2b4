//! Where a listing is and how it is ordered and filtered: the keyset
//! cursors of the Users and Lockouts listings, their sort and status
//! filter, and the Lockouts counts. Plain values that the console, the
//! command line and the store all speak, so that neither the console nor
//! the command line needs the store to page through users.

use super::{Kind, Role};
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
    /// Staff, then portal; by login within each.
    Kind,
    /// Most powerful first (global administrators at the top); by login
    /// within each.
    Role,
    /// By the first status badge a row shows (locked, disabled, must
    /// change, re-validate or delete?, then ok); by login within each.
    Status,
}

/// Where a user stands in the status sort: the first of the status
/// badges their row shows, in the order the row shows them. A user holds
/// several at once (locked and must change, say); the first decides.
/// Locks and inactivity depend on the time, so a row read again later may
/// have moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusGroup {
    Locked,
    Disabled,
    MustChange,
    /// Idle past the policy's re-validation or deletion limit, or asked to
    /// re-validate by a sign-in since.
    Revalidate,
    /// None of the above.
    Ok,
}

impl StatusGroup {
    /// Every group, in listing order.
    pub const ALL: [StatusGroup; 5] = [
        StatusGroup::Locked,
        StatusGroup::Disabled,
        StatusGroup::MustChange,
        StatusGroup::Revalidate,
        StatusGroup::Ok,
    ];

    /// The group of a row with these badges.
    pub fn of(badges: &super::user::Badges) -> StatusGroup {
        if badges.locked.is_some() {
            StatusGroup::Locked
        } else if badges.disabled {
            StatusGroup::Disabled
        } else if badges.must_change {
            StatusGroup::MustChange
        } else if badges.needs_revalidation || badges.deletion_candidate {
            StatusGroup::Revalidate
        } else {
            StatusGroup::Ok
        }
    }
}

/// A position in a listing: the sort key of one row. A forward page starts
/// strictly after it, a backward page ends strictly before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Login(String),
    Name(String, i64),
    Email(String, i64),
    LastLogin(DateTime<Utc>, i64),
    /// The row's kind and lower-cased login.
    Kind(Kind, String),
    /// The row's role and lower-cased login.
    Role(Role, String),
    /// The row's status group (when read) and lower-cased login.
    Status(StatusGroup, String),
}

/// The values of one row that a cursor may be made of.
#[derive(Debug, Clone, Copy)]
pub struct SortKeys<'a> {
    pub id: i64,
    pub login: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub kind: Kind,
    pub role: Role,
    pub status: StatusGroup,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl Cursor {
    /// The sort this cursor is a position in.
    pub fn sort(&self) -> UserSort {
        match self {
            Cursor::Login(_) => UserSort::Login,
            Cursor::Name(..) => UserSort::Name,
            Cursor::Email(..) => UserSort::Email,
            Cursor::LastLogin(..) => UserSort::LastLogin,
            Cursor::Kind(..) => UserSort::Kind,
            Cursor::Role(..) => UserSort::Role,
            Cursor::Status(..) => UserSort::Status,
        }
    }

    /// The cursor at the row with these keys, in `sort` order (what the
    /// listing's ORDER BY compares).
    pub fn at(sort: UserSort, row: SortKeys<'_>) -> Cursor {
        match sort {
            UserSort::Login => Cursor::Login(row.login.to_ascii_lowercase()),
            UserSort::Name => Cursor::Name(row.name.to_ascii_lowercase(), row.id),
            UserSort::Email => Cursor::Email(row.email.to_ascii_lowercase(), row.id),
            UserSort::LastLogin => {
                Cursor::LastLogin(row.last_login_at.unwrap_or_else(epoch), row.id)
            }
            UserSort::Kind => Cursor::Kind(row.kind, row.login.to_ascii_lowercase()),
            UserSort::Role => Cursor::Role(row.role, row.login.to_ascii_lowercase()),
            UserSort::Status => Cursor::Status(row.status, row.login.to_ascii_lowercase()),
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
