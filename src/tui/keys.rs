//! Key bindings: one table per pane and popup. Key handling, the status
//! line and the help overlay all read these tables, so they never disagree
//! (gitui's `commands()`).

use super::panes::Pane;
use crate::domain::Role;
use crate::domain::rights::{self, Action};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmd {
    Quit,
    Help,
    Palette,
    NextPane,
    PrevPane,
    GoPane(Pane),
    Refresh,
    Filter,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    HalfUp,
    HalfDown,
    Open,
    Mark,
    Back,
    NewUser,
    EditUser,
    SetPassword,
    TempPassword,
    ResetToken,
    /// Mail a one-time reset link (the marked users, or the selected one).
    MailResetLink,
    Unlock,
    ToggleDisabled,
    Delete,
    Holders,
    Grants,
    BulkReset,
    CycleLevel,
    Revoke,
    Verify,
    Export,
    CycleStatus,
    CycleKind,
    CycleRole,
    CycleSort,
    ChangeOwnPassword,
    Messages,
    Disable,
    Enable,
    /// Reverse the sort.
    ReverseSort,
    /// Copy the selected login (or target) to the clipboard.
    Yank,
    /// Copy the selected user's email to the clipboard.
    YankEmail,
    /// List a resource's users in the Users pane (every one, with search,
    /// sort and marks).
    ResourceInUsers,
    // In popups.
    /// Save or confirm (a form's OK).
    Save,
    /// Close the popup (asking first if it holds changes).
    Cancel,
    NextField,
    PrevField,
    /// Show or hide what was typed in password fields.
    Reveal,
    /// A generated temporary password instead.
    Generate,
    /// Reload the stored values (after a conflict).
    Reload,
    /// The focused choice's next value.
    NextChoice,
    /// The focused choice's previous value.
    PrevChoice,
    /// Move the focus between the buttons.
    SwitchButton,
    Yes,
    No,
    Add,
    Remove,
    /// Complete the palette's command.
    Complete,
}

/// Whether `cmd` moves the selection of a list (see [`step`]).
pub fn is_move(cmd: Cmd) -> bool {
    step(cmd, 2) != 0
}

/// How many rows a movement command moves in a list `height` rows high
/// (Top and Bottom: past either end, which the list clamps); 0 for any
/// other command.
pub fn step(cmd: Cmd, height: usize) -> isize {
    let page = height as isize;
    match cmd {
        Cmd::Up => -1,
        Cmd::Down => 1,
        Cmd::Top => isize::MIN / 2,
        Cmd::Bottom => isize::MAX / 2,
        Cmd::PageUp => -page,
        Cmd::PageDown => page,
        Cmd::HalfUp => -page / 2,
        Cmd::HalfDown => page / 2,
        _ => 0,
    }
}

/// A key and its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

pub(crate) const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}
pub(crate) const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}
pub(crate) const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

/// What the signed-in role must be allowed to do for a binding to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Nothing,
    Right(Action),
}

/// One row of a key table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    /// Short label for the status line.
    pub label: &'static str,
    /// One line for the help overlay.
    pub help: &'static str,
    pub cmd: Cmd,
    /// Shown in the status line (the rest only in help).
    pub status: bool,
    pub need: Need,
}

pub(crate) const fn b(
    keys: &'static [Key],
    label: &'static str,
    help: &'static str,
    cmd: Cmd,
    status: bool,
) -> Binding {
    Binding {
        keys,
        label,
        help,
        cmd,
        status,
        need: Need::Nothing,
    }
}
const fn r(
    keys: &'static [Key],
    label: &'static str,
    help: &'static str,
    cmd: Cmd,
    action: Action,
) -> Binding {
    Binding {
        keys,
        label,
        help,
        cmd,
        status: true,
        need: Need::Right(action),
    }
}

