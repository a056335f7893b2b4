//! The Lockouts pane's commands: moving the window, marks, the failures
//! filter, unlocking, and opening an account in the Users pane.

use super::super::*;

impl App {
    /// Commands in the Lockouts pane; `None` for the ones handled everywhere.
    pub(in crate::tui::app) fn lockouts_command(&mut self, cmd: Cmd) -> Option<Vec<Effect>> {
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
            Cmd::Yank => {
                if let Some(login) = l.accounts.get(l.selected).map(|u| u.login.clone()) {
                    return Some(self.copy(login));
                }
            }
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
