//! What the console does for a command from a key table or the palette:
//! the commands that work everywhere and the Users pane's (list and detail
//! view) here; each other pane's in its own file under commands/, the
//! palette's and what a popup asks for beside them.

mod audit;
mod lockouts;
mod palette;
mod policies;
mod popups;
mod resources;

use super::*;
use crate::domain::user::masked_email;

impl App {
    /// Runs a command from a key or the palette.
    pub fn command(&mut self, cmd: Cmd) -> Vec<Effect> {
        let height = self.table_height();
        if self.main().is_some_and(|m| m.pane == Pane::Resources)
            && let Some(effects) = self.resources_command(cmd)
        {
            return effects;
        }
        if self.main().is_some_and(|m| m.pane == Pane::Policies)
            && let Some(effects) = self.policies_command(cmd)
        {
            return effects;
        }
        if self.main().is_some_and(|m| m.pane == Pane::Audit)
            && let Some(effects) = self.audit_command(cmd)
        {
            return effects;
        }
        if self.main().is_some_and(|m| m.pane == Pane::Lockouts)
            && let Some(effects) = self.lockouts_command(cmd)
        {
            return effects;
        }
        let Some(m) = self.main() else {
            return Vec::new();
        };
        let target = m
            .detail
            .as_ref()
            .map(|d| d.login.clone())
            .or_else(|| m.users.selected_row().map(|r| r.login.clone()));
        match cmd {
            Cmd::Quit => return vec![Effect::Quit],
            Cmd::Help => m.popups.push(Popup::from(Help::default())),
            Cmd::Messages => m.popups.push(Popup::from(Messages::default())),
            Cmd::Palette => {
                let resources = m
                    .form_data
                    .as_ref()
                    .map(|d| d.resources.clone())
                    .unwrap_or_default();
                m.popups.push(Popup::from(Palette::new(resources)));
            }
            Cmd::NextPane => m.pane = m.pane.next(),
            Cmd::PrevPane => m.pane = m.pane.prev(),
            Cmd::GoPane(pane) => m.pane = pane,
            Cmd::Refresh => return self.refresh(),
            Cmd::Filter => {
                m.users.editing_filter = true;
                m.users.filter = crate::tui::fields::TextField::with(&m.users.search, 128);
            }
            Cmd::Up => match &mut m.detail {
                Some(d) => d.scroll = d.scroll.saturating_sub(1),
                None => m.users.move_by(-1, height),
            },
            Cmd::Down => match &mut m.detail {
                Some(d) => d.scroll = d.scroll.saturating_add(1),
                None => m.users.move_by(1, height),
            },
            Cmd::Top => {
                m.users.move_by(isize::MIN / 2, height);
                // Rows before the window: load the first page.
                if m.users.prev.is_some() {
                    return self.fetch_users(Fetch::First);
                }
            }
            Cmd::Bottom => {
                m.users.move_by(isize::MAX / 2, height);
                // Rows after the window: load the last page at once.
                if m.users.next.is_some() {
                    return self.fetch_users(Fetch::Last);
                }
            }
            Cmd::PageUp | Cmd::PageDown | Cmd::HalfUp | Cmd::HalfDown => {
                m.users.move_by(keys::step(cmd, height), height)
            }
            Cmd::Mark => {
                m.users.toggle_mark();
                m.users.move_by(1, height);
            }
            Cmd::Yank | Cmd::YankEmail => {
                let row = match m.detail.as_ref() {
                    Some(d) => d.data.as_ref().map(|d| &d.summary),
                    None => m.users.selected_row(),
                };
                let Some(u) = row else {
                    return Vec::new();
                };
                let text = if cmd == Cmd::Yank {
                    u.login.clone()
                } else {
                    u.email.clone()
                };
                return self.copy(text);
            }
            Cmd::Open => {
                if let Some(login) = m.users.selected_row().map(|r| r.login.clone()) {
                    m.detail = Some(DetailView::new(&login));
                    return vec![self.load_detail(login)];
                }
            }
            Cmd::Back => {
                if m.detail.take().is_none() && m.pane == Pane::Users {
                    let u = &mut m.users;
                    // Marks go first, then the filter (as Esc in a file manager).
                    if !u.marked.is_empty() {
                        let n = u.marked.len();
                        u.marked.clear();
                        let s = if n == 1 { "" } else { "s" };
                        let now = self.now;
                        if let Some(m) = self.main() {
                            m.say(format!("cleared {n} mark{s}"), now);
                        }
                        return Vec::new();
                    }
                    let had = !u.search.is_empty()
                        || u.status.is_some()
                        || u.kind.is_some()
                        || u.role.is_some()
                        || u.resource.is_some();
                    if had {
                        u.filter.clear();
                        u.search.clear();
                        u.status = None;
                        u.kind = None;
                        u.role = None;
                        u.resource = None;
                        return self.reload_users();
                    }
                }
            }
            Cmd::CycleStatus
            | Cmd::CycleKind
            | Cmd::CycleRole
            | Cmd::CycleSort
            | Cmd::ReverseSort => {
                match cmd {
                    Cmd::CycleStatus => m.users.cycle_status(),
                    Cmd::CycleKind => m.users.cycle_kind(),
                    Cmd::CycleRole => m.users.cycle_role(),
                    Cmd::ReverseSort => m.users.descending = !m.users.descending,
                    _ => m.users.cycle_sort(),
                }
                return self.reload_users();
            }
            Cmd::NewUser => {
                m.popups
                    .push(Popup::from(UserForm::new_user(m.session.actor.role)));
                return self.load_form_data();
            }
            Cmd::EditUser => {
                let Some(login) = target else {
                    return Vec::new();
                };
                let role = m.session.actor.role;
                match m.detail.as_ref().and_then(|d| d.data.as_ref()) {
                    Some(d) => {
                        m.popups.push(Popup::from(UserForm::edit(role, d)));
                        return self.load_form_data();
                    }
                    None => {
                        // The form reads the stored values (and version) itself.
                        m.popups.push(Popup::from(UserForm::opening(role, &login)));
                        let mut effects = self.call_for_top(Call::GetUser { login });
                        effects.extend(self.load_form_data());
                        return effects;
                    }
                }
            }
            Cmd::SetPassword => {
                let Some(login) = target else {
                    return Vec::new();
                };
                m.popups.push(Popup::from(PasswordDialog::new(&login)));
                return self.call_for_top(Call::PasswordContext { login });
            }
            // A reset link by mail: the detail's user, or in the list the
            // marked users (or the selected one); one address is shown masked.
            Cmd::MailResetLink => {
                let (logins, to) = match m.detail.as_ref().and_then(|d| d.data.as_ref()) {
                    Some(d) => (
                        vec![d.summary.login.clone()],
                        Some(masked_email(&d.summary.email)),
                    ),
                    None if m.detail.is_some() => return Vec::new(),
                    None => {
                        let to = m
                            .users
                            .selected_row()
                            .filter(|_| m.users.marked.is_empty())
                            .map(|u| masked_email(&u.email));
                        (m.users.targets(), to)
                    }
                };
                if logins.is_empty() {
                    return Vec::new();
                }
                let whom = match (&to, logins.as_slice()) {
                    (Some(address), [one]) => format!("{one} at {address}"),
                    _ => format!("{}: {}", count(logins.len(), "user"), names(&logins)),
                };
                let text = format!(
                    "Mail a one-time reset link to {whom}? Through it they choose their own password; the link works once and expires, and any older link stops working."
                );
                m.popups.push(Popup::from(Confirm::new(
                    "Mail reset link",
                    text,
                    "Send",
                    Call::MailResetLinks { logins },
                )));
            }
            // Confirmations of an action on the selected user.
            // In the list: the marked users, or the selected one.
            Cmd::TempPassword if m.detail.is_none() => {
                let logins = m.users.targets();
                if logins.is_empty() {
                    return Vec::new();
                }
                // Which of them are shared first: the question names them.
                m.asking = Some(logins.clone());
                return vec![self.call(Waiter::Shared, Call::SharedLogins { logins })];
            }
            Cmd::Unlock | Cmd::Disable | Cmd::Enable if m.detail.is_none() => {
                let logins = m.users.targets();
                if logins.is_empty() {
                    return Vec::new();
                }
                let (n, who) = (logins.len(), names(&logins));
                let (title, text, button, call) = match cmd {
                    Cmd::Unlock => (
                        "Unlock",
                        format!(
                            "Unlock {} and clear their failed attempts: {who}?",
                            count(n, "account")
                        ),
                        "Unlock",
                        Call::UnlockMany { logins },
                    ),
                    Cmd::Disable => (
                        "Disable",
                        format!(
                            "Disable {}: {who}? They can no longer sign in anywhere, and their sessions and reset tokens end.",
                            count(n, "user")
                        ),
                        "Disable",
                        Call::SetDisabledMany {
                            logins,
                            disabled: true,
                        },
                    ),
                    _ => (
                        "Enable",
                        format!("Enable {} again: {who}?", count(n, "user")),
                        "Enable",
                        Call::SetDisabledMany {
                            logins,
                            disabled: false,
                        },
                    ),
                };
                m.popups
                    .push(Popup::from(Confirm::new(title, text, button, call)));
            }
            // In the detail view: its user.
            Cmd::TempPassword | Cmd::ResetToken | Cmd::Unlock => {
                let Some(login) = target else {
                    return Vec::new();
                };
                // Like the password dialog, name who else uses the login.
                let shared: Vec<(String, Vec<String>)> = m
                    .detail
                    .as_ref()
                    .and_then(|d| d.data.as_ref())
                    .filter(|d| !d.holders.is_empty())
                    .map(|d| {
                        let people = d.holders.iter().map(|h| h.name.clone()).collect();
                        vec![(login.clone(), people)]
                    })
                    .unwrap_or_default();
                let (title, text, button, call) = match cmd {
                    Cmd::TempPassword => (
                        "Temporary password",
                        format!(
                            "Give {login} a generated temporary password? Their current password stops working; they must choose a new one at next sign-in.{}",
                            shared_warning(&shared)
                        ),
                        "Generate",
                        Call::TempPassword { login },
                    ),
                    Cmd::ResetToken => (
                        "Reset token",
                        format!(
                            "Issue a one-time reset token for {login}? Any older token stops working.{}",
                            shared_warning(&shared)
                        ),
                        "Issue",
                        Call::ResetToken { login },
                    ),
                    _ => (
                        "Unlock",
                        format!("Unlock {login} and clear their failed attempts?"),
                        "Unlock",
                        Call::Unlock { login },
                    ),
                };
                m.popups
                    .push(Popup::from(Confirm::new(title, text, button, call)));
            }
            Cmd::ToggleDisabled => {
                let Some(d) = m.detail.as_ref().and_then(|d| d.data.as_ref()) else {
                    return Vec::new();
                };
                let login = d.summary.login.clone();
                let disable = d.summary.status != crate::domain::Status::Disabled;
                let text = if disable {
                    format!(
                        "Disable {login}? They can no longer sign in anywhere, and their sessions and reset tokens end."
                    )
                } else {
                    format!("Enable {login} again?")
                };
                m.popups.push(Popup::from(Confirm::new(
                    if disable {
                        "Disable account"
                    } else {
                        "Enable account"
                    },
                    text,
                    if disable { "Disable" } else { "Enable" },
                    Call::SetDisabled {
                        login,
                        disabled: disable,
                    },
                )));
            }
            Cmd::Delete => {
                let Some(d) = m.detail.as_ref().and_then(|d| d.data.as_ref()) else {
                    return Vec::new();
                };
                let login = d.summary.login.clone();
                let mut confirm = TypeConfirm::new(
                    "Delete user",
                    format!(
                        "Delete {login} ({}) with their grants, holders and password history? This cannot be undone.",
                        d.summary.name
                    ),
                    &login,
                    Call::Delete {
                        login: login.clone(),
                    },
                );
                confirm.closes_detail = true;
                m.popups.push(Popup::from(confirm));
            }
            Cmd::Holders => {
                let Some(d) = m.detail.as_ref().and_then(|d| d.data.as_ref()) else {
                    return Vec::new();
                };
                m.popups.push(Popup::from(HoldersDialog::new(
                    &d.summary.login,
                    d.holders.clone(),
                )));
            }
            Cmd::Grants => {
                let Some(d) = m.detail.as_ref().and_then(|d| d.data.as_ref()) else {
                    return Vec::new();
                };
                let mut dialog = GrantsDialog::new(&d.summary.login);
                let grants = d.resources.clone();
                match &m.form_data {
                    Some(fd) => {
                        dialog.fill(&fd.resources, &grants);
                        m.popups.push(Popup::from(dialog));
                    }
                    None => {
                        m.popups.push(Popup::from(dialog));
                        return self.load_form_data();
                    }
                }
            }
            // Audit-pane commands do nothing elsewhere; disable and enable
            // of one user in the detail view are `d`; the rest are popups'.
            Cmd::Verify
            | Cmd::Export
            | Cmd::CycleLevel
            | Cmd::Revoke
            | Cmd::ResourceInUsers
            | Cmd::Disable
            | Cmd::Enable
            | Cmd::Save
            | Cmd::Cancel
            | Cmd::NextField
            | Cmd::PrevField
            | Cmd::Reveal
            | Cmd::Generate
            | Cmd::Reload
            | Cmd::NextChoice
            | Cmd::PrevChoice
            | Cmd::SwitchButton
            | Cmd::Yes
            | Cmd::No
            | Cmd::Add
            | Cmd::Remove
            | Cmd::Complete => {}
            Cmd::BulkReset => {
                let (policy, resources) = match &m.form_data {
                    Some(fd) => (fd.staff_policy.clone(), fd.resources.clone()),
                    None => (Default::default(), Vec::new()),
                };
                let dialog = BulkResetDialog::new(policy, resources);
                let request = dialog.request();
                m.popups.push(Popup::from(dialog));
                return self.call_for_top(Call::BulkCount { request });
            }
            Cmd::ChangeOwnPassword => {
                let login = m.session.actor.login.clone();
                m.popups.push(Popup::from(ChangeOwnDialog::default()));
                return self.call_for_top(Call::PasswordContext { login });
            }
        }
        self.prefetch()
    }
}
