//! Listing users: keyset paging both ways, search (a substring of any
//! length, case-insensitive, wildcards literal), status, kind, role and resource
//! filters.

mod common;

use common::{ADMIN, TestDb};
use keyward::domain::{AccessLevel, Kind, Password, Role};
use keyward::service::views::UserSummary;
use keyward::service::{Actor, NewUser, UserEdit, UserFilter};
use keyward::store::{StatusFilter, UserSort};

const PW: &str = "violet kettle harbour quince";

async fn create(
    t: &TestDb,
    admin: &Actor,
    login: &str,
    name: &str,
    email: &str,
    kind: Kind,
    role: Role,
) {
    let new = NewUser {
        login: login.into(),
        name: name.into(),
        email: email.into(),
        kind,
        role,
        policy: None,
        must_change: false,
    };
    t.service.create_user(admin, &new, None).await.unwrap();
}

async fn logins(t: &TestDb, admin: &Actor, filter: UserFilter) -> Vec<String> {
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

async fn search(t: &TestDb, admin: &Actor, text: &str) -> Vec<String> {
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

both_backends!(search_prefix_and_substring, |t| {
    let admin = t.admin().await;
    create(
        &t,
        &admin,
        "anna.b",
        "Anna Berg",
        "anna.berg@example.org",
        Kind::Staff,
        Role::User,
    )
    .await;
    create(
        &t,
        &admin,
        "annika.c",
        "Annika Cole",
        "ac@corp.example.com",
        Kind::Staff,
        Role::User,
    )
    .await;
    create(
        &t,
        &admin,
        "bert.d",
        "Bert Dahl",
        "bert.dahl@sales.example.net",
        Kind::Staff,
        Role::User,
    )
    .await;
    create(
        &t,
        &admin,
        "carla.e",
        "Carla Ann Eve",
        "carla@example.org",
        Kind::Portal,
        Role::User,
    )
    .await;
    create(
        &t,
        &admin,
        "dora.f",
        "Dora Fisch",
        "zanna@example.org",
        Kind::Staff,
        Role::User,
    )
    .await;

    // A term of any length is a substring of login, name or email.
    assert_eq!(
        search(&t, &admin, "a").await,
        ["anna.b", "annika.c", "bert.d", "carla.e", "dora.f", ADMIN]
    );
    assert_eq!(
        search(&t, &admin, "AN").await,
        ["anna.b", "annika.c", "carla.e", "dora.f"],
        "inside a name (Carla Ann Eve) and an email (zanna@)"
    );
    assert_eq!(search(&t, &admin, "z").await, ["dora.f"], "in an email");
    assert_eq!(
        search(&t, &admin, "fi").await,
        ["dora.f"],
        "the start of a last name (Dora Fisch)"
    );
    assert_eq!(search(&t, &admin, "hl").await, ["bert.d"], "inside a word");
    assert_eq!(search(&t, &admin, "q").await, Vec::<String>::new());
    // Three or more: a substring anywhere.
    assert_eq!(
        search(&t, &admin, "ann").await,
        ["anna.b", "annika.c", "carla.e", "dora.f"]
    );
    assert_eq!(search(&t, &admin, "sales.exa").await, ["bert.d"]);
    assert_eq!(search(&t, &admin, "SALES.EXAMPLE").await, ["bert.d"]);
    assert_eq!(
        search(&t, &admin, "isc").await,
        ["dora.f"],
        "middle of a name"
    );
    assert_eq!(search(&t, &admin, "corp").await, ["annika.c"]);
    assert_eq!(
        search(&t, &admin, "nobody-here").await,
        Vec::<String>::new()
    );
    // Surrounding spaces are ignored; an empty search lists everyone.
    assert_eq!(search(&t, &admin, "  bert.d ").await, ["bert.d"]);
    assert_eq!(search(&t, &admin, "").await.len(), 6);
    assert_eq!(search(&t, &admin, "   ").await.len(), 6);
    // Search combines with other filters.
    let filter = UserFilter {
        search: Some("ann".into()),
        kind: Some(Kind::Staff),
        ..Default::default()
    };
    assert_eq!(
        logins(&t, &admin, filter).await,
        ["anna.b", "annika.c", "dora.f"]
    );
    // Renamed users are found by their new name only.
    let edit = keyward::service::UserEdit {
        name: Some("Berta Quist".into()),
        ..Default::default()
    };
    t.service
        .edit_user(&admin, "bert.d", None, &edit)
        .await
        .unwrap();
    assert_eq!(search(&t, &admin, "quis").await, ["bert.d"]);
    assert_eq!(
        search(&t, &admin, "dahl").await,
        ["bert.d"],
        "still in the email"
    );
    assert_eq!(search(&t, &admin, "bert dahl").await, Vec::<String>::new());
    // Deleted users are gone from the search.
    t.service.delete_user(&admin, "dora.f").await.unwrap();
    assert_eq!(search(&t, &admin, "isc").await, Vec::<String>::new());
});

both_backends!(search_special_characters_match_literally, |t| {
    let admin = t.admin().await;
    create(
        &t,
        &admin,
        "dieter",
        "%Percent Sign",
        "dieter@example.org",
        Kind::Staff,
        Role::User,
    )
    .await;
    create(
        &t,
        &admin,
        "ed_ward",
        "Ed O'Neil \"Quote\" 50%_off",
        "ed@example.org",
        Kind::Staff,
        Role::User,
    )
    .await;
    create(
        &t,
        &admin,
        "edxward",
        "Ed 50xyoff",
        "edx@example.org",
        Kind::Staff,
        Role::User,
    )
    .await;
    create(
        &t,
        &admin,
        "back.slash",
        "Back \\ Slash",
        "bs@example.org",
        Kind::Staff,
        Role::User,
    )
    .await;

    assert_eq!(search(&t, &admin, "%").await, ["dieter", "ed_ward"]);
    assert_eq!(search(&t, &admin, "50%_").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "0%_o").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "d_w").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "ed_").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "_").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "%%%").await, Vec::<String>::new());
    assert_eq!(search(&t, &admin, "___").await, Vec::<String>::new());
    assert_eq!(search(&t, &admin, "o'n").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "\"quote\"").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "\"q").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "'").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "\"").await, ["ed_ward"]);
    assert_eq!(search(&t, &admin, "x%").await, Vec::<String>::new());
    assert_eq!(search(&t, &admin, "\\ s").await, ["back.slash"]);
    assert_eq!(search(&t, &admin, "\\").await, ["back.slash"]);
    assert_eq!(
        search(&t, &admin, "x' OR '1'='1").await,
        Vec::<String>::new()
    );
    assert_eq!(
        search(&t, &admin, "\" OR name:*").await,
        Vec::<String>::new()
    );
    assert_eq!(search(&t, &admin, "NEAR(a b)").await, Vec::<String>::new());
    assert_eq!(search(&t, &admin, "ward").await, ["ed_ward", "edxward"]);
    // Control characters are dropped, and a huge paste is cut, not an error.
    assert_eq!(search(&t, &admin, "ed_\u{7}").await, ["ed_ward"]);
    assert_eq!(
        search(&t, &admin, &"x".repeat(10_000)).await,
        Vec::<String>::new()
    );
    // A page of one: the first page comes from the walk in login order
    // (store/listing/mod.rs), which must escape the same way.
    for term in [
        "%",
        "50%_",
        "0%_o",
        "d_w",
        "ed_",
        "_",
        "%%%",
        "___",
        "o'n",
        "\"quote\"",
        "\\",
        "e",
    ] {
        let page = t
            .service
            .list_users(
                &admin,
                &UserFilter {
                    search: Some(term.into()),
                    limit: 1,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let first = page.items.first().map(|u| u.login.clone());
        assert_eq!(
            first,
            search(&t, &admin, term).await.first().cloned(),
            "first match of {term:?}"
        );
    }
});

