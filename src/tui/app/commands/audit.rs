//! The Audit pane's commands: moving through the trail (paged as the
//! selection nears the end), the filter, an entry's details, verifying the
//! chain and exporting.

use super::super::*;

impl App {
    /// Commands in the Audit pane; `None` for the ones handled everywhere.
    pub(in crate::tui::app) fn audit_command(&mut self, cmd: Cmd) -> Option<Vec<Effect>> {
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
            c if keys::is_move(c) => {
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
            Cmd::Yank => {
                if let Some(target) = a.selected_entry().map(|e| e.target.clone()) {
                    return Some(self.copy(target));
                }
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
}
