//! What a popup's wish (`Out`) does: the one place where popups' requests,
//! closings and results become effects and state.

use super::super::*;

impl App {
    /// Sends a call for the topmost popup (its data, as it opens): the
    /// answer goes to it.
    pub(in crate::tui::app) fn call_for_top(&mut self, call: Call) -> Vec<Effect> {
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
    pub(in crate::tui::app) fn load_form_data(&mut self) -> Vec<Effect> {
        vec![self.call(Waiter::FormChoices, Call::FormChoices)]
    }

    /// What the popup at `index` asked for (after a key, a paste or an
    /// answer): the one place where popups' requests become effects.
    pub(in crate::tui::app) fn popup_out(&mut self, index: usize, out: Out) -> Vec<Effect> {
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
            Out::Copy { text, what } => {
                m.say(format!("copied {what} to the clipboard"), now);
                vec![Effect::Copy(text)]
            }
        }
    }
}