both_backends!(status_kind_role_and_resource_filters, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    for login in ["locked.one", "disabled.one", "must.one", "plain.one"] {
        t.add_user(&admin, login, Kind::Staff, Role::User, PW).await;
    }
    t.add_user(&admin, "mgr.one", Kind::Staff, Role::Manager, PW)
        .await;
    t.add_user(&admin, "portal.one", Kind::Portal, Role::User, PW)
        .await;
    t.add_user(&admin, "portal.two", Kind::Portal, Role::User, PW)
        .await;
    for i in 0..5 {
        t.auth("locked.one", &format!("wrong password {i}")).await;
    }
    s.set_disabled(&admin, "disabled.one", true).await.unwrap();
    s.set_password(
        &admin,
        "must.one",
        &Password::from("amber lantern orchard skyline"),
        true,
    )
    .await
    .unwrap();

    let by_status = |st| UserFilter {
        status: Some(st),
        ..Default::default()
    };
    assert_eq!(
        logins(&t, &admin, by_status(StatusFilter::Locked)).await,
        ["locked.one"]
    );
    assert_eq!(
        logins(&t, &admin, by_status(StatusFilter::Disabled)).await,
        ["disabled.one"]
    );
    assert_eq!(
        logins(&t, &admin, by_status(StatusFilter::MustChange)).await,
        ["must.one"]
    );
    let active = logins(&t, &admin, by_status(StatusFilter::Active)).await;
    assert!(
        !active.contains(&"locked.one".to_string())
            && !active.contains(&"disabled.one".to_string()),
        "{active:?}"
    );
    assert_eq!(active.len(), 6);
    // The badges agree.
    let locked = s
        .list_users(&admin, &by_status(StatusFilter::Locked))
        .await
        .unwrap()
        .items
        .remove(0);
    assert!(locked.locked && locked.badges.locked.is_some());
    assert_eq!(locked.failed_attempts, 5);

    assert_eq!(
        logins(
            &t,
            &admin,
            UserFilter {
                kind: Some(Kind::Portal),
                ..Default::default()
            }
        )
        .await,
        ["portal.one", "portal.two"]
    );
    assert_eq!(
        logins(
            &t,
            &admin,
            UserFilter {
                kind: Some(Kind::Staff),
                ..Default::default()
            }
        )
        .await
        .len(),
        6
    );
    assert_eq!(
        logins(
            &t,
            &admin,
            UserFilter {
                role: Some(Role::Manager),
                ..Default::default()
            }
        )
        .await,
        ["mgr.one"]
    );
    assert_eq!(
        logins(
            &t,
            &admin,
            UserFilter {
                role: Some(Role::GlobalAdmin),
                ..Default::default()
            }
        )
        .await,
        [ADMIN]
    );

    // Resource filter after grants.
    s.add_resource(&admin, "Client portal", "").await.unwrap();
    s.add_resource(&admin, "Mobile app", "").await.unwrap();
    let resource = |name: &str| UserFilter {
        resource: Some(name.into()),
        ..Default::default()
    };
    assert!(
        logins(&t, &admin, resource("Client portal"))
            .await
            .is_empty()
    );
    s.grant(&admin, "Client portal", "portal.two", AccessLevel::Read)
        .await
        .unwrap();
    s.grant(&admin, "Client portal", "plain.one", AccessLevel::Manage)
        .await
        .unwrap();
    s.grant(&admin, "Mobile app", "mgr.one", AccessLevel::Standard)
        .await
        .unwrap();
    assert_eq!(
        logins(&t, &admin, resource("Client portal")).await,
        ["plain.one", "portal.two"]
    );
    assert_eq!(
        logins(&t, &admin, resource("client PORTAL")).await,
        ["plain.one", "portal.two"]
    );
    assert_eq!(
        logins(&t, &admin, resource("Mobile app")).await,
        ["mgr.one"]
    );
    let combined = UserFilter {
        resource: Some("Client portal".into()),
        kind: Some(Kind::Portal),
        ..Default::default()
    };
    assert_eq!(logins(&t, &admin, combined).await, ["portal.two"]);
    s.revoke(&admin, "Client portal", "plain.one")
        .await
        .unwrap();
    assert_eq!(
        logins(&t, &admin, resource("Client portal")).await,
        ["portal.two"]
    );
    let err = s
        .list_users(&admin, &resource("No such thing"))
        .await
        .unwrap_err();
    assert!(matches!(err, keyward::Error::NotFound(_)), "{err:?}");

    // After an unlock, the locked filter is empty.
    s.unlock(&admin, "locked.one").await.unwrap();
    assert!(
        logins(&t, &admin, by_status(StatusFilter::Locked))
            .await
            .is_empty()
    );
});

