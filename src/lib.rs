//! keyward: user-account administration for a database that other
//! applications share. The library holds everything; the `keyward` binary is
//! a thin front door to [`cli`] and [`tui`].
#![forbid(unsafe_code)]

pub mod domain;