/// Keys that work wherever no text field has focus.
pub const GLOBAL: &[Binding] = &[
    b(
        &[k('?')],
        "help",
        "show every key of this pane",
        Cmd::Help,
        true,
    ),
    b(
        &[k(':')],
        "command",
        "open the command palette (:users, :lockouts, :quit ...)",
        Cmd::Palette,
        true,
    ),
    b(
        &[code(KeyCode::Tab)],
        "next pane",
        "switch to the next pane",
        Cmd::NextPane,
        false,
    ),
    b(
        &[code(KeyCode::BackTab)],
        "previous pane",
        "switch to the previous pane",
        Cmd::PrevPane,
        false,
    ),
    b(
        &[k('1')],
        "Users",
        "go to the Users pane",
        Cmd::GoPane(Pane::Users),
        false,
    ),
    b(
        &[k('2')],
        "Resources",
        "go to the Resources pane",
        Cmd::GoPane(Pane::Resources),
        false,
    ),
    b(
        &[k('3')],
        "Policies",
        "go to the Policies pane",
        Cmd::GoPane(Pane::Policies),
        false,
    ),
    b(
        &[k('4')],
        "Lockouts",
        "go to the Lockouts pane",
        Cmd::GoPane(Pane::Lockouts),
        false,
    ),
    b(
        &[k('5')],
        "Audit",
        "go to the Audit pane",
        Cmd::GoPane(Pane::Audit),
        false,
    ),
    b(
        &[k('R')],
        "refresh",
        "reload from the database",
        Cmd::Refresh,
        false,
    ),
    b(
        &[k('P')],
        "my password",
        "change your own password",
        Cmd::ChangeOwnPassword,
        false,
    ),
    b(
        &[k('L')],
        "messages",
        "show the recent messages and errors in full",
        Cmd::Messages,
        false,
    ),
    b(
        &[k('q')],
        "quit",
        "quit keyward (Ctrl-C also quits)",
        Cmd::Quit,
        true,
    ),
];

/// Movement shared by every list.
pub const MOVEMENT: &[Binding] = &[
    b(
        &[k('k'), code(KeyCode::Up)],
        "up",
        "move up",
        Cmd::Up,
        false,
    ),
    b(
        &[k('j'), code(KeyCode::Down)],
        "down",
        "move down",
        Cmd::Down,
        false,
    ),
    b(
        &[k('g'), code(KeyCode::Home)],
        "top",
        "go to the first row",
        Cmd::Top,
        false,
    ),
    b(
        &[k('G'), code(KeyCode::End)],
        "bottom",
        "go to the last row",
        Cmd::Bottom,
        false,
    ),
    b(
        &[code(KeyCode::PageUp)],
        "page up",
        "one screen up",
        Cmd::PageUp,
        false,
    ),
    b(
        &[code(KeyCode::PageDown)],
        "page down",
        "one screen down",
        Cmd::PageDown,
        false,
    ),
    b(
        &[ctrl('u')],
        "half up",
        "half a screen up",
        Cmd::HalfUp,
        false,
    ),
    b(
        &[ctrl('d')],
        "half down",
        "half a screen down",
        Cmd::HalfDown,
        false,
    ),
];

/// The Users table.
pub const USERS: &[Binding] = &[
    b(
        &[k('/')],
        "filter",
        "search login, name and email as you type (Enter keeps, Esc clears)",
        Cmd::Filter,
        true,
    ),
    b(
        &[code(KeyCode::Enter)],
        "open",
        "open the selected user",
        Cmd::Open,
        true,
    ),
    b(
        &[k(' ')],
        "mark",
        "mark or unmark the row",
        Cmd::Mark,
        false,
    ),
    b(
        &[k('f')],
        "status",
        "cycle the status filter: all, locked, disabled, must change, inactive, active",
        Cmd::CycleStatus,
        false,
    ),
    b(
        &[k('t')],
        "kind",
        "cycle the kind filter: all, staff, portal",
        Cmd::CycleKind,
        false,
    ),
    b(
        &[k('o')],
        "role",
        "cycle the role filter",
        Cmd::CycleRole,
        false,
    ),
    b(
        &[k('s')],
        "sort",
        "cycle the sort: login, name, email, kind, role, status, last sign-in (▲ ▼ in the header)",
        Cmd::CycleSort,
        false,
    ),
    b(
        &[k('S')],
        "reverse",
        "reverse the sort",
        Cmd::ReverseSort,
        false,
    ),
    r(
        &[k('n')],
        "new",
        "create a user",
        Cmd::NewUser,
        Action::ManageUser,
    ),
    r(
        &[k('e')],
        "edit",
        "edit the selected user's details",
        Cmd::EditUser,
        Action::ManageUser,
    ),
    r(
        &[k('p')],
        "password",
        "set the selected user's password",
        Cmd::SetPassword,
        Action::ResetPassword,
    ),
    r(
        &[k('u')],
        "unlock",
        "unlock the marked users, or the selected one",
        Cmd::Unlock,
        Action::ResetPassword,
    ),
    r(
        &[k('T')],
        "temp password",
        "a temporary password for each marked user (or the selected one)",
        Cmd::TempPassword,
        Action::ResetPassword,
    ),
    r(
        &[k('M')],
        "mail link",
        "mail a one-time reset link to each marked user (or the selected one)",
        Cmd::MailResetLink,
        Action::ResetPassword,
    ),
    r(
        &[k('d')],
        "disable",
        "disable the marked users, or the selected one",
        Cmd::Disable,
        Action::ManageUser,
    ),
    r(
        &[k('E')],
        "enable",
        "enable the marked users, or the selected one",
        Cmd::Enable,
        Action::ManageUser,
    ),
    b(
        &[k('y')],
        "copy login",
        "copy the selected login to the clipboard (OSC 52, works over SSH)",
        Cmd::Yank,
        false,
    ),
    b(
        &[k('Y')],
        "copy email",
        "copy the selected user's email to the clipboard",
        Cmd::YankEmail,
        false,
    ),
    r(
        &[k('B')],
        "reset all",
        "one password for all staff or a link each (Reset Passwords)",
        Cmd::BulkReset,
        Action::BulkReset,
    ),
    b(
        &[code(KeyCode::Esc)],
        "clear",
        "clear the marks, then the filter",
        Cmd::Back,
        false,
    ),
];

