//! The `keyward` command line as a user runs it: exit codes, messages and
//! JSON, on SQLite and on PostgreSQL (`--database`).

mod common;

use common::cli::Cli;

const PW: &str = "violet kettle harbour quince";

both_backends!(verify_exit_codes_and_lockouts, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    cli.ok(
        &[
            "user",
            "add",
            "anna.b",
            "--name",
            "Anna B",
            "--email",
            "anna@example.org",
            "--password-stdin",
        ],
        &format!("{PW}\n"),
    );
    assert_eq!(
        cli.run(
            &["verify", "anna.b", "--password-stdin"],
            format!("{PW}\n").as_bytes()
        )
        .status
        .code(),
        Some(0)
    );
    for _ in 0..4 {
        assert_eq!(
            cli.run(&["verify", "anna.b", "--password-stdin"], b"wrong one\n")
                .status
                .code(),
            Some(11)
        );
    }
    // The fifth failure locks but still answers bad credentials (DESIGN step 4).
    assert_eq!(
        cli.run(&["verify", "anna.b", "--password-stdin"], b"wrong one\n")
            .status
            .code(),
        Some(11)
    );
    assert_eq!(
        cli.run(
            &["verify", "anna.b", "--password-stdin"],
            format!("{PW}\n").as_bytes()
        )
        .status
        .code(),
        Some(12)
    );
    let lockouts = cli.ok(&["lockouts", "--json"], "");
    let v: serde_json::Value = serde_json::from_str(&lockouts).unwrap();
    assert_eq!(v[0]["login"], "anna.b");
    assert_eq!(v[0]["failed_attempts"], 5);
    cli.ok(&["user", "unlock", "anna.b"], "");
    assert_eq!(
        cli.run(
            &["verify", "anna.b", "--password-stdin"],
            format!("{PW}\n").as_bytes()
        )
        .status
        .code(),
        Some(0)
    );
    cli.ok(&["user", "disable", "anna.b"], "");
    assert_eq!(
        cli.run(
            &["verify", "anna.b", "--password-stdin"],
            format!("{PW}\n").as_bytes()
        )
        .status
        .code(),
        Some(13)
    );
    cli.ok(&["user", "enable", "anna.b"], "");
    cli.ok(
        &[
            "user",
            "set-password",
            "anna.b",
            "--must-change",
            "--password-stdin",
        ],
        "another long passphrase here\n",
    );
    assert_eq!(
        cli.run(
            &["verify", "anna.b", "--password-stdin"],
            b"another long passphrase here\n"
        )
        .status
        .code(),
        Some(10)
    );
});

both_backends!(show_json_carries_the_documented_fields, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    cli.ok(
        &[
            "user",
            "add",
            "anna.b",
            "--name",
            "Anna B",
            "--email",
            "anna@example.org",
            "--password-stdin",
        ],
        &format!("{PW}\n"),
    );
    cli.ok(&["resource", "add", "Mobile app"], "");
    cli.ok(
        &[
            "resource",
            "grant",
            "Mobile app",
            "anna.b",
            "--level",
            "manage",
        ],
        "",
    );
    cli.ok(
        &[
            "user",
            "holders",
            "anna.b",
            "--add",
            "Bea Bell",
            "--email",
            "bea@example.org",
        ],
        "",
    );
    let v: serde_json::Value =
        serde_json::from_str(&cli.ok(&["user", "show", "anna.b", "--json"], "")).unwrap();
    for key in [
        "login",
        "name",
        "email",
        "kind",
        "role",
        "status",
        "must_change_password",
        "locked_until",
        "failed_attempts",
        "last_login_at",
        "password_changed_at",
        "policy",
        "holders",
        "resources",
    ] {
        assert!(v.get(key).is_some(), "user show --json lacks {key}: {v}");
    }
    assert_eq!(v["resources"][0]["resource"], "Mobile app");
    assert_eq!(v["resources"][0]["level"], "manage");
    assert_eq!(v["holders"][0]["name"], "Bea Bell");
    let list: serde_json::Value =
        serde_json::from_str(&cli.ok(&["user", "list", "--search", "ANNA", "--json"], "")).unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    // Kind, role and status keep their stored spellings in JSON.
    assert_eq!(list[0]["kind"], "staff", "{list}");
    assert_eq!(list[0]["role"], "user", "{list}");
    assert_eq!(list[0]["status"], "active", "{list}");
    // Sorted by status, a disabled account comes before an active one.
    cli.ok(&["user", "disable", "anna.b"], "");
    let by_status: serde_json::Value =
        serde_json::from_str(&cli.ok(&["user", "list", "--sort", "status", "--json"], "")).unwrap();
    let logins: Vec<&str> = by_status
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["login"].as_str().unwrap())
        .collect();
    assert_eq!(logins.first(), Some(&"anna.b"), "{by_status}");
    let err = cli.fails(&["user", "list", "--sort", "mood"], b"", 3);
    assert!(err.contains("status"), "{err}");
});

