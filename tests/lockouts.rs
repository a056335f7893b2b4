//! The Lockouts listing: which accounts it holds (locked now, or at least
//! half their own policy's threshold in failures), its order (most recent
//! failure first, then id, never-failed last), keyset pages both ways, and
//! counts of every account however few a page lists.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::TestDb;
use keyward::domain::{Kind, Role};
use keyward::service::views::UserSummary;
use keyward::service::{Actor, LockoutsRequest, NewUser, UserEdit};
use keyward::store::LockCursor;

async fn create(t: &TestDb, admin: &Actor, login: &str) {
    let new = NewUser {
        login: login.into(),
        name: format!("{login} Person"),
        email: format!("{login}@example.org"),
        kind: Kind::Staff,
        role: Role::User,
        policy: None,
        must_change: false,
    };
    t.service.create_user(admin, &new, None).await.unwrap();
}

/// A time as both backends read it in a statement (sqlx's own text form).
fn at(t: DateTime<Utc>) -> String {
    format!("'{}'", t.to_rfc3339())
}

/// Sets a user's failure state as the sign-in path would have left it.
async fn trouble(
    t: &TestDb,
    login: &str,
    failures: i64,
    failed_at: Option<DateTime<Utc>>,
    locked_until: Option<Option<DateTime<Utc>>>,
) {
    let now = t.clock.now();
    let (locked_at, until) = match locked_until {
        None => ("NULL".to_string(), "NULL".to_string()),
        Some(None) => (at(now), "NULL".to_string()),
        Some(Some(u)) => (at(now), at(u)),
    };
    let failed_at = failed_at.map_or("NULL".to_string(), at);
    let n = t
        .raw_exec(&format!(
            "UPDATE users SET failed_attempts = {failures}, last_failure_at = {failed_at}, \
             locked_at = {locked_at}, locked_until = {until} WHERE login = '{login}'"
        ))
        .await
        .unwrap();
    assert_eq!(n, 1, "{login}");
}

async fn page(t: &TestDb, admin: &Actor, request: LockoutsRequest) -> Vec<UserSummary> {
    t.service.lockouts_page(admin, &request).await.unwrap()
}

/// The whole listing in one page, from the top.
async fn whole_listing(t: &TestDb, admin: &Actor) -> Vec<UserSummary> {
    let request = LockoutsRequest {
        limit: 1000,
        ..Default::default()
    };
    page(t, admin, request).await
}

fn logins(rows: &[UserSummary]) -> Vec<&str> {
    rows.iter().map(|u| u.login.as_str()).collect()
}

both_backends!(pages_both_ways_and_counts_every_account, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let now = t.clock.now();
    let hour = Duration::hours(1);
    for i in 0..30 {
        create(&t, &admin, &format!("user{i:02}")).await;
    }
    // Twelve locked, failing at distinct times, two of them at the same
    // moment (the id decides); one locked until an admin unlocks.
    for i in 0..12 {
        let failed = now - Duration::minutes(if i == 5 { 4 } else { i });
        let until = if i == 7 { None } else { Some(now + hour) };
        trouble(&t, &format!("user{i:02}"), 5, Some(failed), Some(until)).await;
    }
    // A lock that has run out, still at five failures: neither locked nor
    // close to locking (its next failure counts from one again), so not
    // listed.
    trouble(
        &t,
        "user12",
        5,
        Some(now - hour),
        Some(Some(now - Duration::minutes(1))),
    )
    .await;
    // Three failures of five: close. Two: not (2 * 2 < 5).
    trouble(&t, "user13", 3, Some(now - hour * 2), None).await;
    trouble(&t, "user14", 2, Some(now - hour * 3), None).await;
    // Locked with no failure on record (an import, say): listed last.
    trouble(&t, "user15", 0, None, Some(Some(now + hour))).await;
    // Under their own policy with a threshold of ten, four failures are not
    // close to locking; five are.
    s.create_policy(&admin, "patient", "default").await.unwrap();
    s.set_policy(
        &admin,
        "patient",
        &[("lockout_threshold".into(), "10".into())],
        None,
    )
    .await
    .unwrap();
    for login in ["user16", "user17"] {
        let edit = UserEdit {
            policy: Some(Some("patient".into())),
            ..Default::default()
        };
        s.edit_user(&admin, login, None, &edit).await.unwrap();
    }
    trouble(&t, "user16", 4, Some(now - hour * 4), None).await;
    trouble(&t, "user17", 5, Some(now - hour * 5), None).await;

    let expected = [
        "user00", "user01", "user02", "user03", "user04", "user05", "user06", "user07", "user08",
        "user09", "user10", "user11", "user13", "user17", "user15",
    ];
    let all = whole_listing(&t, &admin).await;
    assert_eq!(logins(&all), expected);
    // The CLI's list is the same listing.
    assert_eq!(logins(&s.lockouts(&admin, 1000).await.unwrap()), expected);

    let counts = s.lockout_counts(&admin).await.unwrap();
    assert_eq!((counts.locked, counts.close), (13, 2));
    // The pane's view counts alike whether its page is the whole listing
    // (counted from the page) or not (counted by the store).
    for limit in [1000, 5] {
        let request = LockoutsRequest {
            limit,
            ..Default::default()
        };
        let (rows, counts) = s.lockouts_view(&admin, &request).await.unwrap();
        assert_eq!(rows.len(), expected.len().min(limit as usize));
        assert_eq!((counts.locked, counts.close), (13, 2), "limit {limit}");
    }

    // Forward in pages of five: each starts at the row after the last one
    // (a forward page includes its cursor's row).
    let mut walked: Vec<String> = Vec::new();
    let mut from: Option<LockCursor> = None;
    loop {
        let rows = page(
            &t,
            &admin,
            LockoutsRequest {
                from,
                backward: false,
                limit: 5,
            },
        )
        .await;
        let skip = usize::from(from.is_some());
        walked.extend(rows.iter().skip(skip).map(|u| u.login.clone()));
        if rows.len() < 5 {
            break;
        }
        from = rows.last().map(UserSummary::lock_cursor);
    }
    assert_eq!(walked, expected);

    // Backward: the rows before a cursor, in listing order; with none, the
    // last rows.
    let before = page(
        &t,
        &admin,
        LockoutsRequest {
            from: Some(all[9].lock_cursor()),
            backward: true,
            limit: 3,
        },
    )
    .await;
    assert_eq!(logins(&before), ["user06", "user07", "user08"]);
    let last = page(
        &t,
        &admin,
        LockoutsRequest {
            from: None,
            backward: true,
            limit: 3,
        },
    )
    .await;
    assert_eq!(logins(&last), ["user13", "user17", "user15"]);
    let top = page(
        &t,
        &admin,
        LockoutsRequest {
            from: Some(all[2].lock_cursor()),
            backward: true,
            limit: 10,
        },
    )
    .await;
    assert_eq!(logins(&top), ["user00", "user01"]);

    // An unlock takes the account out of the listing and the counts.
    s.unlock(&admin, "user03").await.unwrap();
    let counts = s.lockout_counts(&admin).await.unwrap();
    assert_eq!((counts.locked, counts.close), (12, 2));
    assert!(
        !logins(&s.lockouts(&admin, 1000).await.unwrap()).contains(&"user03"),
        "unlocked account still listed"
    );
});