/// The user detail view.
pub const DETAIL: &[Binding] = &[
    r(
        &[k('p')],
        "password",
        "set this user's password (live policy checklist)",
        Cmd::SetPassword,
        Action::ResetPassword,
    ),
    r(
        &[k('T')],
        "temp password",
        "set a generated temporary password, shown once",
        Cmd::TempPassword,
        Action::ResetPassword,
    ),
    r(
        &[k('r')],
        "reset token",
        "issue a one-time reset token, shown once",
        Cmd::ResetToken,
        Action::ResetPassword,
    ),
    r(
        &[k('M')],
        "mail link",
        "mail this user a one-time reset link: they choose their own password",
        Cmd::MailResetLink,
        Action::ResetPassword,
    ),
    r(
        &[k('u')],
        "unlock",
        "unlock this user",
        Cmd::Unlock,
        Action::ResetPassword,
    ),
    r(
        &[k('e')],
        "edit",
        "edit name, email, login, role and policy",
        Cmd::EditUser,
        Action::ManageUser,
    ),
    r(
        &[k('d')],
        "disable/enable",
        "disable or enable the account",
        Cmd::ToggleDisabled,
        Action::ManageUser,
    ),
    r(
        &[k('D')],
        "delete",
        "delete the user (type the login to confirm)",
        Cmd::Delete,
        Action::ManageUser,
    ),
    r(
        &[k('h')],
        "holders",
        "the people who share this login",
        Cmd::Holders,
        Action::ManageUser,
    ),
    r(
        &[k('a')],
        "access",
        "grant and revoke resources",
        Cmd::Grants,
        Action::ManageResources,
    ),
    b(
        &[k('y')],
        "copy login",
        "copy this user's login to the clipboard",
        Cmd::Yank,
        false,
    ),
    b(
        &[k('Y')],
        "copy email",
        "copy this user's email to the clipboard",
        Cmd::YankEmail,
        false,
    ),
    b(
        &[k('k'), code(KeyCode::Up)],
        "scroll up",
        "scroll up",
        Cmd::Up,
        false,
    ),
    b(
        &[k('j'), code(KeyCode::Down)],
        "scroll down",
        "scroll down",
        Cmd::Down,
        false,
    ),
    b(
        &[code(KeyCode::Esc)],
        "back",
        "back to the list",
        Cmd::Back,
        true,
    ),
];

