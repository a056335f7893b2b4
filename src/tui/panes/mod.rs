//! The panes across the top. Users and its detail view are built; the
//! other four arrive with their own issue and show a one-line placeholder.

pub mod audit;
pub mod detail;
pub mod list;
pub mod lockouts;
pub mod policies;
pub mod users;

/// Pane names in tab order.
pub const PANES: [&str; 5] = ["Users", "Resources", "Policies", "Lockouts", "Audit"];
