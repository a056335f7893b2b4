//! The Resources pane's commands: the list (new, edit, delete) and a
//! resource's access view (grant, change the level, revoke, list its users
//! in the Users pane).

use super::super::*;

impl App {
    /// Commands in the Resources pane (list and access view); `None` for
    /// the ones handled everywhere.
    pub(in crate::tui::app) fn resources_command(&mut self, cmd: Cmd) -> Option<Vec<Effect>> {
        if is_global(cmd) {
            return None;
        }
        let height = self.table_height();
        let m = self.main()?;
        let pane = &mut m.resources;
        match cmd {
            c if keys::is_move(c) => pane.move_by(keys::step(cmd, height), height),
            Cmd::Back => pane.access = None,
            Cmd::Open if pane.access.is_none() => {
                if let Some((name, total)) =
                    pane.selected_resource().map(|r| (r.name.clone(), r.users))
                {
                    pane.access = Some(AccessView {
                        resource: name.clone(),
                        total,
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
            Cmd::Yank => {
                let text = match &pane.access {
                    Some(_) => pane.selected_grant().map(|g| g.login.clone()),
                    None => pane.selected_resource().map(|r| r.name.clone()),
                };
                if let Some(text) = text {
                    return Some(self.copy(text));
                }
            }
            Cmd::ResourceInUsers => {
                let name = match &pane.access {
                    Some(a) => Some(a.resource.clone()),
                    None => pane.selected_resource().map(|r| r.name.clone()),
                };
                if let Some(name) = name {
                    // Only the resource's users: the other filters and
                    // the search would hide some of them.
                    m.pane = Pane::Users;
                    m.detail = None;
                    let users = &mut m.users;
                    users.search.clear();
                    users.filter.clear();
                    users.status = None;
                    users.kind = None;
                    users.role = None;
                    users.resource = Some(name);
                    return Some(self.reload_users());
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
}