both_backends!(bad_input_gets_clear_errors_and_changes_nothing, |t| {
    let cli = Cli::new(&t);
    // No session yet.
    assert!(
        cli.fails(&["user", "list"], b"", 7)
            .contains("keyward login")
    );
    cli.init_and_login();
    let before = cli.ok(&["audit", "--json"], "");
    // Invalid UTF-8 on standard input.
    let err = cli.fails(
        &[
            "user",
            "add",
            "bad.utf",
            "--name",
            "X",
            "--email",
            "x@example.org",
            "--password-stdin",
        ],
        b"\xff\xfe long enough password\n",
        3,
    );
    assert!(err.contains("not valid UTF-8"), "{err}");
    // Empty standard input.
    assert!(
        cli.fails(&["verify", "root1", "--password-stdin"], b"", 3)
            .contains("empty")
    );
    // Quotes, SQL and control characters in a login.
    for login in [
        "o'brien",
        "x'; DROP TABLE users;--",
        "tab\there",
        " lead",
        "",
    ] {
        let err = cli.fails(
            &[
                "user",
                "add",
                login,
                "--name",
                "X",
                "--email",
                "x@example.org",
                "--no-password",
            ],
            b"",
            3,
        );
        assert!(err.contains("login ID"), "{login:?}: {err}");
    }
    // Too long a name.
    let long = "n".repeat(300);
    assert!(
        cli.fails(
            &[
                "user",
                "add",
                "long.name",
                "--name",
                &long,
                "--email",
                "x@example.org",
                "--no-password"
            ],
            b"",
            3
        )
        .contains("at most 200")
    );
    // Unknown policy keys and values.
    assert!(
        cli.fails(&["policy", "set", "min_lenght=8"], b"", 3)
            .contains("unknown policy key \"min_lenght\"")
    );
    assert!(
        cli.fails(&["policy", "set", "lockout_threshold=500"], b"", 3)
            .contains("from 1 to 100")
    );
    assert!(
        cli.fails(&["policy", "set", "default", "history"], b"", 3)
            .contains("KEY=VALUE")
    );
    // Unknown logins and values.
    assert!(
        cli.fails(&["user", "show", "nobody.here"], b"", 4)
            .contains("no user with login ID")
    );
    assert!(
        cli.fails(
            &[
                "user",
                "add",
                "bob.b",
                "--name",
                "B",
                "--email",
                "b@example.org",
                "--role",
                "root",
                "--no-password"
            ],
            b"",
            3
        )
        .contains("unknown role")
    );
    // Usage errors exit 2.
    assert_eq!(cli.run(&["user", "frobnicate"], b"").status.code(), Some(2));
    assert_eq!(cli.run(&["verify"], b"").status.code(), Some(2));
    // Nothing changed.
    assert_eq!(cli.ok(&["audit", "--json"], ""), before);
    assert!(cli.ok(&["audit", "verify"], "").contains("intact"));
});

both_backends!(bulk_reset_policy_enforcement_and_audit, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    cli.ok(
        &[
            "user",
            "add",
            "anna.b",
            "--name",
            "Anna B",
            "--email",
            "anna@example.org",
            "--password-stdin",
        ],
        &format!("{PW}\n"),
    );
    cli.ok(
        &[
            "user",
            "add",
            "client.c",
            "--name",
            "Client C",
            "--email",
            "c@client.example",
            "--kind",
            "portal",
            "--password-stdin",
        ],
        "portal person long passphrase\n",
    );
    let out = cli.ok(
        &["user", "reset-all", "--yes", "--password-stdin"],
        "spring blossom river stone\n",
    );
    assert!(out.contains("reset 1 password;"), "{out}");
    assert_eq!(
        cli.run(
            &["verify", "anna.b", "--password-stdin"],
            b"spring blossom river stone\n"
        )
        .status
        .code(),
        Some(10)
    );
    assert_eq!(
        cli.run(
            &["verify", "client.c", "--password-stdin"],
            b"portal person long passphrase\n"
        )
        .status
        .code(),
        Some(0)
    );
    cli.ok(
        &[
            "policy",
            "set",
            "portal",
            "min_length=20",
            "enforce_on_change=true",
        ],
        "",
    );
    assert_eq!(
        cli.run(
            &["verify", "client.c", "--password-stdin"],
            b"portal person long passphrase\n"
        )
        .status
        .code(),
        Some(10)
    );
    let out = cli.ok(&["audit", "verify"], "");
    assert!(out.contains("intact"), "{out}");
    let token_out = cli.run(&["reset-token", "issue", "client.c"], b"");
    assert!(token_out.status.success());
    let token = String::from_utf8_lossy(&token_out.stdout)
        .trim()
        .to_string();
    assert_eq!(token.len(), 64);
    cli.ok(
        &["reset-token", "redeem", "--password-stdin"],
        &format!("{token}\na brand new portal passphrase\n"),
    );
    assert_eq!(
        cli.run(
            &["verify", "client.c", "--password-stdin"],
            b"a brand new portal passphrase\n"
        )
        .status
        .code(),
        Some(0)
    );
    assert!(
        cli.fails(
            &["reset-token", "redeem", "--password-stdin"],
            format!("{token}\nyet another portal passphrase\n").as_bytes(),
            7
        )
        .contains("not valid")
    );
});