/// The Lockouts pane.
pub const LOCKOUTS: &[Binding] = &[
    r(
        &[k('u')],
        "unlock",
        "unlock the marked accounts, or the selected one",
        Cmd::Unlock,
        Action::ResetPassword,
    ),
    b(
        &[k(' ')],
        "mark",
        "mark or unmark the account",
        Cmd::Mark,
        true,
    ),
    b(
        &[k('/')],
        "filter",
        "filter the failed sign-ins by login, source or outcome",
        Cmd::Filter,
        true,
    ),
    b(
        &[k('y')],
        "copy login",
        "copy the selected login to the clipboard",
        Cmd::Yank,
        false,
    ),
    b(
        &[code(KeyCode::Enter)],
        "open",
        "open the selected account in the Users pane",
        Cmd::Open,
        false,
    ),
    b(
        &[code(KeyCode::Esc)],
        "clear",
        "clear the marks and the filter",
        Cmd::Back,
        false,
    ),
];

/// The Audit pane.
pub const AUDIT: &[Binding] = &[
    b(
        &[k('/')],
        "filter",
        "filter by actor, action or target as you type",
        Cmd::Filter,
        true,
    ),
    b(
        &[code(KeyCode::Enter)],
        "details",
        "show the entry's details (before/after)",
        Cmd::Open,
        true,
    ),
    b(
        &[k('y')],
        "copy target",
        "copy the selected entry's target to the clipboard",
        Cmd::Yank,
        false,
    ),
    b(
        &[k('v')],
        "verify",
        "walk the hash chain and report intact or the first broken entry",
        Cmd::Verify,
        true,
    ),
    b(
        &[k('x')],
        "export",
        "write the filtered entries to a JSON Lines file in the directory keyward started in",
        Cmd::Export,
        true,
    ),
    b(
        &[code(KeyCode::Esc)],
        "clear",
        "clear the filter",
        Cmd::Back,
        false,
    ),
];

/// The Resources pane.
pub const RESOURCES: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        "open",
        "show who has access and at what level",
        Cmd::Open,
        true,
    ),
    r(
        &[k('n')],
        "new",
        "create a resource",
        Cmd::NewUser,
        Action::ManageResources,
    ),
    r(
        &[k('e')],
        "edit",
        "rename the resource or change its description",
        Cmd::EditUser,
        Action::ManageResources,
    ),
    b(
        &[k('u')],
        "users",
        "list the resource's users in the Users pane (search, sort, marks)",
        Cmd::ResourceInUsers,
        true,
    ),
    b(
        &[k('y')],
        "yank",
        "copy the resource's name to the clipboard",
        Cmd::Yank,
        false,
    ),
    r(
        &[k('D')],
        "delete",
        "delete the resource (names how many lose access)",
        Cmd::Delete,
        Action::ManageResources,
    ),
];

/// Who has access to one resource.
pub const ACCESS: &[Binding] = &[
    r(
        &[k('a')],
        "add",
        "grant access to users picked with search and marks",
        Cmd::Grants,
        Action::ManageResources,
    ),
    r(
        &[k('l')],
        "level",
        "change the selected user's level (read, standard, manage)",
        Cmd::CycleLevel,
        Action::ManageResources,
    ),
    r(
        &[k('x')],
        "revoke",
        "revoke the selected user's access",
        Cmd::Revoke,
        Action::ManageResources,
    ),
    b(
        &[k('u')],
        "users",
        "list them all in the Users pane (past the first 1,000; search, sort, marks)",
        Cmd::ResourceInUsers,
        true,
    ),
    b(
        &[k('y')],
        "yank",
        "copy the selected user's login to the clipboard",
        Cmd::Yank,
        false,
    ),
    b(
        &[code(KeyCode::Esc)],
        "back",
        "back to the resources",
        Cmd::Back,
        true,
    ),
];

/// The Policies pane.
pub const POLICIES: &[Binding] = &[
    b(
        &[code(KeyCode::Enter)],
        "open",
        "open the policy's form (every key, its range and meaning)",
        Cmd::Open,
        true,
    ),
    r(
        &[k('n')],
        "new",
        "create a policy as a copy of the selected one",
        Cmd::NewUser,
        Action::ManagePolicies,
    ),
    r(
        &[k('D')],
        "delete",
        "delete the selected policy (only if it governs nobody)",
        Cmd::Delete,
        Action::ManagePolicies,
    ),
    b(
        &[k('y')],
        "yank",
        "copy the policy's name to the clipboard",
        Cmd::Yank,
        false,
    ),
];

