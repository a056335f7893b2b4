//! The panes across the top: one module per pane, each with its state and
//! drawing; the key tables are in `keys.rs` and the routing in `app.rs`.

pub mod audit;
pub mod detail;
pub mod list;
pub mod lockout_window;
pub mod lockouts;
pub mod policies;
pub mod resources;
pub mod user_window;
pub mod users;

/// The panes across the top, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Users,
    Resources,
    Policies,
    Lockouts,
    Audit,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Users,
        Pane::Resources,
        Pane::Policies,
        Pane::Lockouts,
        Pane::Audit,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Pane::Users => "Users",
            Pane::Resources => "Resources",
            Pane::Policies => "Policies",
            Pane::Lockouts => "Lockouts",
            Pane::Audit => "Audit",
        }
    }

    fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    /// The next pane (Tab), round.
    pub fn next(self) -> Pane {
        Pane::ALL[(self.index() + 1) % Pane::ALL.len()]
    }

    /// The pane before (Shift-Tab), round.
    pub fn prev(self) -> Pane {
        Pane::ALL[(self.index() + Pane::ALL.len() - 1) % Pane::ALL.len()]
    }
}
