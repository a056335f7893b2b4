//! Who may do what (docs/ARCHITECTURE.md "Rights"), as one pure function.
//!
//! The service calls [`check`] before every action, with the acting
//! administrator's current role and the target's role and kind.

use super::kinds::{Kind, Role};

/// Something an administrator asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// List and open users, resources, lockouts and policies.
    View,
    /// Read the audit trail.
    ViewAudit,
    /// Set or reset a password, issue a reset token, unlock.
    ResetPassword,
    /// Create, edit, disable, enable, delete users; manage holders.
    ManageUser,
    /// Give a user the role named here.
    ChangeRole(Role),
    /// Grant and revoke access; create and change resources.
    ManageResources,
    /// Bulk password reset.
    BulkReset,
    /// Change, create or delete policies.
    ManagePolicies,
    /// Purge deletion candidates.
    Purge,
    /// Issue and revoke applications' API keys.
    ManageKeys,
}

impl Action {
    pub fn describe(self) -> &'static str {
        match self {
            Action::View => "view accounts",
            Action::ViewAudit => "read the audit trail",
            Action::ResetPassword => "reset passwords or unlock",
            Action::ManageUser => "create, edit, disable or delete users",
            Action::ChangeRole(_) => "change roles",
            Action::ManageResources => "grant or revoke resources",
            Action::BulkReset => "reset passwords in bulk",
            Action::ManagePolicies => "change policies",
            Action::Purge => "purge inactive accounts",
            Action::ManageKeys => "issue or revoke application keys",
        }
    }
}

/// Whether a role and kind may sign in to the console or the command line.
pub fn can_use_console(role: Role, kind: Kind) -> bool {
    kind == Kind::Staff && role != Role::User
}

/// `Ok(())` when `actor` may do `action` to a user with `target` (role, kind);
/// otherwise a sentence saying why not.
pub fn check(actor: Role, action: Action, target: Option<(Role, Kind)>) -> Result<(), String> {
    use Role::*;
    let target_is_admin = target.is_some_and(|(r, _)| r.rank() >= Admin.rank());
    let allowed = match (actor, action) {
        (User, _) => false,
        (_, Action::View) => true,
        (GlobalAdmin, _) => true,
        (Admin, Action::ViewAudit | Action::ManageResources) => true,
        (Admin, Action::ResetPassword | Action::ManageUser) => !target_is_admin,
        (Admin, Action::ChangeRole(new)) => new.rank() <= Manager.rank() && !target_is_admin,
        (Manager, Action::ResetPassword) => {
            target.is_some_and(|(r, k)| r == User || k == Kind::Portal)
        }
        _ => false,
    };
    if allowed {
        return Ok(());
    }
    let why = match (actor, action) {
        (User, _) => "user accounts cannot administer keyward".to_string(),
        (Admin, Action::ChangeRole(new)) if new.rank() > Manager.rank() => {
            format!("an admin may give roles up to manager, not {}", new.label())
        }
        (Admin, _) if target_is_admin => {
            format!(
                "an admin may not {} of admins or global admins",
                action.describe()
            )
        }
        (Manager, Action::ResetPassword) => {
            "a manager may reset passwords only of user-role and portal accounts".to_string()
        }
        _ => format!(
            "{} may not {}",
            with_article(actor.label()),
            action.describe()
        ),
    };
    Err(why)
}

/// "an admin", "an account manager", "a manager".
fn with_article(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use Kind::*;
    use Role::*;

    #[test]
    fn the_rights_table() {
        let user = Some((User, Staff));
        let portal = Some((User, Portal));
        let admin = Some((Admin, Staff));
        let manager = Some((Manager, Staff));
        // view
        for r in [GlobalAdmin, Admin, Manager, AccountManager] {
            assert!(check(r, Action::View, None).is_ok());
        }
        // audit
        assert!(check(Admin, Action::ViewAudit, None).is_ok());
        assert!(check(Manager, Action::ViewAudit, None).is_err());
        assert!(check(AccountManager, Action::ViewAudit, None).is_err());
        // reset / unlock
        assert!(check(GlobalAdmin, Action::ResetPassword, admin).is_ok());
        assert!(check(Admin, Action::ResetPassword, manager).is_ok());
        assert!(check(Admin, Action::ResetPassword, admin).is_err());
        assert!(check(Manager, Action::ResetPassword, user).is_ok());
        assert!(check(Manager, Action::ResetPassword, portal).is_ok());
        assert!(check(Manager, Action::ResetPassword, manager).is_err());
        assert!(check(AccountManager, Action::ResetPassword, user).is_err());
        // manage users
        assert!(check(Admin, Action::ManageUser, user).is_ok());
        assert!(check(Admin, Action::ManageUser, Some((GlobalAdmin, Staff))).is_err());
        assert!(check(Manager, Action::ManageUser, user).is_err());
        // roles
        assert!(check(Admin, Action::ChangeRole(Manager), user).is_ok());
        assert!(check(Admin, Action::ChangeRole(Admin), user).is_err());
        assert!(check(GlobalAdmin, Action::ChangeRole(GlobalAdmin), user).is_ok());
        // resources
        assert!(check(Admin, Action::ManageResources, None).is_ok());
        assert!(check(Manager, Action::ManageResources, None).is_err());
        // global only
        for a in [
            Action::BulkReset,
            Action::ManagePolicies,
            Action::Purge,
            Action::ManageKeys,
        ] {
            assert!(check(GlobalAdmin, a, None).is_ok());
            assert!(check(Admin, a, None).is_err());
        }
        assert!(check(User, Action::View, None).is_err());
    }

    #[test]
    fn refusals_say_why() {
        let e = check(Admin, Action::ResetPassword, Some((GlobalAdmin, Staff))).unwrap_err();
        assert!(e.contains("admins"), "{e}");
        let e = check(Admin, Action::ChangeRole(GlobalAdmin), None).unwrap_err();
        assert!(e.contains("up to manager"), "{e}");
        let e = check(AccountManager, Action::ResetPassword, Some((User, Staff))).unwrap_err();
        assert!(e.starts_with("an account manager may not"), "{e}");
        let e = check(Admin, Action::BulkReset, None).unwrap_err();
        assert!(e.starts_with("an admin may not"), "{e}");
        let e = check(Manager, Action::ManageUser, Some((User, Staff))).unwrap_err();
        assert!(e.starts_with("a manager may not"), "{e}");
    }

    #[test]
    fn console_access() {
        assert!(can_use_console(AccountManager, Staff));
        assert!(!can_use_console(User, Staff));
        assert!(!can_use_console(Admin, Portal));
    }
}
