//! Listing users: keyset paging both ways, search (a substring of any
//! length, case-insensitive, wildcards literal), status, kind, role and resource
//! filters. One binary, split by topic; the page walkers and fixtures the
//! topics share are in walkers.rs and fixtures.rs.

#[path = "../common/mod.rs"]
mod common;

mod filters;
mod fixtures;
mod paging;
mod search;
mod search_blocks;
mod search_pages;
mod walkers;
