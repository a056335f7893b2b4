//! keyward: user-account administration for a database that other
//! applications share. The library holds everything; the `keyward` binary is
//! a thin front door to [`cli`] and [`tui`].
#![forbid(unsafe_code)]

pub mod crypto;
pub mod domain;
pub mod error;
pub mod store;

pub use error::{Error, Result};
pub mod cli;
pub mod config;
pub mod doctor;
pub mod files;
pub mod logging;
pub mod mail;
pub mod serve;
pub mod service;
pub mod tui;

/// The per-test PostgreSQL database guard the integration tests use, for the
/// unit tests that need PostgreSQL too.
#[cfg(test)]
#[path = "../tests/common/pg_database.rs"]
mod pg_database;
