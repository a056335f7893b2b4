//! keyward: user-account administration for a database that other
//! applications share. The library holds everything; the `keyward` binary is
//! a thin front door to `cli` and `tui`.
//!
//! The cargo features choose what is built (Cargo.toml): `sqlite` and
//! `postgres` the drivers, `serve` the HTTP service and mail, `console` the
//! full-screen console, `cli` the command line. A program that only signs
//! users in needs [`service`] and one driver (examples/sign-in).
#![forbid(unsafe_code)]

pub mod crypto;
pub mod domain;
pub mod error;
pub mod store;

pub use error::{Error, Result};
#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
#[cfg(feature = "cli")]
pub mod doctor;
pub mod files;
#[cfg(feature = "cli")]
pub mod logging;
#[cfg(feature = "serve")]
pub mod mail;
#[cfg(feature = "serve")]
pub mod serve;
pub mod service;
#[cfg(feature = "console")]
pub mod tui;

/// The per-test PostgreSQL database guard the integration tests use, for the
/// unit tests that need PostgreSQL too.
#[cfg(test)]
#[path = "../tests/common/pg_database.rs"]
mod pg_database;