both_backends!(pages_through_accounts_locked_at_one_moment, |t| {
    // Accounts locked at the same moment (an import, an attack) tie on
    // their failure time and are listed by id: a page from any cursor,
    // either way, is the slice of the whole listing next to it.
    let admin = t.admin().await;
    // A moment with a fraction of a second: the tie is matched on the
    // stored time itself (text on SQLite).
    let now = t.clock.now() - Duration::microseconds(1_500);
    let hour = Duration::hours(1);
    for i in 0..16 {
        create(&t, &admin, &format!("tied{i:02}")).await;
    }
    for i in 0..12 {
        trouble(
            &t,
            &format!("tied{i:02}"),
            5,
            Some(now),
            Some(Some(now + hour)),
        )
        .await;
    }
    // One failure later and one earlier than the tie, on either side of it.
    trouble(
        &t,
        "tied12",
        5,
        Some(now + Duration::seconds(1)),
        Some(Some(now + hour)),
    )
    .await;
    trouble(
        &t,
        "tied13",
        5,
        Some(now - Duration::seconds(1)),
        Some(Some(now + hour)),
    )
    .await;
    // Two locked with no failure on record tie at the end (as the epoch).
    trouble(&t, "tied14", 0, None, Some(Some(now + hour))).await;
    trouble(&t, "tied15", 0, None, Some(None)).await;
    let all = whole_listing(&t, &admin).await;
    let mut expected = vec!["tied12".to_string()];
    expected.extend((0..12).map(|i| format!("tied{i:02}")));
    expected.extend(["tied13", "tied14", "tied15"].map(String::from));
    assert_eq!(logins(&all), expected);
    for (i, row) in all.iter().enumerate() {
        for limit in [1, 4] {
            for backward in [false, true] {
                let rows = page(
                    &t,
                    &admin,
                    LockoutsRequest {
                        from: Some(row.lock_cursor()),
                        backward,
                        limit,
                    },
                )
                .await;
                // Forward pages start at the cursor's row; backward ones
                // end just before it.
                let n = limit as usize;
                let want = if backward {
                    &expected[i.saturating_sub(n)..i]
                } else {
                    &expected[i..(i + n).min(all.len())]
                };
                assert_eq!(logins(&rows), want, "backward {backward}, {limit} from {i}");
            }
        }
    }
});

both_backends!(locks_and_unlocks_are_notified_on_postgres, |t| {
    let admin = t.admin().await;
    let pw = "violet kettle harbour quince";
    t.add_user(&admin, "noted", Kind::Staff, Role::User, pw)
        .await;
    let watch = t.service.watch_lockouts(&admin).await.unwrap();
    match watch {
        None => assert_eq!(t.backend(), "sqlite", "PostgreSQL notifies locks"),
        Some(mut watch) => {
            // Locked by wrong passwords, as another application's sign-ins
            // through the same tables would lock it.
            for _ in 0..5 {
                t.auth("noted", "wrong wrong wrong").await;
            }
            assert!(matches!(
                t.auth("noted", pw).await,
                keyward::domain::AuthOutcome::Locked { .. }
            ));
            let wait = std::time::Duration::from_secs(30);
            tokio::time::timeout(wait, watch.changed())
                .await
                .expect("the lock was not notified")
                .unwrap();
            t.service.unlock(&admin, "noted").await.unwrap();
            tokio::time::timeout(wait, watch.changed())
                .await
                .expect("the unlock was not notified")
                .unwrap();
        }
    }
});
