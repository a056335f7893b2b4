//! `keyward serve` through a real HTTP client against a server on an
//! ephemeral port: the JSON API, the pages (also in headless Chromium),
//! two instances on one PostgreSQL, and stopping while requests run. Each
//! test runs on SQLite and, when KEYWARD_TEST_DATABASE_URL is set,
//! PostgreSQL.

#[path = "../common/mod.rs"]
mod common;

mod api;
mod browser;
mod doctor;
mod harness;
mod instances;
mod keys;
mod logs;
mod metrics;
mod openapi;
mod pages;
mod process;
mod reset;
mod revalidate;
mod tls;
mod words;
