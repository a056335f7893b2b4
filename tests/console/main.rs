//! Console tests: keys in, state and service calls out, on a real SQLite
//! database; and the screens drawn on ratatui's TestBackend.

mod api_keys;
mod audit;
mod audit_refresh;
mod bulk_reset;
mod columns;
mod conflicts;
mod detail_outage;
mod discard;
mod edit_form;
mod fsm;
mod harness;
mod keys;
mod lockouts;
mod mail_links;
mod mail_view;
mod marks;
mod outage;
mod paging;
mod paste;
mod policies;
mod policy_keys;
mod purge;
mod resources;
mod snapshots;
mod soak;
mod soak_faults;
mod soak_inputs;
mod soak_replies;
mod state;
mod typing;
mod window;
mod yank;