// `keyward verify` ends right after its answer: it waits for the failure's
// stale-password check (made after the answer) so that an old password
// typed there is not counted either.
both_backends!(verify_with_a_previous_password_is_not_counted, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    cli.ok(
        &[
            "user",
            "add",
            "anna.b",
            "--name",
            "Anna B",
            "--email",
            "anna@example.org",
            "--password-stdin",
        ],
        &format!("{PW}\n"),
    );
    cli.ok(
        &["user", "set-password", "anna.b", "--password-stdin"],
        "amber lantern orchard skyline\n",
    );
    for _ in 0..3 {
        cli.fails(
            &["verify", "anna.b", "--password-stdin"],
            format!("{PW}\n").as_bytes(),
            11,
        );
    }
    cli.fails(
        &["verify", "anna.b", "--password-stdin"],
        b"a plain typo\n",
        11,
    );
    let shown: serde_json::Value =
        serde_json::from_str(&cli.ok(&["user", "show", "anna.b", "--json"], "")).unwrap();
    assert_eq!(shown["failed_attempts"], 1, "{shown}");
});

// Fault 9's edges: limits out of range are refused with the range (not
// one row for 0, nor silently 1,000), a key given twice is refused, and
// an administrator setting their own password is asked for the current one.
both_backends!(small_edges_are_refused_clearly, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    for (args, range) in [
        (&["user", "list", "--limit", "0"][..], "1..=1000"),
        (&["user", "list", "--limit", "99999999999"][..], "1..=1000"),
        (&["audit", "--limit", "0"][..], "1..=10000"),
        (
            &["resource", "users", "x", "--limit", "1001"][..],
            "1..=1000",
        ),
    ] {
        let err = cli.fails(args, b"", 2);
        assert!(err.contains(range), "{args:?}: {err}");
    }
    let listed: serde_json::Value =
        serde_json::from_str(&cli.ok(&["user", "list", "--limit", "1000", "--json"], "")).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));

    let err = cli.fails(&["policy", "set", "min_length=16", "min_length=17"], b"", 3);
    assert!(
        err.contains("min_length is given twice (16 and 17)"),
        "{err}"
    );
    let shown: serde_json::Value =
        serde_json::from_str(&cli.ok(&["policy", "show", "--json"], "")).unwrap();
    assert_eq!(shown["settings"]["min_length"], 15, "{shown}");

    // An admin (who may not reset admins' passwords) on their own account.
    cli.ok(
        &[
            "user",
            "add",
            "ops.admin",
            "--name",
            "Ops Admin",
            "--email",
            "ops@example.org",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &format!("{PW}\n"),
    );
    cli.ok(
        &["login", "--as", "ops.admin", "--password-stdin"],
        &format!("{PW}\n"),
    );
    let err = cli.fails(
        &["user", "set-password", "ops.admin", "--password-stdin"],
        b"not my password\namber lantern orchard skyline\n",
        7,
    );
    assert!(err.contains("current password is not right"), "{err}");
    cli.ok(
        &["user", "set-password", "ops.admin", "--password-stdin"],
        &format!("{PW}\namber lantern orchard skyline\n"),
    );
    assert_eq!(
        cli.run(
            &["verify", "ops.admin", "--password-stdin"],
            b"amber lantern orchard skyline\n"
        )
        .status
        .code(),
        Some(0)
    );
});

/// Whether a transaction of `keyward` has begun writing on the test
/// database: on PostgreSQL a keyward backend holds a transaction id, on
/// SQLite the write-ahead log has grown past a few pages.
async fn fill_under_way(t: &common::TestDb) -> bool {
    if t.backend() == "postgres" {
        let pool = sqlx::PgPool::connect(&t.url).await.expect("connect");
        let writing: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = 'keyward' AND backend_xid IS NOT NULL LIMIT 1",
        )
        .fetch_optional(&pool)
        .await
        .expect("pg_stat_activity");
        pool.close().await;
        writing.is_some()
    } else {
        let wal = format!("{}-wal", t.url.trim_start_matches("sqlite://"));
        std::fs::metadata(wal).is_ok_and(|m| m.len() > 4 << 20)
    }
}

