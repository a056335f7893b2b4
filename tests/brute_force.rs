//! The brute-force suite, as Keycloak's BruteForceTest does it, on both
//! backends: the lock at the threshold and not before; the wait, and its
//! growth (`lockout_growth` = 2 doubles each further lock within a day, up
//! to `lockout_max_minutes`); a lock that lasts until an administrator
//! unlocks (`lockout_minutes` = 0); the count reset by a success; unknown
//! logins, which never lock and answer as a wrong password does; case
//! variants of a login, which count against one account; and separate
//! `keyward verify` processes at once, which leave an exact count or
//! exactly one lock. Times are the service's settable clock, never measured.
//!
//! Elsewhere, and not repeated here: the default threshold and the lock's
//! end by time (tests/signin.rs `lockout_after_threshold_and_expiry`), the
//! last global administrator's lock (`last_global_admin_is_never_locked_
//! indefinitely`), previous passwords not counted (`stale_password_is_not_
//! counted`), and the same races between services in one process
//! (tests/concurrency.rs).

mod common;

use chrono::{DateTime, Duration, Utc};
use common::cli::Cli;
use common::{ADMIN_PASSWORD, TestDb};
use keyward::domain::{AuthOutcome, Kind, Role};
use keyward::service::Actor;

const PW: &str = "violet kettle harbour quince";
const LOGIN: &str = "anna.b";

/// An administrator, a user `LOGIN`, and the default policy with `pairs`.
async fn setup(t: &TestDb, pairs: &[(&str, &str)]) -> Actor {
    let admin = t.admin().await;
    t.add_user(&admin, LOGIN, Kind::Staff, Role::User, PW).await;
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if !pairs.is_empty() {
        t.service
            .set_policy(&admin, "default", &pairs, None)
            .await
            .expect("set the policy");
    }
    admin
}

/// `n` wrong passwords for `login`, each answered as `BadCredentials`.
async fn fail(t: &TestDb, login: &str, n: usize) {
    for i in 0..n {
        let o = t.auth(login, &format!("wrong guess {i}")).await;
        assert_eq!(o, AuthOutcome::BadCredentials, "failure {} of {n}", i + 1);
    }
}

/// How many sign-in attempts with `outcome` the log holds for `login`.
async fn attempts(t: &TestDb, login: &str, outcome: &str) -> usize {
    let id = t.row(login).await.id;
    let rows = t
        .service
        .store()
        .attempts_for_user(id, 10_000)
        .await
        .expect("attempts");
    rows.iter().filter(|a| a.outcome == outcome).count()
}

/// Locks `LOGIN` with `threshold` failures and returns when the lock ends.
async fn lock(t: &TestDb, threshold: usize) -> Option<DateTime<Utc>> {
    fail(t, LOGIN, threshold).await;
    match t.auth(LOGIN, PW).await {
        AuthOutcome::Locked { until } => until,
        other => panic!("not locked after {threshold} failures: {other:?}"),
    }
}

both_backends!(locks_at_the_policy_threshold_and_not_before, |t| {
    setup(&t, &[("lockout_threshold", "3")]).await;
    fail(&t, LOGIN, 2).await;
    let row = t.row(LOGIN).await;
    assert!(row.locked_at.is_none(), "two failures of three do not lock");
    assert_eq!(row.failed_attempts, 2);
    // The third locks, though it still answers as a wrong password.
    fail(&t, LOGIN, 1).await;
    let until = t.clock.now() + Duration::minutes(15);
    assert_eq!(
        t.auth(LOGIN, PW).await,
        AuthOutcome::Locked { until: Some(until) }
    );
    // Attempts while locked, right or wrong, are answered Locked and not counted.
    for pw in ["still wrong", PW] {
        assert_eq!(
            t.auth(LOGIN, pw).await,
            AuthOutcome::Locked { until: Some(until) }
        );
    }
    assert_eq!(t.row(LOGIN).await.failed_attempts, 3);
    assert_eq!(attempts(&t, LOGIN, "bad_password").await, 2);
    assert_eq!(attempts(&t, LOGIN, "locked").await, 1);
    assert_eq!(attempts(&t, LOGIN, "while_locked").await, 3);
});

