//! The `:` command palette's commands.

use super::super::*;

impl App {
    pub(in crate::tui::app) fn palette(&mut self, name: &str, arg: &str) -> Vec<Effect> {
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
}