both_backends!(must_change_filter_agrees_with_the_badge, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "old.pw", Kind::Staff, Role::User, PW)
        .await;
    t.add_user(&admin, "portal.one", Kind::Portal, Role::User, PW)
        .await;
    // A user under their own policy, without expiry.
    t.add_user(&admin, "own.policy", Kind::Staff, Role::User, PW)
        .await;
    s.create_policy(&admin, "lenient", "default").await.unwrap();
    let assign = keyward::service::UserEdit {
        policy: Some(Some("lenient".into())),
        ..Default::default()
    };
    s.edit_user(&admin, "own.policy", None, &assign)
        .await
        .unwrap();
    s.set_policy(
        &admin,
        "default",
        &[("max_age_days".into(), "30".into())],
        None,
    )
    .await
    .unwrap();
    t.clock.advance(chrono::Duration::days(31));
    t.add_user(&admin, "new.pw", Kind::Staff, Role::User, PW)
        .await;
    // Expired passwords must be changed at sign-in ...
    assert_eq!(
        t.auth("old.pw", PW).await,
        keyward::domain::AuthOutcome::OkMustChange {
            reason: keyward::domain::outcome::MustChangeReason::Expired
        }
    );
    assert_eq!(t.auth("new.pw", PW).await, keyward::domain::AuthOutcome::Ok);
    assert_eq!(
        t.auth("portal.one", PW).await,
        keyward::domain::AuthOutcome::Ok
    );
    assert_eq!(
        t.auth("own.policy", PW).await,
        keyward::domain::AuthOutcome::Ok
    );
    // ... the list marks them ...
    let all = s
        .list_users(&admin, &UserFilter::default())
        .await
        .unwrap()
        .items;
    let marked: Vec<&str> = all
        .iter()
        .filter(|u| u.must_change_password)
        .map(|u| u.login.as_str())
        .collect();
    assert_eq!(marked, ["old.pw", ADMIN]);
    // ... and the must-change filter finds exactly those.
    let filter = UserFilter {
        status: Some(StatusFilter::MustChange),
        ..Default::default()
    };
    assert_eq!(logins(&t, &admin, filter).await, ["old.pw", ADMIN]);
});

