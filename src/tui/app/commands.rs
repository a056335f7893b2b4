//! What the console does for a command: the key table's commands
//! (`App::command`), each pane's own commands, the command palette, and
//! what a closing popup asks for. Split from app.rs, whose state machine
//! calls these.

use super::*;

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
            Cmd::Open => {
                if let Some(login) = m.users.selected_row().map(|r| r.login.clone()) {
                    m.detail = Some(DetailView::new(&login));
                    return vec![self.load_detail(login)];
                }
            }
            Cmd::Back => {
                if m.detail.take().is_none() && m.pane == Pane::Users {
                    let u = &mut m.users;
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
            Cmd::CycleStatus | Cmd::CycleKind | Cmd::CycleRole | Cmd::CycleSort => {
                match cmd {
                    Cmd::CycleStatus => m.users.cycle_status(),
                    Cmd::CycleKind => m.users.cycle_kind(),
                    Cmd::CycleRole => m.users.cycle_role(),
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
                        // Open the detail first so the form has the stored version.
                        m.detail = Some(DetailView::new(&login));
                        return vec![self.load_detail(login)];
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
                let disable = d.summary.status != "disabled";
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

    /// Sends a call for the topmost popup (its data, as it opens): the
    /// answer goes to it.
    pub(super) fn call_for_top(&mut self, call: Call) -> Vec<Effect> {
        let now = self.now;
        let effect = self.call(Waiter::Popup, call);
        if let (Effect::Call { id, .. }, Some(m)) = (&effect, self.main())
            && let Some(top) = m.popups.last_mut()
        {
            top.view_mut().sent(*id, now);
        }
        vec![effect]
    }

    /// Reads the policies and resources forms offer (every open popup gets
    /// them: `View::form_choices`).
    fn load_form_data(&mut self) -> Vec<Effect> {
        vec![self.call(Waiter::FormChoices, Call::FormChoices)]
    }

    /// What the popup at `index` asked for (after a key, a paste or an
    /// answer): the one place where popups' requests become effects.
    pub(super) fn popup_out(&mut self, index: usize, out: Out) -> Vec<Effect> {
        let now = self.now;
        let Some(m) = self.main() else {
            return Vec::new();
        };
        if index >= m.popups.len() {
            return Vec::new();
        }
        match out {
            Out::None => Vec::new(),
            Out::Close => {
                if m.popups[index].view().edited() {
                    // Esc on an edited form asks first, Cancel focused.
                    m.popups.push(Popup::from(Confirm::discard()));
                } else {
                    m.popups.remove(index);
                }
                Vec::new()
            }
            Out::Discard => {
                // The question, then the form under it (dropping it wipes
                // its secrets).
                m.popups.truncate(index.saturating_sub(1));
                Vec::new()
            }
            Out::Call(call) => {
                let effect = self.call(Waiter::Popup, call);
                if let (Effect::Call { id, .. }, Some(m)) = (&effect, self.main())
                    && let Some(p) = m.popups.get_mut(index)
                {
                    p.view_mut().sent(*id, now);
                }
                vec![effect]
            }
            Out::Palette(name, arg) => {
                m.popups.remove(index);
                self.palette(name, &arg)
            }
            Out::Done {
                note,
                stays,
                detail,
            } => {
                if !stays {
                    // Dropping the dialog wipes any password it held.
                    m.popups.remove(index);
                }
                match detail {
                    DetailAfter::Keep => {}
                    DetailAfter::Close => m.detail = None,
                    DetailAfter::Rename(login) => {
                        if let Some(view) = m.detail.as_mut() {
                            view.login = login;
                        }
                    }
                }
                m.say(note, now);
                // The change shows at once everywhere it appears.
                self.refresh()
            }
            Out::Replace(popup) => {
                m.popups[index] = popup;
                self.refresh()
            }
            Out::Push(popup) => {
                m.popups.push(popup);
                Vec::new()
            }
            Out::SteppedUp(actor) => {
                m.popups.remove(index);
                m.session.actor = actor;
                m.say("confirmed; save again to apply your change", now);
                Vec::new()
            }
            Out::Error(e) => self.error(e),
        }
    }

    fn palette(&mut self, name: &str, arg: &str) -> Vec<Effect> {
        let Some(m) = self.main() else {
            return Vec::new();
        };
        match name {
            "users" => m.pane = Pane::Users,
            "resources" => m.pane = Pane::Resources,
            "policies" => m.pane = Pane::Policies,
            "lockouts" => m.pane = Pane::Lockouts,
            "audit" => m.pane = Pane::Audit,
            "quit" => return vec![Effect::Quit],
            "help" => m.popups.push(Popup::from(Help::default())),
            "refresh" => return self.refresh(),
            "new" => return self.command(Cmd::NewUser),
            "password" => return self.command(Cmd::ChangeOwnPassword),
            "reset-all" => return self.command(Cmd::BulkReset),
            "find" => {
                m.pane = Pane::Users;
                m.detail = None;
                m.users.search = arg.to_string();
                m.users.filter = crate::tui::fields::TextField::with(arg, 128);
                return self.reload_users();
            }
            "resource" => {
                m.pane = Pane::Users;
                m.detail = None;
                m.users.resource = Some(arg.to_string()).filter(|a| !a.is_empty());
                return self.reload_users();
            }
            "clear" => {
                m.detail = None;
                m.users.search.clear();
                m.users.filter.clear();
                m.users.status = None;
                m.users.kind = None;
                m.users.role = None;
                m.users.resource = None;
                return self.reload_users();
            }
            _ => {}
        }
        Vec::new()
    }

    /// Commands in the Audit pane; `None` for the ones handled everywhere.
    fn audit_command(&mut self, cmd: Cmd) -> Option<Vec<Effect>> {
        if is_global(cmd) {
            return None;
        }
        let height = self.table_height();
        let now = self.now;
        let dir = self.export_dir.clone();
        let m = self.main()?;
        if !can_audit(m) {
            return Some(Vec::new());
        }
        let a = &mut m.audit;
        match cmd {
            Cmd::Up
            | Cmd::Down
            | Cmd::Top
            | Cmd::Bottom
            | Cmd::PageUp
            | Cmd::PageDown
            | Cmd::HalfUp
            | Cmd::HalfDown => {
                a.move_by(keys::step(cmd, height), height);
                if cmd == Cmd::Bottom {
                    // The last entry loaded: G does not page through the
                    // whole trail.
                    a.queued = 0;
                }
            }
            Cmd::Filter => {
                a.editing_filter = true;
                a.filter = crate::tui::fields::TextField::with(&a.search, 128);
            }
            Cmd::Back => {
                if !a.search.is_empty() {
                    a.filter.clear();
                    a.debounce_until = Some(now);
                }
            }
            Cmd::Open => {
                let Some(entry) = a.selected_entry() else {
                    return Some(Vec::new());
                };
                let text = details_text(entry);
                m.popups.push(Popup::from(Message {
                    title: "Audit entry".into(),
                    text,
                    error: false,
                }));
            }
            Cmd::Verify => {
                a.verdict = Some(("verifying…".into(), true));
                return Some(vec![self.call(Waiter::Verdict, Call::VerifyAudit)]);
            }
            Cmd::Export => {
                let filter = a.search.clone();
                return Some(vec![
                    self.call(Waiter::Note, Call::ExportAudit { filter, dir }),
                ]);
            }
            _ => return None,
        }
        // Load the next page as the selection nears the end.
        let m = self.main()?;
        if m.audit.wants_more() {
            m.audit.loading = true;
            let call = Call::Audit {
                filter: m.audit.search.clone(),
                before: m.audit.before(),
            };
            return Some(vec![self.call(Waiter::Audit { append: true }, call)]);
        }
        Some(Vec::new())
    }

    /// Commands in the Resources pane (list and access view); `None` for
    /// the ones handled everywhere.
    fn resources_command(&mut self, cmd: Cmd) -> Option<Vec<Effect>> {
        if is_global(cmd) {
            return None;
        }
        let height = self.table_height();
        let m = self.main()?;
        let pane = &mut m.resources;
        match cmd {
            Cmd::Up
            | Cmd::Down
            | Cmd::Top
            | Cmd::Bottom
            | Cmd::PageUp
            | Cmd::PageDown
            | Cmd::HalfUp
            | Cmd::HalfDown => pane.move_by(keys::step(cmd, height), height),
            Cmd::Back => pane.access = None,
            Cmd::Open if pane.access.is_none() => {
                if let Some(name) = pane.selected_resource().map(|r| r.name.clone()) {
                    pane.access = Some(AccessView {
                        resource: name.clone(),
                        ..Default::default()
                    });
                    return Some(vec![
                        self.call(Waiter::Access, Call::ResourceUsers { name }),
                    ]);
                }
            }
            Cmd::NewUser if pane.access.is_none() => {
                m.popups.push(Popup::from(ResourceForm::new(None)))
            }
            Cmd::EditUser if pane.access.is_none() => {
                if let Some(r) = pane.selected_resource() {
                    let form = ResourceForm::new(Some((&r.name, &r.description)));
                    m.popups.push(Popup::from(form));
                }
            }
            Cmd::Delete if pane.access.is_none() => {
                if let Some(r) = pane.selected_resource() {
                    let text = format!(
                        "Delete the resource {}? {} users lose access to it.",
                        r.name, r.users
                    );
                    let call = Call::DeleteResource {
                        name: r.name.clone(),
                    };
                    m.popups.push(Popup::from(Confirm::new(
                        "Delete resource",
                        text,
                        "Delete",
                        call,
                    )));
                }
            }
            Cmd::Grants => {
                if let Some(a) = &pane.access {
                    let picker = UserPicker::new(&a.resource);
                    let search = picker.search_call();
                    m.popups.push(Popup::from(picker));
                    return Some(self.call_for_top(search));
                }
            }
            Cmd::CycleLevel => {
                if let (Some(a), Some(g)) = (&pane.access, pane.selected_grant()) {
                    let levels = crate::domain::AccessLevel::ALL;
                    let i = levels
                        .iter()
                        .position(|l| l.as_str() == g.level)
                        .unwrap_or(0);
                    let call = Call::Grant {
                        login: g.login.clone(),
                        resource: a.resource.clone(),
                        level: Some(levels[(i + 1) % levels.len()]),
                    };
                    return Some(vec![self.call(Waiter::Note, call)]);
                }
            }
            Cmd::Revoke => {
                if let (Some(a), Some(g)) = (&pane.access, pane.selected_grant()) {
                    let text = format!("Revoke {}'s access to {}?", g.login, a.resource);
                    let call = Call::Grant {
                        login: g.login.clone(),
                        resource: a.resource.clone(),
                        level: None,
                    };
                    m.popups.push(Popup::from(Confirm::new(
                        "Revoke access",
                        text,
                        "Revoke",
                        call,
                    )));
                }
            }
            // Users-pane commands mean nothing here.
            _ => {}
        }
        Some(Vec::new())
    }

    /// Commands in the Policies pane; `None` for the ones handled everywhere.
    fn policies_command(&mut self, cmd: Cmd) -> Option<Vec<Effect>> {
        if is_global(cmd) {
            return None;
        }
        let height = self.table_height();
        let m = self.main()?;
        let may_edit = crate::domain::rights::check(
            m.session.actor.role,
            crate::domain::rights::Action::ManagePolicies,
            None,
        )
        .is_ok();
        let pane = &mut m.policies;
        match cmd {
            Cmd::Up
            | Cmd::Down
            | Cmd::Top
            | Cmd::Bottom
            | Cmd::PageUp
            | Cmd::PageDown
            | Cmd::HalfUp
            | Cmd::HalfDown => pane.move_by(keys::step(cmd, height), height),
            Cmd::Open => {
                if let Some(p) = pane.selected_policy() {
                    let form = PolicyForm::new(p, pane.users(p), !may_edit);
                    m.popups.push(Popup::from(form));
                }
            }
            Cmd::NewUser => {
                if let Some(p) = pane.selected_policy() {
                    let prompt = NewPolicyPrompt::new(&p.name);
                    m.popups.push(Popup::from(prompt));
                }
            }
            Cmd::Delete => {
                if let Some(p) = pane.selected_policy() {
                    let text = format!(
                        "Delete the policy {}? It must govern nobody (it governs {} users).",
                        p.name, p.users
                    );
                    let call = Call::DeletePolicy {
                        name: p.name.clone(),
                    };
                    m.popups.push(Popup::from(Confirm::new(
                        "Delete policy",
                        text,
                        "Delete",
                        call,
                    )));
                }
            }
            // Users-pane commands mean nothing here.
            _ => {}
        }
        Some(Vec::new())
    }

    /// Commands in the Lockouts pane; `None` for the ones handled everywhere.
    fn lockouts_command(&mut self, cmd: Cmd) -> Option<Vec<Effect>> {
        if is_global(cmd) {
            return None;
        }
        let height = self.lockouts_height();
        let m = self.main()?;
        let l = &mut m.lockouts;
        match cmd {
            Cmd::Up => l.move_by(-1, height),
            Cmd::Down => l.move_by(1, height),
            Cmd::Top => {
                if let Some(fetch) = l.first(height) {
                    return Some(vec![self.fetch_lockouts(fetch)]);
                }
            }
            Cmd::Bottom => {
                if let Some(fetch) = l.last(height) {
                    return Some(vec![self.fetch_lockouts(fetch)]);
                }
            }
            Cmd::PageUp | Cmd::PageDown | Cmd::HalfUp | Cmd::HalfDown => {
                l.move_by(keys::step(cmd, height), height)
            }
            Cmd::Mark => {
                l.toggle_mark();
                l.move_by(1, height);
            }
            Cmd::Filter => l.editing_filter = true,
            Cmd::Back => {
                l.marked.clear();
                l.filter.clear();
            }
            Cmd::Unlock => {
                let logins = l.targets();
                if logins.is_empty() {
                    return Some(Vec::new());
                }
                let text = format!(
                    "Unlock {} and clear their failed attempts: {}?",
                    count(logins.len(), "account"),
                    names(&logins)
                );
                m.popups.push(Popup::from(Confirm::new(
                    "Unlock",
                    text,
                    "Unlock",
                    Call::UnlockMany { logins },
                )));
            }
            Cmd::Open => {
                let Some(login) = l.accounts.get(l.selected).map(|u| u.login.clone()) else {
                    return Some(Vec::new());
                };
                m.pane = Pane::Users;
                m.detail = Some(DetailView::new(&login));
                return Some(vec![self.load_detail(login)]);
            }
            // Users-pane commands mean nothing here.
            _ => {}
        }
        Some(self.lockouts_follow())
    }
}
