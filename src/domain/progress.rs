//! How far a long change (a bulk reset, a bulk reset by link) has come:
//! the store counts it, the service passes it on, and the console draws
//! its gauge from it, so it is a plain value every layer may name.

/// How far a bulk change has come: `done` of `total` accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}
