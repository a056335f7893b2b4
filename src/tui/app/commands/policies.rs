//! The Policies pane's commands: open a policy's form, copy one, delete one.

use super::super::*;

impl App {
    /// Commands in the Policies pane; `None` for the ones handled everywhere.
    pub(in crate::tui::app) fn policies_command(&mut self, cmd: Cmd) -> Option<Vec<Effect>> {
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
            c if keys::is_move(c) => pane.move_by(keys::step(cmd, height), height),
            Cmd::Open => {
                if let Some(p) = pane.selected_policy() {
                    let form = PolicyForm::new(p, pane.users(p), !may_edit);
                    m.popups.push(Popup::from(form));
                }
            }
            Cmd::Yank => {
                if let Some(name) = pane.selected_policy().map(|p| p.name.clone()) {
                    return Some(self.copy(name));
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
}
