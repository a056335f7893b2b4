//! The small closed vocabularies of the domain: roles, kinds, statuses and
//! access levels, each with its stored spelling.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? } what $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling stored in the database and used on the command line.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Rows decode their stored spelling once, as they are read.
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let lower = s.trim().to_ascii_lowercase().replace('-', "_");
                match lower.as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(
                        "unknown {} {:?}: expected one of {}",
                        $what,
                        s,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

text_enum!(
    /// What an account may do in keyward. Ordered from most to least powerful.
    Role {
        GlobalAdmin => "global_admin",
        Admin => "admin",
        Manager => "manager",
        AccountManager => "account_manager",
        User => "user",
    } what "role"
);

text_enum!(
    /// Staff accounts are the organisation's own people; portal accounts are
    /// client-portal contacts, never included in bulk resets.
    Kind {
        Staff => "staff",
        Portal => "portal",
    } what "kind"
);

text_enum!(
    /// Whether an account may sign in at all.
    Status {
        Active => "active",
        Disabled => "disabled",
    } what "status"
);

text_enum!(
    /// How much a grant lets a user do in a resource.
    AccessLevel {
        Read => "read",
        Standard => "standard",
        Manage => "manage",
    } what "access level"
);

impl Role {
    /// Rank for comparisons: higher is more powerful.
    pub fn rank(self) -> u8 {
        match self {
            Role::GlobalAdmin => 4,
            Role::Admin => 3,
            Role::Manager => 2,
            Role::AccountManager => 1,
            Role::User => 0,
        }
    }

    /// Human label for screens.
    pub fn label(self) -> &'static str {
        match self {
            Role::GlobalAdmin => "global admin",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::AccountManager => "account manager",
            Role::User => "user",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_case_and_dashes() {
        assert_eq!("Global-Admin".parse::<Role>(), Ok(Role::GlobalAdmin));
        assert_eq!("portal".parse::<Kind>(), Ok(Kind::Portal));
        let err = "root".parse::<Role>().unwrap_err();
        assert!(err.contains("global_admin"), "{err}");
    }

    #[test]
    fn round_trips() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(*r));
        }
        for l in AccessLevel::ALL {
            assert_eq!(l.as_str().parse::<AccessLevel>(), Ok(*l));
        }
    }
}

text_enum!(
    /// What a mail in the outbox is (each has its templates in assets/mail/).
    MailKind {
        ResetLink => "reset_link",
        RevalidateLink => "revalidate_link",
        PasswordSet => "password_set",
        PasswordChanged => "password_changed",
        AccountLocked => "account_locked",
        ResetRequested => "reset_requested",
        DeletionWarning => "deletion_warning",
    } what "mail kind"
);

text_enum!(
    /// Where a mail in the outbox stands.
    MailState {
        Queued => "queued",
        Sent => "sent",
        Failed => "failed",
        Dropped => "dropped",
    } what "mail state"
);
