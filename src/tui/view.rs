//! One shape for every popup: what it does with a key, a paste and an
//! answer to its own request, how it draws, and the table of its keys (from
//! which the status line and the help overlay are drawn). The app keeps a
//! stack of popups and talks to the top one (keys, pastes) or to the one
//! that waits for a request (answers) only through this trait, so adding a
//! popup is its own file and one line in the registry (popups/mod.rs);
//! nothing else dispatches on which popup it is.
//!
//! Answers travel by request id: a popup asks for a call (`Out::Call`), the
//! app sends it and tells the popup its id (`sent`), and the answer goes to
//! the popup that `waits_for` that id; one nobody waits for any more is
//! dropped (it was superseded or its popup closed).

use super::app::{Logged, friendly};
use super::effect::{Call, FormChoices, Reply};
use super::fields::Pasted;
use super::keys::{Binding, Sections};
use super::new_password::NewPassword;
use super::popups::Popup;
use super::theme::Theme;
use crate::domain::Role;
use crate::error::Error;
use crate::service::Actor;
use crate::service::views::UserDetail;
use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use std::collections::VecDeque;

/// What a view asks the app to do after a key, a paste or an answer.
#[derive(Debug)]
pub enum Out {
    None,
    /// Close this popup (asking first when it holds changes: see `edited`).
    Close,
    /// Run this call; the app tells the popup its request id (`sent`).
    Call(Call),
    /// A palette command and its argument.
    Palette(&'static str, String),
    /// Close this popup and the form under it (a confirmed "Discard
    /// changes?").
    Discard,
    /// A change was made: note it in the status line, close the popup
    /// unless it `stays` to make more, and show the change everywhere.
    Done {
        note: String,
        stays: bool,
        detail: DetailAfter,
    },
    /// Show this popup in place of this one (a secret just generated).
    Replace(Popup),
    /// Show this popup over this one (the password, when a change needs it).
    Push(Popup),
    /// Something the app must handle: the database is gone, the session
    /// ended, or a message to show.
    Error(Error),
    /// The administrator proved their password again: the session's new
    /// step-up time. The popup closes.
    SteppedUp(Actor),
    /// Copy this to the clipboard; the note says what it was (never the
    /// text itself: it may be a secret).
    Copy {
        text: zeroize::Zeroizing<String>,
        what: String,
    },
}

/// What a change does to the user detail view under the popup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DetailAfter {
    Keep,
    /// The user is gone.
    Close,
    /// The user's login is now this.
    Rename(String),
}

/// What a popup may read while drawing.
pub struct Ctx<'a> {
    pub theme: &'a Theme,
    pub now: DateTime<Utc>,
    pub role: Role,
    /// The key tables of the view under the popups (for help).
    pub sections: &'a [(&'static str, &'static [Binding])],
    /// The message log (for the messages popup).
    pub log: &'a VecDeque<Logged>,
}

/// Every popup is one of these.
pub trait View: std::fmt::Debug {
    /// Its key tables (they may change with what has focus), for its key
    /// handling, the status line and help; the hints it draws come from
    /// the same tables.
    fn keys(&self) -> Sections;

    fn key(&mut self, key: &KeyEvent) -> Out;

    fn paste(&mut self, _text: &str) -> Pasted {
        Ok(())
    }

    fn render(&self, frame: &mut Frame, area: Rect, ctx: &Ctx);

    /// Whether it waits for request `id`.
    fn waits_for(&self, _id: u64) -> bool {
        false
    }

    /// The call it asked for last has request id `id`.
    fn sent(&mut self, _id: u64, _now: DateTime<Utc>) {}

    /// An answer to a request it waits for. The usual handling (a change
    /// done, a secret to show, an error shown in the popup) is
    /// [`usual_reply`]; popups that stay open or load data add their own.
    fn reply(&mut self, id: u64, reply: Reply) -> Out {
        let _ = id;
        usual_reply(self, reply)
    }

    /// Shows an error inside the popup, keeping what was typed; false if
    /// it has nowhere to show one (the app then shows a message).
    fn failed(&mut self, _why: String) -> bool {
        false
    }

    /// Its request will not be answered (the database is gone): it takes
    /// keys again.
    fn stop_waiting(&mut self) {}

    /// Whether Esc would throw away a change: it then asks first.
    fn edited(&self) -> bool {
        false
    }

    /// The new password typed in it, whose checklist the worker computes.
    fn new_password(&mut self) -> Option<&mut NewPassword> {
        None
    }

    /// The policies and resources arrived (forms that offer them).
    fn form_choices(&mut self, _choices: &FormChoices, _detail: Option<&UserDetail>) {}

    /// A user was read again (dialogs showing parts of that user).
    fn user_detail(&mut self, _detail: &UserDetail, _choices: Option<&FormChoices>) {}