impl Key {
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let mods = ev.modifiers - KeyModifiers::SHIFT;
        match (self.code, ev.code) {
            // Upper-case letters arrive with SHIFT on some terminals and
            // without on others; crossterm reports Shift-Tab as BackTab
            // with SHIFT set.
            (KeyCode::Char(_), KeyCode::Char(_)) | (KeyCode::BackTab, KeyCode::BackTab) => {
                self.code == ev.code && mods == self.mods - KeyModifiers::SHIFT
            }
            (a, c) => a == c && ev.modifiers == self.mods,
        }
    }

    /// "Ctrl-D", "PgDn", "/", "Enter".
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{}", base.to_uppercase())
        } else {
            base
        }
    }
}

impl Binding {
    pub fn allowed(&self, role: Role) -> bool {
        match self.need {
            Need::Nothing => true,
            // Target-dependent limits are checked by the service; here we
            // hide what the role can never do.
            Need::Right(action) => {
                let probe = Some((Role::User, crate::domain::Kind::Staff));
                rights::check(role, action, probe).is_ok()
            }
        }
    }

    /// The keys this binding answers to: the table's, or the user's
    /// (`[keys]`, keymap.rs).
    pub fn keys(&self) -> &'static [Key] {
        super::keymap::keys_of(self)
    }

    pub fn keys_label(&self) -> String {
        self.keys()
            .iter()
            .map(Key::label)
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// The keys bound more than once among these tables (a view's tables are
/// looked up together, so the second binding could never be reached): one
/// line per conflict, naming the key and both helps.
pub fn conflicts(sections: &[(&str, &[Binding])]) -> Vec<String> {
    conflicts_under(sections, Binding::keys)
}

/// [`conflicts`] with each binding's keys as `keys_of` gives them (a keymap
/// being checked before it is installed).
pub fn conflicts_under<'a>(
    sections: &[(&str, &[Binding])],
    keys_of: impl Fn(&Binding) -> &'a [Key],
) -> Vec<String> {
    let mut seen: Vec<(Key, &str)> = Vec::new();
    let mut out = Vec::new();
    for (_, table) in sections {
        for b in table.iter() {
            for key in keys_of(b) {
                match seen.iter().find(|(k, _)| k == key) {
                    Some((_, first)) => out.push(format!(
                        "{} is bound to both \"{first}\" and \"{}\"",
                        key.label(),
                        b.help
                    )),
                    None => seen.push((*key, b.help)),
                }
            }
        }
    }
    out
}

/// A view's key tables with their help headings, in lookup order.
pub type Sections = Vec<(&'static str, &'static [Binding])>;

/// Which view has the keys (with no popup on top): the pane, and whether a
/// user's detail or a resource's access view is open in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub pane: Pane,
    pub detail: bool,
    pub access: bool,
}

