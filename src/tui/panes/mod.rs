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

/// Pane names in tab order.
pub const PANES: [&str; 5] = ["Users", "Resources", "Policies", "Lockouts", "Audit"];