    /// How many users each policy governs (by name) was counted.
    fn policy_counts(&mut self, _counts: &[(String, i64)]) {}

    /// A long call it started has come this far.
    fn progress(&mut self, _done: u64, _total: u64) {}

    /// On each tick while it is on top: a call to read its data again
    /// (views that follow something live).
    fn refresh(&mut self, _now: DateTime<Utc>) -> Option<Call> {
        None
    }
}

/// The request bookkeeping of a popup that waits for one request at a time
/// in its `pending` field and shows errors in its `error` field: expands to
/// `waits_for`, `sent`, `failed` and `stop_waiting` inside its `impl View`.
macro_rules! one_request {
    () => {
        fn waits_for(&self, id: u64) -> bool {
            self.pending == Some(id)
        }

        fn sent(&mut self, id: u64, _now: chrono::DateTime<chrono::Utc>) {
            self.pending = Some(id);
        }

        fn failed(&mut self, why: String) -> bool {
            self.pending = None;
            self.error = Some(why);
            true
        }

        fn stop_waiting(&mut self) {
            self.pending = None;
        }
    };
}
pub(crate) use one_request;

/// The same for the dialogs that first load whom a new password is for
/// (`target`, via `loading`) and then save it (`pending`), with `loaded`:
/// also expands `reply`, which takes the target.
macro_rules! target_then_save {
    () => {
        fn waits_for(&self, id: u64) -> bool {
            self.pending == Some(id) || self.loading == Some(id)
        }

        fn sent(&mut self, id: u64, _now: chrono::DateTime<chrono::Utc>) {
            if self.target.is_none() {
                self.loading = Some(id);
            } else {
                self.pending = Some(id);
            }
        }

        fn reply(&mut self, _id: u64, reply: crate::tui::effect::Reply) -> crate::tui::view::Out {
            match reply {
                crate::tui::effect::Reply::PasswordContext(Ok(target)) => {
                    self.loaded(target);
                    crate::tui::view::Out::None
                }
                other => crate::tui::view::usual_reply(self, other),
            }
        }

        fn failed(&mut self, why: String) -> bool {
            self.pending = None;
            self.loading = None;
            self.error = Some(why);
            true
        }

        fn stop_waiting(&mut self) {
            self.pending = None;
            self.loading = None;
        }
    };
}
pub(crate) use target_then_save;

/// The usual answer handling: a change done closes the popup with a note; a
/// secret replaces it; a renewed step-up closes it; an error is shown in
/// the popup (or as a message), except a lost database or session, which
/// the app handles, and a change that needs the password again, which asks
/// for it over the popup.
pub fn usual_reply<V: View + ?Sized>(view: &mut V, reply: Reply) -> Out {
    match reply {
        Reply::Done(Ok(note)) => Out::Done {
            note,
            stays: false,
            detail: DetailAfter::Keep,
        },
        Reply::Secret(Ok(secrets)) => {
            Out::Replace(Popup::from(super::popups::simple::SecretBox::new(secrets)))
        }
        Reply::SteppedUp(Ok(actor)) => Out::SteppedUp(actor),
        Reply::Done(Err(e))
        | Reply::Secret(Err(e))
        | Reply::SteppedUp(Err(e))
        | Reply::PasswordContext(Err(e))
        | Reply::FormChoices(Err(e))
        | Reply::Users(Err(e))
        | Reply::User(Err(e))
        | Reply::Count(Err(e)) => error_reply(view, e),
        // An answer of a kind this popup never asks for.
        other => Out::Error(Error::Internal(format!(
            "an answer nobody asked for: {}",
            reply_name(&other)
        ))),
    }
}

/// An answer to a popup that stays open after a change to make more
/// (holders, grants): like [`usual_reply`], but a change done keeps it.
pub fn staying_reply<V: View + ?Sized>(view: &mut V, reply: Reply) -> Out {
    match usual_reply(view, reply) {
        Out::Done { note, detail, .. } => Out::Done {
            note,
            stays: true,
            detail,
        },
        out => out,
    }
}

/// An error answered to a popup's request (see [`usual_reply`]).
pub fn error_reply<V: View + ?Sized>(view: &mut V, e: Error) -> Out {
    if e.is_unavailable() || matches!(e, Error::Unauthenticated(_)) {
        view.stop_waiting();
        return Out::Error(e);
    }
    let step_up = matches!(e, Error::StepUpRequired(_));
    let text = friendly(&e);
    if !view.failed(text) {
        return Out::Error(e);
    }
    if step_up {
        // Ask for the password now; the form stays open underneath.
        return Out::Push(Popup::from(super::popups::step_up::StepUpDialog::default()));
    }
    Out::None
}

/// The variant's name, for an answer that arrives where it makes no sense.
fn reply_name(reply: &Reply) -> String {
    let text = format!("{reply:?}");
    text.split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .to_string()
}
