//! Secrets: Argon2id password hashing, random tokens and their digests, and
//! generated temporary passwords. Nothing here logs or prints a secret.

pub mod hasher;
pub mod pool;
pub mod tokens;

pub use hasher::{HashParams, Hasher};
pub use pool::HashPool;