impl Place {
    /// Every view, with a name for messages.
    pub fn every() -> [(Place, &'static str); 7] {
        let at = |pane, detail, access| Place {
            pane,
            detail,
            access,
        };
        [
            (at(Pane::Users, false, false), "the Users pane"),
            (at(Pane::Users, true, false), "a user's detail"),
            (at(Pane::Resources, false, false), "the Resources pane"),
            (at(Pane::Resources, false, true), "a resource's access view"),
            (at(Pane::Policies, false, false), "the Policies pane"),
            (at(Pane::Lockouts, false, false), "the Lockouts pane"),
            (at(Pane::Audit, false, false), "the Audit pane"),
        ]
    }
}

/// The key tables of a view (without the popups that open from it).
pub fn pane_sections(place: Place) -> Sections {
    let moving_everywhere = [("Moving", MOVEMENT), ("Everywhere", GLOBAL)];
    let own: (&'static str, &'static [Binding]) = match place.pane {
        Pane::Resources if place.access => ("Access", ACCESS),
        Pane::Resources => ("Resources", RESOURCES),
        Pane::Policies => ("Policies", POLICIES),
        Pane::Audit => ("Audit", AUDIT),
        Pane::Lockouts => ("Lockouts", LOCKOUTS),
        Pane::Users if place.detail => return vec![("User", DETAIL), ("Everywhere", GLOBAL)],
        Pane::Users => ("Users", USERS),
    };
    std::iter::once(own).chain(moving_everywhere).collect()
}

/// The command `ev` is bound to in a popup's tables (popups' keys need no
/// right: the action they lead to is checked where it is done).
pub fn popup_cmd(sections: &[(&str, &[Binding])], ev: &KeyEvent) -> Option<Cmd> {
    sections
        .iter()
        .flat_map(|(_, t)| t.iter())
        .find(|b| b.keys().iter().any(|k| k.matches(ev)))
        .map(|b| b.cmd)
}

/// The keys every form shares: save and cancel (with [`FIELDS`] to move
/// between its fields).
pub const FORM: &[Binding] = &[
    b(
        &[ctrl('s')],
        "save",
        "save (OK) from any field",
        Cmd::Save,
        true,
    ),
    b(
        &[code(KeyCode::Esc)],
        "cancel",
        "close (asks first if something was changed)",
        Cmd::Cancel,
        true,
    ),
];

/// Moving between a form's fields.
pub const FIELDS: &[Binding] = &[
    b(
        &[code(KeyCode::Tab), code(KeyCode::Down)],
        "next",
        "the next field",
        Cmd::NextField,
        false,
    ),
    b(
        &[code(KeyCode::BackTab), code(KeyCode::Up)],
        "previous",
        "the field before",
        Cmd::PrevField,
        false,
    ),
];

/// Forms with password fields.
pub const REVEAL: &[Binding] = &[b(
    &[ctrl('r')],
    "show",
    "show or hide what was typed in password fields",
    Cmd::Reveal,
    true,
)];

/// While a choice (a kind, a role, a level, a toggle) has focus.
pub const CHOOSE: &[Binding] = &[
    b(
        &[k(' '), code(KeyCode::Right)],
        "change",
        "the next value",
        Cmd::NextChoice,
        true,
    ),
    b(
        &[code(KeyCode::Left)],
        "back",
        "the value before",
        Cmd::PrevChoice,
        false,
    ),
];

/// Moving in a popup's list.
pub const LIST: &[Binding] = &[
    b(
        &[k('k'), code(KeyCode::Up)],
        "up",
        "move up",
        Cmd::Up,
        false,
    ),
    b(
        &[k('j'), code(KeyCode::Down)],
        "down",
        "move down",
        Cmd::Down,
        false,
    ),
];

/// Esc closes a popup that holds nothing to lose.
pub const CLOSE: &[Binding] = &[b(
    &[code(KeyCode::Esc)],
    "close",
    "close",
    Cmd::Cancel,
    true,
)];

/// Enter in a form: the next field, and in the last one, save.
pub const ENTER_NEXT: &[Binding] = &[b(
    &[code(KeyCode::Enter)],
    "next/OK",
    "the next field; in the last one, save",
    Cmd::Save,
    true,
)];

/// Moves a form's focus for NextField/PrevField among `count` fields;
/// false for any other command.
pub fn focus_move(cmd: Option<Cmd>, focus: &mut usize, count: usize) -> bool {
    match cmd {
        Some(Cmd::NextField) => *focus = (*focus + 1) % count,
        Some(Cmd::PrevField) => *focus = (*focus + count - 1) % count,
        _ => return false,
    }
    true
}

/// The command bound to `ev` in the first table that has it.
pub fn lookup(tables: &[&[Binding]], ev: &KeyEvent, role: Role) -> Option<Cmd> {
    tables
        .iter()
        .flat_map(|t| t.iter())
        .find(|b| b.allowed(role) && b.keys().iter().any(|k| k.matches(ev)))
        .map(|b| b.cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn lookups() {
        let t: &[&[Binding]] = &[USERS, MOVEMENT, GLOBAL];
        assert_eq!(
            lookup(t, &ev(KeyCode::Char('j'), KeyModifiers::NONE), Role::Admin),
            Some(Cmd::Down)
        );
        assert_eq!(
            lookup(
                t,
                &ev(KeyCode::Char('d'), KeyModifiers::CONTROL),
                Role::Admin
            ),
            Some(Cmd::HalfDown)
        );
        assert_eq!(
            lookup(t, &ev(KeyCode::Char('G'), KeyModifiers::SHIFT), Role::Admin),
            Some(Cmd::Bottom)
        );
        assert_eq!(
            lookup(t, &ev(KeyCode::Char('n'), KeyModifiers::NONE), Role::Admin),
            Some(Cmd::NewUser)
        );
        // An account manager may not create users: the key does nothing.
        assert_eq!(
            lookup(
                t,
                &ev(KeyCode::Char('n'), KeyModifiers::NONE),
                Role::AccountManager
            ),
            None
        );
    }
}