// Fault 11: `keyward demo` killed mid-fill leaves nothing behind, its
// resources included (before, they were made before the fill's
// transaction), and the database is whole: the audit chain verifies,
// SQLite's integrity check passes, and a fill can run again.
//
// Killed twice, each at a seeded-random moment of the fill (0 to 1.5 s
// after its transaction began writing), and checked after each kill.
both_backends!(an_interrupted_demo_fill_leaves_nothing, |t| {
    use rand::{Rng, SeedableRng};
    const SEED: u64 = 0x5eed_0011;
    let mut rng = rand::rngs::StdRng::seed_from_u64(SEED);
    let cli = Cli::new(&t);
    cli.init_and_login();
    let before = cli.ok(&["audit", "--json"], "");
    for _ in 0..2 {
        // SQLite's WAL file keeps its size once grown: emptied, its growth
        // shows this fill writing.
        let db = TestConn::open(&t).await;
        db.empty_wal().await;
        db.close().await;
        let mut demo = cli.spawn(&["demo", "--users", "600000"]);
        let waited = std::time::Instant::now();
        while !fill_under_way(&t).await {
            assert!(
                demo.try_wait().expect("try_wait").is_none(),
                "the fill ended before it could be interrupted"
            );
            assert!(waited.elapsed().as_secs() < 120, "the fill never started");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let delay = rng.gen_range(0..=1500);
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        assert!(
            demo.try_wait().expect("try_wait").is_none(),
            "the fill ended before it could be interrupted ({delay} ms, seed {SEED:#x})"
        );
        demo.kill().expect("kill -9");
        demo.wait().expect("wait");
        nothing_left_of_the_fill(&t, &cli, &before).await;
    }
    // Nothing half-made stands in the way of the next fill.
    assert!(
        cli.ok(&["demo", "--users", "50"], "")
            .contains("added 50 demo users")
    );
    let resources: serde_json::Value =
        serde_json::from_str(&cli.ok(&["resource", "list", "--json"], "")).unwrap();
    assert_eq!(resources.as_array().map(Vec::len), Some(5));
});

/// After a killed demo fill: no resource or user of it, the audit trail as
/// it was and intact, and (SQLite) a file that passes its integrity check.
async fn nothing_left_of_the_fill(t: &common::TestDb, cli: &Cli, audit_before: &str) {
    let resources: serde_json::Value =
        serde_json::from_str(&cli.ok(&["resource", "list", "--json"], "")).unwrap();
    assert_eq!(resources, serde_json::json!([]), "no demo resource is left");
    let users: serde_json::Value =
        serde_json::from_str(&cli.ok(&["user", "list", "--json"], "")).unwrap();
    assert_eq!(
        users.as_array().map(Vec::len),
        Some(1),
        "only the administrator"
    );
    assert_eq!(cli.ok(&["audit", "--json"], ""), audit_before);
    assert!(cli.ok(&["audit", "verify"], "").contains("intact"));
    if t.backend() == "sqlite" {
        let pool = sqlx::SqlitePool::connect(&t.url).await.expect("open");
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .expect("integrity_check");
        pool.close().await;
        assert_eq!(check, "ok");
    }
}

// Issue 15, crash tests: `keyward policy set` killed (kill -9) at a
// seeded-random moment, again and again, on both backends. After every
// kill: the policy holds wholly the old values or wholly the new ones
// (never some keys of each), its version moved by one exactly when its
// values changed, the audit trail has one `policy.change` entry per version
// (so an entry exists iff the policy changed), `audit verify` finds the
// chain intact, and SQLite's integrity check passes.
//
// What the random kills prove, and what they do not: a debug `policy set`
// lives about 25 ms on SQLite and 70 on PostgreSQL, and its transaction
// (the chain head, the audit entry, the policy row, the commit) takes a
// millisecond or two of that. The delays are drawn from 0 to 1.5 times a
// timed full run, so kills land before the save and after its commit (both
// are asserted to happen), but a kill inside the transaction by timing
// alone is rare luck (it would be counted as "before"). So a second
// phase makes it certain: a test-only trigger on `policies` stalls the
// save after every statement of its transaction has run and before its
// commit (on SQLite it also writes some megabytes first, so uncommitted
// pages are spilled to the WAL file), the test waits until keyward is in
// the stall, and kills it there. This proves keyward's part of atomicity:
// the policy and its audit entry are written in one transaction that
// commits last, and a process dying before the commit leaves neither. It
// does not test the database's own crash recovery after a power loss
// (kill -9 leaves the operating system's caches intact).
both_backends!(a_killed_policy_save_is_all_or_nothing, |t| {
    use rand::{Rng, SeedableRng};
    use std::time::{Duration, Instant};
    const SEED: u64 = 0x5eed_0015;
    const KILLS: usize = 30;
    const STALLED_KILLS: usize = 2;
    let cli = Cli::new(&t);
    cli.init_and_login();
    let db = TestConn::open(&t).await;
    let mut state = policy_state(&db).await;
    assert_eq!((state.version, state.changes), (1, 0));
    let a = state.settings.clone();
    let b = with_values(&a, &FLIPPED);
    let values = |s: &serde_json::Value| if *s == a { DEFAULTS } else { FLIPPED };
    let mut rng = rand::rngs::StdRng::seed_from_u64(SEED);

    // One save to the end, three times, timed: the quickest sets the window
    // the kills are drawn from (the first of a test is often slow).
    let mut quickest = Duration::MAX;
    for _ in 0..3 {
        let target = if state.settings == a {
            FLIPPED
        } else {
            DEFAULTS
        };
        let started = Instant::now();
        cli.ok(&strs(&policy_set_args(&target)), "");
        quickest = quickest.min(started.elapsed());
        state = check_policy_save(&cli, &db, &t, &state, &with_values(&a, &target)).await;
        assert!(state.changed);
    }
    let window = (quickest.as_millis() as u64 * 3 / 2).max(10);

    let (mut ended, mut killed_before, mut killed_after) = (0, 0, 0);
    for _ in 0..KILLS {
        let target = if values(&state.settings) == DEFAULTS {
            FLIPPED
        } else {
            DEFAULTS
        };
        let mut save = cli.spawn(&strs(&policy_set_args(&target)));
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..=window))).await;
        let exited = save.try_wait().expect("try_wait");
        let _ = save.kill();
        let status = save.wait().expect("wait");
        state = check_policy_save(&cli, &db, &t, &state, &with_values(&a, &target)).await;
        match (exited, state.changed) {
            (Some(_), changed) => {
                assert!(
                    status.success() && changed,
                    "a save that ran to the end: {status}"
                );
                ended += 1;
            }
            (None, false) => killed_before += 1,
            (None, true) => killed_after += 1,
        }
    }
    println!(
        "seed {SEED:#x}, kills drawn from 0..={window} ms: {ended} saves ended, \
         {killed_before} killed before their commit, {killed_after} killed after it"
    );
    assert!(killed_before > 0, "no kill landed before a commit");
    assert!(ended + killed_after > 0, "no kill landed after a commit");

    // Killed inside the transaction, for certain: stalled before its commit.
    db.install_stall().await;
    for _ in 0..STALLED_KILLS {
        let target = if values(&state.settings) == DEFAULTS {
            FLIPPED
        } else {
            DEFAULTS
        };
        db.empty_wal().await;
        let mut save = cli.spawn(&strs(&policy_set_args(&target)));
        let waited = Instant::now();
        while !db.in_stall().await {
            assert!(
                save.try_wait().expect("try_wait").is_none(),
                "the save ended before it could be stalled"
            );
            assert!(
                waited.elapsed().as_secs() < 60,
                "the save never reached the stall"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // SQLite: uncommitted pages are in the WAL file (emptied before the
        // save) when the process dies.
        while db.wal_size().is_some_and(|size| size < 1 << 20) {
            assert!(
                waited.elapsed().as_secs() < 60,
                "no page was spilled to the WAL"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(
            save.try_wait().expect("try_wait").is_none(),
            "the save ended in its stall"
        );
        save.kill().expect("kill -9");
        save.wait().expect("wait");
        db.wait_for_orphans().await;
        state = check_policy_save(&cli, &db, &t, &state, &with_values(&a, &target)).await;
        assert!(
            !state.changed,
            "a save killed before its commit changed the policy"
        );
    }
    db.remove_stall().await;

    // Nothing half-made stands in the way of the next save.
    let target = if values(&state.settings) == DEFAULTS {
        FLIPPED
    } else {
        DEFAULTS
    };
    cli.ok(&strs(&policy_set_args(&target)), "");
    state = check_policy_save(&cli, &db, &t, &state, &with_values(&a, &target)).await;
    assert!(state.changed);
    assert_eq!(state.settings, if target == FLIPPED { b } else { a });
    db.close().await;
});

/// The keys the crash test flips together, their defaults and other values.
const POLICY_KEYS: [&str; 4] = [
    "min_length",
    "history",
    "lockout_threshold",
    "reset_link_ttl_minutes",
];
const DEFAULTS: [i64; 4] = [15, 5, 5, 60];
const FLIPPED: [i64; 4] = [16, 6, 7, 30];

fn policy_set_args(values: &[i64; 4]) -> Vec<String> {
    let mut args: Vec<String> = ["policy", "set", "default"].map(String::from).into();
    args.extend(
        POLICY_KEYS
            .iter()
            .zip(values)
            .map(|(k, v)| format!("{k}={v}")),
    );
    args
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn with_values(settings: &serde_json::Value, values: &[i64; 4]) -> serde_json::Value {
    let mut s = settings.clone();
    for (k, v) in POLICY_KEYS.iter().zip(values) {
        s[*k] = serde_json::json!(v);
    }
    s
}

/// The `default` policy and the audit trail as the crash test sees them.
#[derive(Debug, Clone)]
struct PolicyState {
    version: i64,
    settings: serde_json::Value,
    /// Audit entries in all, and `policy.change` entries.
    entries: i64,
    changes: i64,
    /// The newest `policy.change` entry's "after" values.
    last_after: Option<serde_json::Value>,
    /// Whether the settings differ from the state before.
    changed: bool,
}

/// After a save (ended or killed): the policy is wholly `before` or wholly
/// `target`, the version and the audit trail moved by one exactly when it
/// changed, the chain verifies, and SQLite's file is whole.
async fn check_policy_save(
    cli: &Cli,
    db: &TestConn,
    t: &common::TestDb,
    before: &PolicyState,
    target: &serde_json::Value,
) -> PolicyState {
    let mut now = policy_state(db).await;
    now.changed = now.settings != before.settings;
    if now.changed {
        assert_eq!(&now.settings, target, "a mix of old and new values");
        assert_eq!(now.version, before.version + 1);
        assert_eq!(
            now.entries,
            before.entries + 1,
            "one audit entry for the change"
        );
        let after: serde_json::Map<String, serde_json::Value> = POLICY_KEYS
            .iter()
            .map(|k| (k.to_string(), serde_json::json!(target[*k].to_string())))
            .collect();
        assert_eq!(now.last_after, Some(serde_json::Value::Object(after)));
    } else {
        assert_eq!(
            now.version, before.version,
            "the version moved without a change"
        );
        assert_eq!(
            now.entries, before.entries,
            "an audit entry without a change"
        );
    }
    assert_eq!(
        now.changes,
        now.version - 1,
        "one policy.change entry per version"
    );
    let verified = cli.ok(&["audit", "verify"], "");
    assert!(verified.contains("intact"), "{verified}");
    if t.backend() == "sqlite" {
        assert_eq!(db.integrity_check().await, "ok");
    }
    now
}

async fn policy_state(db: &TestConn) -> PolicyState {
    const POLICY: &str = "SELECT version, settings FROM policies WHERE name = 'default'";
    const ENTRIES: &str = "SELECT COUNT(*) FROM audit";
    const CHANGES: &str = "SELECT COUNT(*) FROM audit WHERE action = 'policy.change'";
    const LAST: &str =
        "SELECT details FROM audit WHERE action = 'policy.change' ORDER BY seq DESC LIMIT 1";
    let ((version, settings), entries, changes, last) = match db {
        TestConn::Sqlite(p) => (
            sqlx::query_as::<_, (i64, String)>(POLICY)
                .fetch_one(p)
                .await,
            sqlx::query_scalar::<_, i64>(ENTRIES).fetch_one(p).await,
            sqlx::query_scalar::<_, i64>(CHANGES).fetch_one(p).await,
            sqlx::query_scalar::<_, String>(LAST)
                .fetch_optional(p)
                .await,
        ),
        TestConn::Postgres(p) => (
            sqlx::query_as::<_, (i64, String)>(POLICY)
                .fetch_one(p)
                .await,
            sqlx::query_scalar::<_, i64>(ENTRIES).fetch_one(p).await,
            sqlx::query_scalar::<_, i64>(CHANGES).fetch_one(p).await,
            sqlx::query_scalar::<_, String>(LAST)
                .fetch_optional(p)
                .await,
        ),
    }
    .map_all();
    let details: Option<serde_json::Value> = last.map(|d| serde_json::from_str(&d).unwrap());
    PolicyState {
        version,
        settings: serde_json::from_str(&settings).expect("settings JSON"),
        entries,
        changes,
        last_after: details.map(|d| d["after"].clone()),
        changed: false,
    }
}

trait MapAll<A, B, C, D> {
    fn map_all(self) -> (A, B, C, D);
}

impl<A, B, C, D> MapAll<A, B, C, D>
    for (
        sqlx::Result<A>,
        sqlx::Result<B>,
        sqlx::Result<C>,
        sqlx::Result<D>,
    )
{
    fn map_all(self) -> (A, B, C, D) {
        (
            self.0.expect("query"),
            self.1.expect("query"),
            self.2.expect("query"),
            self.3.expect("query"),
        )
    }
}

/// The test's own connection to the database, beside keyward's processes.
enum TestConn {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// A test-only trigger that holds a policy save after its last statement,
/// before its commit (PostgreSQL: sleeping; SQLite: writing 6 MB to a
/// scratch table, more than keyward's 4 MB page cache, so pages spill to
/// the WAL file, then counting a large cross join).
const SQLITE_STALL: &str = "CREATE TABLE test_stall (x INTEGER); \
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400) \
      INSERT INTO test_stall SELECT x FROM c; \
    CREATE TABLE test_spill (b BLOB); \
    CREATE TRIGGER test_stall AFTER UPDATE ON policies BEGIN \
      INSERT INTO test_spill SELECT randomblob(1024) FROM test_stall a, test_stall b WHERE b.x <= 15; \
      SELECT count(*) FROM test_stall a, test_stall b, test_stall c; \
    END;";
const SQLITE_UNSTALL: &str =
    "DROP TRIGGER test_stall; DROP TABLE test_spill; DROP TABLE test_stall;";
const POSTGRES_STALL: &str = "CREATE FUNCTION test_stall() RETURNS trigger LANGUAGE plpgsql AS \
      $$ BEGIN PERFORM pg_sleep(0.5); RETURN NULL; END $$; \
    CREATE TRIGGER test_stall AFTER UPDATE ON policies FOR EACH ROW EXECUTE FUNCTION test_stall();";
const POSTGRES_UNSTALL: &str = "DROP TRIGGER test_stall ON policies; DROP FUNCTION test_stall();";

impl TestConn {
    async fn open(t: &common::TestDb) -> TestConn {
        if t.backend() == "sqlite" {
            TestConn::Sqlite(sqlx::SqlitePool::connect(&t.url).await.expect("open"))
        } else {
            TestConn::Postgres(sqlx::PgPool::connect(&t.url).await.expect("connect"))
        }
    }

    async fn close(self) {
        match self {
            TestConn::Sqlite(p) => p.close().await,
            TestConn::Postgres(p) => p.close().await,
        }
    }

    async fn integrity_check(&self) -> String {
        let TestConn::Sqlite(p) = self else {
            panic!("SQLite only")
        };
        sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(p)
            .await
            .expect("integrity_check")
    }

    async fn install_stall(&self) {
        match self {
            TestConn::Sqlite(p) => sqlx::raw_sql(SQLITE_STALL).execute(p).await.map(drop),
            TestConn::Postgres(p) => sqlx::raw_sql(POSTGRES_STALL).execute(p).await.map(drop),
        }
        .expect("install the stall");
    }

    async fn remove_stall(&self) {
        match self {
            TestConn::Sqlite(p) => sqlx::raw_sql(SQLITE_UNSTALL).execute(p).await.map(drop),
            TestConn::Postgres(p) => sqlx::raw_sql(POSTGRES_UNSTALL).execute(p).await.map(drop),
        }
        .expect("remove the stall");
    }

    /// Whether a keyward process is held in the stall. SQLite: the write
    /// lock is taken (a `BEGIN IMMEDIATE` without waiting fails), twice 50
    /// ms apart (no other write of a CLI command holds it that long).
    async fn in_stall(&self) -> bool {
        match self {
            TestConn::Sqlite(p) => {
                for _ in 0..2 {
                    let mut conn = p.acquire().await.expect("acquire");
                    sqlx::query("PRAGMA busy_timeout = 0")
                        .execute(&mut *conn)
                        .await
                        .expect("busy_timeout");
                    let free = sqlx::query("BEGIN IMMEDIATE")
                        .execute(&mut *conn)
                        .await
                        .is_ok();
                    if free {
                        sqlx::query("ROLLBACK")
                            .execute(&mut *conn)
                            .await
                            .expect("rollback");
                    }
                    sqlx::query("PRAGMA busy_timeout = 5000")
                        .execute(&mut *conn)
                        .await
                        .expect("busy_timeout");
                    if free {
                        return false;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                true
            }
            TestConn::Postgres(p) => sqlx::query_scalar::<_, i32>(
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() \
                 AND wait_event = 'PgSleep' LIMIT 1",
            )
            .fetch_optional(p)
            .await
            .expect("pg_stat_activity")
            .is_some(),
        }
    }

    /// PostgreSQL: a killed client's server process runs on until its
    /// statement ends, then finds the client gone and rolls back; wait for
    /// that before looking.
    async fn wait_for_orphans(&self) {
        let started = std::time::Instant::now();
        while matches!(self, TestConn::Postgres(_)) && self.in_stall().await {
            assert!(
                started.elapsed().as_secs() < 60,
                "the stalled save never ended"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// SQLite: checkpoints the WAL and truncates it to nothing.
    async fn empty_wal(&self) {
        if let TestConn::Sqlite(p) = self {
            let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                .fetch_one(p)
                .await
                .expect("wal_checkpoint");
            assert_eq!(busy, 0, "the WAL could not be emptied");
            assert_eq!(self.wal_size(), Some(0));
        }
    }

    /// The size of SQLite's WAL file (`None` on PostgreSQL).
    fn wal_size(&self) -> Option<u64> {
        let TestConn::Sqlite(p) = self else {
            return None;
        };
        let path = p.connect_options().get_filename().to_path_buf();
        let wal = format!("{}-wal", path.display());
        Some(std::fs::metadata(wal).map_or(0, |m| m.len()))
    }
}

// The audit key is made at init (mode 0600, outside the database), and a
// checkpoint appended to a file is checked by `audit verify --checkpoint`.
both_backends!(audit_key_and_checkpoints, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    let key_file = cli.data_dir.path().join("audit.key");
    let key = std::fs::read_to_string(&key_file).expect("the key file");
    assert_eq!(key.trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let dump = cli.ok(&["audit", "--json", "--limit", "1000"], "");
    assert!(!dump.contains(key.trim()), "the key is not in the trail");
    let checkpoints = cli.data_dir.path().join("checkpoints");
    let path = checkpoints.to_str().unwrap();
    cli.ok(&["audit", "checkpoint", "--append", path], "");
    cli.ok(&["resource", "add", "Payroll"], "");
    cli.ok(&["audit", "checkpoint", "--append", path], "");
    let verified = cli.ok(&["audit", "verify", "--checkpoint", path], "");
    assert!(
        verified.contains("intact") && verified.contains("2 checkpoint"),
        "{verified}"
    );
    // A changed checkpoint file is refused, naming the line.
    let text = std::fs::read_to_string(&checkpoints).unwrap();
    std::fs::write(&checkpoints, text.replacen("seq=", "seq=1", 1)).unwrap();
    let err = cli.fails(&["audit", "verify", "--checkpoint", path], b"", 3);
    assert!(err.contains("checkpoint line 1"), "{err}");
});

// Signing in again ends the session the new one replaces: its token no
// longer works (ASVS V7.2.4).
both_backends!(a_new_login_ends_the_session_it_replaces, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    let session_file = std::fs::read_dir(cli.data_dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("session-")
        })
        .expect("a session file");
    let first = std::fs::read_to_string(&session_file).unwrap();
    cli.ok(
        &["login", "--as", "root1", "--password-stdin"],
        "correct horse battery staple\n",
    );
    let second = std::fs::read_to_string(&session_file).unwrap();
    assert_ne!(first, second);
    let with_token = |token: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
            .args(["--database", &cli.database, "user", "list"])
            .env("KEYWARD_DATA_DIR", cli.data_dir.path())
            .env("KEYWARD_TOKEN", token.trim())
            .env_remove("KEYWARD_DATABASE_URL")
            .env_remove("KEYWARD_CONFIG")
            .output()
            .expect("run keyward")
    };
    let old = with_token(&first);
    assert_eq!(old.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&old.stderr).contains("session has ended"));
    assert!(with_token(&second).status.success());
});

// `keyward logout` ends the session in the database, not only its file:
// the token no longer works from anywhere (ASVS V7.4.1, V7.4.4).
both_backends!(logout_ends_the_command_line_session, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    let session_file = std::fs::read_dir(cli.data_dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("session-")
        })
        .expect("a session file");
    let token = std::fs::read_to_string(&session_file).unwrap();
    cli.ok(&["user", "list"], "");
    assert!(cli.ok(&["logout"], "").contains("signed out"));
    assert!(!session_file.exists(), "the session file is removed");
    let err = cli.fails(&["user", "list"], b"", 7);
    assert!(err.contains("not signed in"), "{err}");
    let with_token = std::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(["--database", &cli.database, "user", "list"])
        .env("KEYWARD_DATA_DIR", cli.data_dir.path())
        .env("KEYWARD_TOKEN", token.trim())
        .env_remove("KEYWARD_DATABASE_URL")
        .env_remove("KEYWARD_CONFIG")
        .output()
        .expect("run keyward");
    assert_eq!(with_token.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&with_token.stderr).contains("session has ended"));
    assert!(cli.ok(&["logout"], "").contains("no session to end"));
});

both_backends!(resource_keys_and_verify_through_a_resource, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    cli.ok(
        &[
            "user",
            "add",
            "anna.b",
            "--name",
            "Anna B",
            "--email",
            "anna@example.org",
            "--password-stdin",
        ],
        &format!("{PW}\n"),
    );
    cli.ok(&["resource", "add", "Mobile app"], "");
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "anna.b", "--password-stdin"];
        args.extend_from_slice(extra);
        cli.run(&args, format!("{PW}\n").as_bytes()).status.code()
    };
    // Without a grant on the resource: no access (16); with one: ok.
    assert_eq!(verify(&["--resource", "mobile app"]), Some(16));
    cli.ok(&["resource", "grant", "Mobile app", "anna.b"], "");
    assert_eq!(verify(&["--resource", "Mobile app"]), Some(0));
    assert_eq!(verify(&["--resource", "No such app"]), Some(4));
    // Keys: shown once on stdout, listed by prefix, revoked by it.
    let key = cli.ok(
        &["resource", "key", "issue", "Mobile app", "--label", "prod"],
        "",
    );
    let key = key.trim();
    assert!(key.starts_with("kwk_") && key.len() == 68, "{key}");
    let list = cli.ok(&["resource", "key", "list", "Mobile app", "--json"], "");
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list[0]["label"], "prod");
    assert!(list[0].get("key").is_none());
    let prefix = list[0]["prefix"].as_str().unwrap().to_string();
    assert!(key.starts_with(&prefix));
    let out = cli.ok(&["resource", "key", "revoke", "Mobile app", &prefix], "");
    assert!(out.contains("revoked key"), "{out}");
    let again = cli.run(&["resource", "key", "revoke", "Mobile app", &prefix], b"");
    assert_eq!(again.status.code(), Some(5));
});

