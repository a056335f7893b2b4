//! Rebuilds the crate when a migration is added or edited: `sqlx::migrate!`
//! embeds the migrations folders at compile time, and cargo does not watch
//! them by itself.
//!
//! Also sets `keyward_postgres_tests` when KEYWARD_TEST_DATABASE_URL is set:
//! the tests that need PostgreSQL are built `#[ignore]`d without it, so that
//! `cargo test` lists them as ignored (with the reason, and counted in each
//! test binary's closing line) instead of reporting them as passed. Setting
//! or clearing the variable therefore rebuilds the crate and its tests.

fn main() {
    println!("cargo:rerun-if-changed=assets/migrations");
    println!("cargo:rerun-if-env-changed=KEYWARD_TEST_DATABASE_URL");
    println!("cargo:rustc-check-cfg=cfg(keyward_postgres_tests)");
    if std::env::var_os("KEYWARD_TEST_DATABASE_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo:rustc-cfg=keyward_postgres_tests");
    }
}
