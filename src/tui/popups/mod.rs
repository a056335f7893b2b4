//! Popups stack over the panes; the topmost gets the keys and Esc closes it.

pub mod access;
pub mod bulk_reset;
pub mod change_own;
pub mod help;
pub mod messages;
pub mod palette;
pub mod password;
pub mod policy_form;
pub mod resource_forms;
pub mod simple;
pub mod step_up;
pub mod user_form;

use super::effect::Call;

/// What a popup asks for after a key.
#[derive(Debug)]
pub enum Out {
    None,
    Close,
    /// Run this call; the popup waits for the answer.
    Call(Call),
    /// A palette command and its argument.
    Palette(&'static str, String),
    /// Close this popup and the form under it (a confirmed "Discard
    /// changes?").
    Discard,
}

#[derive(Debug)]
pub enum Popup {
    Help {
        scroll: u16,
    },
    /// The message log (`L`), newest first.
    Messages {
        scroll: u16,
    },
    Palette(palette::Palette),
    Message(simple::Message),
    Confirm(simple::Confirm),
    TypeConfirm(simple::TypeConfirm),
    Secret(simple::SecretBox),
    Password(password::PasswordDialog),
    UserForm(Box<user_form::UserForm>),
    Holders(access::HoldersDialog),
    Grants(access::GrantsDialog),
    ChangeOwn(change_own::ChangeOwnDialog),
    StepUp(step_up::StepUpDialog),
    BulkReset(Box<bulk_reset::BulkResetDialog>),
    PolicyForm(Box<policy_form::PolicyForm>),
    NewPolicy(policy_form::NewPolicyPrompt),
    ResourceForm(resource_forms::ResourceForm),
    UserPicker(Box<resource_forms::UserPicker>),
}

impl Popup {
    /// The request this popup waits for, if any.
    pub fn pending(&self) -> Option<u64> {
        match self {
            Popup::Confirm(p) => p.pending,
            Popup::TypeConfirm(p) => p.pending,
            Popup::Password(p) => p.pending.or(p.loading),
            Popup::UserForm(p) => p.pending.or(p.loading),
            Popup::Holders(p) => p.pending,
            Popup::Grants(p) => p.pending.or(p.loading),
            Popup::ChangeOwn(p) => p.pending.or(p.loading),
            Popup::StepUp(p) => p.pending,
            Popup::BulkReset(p) => p.pending,
            Popup::PolicyForm(p) => p.pending,
            Popup::NewPolicy(p) => p.pending,
            Popup::ResourceForm(p) => p.pending,
            Popup::UserPicker(p) => p.pending,
            _ => None,
        }
    }

    /// Marks the popup as waiting for `id`.
    pub fn set_pending(&mut self, id: Option<u64>) {
        match self {
            Popup::Confirm(p) => p.pending = id,
            Popup::TypeConfirm(p) => p.pending = id,
            Popup::Password(p) => p.pending = id,
            Popup::UserForm(p) => p.pending = id,
            Popup::Holders(p) => p.pending = id,
            Popup::Grants(p) => p.pending = id,
            Popup::ChangeOwn(p) => p.pending = id,
            Popup::StepUp(p) => p.pending = id,
            Popup::BulkReset(p) => p.pending = id,
            Popup::PolicyForm(p) => p.pending = id,
            Popup::NewPolicy(p) => p.pending = id,
            Popup::ResourceForm(p) => p.pending = id,
            Popup::UserPicker(p) => p.pending = id,
            _ => {}
        }
    }

    /// Shows an error inside the popup, keeping what was typed.
    pub fn failed(&mut self, why: String) -> bool {
        match self {
            Popup::Confirm(p) => {
                p.pending = None;
                p.error = Some(why);
            }
            Popup::TypeConfirm(p) => {
                p.pending = None;
                p.error = Some(why);
            }
            Popup::Password(p) => p.failed(why),
            Popup::UserForm(p) => p.failed(why),
            Popup::Holders(p) => p.failed(why),
            Popup::Grants(p) => p.failed(why),
            Popup::ChangeOwn(p) => p.failed(why),
            Popup::StepUp(p) => p.failed(why),
            Popup::BulkReset(p) => p.failed(why),
            Popup::PolicyForm(p) => p.failed(why),
            Popup::NewPolicy(p) => {
                p.pending = None;
                p.error = Some(why);
            }
            Popup::ResourceForm(p) => {
                p.pending = None;
                p.error = Some(why);
            }
            Popup::UserPicker(p) => {
                p.pending = None;
                p.error = Some(why);
            }
            _ => return false,
        }
        true
    }

    /// The new password this popup is typed into, if any.
    pub fn new_password(&mut self) -> Option<&mut crate::tui::new_password::NewPassword> {
        match self {
            Popup::Password(p) => Some(&mut p.pw),
            Popup::UserForm(p) => Some(&mut p.pw),
            Popup::ChangeOwn(p) => Some(&mut p.pw),
            Popup::BulkReset(p) => Some(&mut p.pw),
            _ => None,
        }
    }

    /// Whether the user changed something that closing would throw away:
    /// Esc then asks first.
    pub fn edited(&self) -> bool {
        match self {
            Popup::Password(p) => !p.pw.new.is_empty() || !p.pw.confirm.is_empty(),
            Popup::UserForm(p) => p.edited(),
            Popup::ChangeOwn(p) => {
                !p.current.is_empty() || !p.pw.new.is_empty() || !p.pw.confirm.is_empty()
            }
            Popup::BulkReset(p) => p.edited(),
            Popup::PolicyForm(p) => p.edited(),
            Popup::ResourceForm(p) => p.edited(),
            _ => false,
        }
    }

    /// Whether this popup holds typed input that closing would lose.
    pub fn has_input(&self) -> bool {
        matches!(
            self,
            Popup::Password(_)
                | Popup::UserForm(_)
                | Popup::ChangeOwn(_)
                | Popup::TypeConfirm(_)
                | Popup::Palette(_)
                | Popup::StepUp(_)
                | Popup::BulkReset(_)
                | Popup::PolicyForm(_)
                | Popup::NewPolicy(_)
                | Popup::ResourceForm(_)
                | Popup::UserPicker(_)
        ) || matches!(self, Popup::Holders(h) if h.adding.is_some())
    }
}
