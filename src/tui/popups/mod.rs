//! Popups stack over the panes; the topmost gets the keys and Esc closes it.
//! Each is a [`View`](crate::tui::view::View) in its own file; the registry
//! below is the one place that lists them, and [`OPENERS`] the ones a key
//! opens by itself. Adding a popup is its own file and a line in each list
//! here (the opener, with its key, is declared in the popup's file).

pub mod access;
pub mod api_keys;
pub mod bulk_reset;
pub mod change_own;
pub mod grant_marked;
pub mod help;
pub mod mail;
pub mod messages;
pub mod palette;
pub mod password;
pub mod policy_form;
pub mod purge;
pub mod resource_forms;
pub mod simple;
pub mod step_up;
pub mod user_form;

use crate::tui::app::Main;
use crate::tui::effect::Call;
use crate::tui::keys::Binding;
pub use crate::tui::view::Out;
use crate::tui::view::View;

/// A popup a key opens from a view, declared in the popup's own file: the
/// key (shown in that view's help and status line, looked up with its
/// other keys), where it applies, and how it opens (the popup, and a call
/// whose answer it waits for).
pub struct Opener {
    pub keys: &'static [Binding],
    pub applies: fn(crate::tui::keys::Place) -> bool,
    pub open: fn(&Main) -> Option<Opened>,
}

/// A popup just opened, and the call whose answer it waits for, if any.
pub type Opened = (Popup, Option<Call>);

/// The popups that open by their own key.
pub const OPENERS: &[&Opener] = &[
    &grant_marked::OPENER,
    &api_keys::OPENER,
    &mail::OPENER,
    &purge::OPENER,
];

/// Lists every popup once: makes the `Popup` enum (one boxed variant per
/// popup, so that tests can match on which one is open), its `From`
/// conversions, and the two accessors through which the app reaches each
/// popup as a `View`.
macro_rules! registry {
    ($($variant:ident($ty:ty),)*) => {
        /// An open popup.
        #[derive(Debug)]
        pub enum Popup {
            $($variant(Box<$ty>),)*
        }

        impl Popup {
            pub fn view(&self) -> &dyn View {
                match self {
                    $(Popup::$variant(p) => p.as_ref(),)*
                }
            }

            pub fn view_mut(&mut self) -> &mut dyn View {
                match self {
                    $(Popup::$variant(p) => p.as_mut(),)*
                }
            }
        }

        $(impl From<$ty> for Popup {
            fn from(p: $ty) -> Popup {
                Popup::$variant(Box::new(p))
            }
        })*
    };
}

registry! {
    Help(help::Help),
    Messages(messages::Messages),
    Palette(palette::Palette),
    Message(simple::Message),
    Confirm(simple::Confirm),
    TypeConfirm(simple::TypeConfirm),
    Secret(simple::SecretBox),
    Password(password::PasswordDialog),
    UserForm(user_form::UserForm),
    Holders(access::HoldersDialog),
    Grants(access::GrantsDialog),
    ChangeOwn(change_own::ChangeOwnDialog),
    StepUp(step_up::StepUpDialog),
    BulkReset(bulk_reset::BulkResetDialog),
    PolicyForm(policy_form::PolicyForm),
    NewPolicy(policy_form::NewPolicyPrompt),
    ResourceForm(resource_forms::ResourceForm),
    UserPicker(resource_forms::UserPicker),
    GrantMarked(grant_marked::GrantMarked),
    Keys(api_keys::KeysDialog),
    Mail(mail::MailView),
    Purge(purge::PurgeView),
}