both_backends!(
    verify_answers_18_until_an_idle_account_is_re_validated,
    |t| {
        let cli = Cli::new(&t);
        cli.init_and_login();
        cli.ok(
            &[
                "user",
                "add",
                "anna.b",
                "--name",
                "Anna B",
                "--email",
                "anna@example.org",
                "--password-stdin",
            ],
            &format!("{PW}\n"),
        );
        let verify = || {
            cli.run(
                &["verify", "anna.b", "--password-stdin"],
                format!("{PW}\n").as_bytes(),
            )
        };
        assert_eq!(verify().status.code(), Some(0));
        // As if she had last signed in years ago.
        t.raw_exec(
            "UPDATE users SET last_login_at = '2020-01-01T00:00:00+00:00' WHERE login = 'anna.b'",
        )
        .await
        .unwrap();
        for _ in 0..2 {
            let out = verify();
            assert_eq!(out.status.code(), Some(18));
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(said.contains("re-validated"), "{said}");
        }
        let json = cli.run(
            &["verify", "anna.b", "--password-stdin", "--json"],
            format!("{PW}\n").as_bytes(),
        );
        let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(v["outcome"], "ok_revalidate");
        // The user list shows the badge; a wrong password is still refused.
        let shown = cli.ok(&["user", "show", "anna.b", "--json"], "");
        let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(v["badges"]["needs_revalidation"], true, "{shown}");
        assert_eq!(
            cli.run(&["verify", "anna.b", "--password-stdin"], b"wrong one\n")
                .status
                .code(),
            Some(11)
        );
    }
);