both_backends!(last_login_order_and_inactivity, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let logins_in = [
        "al.one", "al.two", "al.three", "al.four", "al.five", "al.six", "al.seven",
    ];
    for l in logins_in {
        t.add_user(&admin, l, Kind::Staff, Role::User, PW).await;
    }
    // Sign-ins at distinct times, some a fraction of a second apart; two never sign in.
    let steps = [
        ("al.three", 1000),
        ("al.one", 250),
        ("al.six", 5),
        ("al.two", 90_000),
    ];
    for (login, ms) in steps {
        t.clock.advance(chrono::Duration::milliseconds(ms));
        assert!(t.auth(login, PW).await.is_ok());
    }
    // Newest first, then those who never signed in (newest id first).
    let mut ids: Vec<(String, i64)> = Vec::new();
    for l in ["al.four", "al.five", "al.seven", ADMIN] {
        ids.push((l.to_string(), t.row(l).await.id));
    }
    ids.sort_by_key(|(_, id)| -id);
    let mut expected: Vec<String> = ["al.two", "al.six", "al.one", "al.three"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    expected.extend(ids.into_iter().map(|(l, _)| l));

    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let filter = UserFilter {
            limit: 3,
            sort: UserSort::LastLogin,
            after: after.clone(),
            ..Default::default()
        };
        let page = s.list_users(&admin, &filter).await.unwrap();
        seen.extend(page.items.into_iter().map(|u| u.login));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, expected);

    // 91 days on, only those who signed in since are not inactive.
    t.clock.advance(chrono::Duration::days(91));
    assert!(t.auth("al.one", PW).await.is_ok());
    let inactive = logins(
        &t,
        &admin,
        UserFilter {
            status: Some(StatusFilter::Inactive),
            ..Default::default()
        },
    )
    .await;
    let mut want: Vec<String> = logins_in
        .iter()
        .filter(|l| **l != "al.one")
        .map(|s| s.to_string())
        .collect();
    want.push(ADMIN.to_string());
    want.sort();
    assert_eq!(inactive, want);
    let all = s
        .list_users(
            &admin,
            &UserFilter {
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items;
    let flagged: Vec<String> = all
        .iter()
        .filter(|u| u.badges.needs_revalidation)
        .map(|u| u.login.clone())
        .collect();
    // al.one signed in after 91 idle days: no longer inactive, but her
    // account must be re-validated until she follows the mailed link.
    let mut want_flagged = want.clone();
    want_flagged.push("al.one".to_string());
    want_flagged.sort();
    assert_eq!(flagged, want_flagged);
});

/// Every row of `filter` in forward pages of `limit`.
async fn forward_all(t: &TestDb, admin: &Actor, filter: &UserFilter, limit: i64) -> Vec<String> {
    let rows = all_users(t, admin, filter, limit).await;
    rows.into_iter().map(|u| u.login).collect()
}

/// Every row of `filter` read backward from the end in pages of `limit`
/// (each page in listing order), checking each page's cursors on the way.
async fn backward_all(t: &TestDb, admin: &Actor, filter: &UserFilter, limit: i64) -> Vec<String> {
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
    t.clock.advance(chrono::Duration::days(100));
    t.auth("User09", PW).await;

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
    for sort in [UserSort::Login, UserSort::Name, UserSort::LastLogin] {
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
    for sort in [UserSort::Login, UserSort::Name, UserSort::LastLogin] {
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

/// Every page of `filter`, `limit` rows at a time, backward from the end,
/// in listing order.
async fn all_pages_backward(
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

/// Every user `filter` lists, in its order, in forward pages of `limit`.
async fn all_users(t: &TestDb, admin: &Actor, filter: &UserFilter, limit: i64) -> Vec<UserSummary> {
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

// On SQLite a substring search reads users in login order straight off the
// full-text index, whose rowids are places in that order (store/
// search_order.rs). Places must follow every addition, rename and
// deletion, including 50 additions into the same gap, which run out of
// room between two neighbours and renumber a window of them.
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
        for login in ["gapaaa", "aaa13", "gapz"] {
            s.delete_user(&admin, login).await.unwrap();
        }

        let rows = all_users(&t, &admin, &UserFilter::default(), 1000).await;
        for term in [
            "gap", "GAPAAA", "apa", "aaa", "aaa1", "runner", "filler 4", "example", "ess", "zzz",
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

/// One filter per status.
fn each_status() -> Vec<UserFilter> {
    [
        StatusFilter::Active,
        StatusFilter::Locked,
        StatusFilter::Disabled,
        StatusFilter::MustChange,
        StatusFilter::Inactive,
    ]
    .into_iter()
    .map(|status| UserFilter {
        status: Some(status),
        ..Default::default()
    })
    .collect()
}

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
    ] {
        create(&t, &admin, login, name, email, Kind::Staff, Role::User).await;
    }
    let rows = all_users(&t, &admin, &UserFilter::default(), 1000).await;
    assert_eq!(rows.len(), 2_004);

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
            "qqq", "bel e", "ZZ_MAI", "xqxqxq", "n.exam",
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
                .filter(|u| hits(u) && kind.is_none_or(|k| u.kind == k.as_str()))
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
