//! Search results page after page against a plain scan of every user:
//! common and rare terms (the bounded walk and the search indexes), with
//! filters, after additions, renames and deletions (SQLite's places in
//! login order), and the count.

use crate::both_backends;
use crate::fixtures::{create, each_status};
use crate::walkers::{all_pages_backward, all_users, forward_all, search};
use keyward::domain::{Kind, Role};
use keyward::service::views::UserSummary;
use keyward::service::{UserEdit, UserFilter};

// Search answers a page either from a bounded walk in listing order (when
// matches are common) or from the search indexes (when rare): both must
// give exactly the users a plain scan would, in order, page after page.
both_backends!(common_and_rare_matches_page_alike, |t| {
    let admin = t.admin().await;
    t.service.demo_fill(&admin, 3_000, &|_| {}).await.unwrap();
    // Users whose name or email starts otherwise than their login, so that
    // their name and email matches sit elsewhere in login order.
    for (login, name, email) in [
        ("zz.outlier", "Joanna Early", "aa.one@example.net"),
        ("aa.early", "Mark Zed", "jo.mail@example.net"),
        ("mm.middle", "Zora Middle", "zz.mail@example.net"),
    ] {
        create(&t, &admin, login, name, email, Kind::Staff, Role::User).await;
    }
    let everyone = t
        .service
        .list_users(
            &admin,
            &UserFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(everyone.items.len(), 1000);
    let rows = all_users(&t, &admin, &UserFilter::default(), 1000).await;
    assert_eq!(rows.len(), 3_004);
    for term in [
        "a",
        "jo",
        "Ma",
        "son",
        "example.org",
        "CLIENTS",
        "ller",
        "z",
        "qqq",
        "an1",
        "J",
        "zz",
        "aa",
        // Rare, and across separators (PostgreSQL folds them for its
        // trigram index).
        "a Early",
        "o.mail@EX",
        "a z",
        "e.o",
    ] {
        let t_lower = term.to_ascii_lowercase();
        let expected: Vec<String> = rows
            .iter()
            .filter(|u| {
                [&u.login, &u.name, &u.email]
                    .iter()
                    .any(|f| f.to_ascii_lowercase().contains(&t_lower))
            })
            .map(|u| u.login.clone())
            .collect();
        for limit in [7, 100] {
            let got = forward_all(
                &t,
                &admin,
                &UserFilter {
                    search: Some(term.into()),
                    ..Default::default()
                },
                limit,
            )
            .await;
            assert_eq!(got, expected, "search {term:?}, pages of {limit}");
            let back = all_pages_backward(
                &t,
                &admin,
                UserFilter {
                    search: Some(term.into()),
                    ..Default::default()
                },
                limit,
            )
            .await;
            assert_eq!(back, expected, "search {term:?}, pages of {limit} backward");
        }
    }
});

// On SQLite a substring search reads users in login order straight off the
// full-text index, whose rowids are places in that order
// (store/listing/search_order.rs). Places must follow every addition,
// rename and deletion, including 50 additions into the same gap, which run
// out of room between two neighbours and renumber a window of them.
both_backends!(
    substring_pages_follow_additions_renames_and_deletions,
    |t| {
        let admin = t.admin().await;
        let s = &t.service;
        for login in ["gapz", "hall", "abel"] {
            create(
                &t,
                &admin,
                login,
                "Fixed Point",
                &format!("{login}@example.org"),
                Kind::Staff,
                Role::User,
            )
            .await;
        }
        // Each next to the last, between it and "gapz".
        for n in 1..=50 {
            let login = format!("gap{}", "a".repeat(n));
            create(
                &t,
                &admin,
                &login,
                &format!("Gap Filler {n}"),
                &format!("g{n}@example.org"),
                Kind::Staff,
                Role::User,
            )
            .await;
        }
        // Each before the last, at the front of the order.
        for n in (1..=40).rev() {
            let login = format!("aaa{n:02}");
            create(
                &t,
                &admin,
                &login,
                "Front Runner",
                &format!("f{n}@example.org"),
                Kind::Portal,
                Role::User,
            )
            .await;
        }
        // Renames across the order and within it; a name-only edit; deletions.
        for (from, to) in [
            ("gapaaaaa", "zulu.gap"),
            ("aaa07", "gapaaaaab"),
            ("hall", "HALL.gapa"),
        ] {
            let edit = UserEdit {
                login: Some(to.into()),
                ..Default::default()
            };
            s.edit_user(&admin, from, None, &edit).await.unwrap();
        }
        let edit = UserEdit {
            name: Some("Renamed Gapless".into()),
            ..Default::default()
        };
        s.edit_user(&admin, "abel", None, &edit).await.unwrap();
        // A name of two characters (no window of its own) and one that
        // loses its pair.
        for (login, name) in [("gapaa", "Xq"), ("aaa09", "Front")] {
            let edit = UserEdit {
                name: Some(name.into()),
                ..Default::default()
            };
            s.edit_user(&admin, login, None, &edit).await.unwrap();
        }
        for login in ["gapaaa", "aaa13", "gapz"] {
            s.delete_user(&admin, login).await.unwrap();
        }

        let rows = all_users(&t, &admin, &UserFilter::default(), 1000).await;
        for term in [
            "gap", "GAPAAA", "apa", "aaa", "aaa1", "runner", "filler 4", "example", "ess", "zzz",
            "ga", "XQ", "nn", "zu", "4@", "qz", "r@",
        ] {
            let lower = term.to_ascii_lowercase();
            let expected: Vec<String> = rows
                .iter()
                .filter(|u| {
                    [&u.login, &u.name, &u.email]
                        .iter()
                        .any(|f| f.to_ascii_lowercase().contains(&lower))
                })
                .map(|u| u.login.clone())
                .collect();
            for limit in [1, 7, 1000] {
                let filter = UserFilter {
                    search: Some(term.into()),
                    ..Default::default()
                };
                let got = forward_all(&t, &admin, &filter, limit).await;
                assert_eq!(got, expected, "search {term:?}, pages of {limit}");
                let back = all_pages_backward(&t, &admin, filter, limit).await;
                assert_eq!(back, expected, "search {term:?}, pages of {limit} backward");
            }
        }

        if t.backend() == "sqlite" {
            let pool = sqlx::SqlitePool::connect(&t.url).await.unwrap();
            let out_of_order: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM (SELECT search_pos, \
             lag(search_pos) OVER (ORDER BY lower(login)) AS prev FROM users) \
             WHERE search_pos IS NULL OR prev >= search_pos",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            assert_eq!(out_of_order, 0, "places ascend with the login");
            // Another program writing the table directly leaves a user without
            // a place, outside substring search until keyward next starts
            // (Store::migrate places them).
            sqlx::query(
                "INSERT INTO users (login, name, email, kind, role, created_at, updated_at) \
             VALUES ('outside.writer', 'Outside Writer', 'ow@example.org', 'staff', 'user', \
             '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
            )
            .execute(&pool)
            .await
            .unwrap();
            sqlx::query("INSERT INTO credentials (user_id) SELECT id FROM users WHERE login = 'outside.writer'")
            .execute(&pool)
            .await
            .unwrap();
            assert!(search(&t, &admin, "side.wri").await.is_empty());
            s.store().migrate().await.unwrap();
            assert_eq!(search(&t, &admin, "side.wri").await, vec!["outside.writer"]);
            sqlx::query("INSERT INTO users_fts (users_fts) VALUES ('integrity-check')")
                .execute(&pool)
                .await
                .expect("the full-text index matches the users");
            pool.close().await;
        }
    }
);

// On SQLite a substring search in login order with other filters walks the
// full-text index in login order and tests each match against them until
// a page is full. Each page must hold exactly the filter's users (as listed
// without the search) that contain the term, in order, both ways.
both_backends!(substring_with_filters_pages_alike, |t| {
    let admin = t.admin().await;
    t.service.demo_fill(&admin, 2_000, &|_| {}).await.unwrap();
    let filters: Vec<UserFilter> = each_status()
        .into_iter()
        .chain([
            UserFilter {
                kind: Some(Kind::Portal),
                ..Default::default()
            },
            UserFilter {
                role: Some(Role::Manager),
                kind: Some(Kind::Staff),
                ..Default::default()
            },
        ])
        .collect();
    for base in &filters {
        let rows = all_users(&t, &admin, base, 1000).await;
        assert!(!rows.is_empty(), "{base:?} lists someone");
        for term in ["son", "e.org", "AN", "mar", "qqq"] {
            let lower = term.to_ascii_lowercase();
            let expected: Vec<String> = rows
                .iter()
                .filter(|u| {
                    [&u.login, &u.name, &u.email]
                        .iter()
                        .any(|f| f.to_ascii_lowercase().contains(&lower))
                })
                .map(|u| u.login.clone())
                .collect();
            let filter = UserFilter {
                search: Some(term.into()),
                ..base.clone()
            };
            for limit in [7, 1000] {
                let got = forward_all(&t, &admin, &filter, limit).await;
                assert_eq!(got, expected, "{filter:?}, pages of {limit}");
                let back = all_pages_backward(&t, &admin, filter.clone(), limit).await;
                assert_eq!(back, expected, "{filter:?}, pages of {limit} backward");
            }
        }
    }
});

// A term of any length means "login, name or email contains it": every
// page, forward and backward, and the count, against a plain scan of
// every user, for terms of one to six characters (common and rare
// fragments, across separators, in any case, absent ones), alone and with
// a filter. Short terms (no trigram to look up) and long ones (the search
// indexes) must agree.
both_backends!(every_page_of_a_search_matches_a_brute_force_scan, |t| {
    let admin = t.admin().await;
    t.service.demo_fill(&admin, 2_000, &|_| {}).await.unwrap();
    for (login, name, email) in [
        ("zz.outlier", "Abel Early", "ab.one@example.net"),
        ("aa.early", "Mark Zed", "qx.mail@example.net"),
        ("mm.middle", "Zora O'Hara", "zz_mail@example.net"),
        // Two-character names (no window of their own), and a pair
        // between letters that only the full-text index folds.
        ("li.wei", "Li", "wei@example.net"),
        ("ng.li", "NG", "ng@example.net"),
        ("zeta.one", "ÉZQé Ångström", "zeta@example.net"),
    ] {
        create(&t, &admin, login, name, email, Kind::Staff, Role::User).await;
    }
    let rows = all_users(&t, &admin, &UserFilter::default(), 1000).await;
    assert_eq!(rows.len(), 2_007);

    // Terms cut from the users' own fields, at spread-out places, so that
    // each length has common fragments and rare ones.
    let mut terms: Vec<String> = Vec::new();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for len in 1..=6usize {
        for _ in 0..5 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let u = &rows[(seed >> 33) as usize % rows.len()];
            let field: Vec<char> = [&u.login, &u.name, &u.email][(seed >> 20) as usize % 3]
                .chars()
                .collect();
            if field.len() >= len {
                let at = (seed >> 8) as usize % (field.len() - len + 1);
                terms.push(field[at..at + len].iter().collect());
            }
        }
    }
    terms.extend(
        [
            "q", "Z", "@", "'", "ab", "AB", "qx", "o'", "l ", "z_", "xq", "e.o", "a e", "_ma",
            "li", "Ng", "zq", "gs", "i\"", "qqq", "bel e", "ZZ_MAI", "xqxqxq", "n.exam",
        ]
        .map(String::from),
    );

    for term in &terms {
        let lower = term.trim().to_ascii_lowercase();
        let hits = |u: &UserSummary| {
            [&u.login, &u.name, &u.email]
                .iter()
                .any(|f| f.to_ascii_lowercase().contains(&lower))
        };
        for kind in [None, Some(Kind::Staff)] {
            let expected: Vec<String> = rows
                .iter()
                .filter(|u| hits(u) && kind.is_none_or(|k| u.kind == k))
                .map(|u| u.login.clone())
                .collect();
            let filter = UserFilter {
                search: Some(term.clone()),
                kind,
                ..Default::default()
            };
            // Forward: page i is the i-th run of 50 (the first page is the
            // first 50 matches in login order).
            let mut after = None;
            let mut pages = 0;
            loop {
                let page = t
                    .service
                    .list_users(
                        &admin,
                        &UserFilter {
                            limit: 50,
                            after,
                            ..filter.clone()
                        },
                    )
                    .await
                    .unwrap();
                let got: Vec<String> = page.items.iter().map(|u| u.login.clone()).collect();
                let want: Vec<String> =
                    expected.iter().skip(pages * 50).take(50).cloned().collect();
                assert_eq!(got, want, "{term:?} {kind:?}: forward page {pages}");
                pages += 1;
                match page.next {
                    Some(c) => after = Some(c),
                    None => break,
                }
            }
            assert_eq!(
                pages,
                expected.len().div_ceil(50).max(1),
                "{term:?} {kind:?}"
            );
            assert_eq!(
                all_pages_backward(&t, &admin, filter.clone(), 50).await,
                expected,
                "{term:?} {kind:?}: backward"
            );
            let count = t.service.count_listed(&admin, &filter).await.unwrap();
            assert_eq!(count.n, expected.len() as i64, "{term:?} {kind:?}: count");
        }
    }
});
