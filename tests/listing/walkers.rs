//! Page walkers: read a listing whole, one page of 1,000, or page after
//! page forward or backward (checking the cursors on the way), so a test
//! can compare what paging gives with what one read or a plain scan gives.

use crate::common::TestDb;
use keyward::service::views::UserSummary;
use keyward::service::{Actor, UserFilter};

pub async fn logins(t: &TestDb, admin: &Actor, filter: UserFilter) -> Vec<String> {
    let page = t
        .service
        .list_users(
            admin,
            &UserFilter {
                limit: 1000,
                ..filter
            },
        )
        .await
        .unwrap();
    assert!(page.next.is_none());
    page.items.into_iter().map(|u| u.login).collect()
}

pub async fn search(t: &TestDb, admin: &Actor, text: &str) -> Vec<String> {
    logins(
        t,
        admin,
        UserFilter {
            search: Some(text.into()),
            ..Default::default()
        },
    )
    .await
}

/// Every row of `filter` in forward pages of `limit`.
pub async fn forward_all(
    t: &TestDb,
    admin: &Actor,
    filter: &UserFilter,
    limit: i64,
) -> Vec<String> {
    let rows = all_users(t, admin, filter, limit).await;
    rows.into_iter().map(|u| u.login).collect()
}

/// Every row of `filter` read backward from the end in pages of `limit`
/// (each page in listing order), checking each page's cursors on the way.
pub async fn backward_all(
    t: &TestDb,
    admin: &Actor,
    filter: &UserFilter,
    limit: i64,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut before = None;
    let mut first = true;
    loop {
        let page = t
            .service
            .list_users(
                admin,
                &UserFilter {
                    limit,
                    after: before.clone(),
                    backward: true,
                    ..filter.clone()
                },
            )
            .await
            .unwrap();
        assert!(page.items.len() as i64 <= limit);
        if first {
            assert!(page.next.is_none(), "nothing follows the last page");
        } else if let Some(last) = page.items.last() {
            assert_eq!(page.next, Some(last.cursor(filter.sort)));
        }
        first = false;
        let Some(head) = page.items.first() else {
            assert!(page.prev.is_none());
            break;
        };
        let head_cursor = head.cursor(filter.sort);
        let mut logins: Vec<String> = page.items.iter().map(|u| u.login.clone()).collect();
        match page.prev {
            Some(prev) => {
                assert_eq!(
                    page.items.len() as i64,
                    limit,
                    "a full page when more come before"
                );
                // A forward page from `prev` starts at this page's first row.
                let again = t
                    .service
                    .list_users(
                        admin,
                        &UserFilter {
                            limit: 1,
                            after: Some(prev),
                            backward: false,
                            ..filter.clone()
                        },
                    )
                    .await
                    .unwrap();
                assert_eq!(again.items.first().map(|u| &u.login), logins.first());
                logins.extend(out);
                out = logins;
                before = Some(head_cursor);
            }
            None => {
                logins.extend(out);
                out = logins;
                break;
            }
        }
        assert!(out.len() < 10_000, "paging does not end");
    }
    out
}

/// Every page of `filter`, `limit` rows at a time, backward from the end,
/// in listing order.
pub async fn all_pages_backward(
    t: &TestDb,
    admin: &Actor,
    filter: UserFilter,
    limit: i64,
) -> Vec<String> {
    let mut pages: Vec<Vec<String>> = Vec::new();
    let mut before = None;
    loop {
        let page = t
            .service
            .list_users(
                admin,
                &UserFilter {
                    limit,
                    after: before,
                    backward: true,
                    ..filter.clone()
                },
            )
            .await
            .unwrap();
        before = page.items.first().map(|u| u.cursor(filter.sort));
        let more = page.prev.is_some();
        pages.push(page.items.into_iter().map(|u| u.login).collect());
        if !more {
            break;
        }
    }
    pages.into_iter().rev().flatten().collect()
}

/// Every user `filter` lists, in its order, in forward pages of `limit`.
pub async fn all_users(
    t: &TestDb,
    admin: &Actor,
    filter: &UserFilter,
    limit: i64,
) -> Vec<UserSummary> {
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = t
            .service
            .list_users(
                admin,
                &UserFilter {
                    limit,
                    after,
                    backward: false,
                    ..filter.clone()
                },
            )
            .await
            .unwrap();
        rows.extend(page.items);
        match page.next {
            Some(c) => after = Some(c),
            None => return rows,
        }
        assert!(rows.len() < 10_000, "paging does not end");
    }
}
