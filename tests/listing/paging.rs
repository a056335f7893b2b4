//! Keyset paging: every user once, in order, in pages of any size, forward
//! and backward, from the ends and from the middle, under every sort,
//! filter and direction.

use crate::both_backends;
use crate::common::ADMIN;
use crate::fixtures::{PW, create, each_status};
use crate::walkers::{backward_all, forward_all};
use keyward::domain::{AccessLevel, Kind, Password, Role};
use keyward::service::{NewUser, UserFilter};
use keyward::store::{StatusFilter, StatusGroup, UserSort};

both_backends!(paging_sees_everyone_once_in_order, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let names = ["Kim Lee", "Alex Moe", "alex moe", "Zed Ray"];
    let mut all = vec![ADMIN.to_string()];
    for i in 0..30 {
        // Mixed case, and logins whose byte order differs from their lower-case order.
        let login = match i % 3 {
            0 => format!("User{i:02}"),
            1 => format!("user_{i:02}"),
            _ => format!("u.{i:02}"),
        };
        create(
            &t,
            &admin,
            &login,
            names[i % 4],
            &format!("p{i}@example.org"),
            Kind::Staff,
            Role::User,
        )
        .await;
        all.push(login);
    }
    all.sort_by_key(|l| l.to_ascii_lowercase());

    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = s
            .list_users(
                &admin,
                &UserFilter {
                    limit: 7,
                    after: after.clone(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        pages += 1;
        assert!(page.items.len() <= 7);
        seen.extend(page.items.iter().map(|u| u.login.clone()));
        match page.next {
            Some(next) => {
                assert_eq!(page.items.len(), 7);
                after = Some(next);
            }
            None => break,
        }
        assert!(pages < 20, "paging does not end");
    }
    assert_eq!(seen, all);
    assert_eq!(pages, 5); // 31 users: 7 + 7 + 7 + 7 + 3

    // By name: ties broken by id, still each exactly once.
    let mut by_name = Vec::new();
    let mut after = None;
    loop {
        let filter = UserFilter {
            limit: 7,
            sort: UserSort::Name,
            after: after.clone(),
            ..Default::default()
        };
        let page = s.list_users(&admin, &filter).await.unwrap();
        by_name.extend(
            page.items
                .into_iter()
                .map(|u| (u.name.to_ascii_lowercase(), u.id, u.login)),
        );
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    let mut expected = by_name.clone();
    expected.sort();
    assert_eq!(by_name, expected);
    let mut unique: Vec<&String> = by_name.iter().map(|(_, _, l)| l).collect();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 31);

    // Exactly a page's worth: no empty page after it.
    let page = s
        .list_users(
            &admin,
            &UserFilter {
                limit: 31,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 31);
    assert!(page.next.is_none());
});

both_backends!(backward_pages_mirror_forward_ones, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    // Names that tie (in any case) and names that do not; staff and portal.
    let names = [
        "Alex Moe", "alex moe", "ALEX MOE", "Kim Lee", "Zed Ray", "al Bo",
    ];
    let mut logins = Vec::new();
    for i in 0..24 {
        let login = match i % 3 {
            0 => format!("User{i:02}"),
            1 => format!("al_{i:02}"),
            _ => format!("u.{i:02}"),
        };
        let new = NewUser {
            login: login.clone(),
            name: names[i % names.len()].into(),
            email: format!("p{i}@example.org"),
            kind: if i % 5 == 0 {
                Kind::Portal
            } else {
                Kind::Staff
            },
            role: if i % 7 == 0 && i % 5 != 0 {
                Role::Manager
            } else {
                Role::User
            },
            policy: None,
            must_change: i % 4 == 0,
        };
        s.create_user(&admin, &new, Some(&Password::from(PW)))
            .await
            .unwrap();
        logins.push(login);
    }
    // Sign-ins: groups at the same instant (ties), a few never.
    for (i, login) in logins.iter().enumerate() {
        if i % 6 == 5 {
            continue;
        }
        if i % 4 == 0 {
            t.clock.advance(chrono::Duration::seconds(7));
        }
        t.auth(login, PW).await;
    }
    for i in 0..5 {
        t.auth("al_13", &format!("wrong password {i}")).await;
    }
    s.set_disabled(&admin, "u.08", true).await.unwrap();
    s.add_resource(&admin, "Client portal", "").await.unwrap();
    for login in [
        "al_01", "u.02", "User03", "al_04", "u.05", "User06", "al_07",
    ] {
        s.grant(&admin, "Client portal", login, AccessLevel::Read)
            .await
            .unwrap();
    }
    // Users under their own policies, for the status sort's per-policy
    // cut-offs: a password that expires after 30 days (must change, 100
    // days on), no idle limit at all (idle, yet "ok", though the built-in
    // policy's "inactive" filter lists them), and a deletion limit alone
    // (never signed in: "delete?").
    for (policy, pairs, login) in [
        ("expiring", vec![("max_age_days", "30")], "u.14"),
        (
            "never-idle",
            vec![("revalidate_after_days", "0"), ("delete_after_days", "0")],
            "al_19",
        ),
        (
            "delete-only",
            vec![("revalidate_after_days", "0"), ("delete_after_days", "95")],
            "u.23",
        ),
    ] {
        s.create_policy(&admin, policy, "default").await.unwrap();
        let pairs: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        s.set_policy(&admin, policy, &pairs, None).await.unwrap();
        let edit = keyward::service::UserEdit {
            policy: Some(Some(policy.into())),
            ..Default::default()
        };
        s.edit_user(&admin, login, None, &edit).await.unwrap();
    }
    t.clock.advance(chrono::Duration::days(100));
    t.auth("User09", PW).await;
    // For the status sort: two fresh locks (one of a user who must also
    // change their password), a disabled user locked too, and three users
    // new since, signed in, with no badge at all.
    for login in ["u.11", "al_04", "u.08"] {
        for i in 0..5 {
            t.auth(login, &format!("wrong password {i}")).await;
        }
    }
    for i in 0..3 {
        let login = format!("fresh{i}");
        let new = NewUser {
            login: login.clone(),
            name: format!("Fresh {i}"),
            email: format!("fresh{i}@example.org"),
            kind: Kind::Staff,
            role: Role::User,
            policy: None,
            must_change: false,
        };
        s.create_user(&admin, &new, Some(&Password::from(PW)))
            .await
            .unwrap();
        t.auth(&login, PW).await;
    }

    let filters = [
        UserFilter::default(),
        UserFilter {
            search: Some("al".into()),
            ..Default::default()
        },
        UserFilter {
            search: Some("moe".into()),
            ..Default::default()
        },
        UserFilter {
            kind: Some(Kind::Staff),
            ..Default::default()
        },
        UserFilter {
            role: Some(Role::User),
            ..Default::default()
        },
        UserFilter {
            resource: Some("Client portal".into()),
            ..Default::default()
        },
        UserFilter {
            search: Some("u".into()),
            kind: Some(Kind::Staff),
            status: Some(StatusFilter::Active),
            ..Default::default()
        },
    ];
    let filters: Vec<UserFilter> = filters.into_iter().chain(each_status()).collect();
    for sort in [
        UserSort::Login,
        UserSort::Name,
        UserSort::Email,
        UserSort::LastLogin,
        UserSort::Kind,
        UserSort::Role,
        UserSort::Status,
    ] {
        for filter in &filters {
            let filter = UserFilter {
                sort,
                ..filter.clone()
            };
            let forward = forward_all(&t, &admin, &filter, 1000).await;
            for limit in [1, 3, 4, 1000] {
                assert_eq!(
                    forward_all(&t, &admin, &filter, limit).await,
                    forward,
                    "forward by {limit}, {filter:?}"
                );
                assert_eq!(
                    backward_all(&t, &admin, &filter, limit).await,
                    forward,
                    "backward by {limit}, {filter:?}"
                );
            }
            // Reversed, the listing is the same rows the other way round,
            // paged either way.
            let reversed_filter = UserFilter {
                descending: true,
                ..filter.clone()
            };
            let reversed: Vec<String> = forward.iter().rev().cloned().collect();
            for limit in [3, 1000] {
                assert_eq!(
                    forward_all(&t, &admin, &reversed_filter, limit).await,
                    reversed,
                    "reversed, forward by {limit}, {filter:?}"
                );
                assert_eq!(
                    backward_all(&t, &admin, &reversed_filter, limit).await,
                    reversed,
                    "reversed, backward by {limit}, {filter:?}"
                );
            }
        }
    }
    // Kind, role and status: their groups in display order (staff first;
    // global administrators first; locked first, by the first badge), by
    // login within each; the pages above agree with these.
    for filter in &filters {
        let by_login = s
            .list_users(
                &admin,
                &UserFilter {
                    limit: 1000,
                    ..filter.clone()
                },
            )
            .await
            .unwrap()
            .items;
        for sort in [UserSort::Kind, UserSort::Role, UserSort::Status] {
            let rank = |u: &keyward::service::views::UserSummary| match sort {
                UserSort::Kind => Kind::ALL.iter().position(|k| *k == u.kind).unwrap(),
                UserSort::Role => Role::ALL.iter().position(|r| *r == u.role).unwrap(),
                _ => StatusGroup::of(&u.badges) as usize,
            };
            let mut expected: Vec<_> = by_login.iter().collect();
            expected.sort_by_key(|u| (rank(u), u.login.to_lowercase()));
            let expected: Vec<String> = expected.iter().map(|u| u.login.clone()).collect();
            let filter = UserFilter {
                sort,
                ..filter.clone()
            };
            assert_eq!(
                forward_all(&t, &admin, &filter, 2).await,
                expected,
                "{filter:?}"
            );
        }
    }
    // Every status group has users to order, and the users under their own
    // policies are where those policies put them.
    let everyone = s
        .list_users(
            &admin,
            &UserFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items;
    let groups: std::collections::BTreeSet<StatusGroup> = everyone
        .iter()
        .map(|u| StatusGroup::of(&u.badges))
        .collect();
    assert_eq!(groups.len(), StatusGroup::ALL.len(), "{groups:?}");
    let group_of = |login: &str| {
        everyone
            .iter()
            .find(|u| u.login == login)
            .map(|u| StatusGroup::of(&u.badges))
    };
    assert_eq!(group_of("u.14"), Some(StatusGroup::MustChange));
    assert_eq!(group_of("al_19"), Some(StatusGroup::Ok));
    assert_eq!(group_of("u.23"), Some(StatusGroup::Revalidate));
    assert_eq!(group_of("u.11"), Some(StatusGroup::Locked));
    // The unfiltered listings really have ties to break.
    let all = s
        .list_users(
            &admin,
            &UserFilter {
                limit: 1000,
                sort: UserSort::LastLogin,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items;
    let times: Vec<_> = all.iter().map(|u| u.last_login_at).collect();
    let mut distinct = times.clone();
    distinct.dedup();
    assert!(distinct.len() + 10 < times.len(), "{times:?}");
    assert!(times.contains(&None));
});

both_backends!(backward_from_the_middle, |t| {
    let admin = t.admin().await;
    for i in 0..9 {
        t.add_user(&admin, &format!("mid{i}"), Kind::Staff, Role::User, PW)
            .await;
    }
    for sort in [
        UserSort::Login,
        UserSort::Name,
        UserSort::Email,
        UserSort::LastLogin,
        UserSort::Kind,
        UserSort::Role,
        UserSort::Status,
    ] {
        let all = t
            .service
            .list_users(
                &admin,
                &UserFilter {
                    limit: 1000,
                    sort,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .items;
        let logins: Vec<&str> = all.iter().map(|u| u.login.as_str()).collect();
        for at in 0..all.len() {
            let page = t
                .service
                .list_users(
                    &admin,
                    &UserFilter {
                        limit: 3,
                        sort,
                        after: Some(all[at].cursor(sort)),
                        backward: true,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            let got: Vec<&str> = page.items.iter().map(|u| u.login.as_str()).collect();
            assert_eq!(
                got,
                logins[at.saturating_sub(3)..at],
                "{sort:?} before {at}"
            );
            assert_eq!(page.prev.is_some(), at > 3, "{sort:?} before {at}");
            // The row at the cursor is not in the page; the page ends next to it.
            if at > 0 {
                assert_eq!(page.next, Some(all[at - 1].cursor(sort)));
            } else {
                assert!(page.next.is_none());
            }
        }
        // No cursor: the last page.
        let page = t
            .service
            .list_users(
                &admin,
                &UserFilter {
                    limit: 4,
                    sort,
                    backward: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let got: Vec<&str> = page.items.iter().map(|u| u.login.as_str()).collect();
        assert_eq!(got, logins[logins.len() - 4..]);
        assert!(page.next.is_none());
        assert_eq!(page.prev, Some(all[logins.len() - 5].cursor(sort)));
    }
});

both_backends!(a_position_in_another_sort_is_refused, |t| {
    let admin = t.admin().await;
    let err = t
        .service
        .list_users(
            &admin,
            &UserFilter {
                sort: UserSort::Role,
                after: Some(keyward::domain::listing::Cursor::Login("root".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("another sort"), "{err}");
});