both_backends!(each_further_lock_within_a_day_doubles_up_to_the_cap, |t| {
    setup(
        &t,
        &[
            ("lockout_threshold", "3"),
            ("lockout_minutes", "10"),
            ("lockout_growth", "2"),
            ("lockout_max_minutes", "35"),
        ],
    )
    .await;
    // 10, 20, then 40 capped at 35, and 35 again: each lock waited out.
    for minutes in [10, 20, 35, 35] {
        let now = t.clock.now();
        let until = lock(&t, 3).await;
        assert_eq!(
            until,
            Some(now + Duration::minutes(minutes)),
            "{minutes} min"
        );
        // A second before the end, still locked; at the end, over.
        t.clock
            .advance(Duration::minutes(minutes) - Duration::seconds(1));
        assert!(matches!(
            t.auth(LOGIN, PW).await,
            AuthOutcome::Locked { .. }
        ));
        t.clock.advance(Duration::seconds(1));
        assert_eq!(
            t.row(LOGIN).await.failed_attempts,
            3,
            "not counted while locked"
        );
        // A failure after the lock starts a new count (a success would
        // clear it, tested below): three more lock again.
    }
    // More than a day after the last lock, the wait is back to its start.
    t.clock.advance(Duration::days(1) + Duration::minutes(1));
    let now = t.clock.now();
    assert_eq!(lock(&t, 3).await, Some(now + Duration::minutes(10)));
});

both_backends!(without_growth_every_lock_lasts_the_same, |t| {
    setup(&t, &[("lockout_threshold", "3"), ("lockout_minutes", "10")]).await;
    for _ in 0..3 {
        let now = t.clock.now();
        assert_eq!(lock(&t, 3).await, Some(now + Duration::minutes(10)));
        t.clock.advance(Duration::minutes(10));
    }
});

both_backends!(a_lock_without_minutes_lasts_until_an_admin_unlocks, |t| {
    let admin = setup(&t, &[("lockout_threshold", "3"), ("lockout_minutes", "0")]).await;
    assert_eq!(lock(&t, 3).await, None, "no end");
    // No wait ends it.
    t.clock.advance(Duration::days(30));
    assert_eq!(t.auth(LOGIN, PW).await, AuthOutcome::Locked { until: None });
    assert_eq!(t.row(LOGIN).await.failed_attempts, 3);
    // An administrator does (signing in again: the first sign-in was 30 days ago).
    let admin = t.sign_in(&admin.login, ADMIN_PASSWORD).await;
    t.service.unlock(&admin, LOGIN).await.expect("unlock");
    assert_eq!(t.row(LOGIN).await.failed_attempts, 0);
    assert_eq!(t.auth(LOGIN, PW).await, AuthOutcome::Ok);
});

both_backends!(a_success_resets_the_count, |t| {
    setup(&t, &[("lockout_threshold", "5")]).await;
    fail(&t, LOGIN, 4).await;
    assert_eq!(t.auth(LOGIN, PW).await, AuthOutcome::Ok);
    assert_eq!(t.row(LOGIN).await.failed_attempts, 0);
    // Eight failures in all, never five in a row: no lock.
    fail(&t, LOGIN, 4).await;
    let row = t.row(LOGIN).await;
    assert_eq!(row.failed_attempts, 4);
    assert!(row.locked_at.is_none());
    assert_eq!(t.auth(LOGIN, PW).await, AuthOutcome::Ok);
    // Five in a row do lock.
    fail(&t, LOGIN, 5).await;
    assert!(matches!(
        t.auth(LOGIN, PW).await,
        AuthOutcome::Locked { .. }
    ));
});

both_backends!(
    unknown_logins_never_lock_and_answer_as_a_wrong_password,
    |t| {
        setup(&t, &[("lockout_threshold", "3")]).await;
        // Four times the threshold, each answered as a known login's wrong
        // password is (and as it was before the threshold).
        fail(&t, "ghost.user", 12).await;
        assert_eq!(t.auth("ghost.user", PW).await, AuthOutcome::BadCredentials);
        let failures = t
            .service
            .recent_failures(&t.sign_in(common::ADMIN, ADMIN_PASSWORD).await, 100)
            .await
            .expect("recent failures");
        let ghost = failures.iter().filter(|a| a.login == "ghost.user").count();
        assert_eq!(ghost, 13, "every attempt is recorded");
        // The failures were counted against nobody: an account made with that
        // login afterwards starts clean.
        let admin = t.sign_in(common::ADMIN, ADMIN_PASSWORD).await;
        t.add_user(&admin, "ghost.user", Kind::Staff, Role::User, PW)
            .await;
        let row = t.row("ghost.user").await;
        assert_eq!((row.failed_attempts, row.locked_at), (0, None));
        assert_eq!(t.auth("ghost.user", PW).await, AuthOutcome::Ok);
    }
);

both_backends!(case_variants_of_a_login_count_against_one_account, |t| {
    setup(&t, &[("lockout_threshold", "4")]).await;
    for (i, variant) in ["ANNA.B", "Anna.B", "aNnA.b"].into_iter().enumerate() {
        fail(&t, variant, 1).await;
        assert_eq!(
            t.row(LOGIN).await.failed_attempts,
            i as i64 + 1,
            "{variant}"
        );
    }
    fail(&t, "anna.B", 1).await;
    // Locked for every spelling.
    for variant in [LOGIN, "ANNA.B"] {
        assert!(
            matches!(t.auth(variant, PW).await, AuthOutcome::Locked { .. }),
            "{variant}"
        );
    }
    assert_eq!(t.row(LOGIN).await.failed_attempts, 4);
    assert_eq!(attempts(&t, LOGIN, "locked").await, 1);
});

/// Starts `n` `keyward verify` processes for `login`, then gives each its
/// own wrong password at once, and returns their exit codes. `verify` opens
/// the database before it reads the password, so the processes wait ready
/// and sign in side by side.
fn verify_at_once(t: &TestDb, login: &str, n: usize) -> Vec<i32> {
    use std::io::Write;
    let clis: Vec<Cli> = (0..n).map(|_| Cli::new(t)).collect();
    let mut children: Vec<_> = clis
        .iter()
        .map(|cli| cli.spawn(&["verify", login, "--password-stdin"]))
        .collect();
    for (i, child) in children.iter_mut().enumerate() {
        let mut stdin = child.stdin.take().expect("stdin");
        writeln!(stdin, "wrong guess {i}").expect("write the password");
    }
    children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("wait");
            out.status
                .code()
                .unwrap_or_else(|| panic!("killed: {}", String::from_utf8_lossy(&out.stderr)))
        })
        .collect()
}

const PROCESSES: usize = 8;

both_backends!(separate_processes_at_once_leave_an_exact_count, |t| {
    setup(&t, &[("lockout_threshold", "100")]).await;
    let codes = verify_at_once(&t, LOGIN, PROCESSES);
    assert_eq!(codes, vec![11; PROCESSES], "every one a wrong password");
    let row = t.row(LOGIN).await;
    assert_eq!(row.failed_attempts, PROCESSES as i64, "no failure lost");
    assert!(row.locked_at.is_none());
    assert_eq!(attempts(&t, LOGIN, "bad_password").await, PROCESSES);
});

both_backends!(separate_processes_past_the_threshold_lock_once, |t| {
    setup(&t, &[("lockout_threshold", "3")]).await;
    let mut codes = verify_at_once(&t, LOGIN, PROCESSES);
    codes.sort();
    // Three failures count (the third locks); the rest find the lock.
    let mut expected = vec![11; 3];
    expected.extend(vec![12; PROCESSES - 3]);
    assert_eq!(codes, expected, "11: wrong password, 12: locked");
    let row = t.row(LOGIN).await;
    assert!(row.locked_at.is_some());
    assert_eq!(row.failed_attempts, 3, "only the failures before the lock");
    assert_eq!(attempts(&t, LOGIN, "locked").await, 1, "exactly one lock");
    assert_eq!(attempts(&t, LOGIN, "bad_password").await, 2);
    assert_eq!(attempts(&t, LOGIN, "while_locked").await, PROCESSES - 3);
});

both_backends!(
    an_unknown_login_answers_a_process_as_a_wrong_password_does,
    |t| {
        setup(&t, &[]).await;
        let cli = Cli::new(&t);
        let known = cli.run(&["verify", LOGIN, "--password-stdin"], b"wrong guess\n");
        let unknown = cli.run(
            &["verify", "ghost.user", "--password-stdin"],
            b"wrong guess\n",
        );
        assert_eq!(known.status.code(), Some(11));
        assert_eq!(unknown.status.code(), known.status.code());
        assert_eq!(unknown.stdout, known.stdout);
        assert_eq!(
            String::from_utf8_lossy(&unknown.stderr).replace("ghost.user", LOGIN),
            String::from_utf8_lossy(&known.stderr)
        );
    }
);
