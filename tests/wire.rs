//! Faults on the wire, on PostgreSQL only: a proxy (tests/common/proxy.rs)
//! between keyward and the server cuts or stalls the connections.
//!
//! - The command line fails closed: with the server gone, cut at every
//!   point of a sign-in's conversation in turn, or stalled and then cut, a
//!   command exits 9 ("unavailable") with its one line, or finished before
//!   the cut.
//! - Nor does it hang on a server that stops answering and is never cut:
//!   its watchdog (cli/watchdog.rs) fails it closed the same way.
//! - A sign-in never answers ok without its write: a burst of sign-ins
//!   through a service whose connections are cut part way; every ok has its
//!   attempt row and its last sign-in time.

mod common;

use common::cli::Cli;
use common::proxy::Proxy;
use common::{ADMIN, ADMIN_PASSWORD, TestDb};
use keyward::domain::{AuthOutcome, Kind, Password, Role};
use keyward::service::{Service, ServiceConfig};
use keyward::store::Store;
use std::process::Output;

const PW: &str = "violet kettle harbour quince";
const UNAVAILABLE: i32 = 9;

/// The PostgreSQL test database, or `None` (the test then passes as
/// skipped: it is built ignored without KEYWARD_TEST_DATABASE_URL).
async fn postgres() -> Option<TestDb> {
    common::postgres().await
}

/// Runs the real binary off the async workers (the proxy runs on them).
async fn run(cli: &Cli, args: &[&str], stdin: &str) -> Output {
    let (database, data_dir) = (cli.database.clone(), cli.data_dir.path().to_path_buf());
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let stdin = stdin.to_string();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_keyward"))
            .args(["--database", &database])
            .args(&args)
            .env("KEYWARD_DATA_DIR", &data_dir)
            .env_remove("KEYWARD_DATABASE_URL")
            .env_remove("KEYWARD_CONFIG")
            .env_remove("KEYWARD_TOKEN")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run keyward");
        let _ = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes());
        child.wait_with_output().expect("wait")
    })
    .await
    .expect("the command ran")
}

/// A command that failed closed: exit 9 and one line on standard error,
/// naming no secret.
fn failed_closed(what: &str, out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(UNAVAILABLE),
        "{what}: exit {:?}, stderr {err:?}",
        out.status.code()
    );
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{what}: one line, got {err:?}");
    assert!(lines[0].starts_with("keyward: "), "{what}: {err:?}");
    assert!(!err.contains(PW) && !err.contains(ADMIN_PASSWORD), "{what}");
    assert!(out.stdout.is_empty(), "{what}: nothing on standard output");
}

/// `run`, bounded: a command that hangs fails the test instead of the run
/// (two minutes is far beyond the watchdog's 13 s; this is no timing check).
async fn run_bounded(cli: &Cli, args: &[&str], stdin: &str) -> Output {
    tokio::time::timeout(std::time::Duration::from_secs(120), run(cli, args, stdin))
        .await
        .unwrap_or_else(|_| panic!("{args:?} hung on a stalled server"))
}

/// The count of `login`'s attempts with outcome `ok`, read directly.
async fn ok_attempts(t: &TestDb, login: &str) -> i64 {
    let pool = sqlx::PgPool::connect(&t.url).await.expect("connect");
    let n: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM attempts a JOIN users u ON u.id = a.user_id \
         WHERE u.login = $1 AND a.outcome = 'ok'",
    )
    .bind(login)
    .fetch_one(&pool)
    .await
    .expect("count");
    pool.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(keyward_postgres_tests),
    ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
)]
async fn commands_fail_closed_when_the_connection_is_cut() {
    let Some(t) = postgres().await else {
        return;
    };
    let admin = t.admin().await;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    let proxy = Proxy::to(&t.url).await;
    let cli = Cli::at(&proxy.url(&t.url));
    // Owner-only, as keyward makes it, so that its start-up warning about
    // an exposed directory is not a second line.
    std::fs::set_permissions(
        cli.data_dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .expect("chmod");
    let signed_in = run(
        &cli,
        &["login", "--as", ADMIN, "--password-stdin"],
        &format!("{ADMIN_PASSWORD}\n"),
    )
    .await;
    assert!(signed_in.status.success(), "{signed_in:?}");
    let pw = format!("{PW}\n");
    let admin_pw = format!("{ADMIN_PASSWORD}\n");
    let commands: [(&[&str], &str); 8] = [
        (&["verify", "anna.b", "--password-stdin"], &pw),
        (&["user", "list"], ""),
        (&["user", "show", "anna.b"], ""),
        (&["lockouts"], ""),
        (&["user", "unlock", "anna.b"], ""),
        (&["user", "disable", "anna.b"], ""),
        (&["audit", "verify"], ""),
        (&["login", "--as", ADMIN, "--password-stdin"], &admin_pw),
    ];

    // The server gone: every command fails closed.
    proxy.down();
    for (args, stdin) in commands {
        failed_closed(
            &format!("{args:?} with the server gone"),
            &run(&cli, args, stdin).await,
        );
    }
    proxy.up();

    // Stalled, then cut: the command waits, then fails closed.
    proxy.stall();
    let verify = run(&cli, &["verify", "anna.b", "--password-stdin"], &pw);
    let cut = async {
        proxy.holding().await;
        proxy.down();
        proxy.release();
    };
    let (out, ()) = tokio::join!(verify, cut);
    failed_closed("verify stalled then cut", &out);
    proxy.up();

    // Cut at each chunk keyward sends in turn, until a sign-in ends before
    // its cut: every run either fails closed or answers ok with its write.
    let mut n = 1;
    loop {
        let before = ok_attempts(&t, "anna.b").await;
        proxy.down_after(n);
        let out = run(&cli, &["verify", "anna.b", "--password-stdin"], &pw).await;
        let cut = proxy.is_down();
        proxy.up();
        let after = ok_attempts(&t, "anna.b").await;
        // 0 ok; 18 ok, re-validate (anna.b was made on the test clock's
        // date, months before the real one the process reads).
        match out.status.code() {
            Some(0 | 18) => {
                assert_eq!(
                    after,
                    before + 1,
                    "cut at chunk {n}: ok without its attempt row"
                );
                if !cut {
                    break;
                }
            }
            _ => failed_closed(&format!("verify cut at chunk {n}"), &out),
        }
        n += 1;
        assert!(n < 500, "a sign-in of fewer than 500 chunks");
    }
    eprintln!("verify was cut at {} points in turn", n - 1);
    // Nothing the cut commands tried happened.
    let anna = t.row("anna.b").await;
    assert_eq!(anna.status, keyward::domain::Status::Active);
    drop(proxy);
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(keyward_postgres_tests),
    ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
)]
async fn a_sign_in_never_answers_ok_without_its_write() {
    let Some(t) = postgres().await else {
        return;
    };
    let admin = t.admin().await;
    let logins: Vec<String> = (0..12).map(|i| format!("burst.{i:02}")).collect();
    for login in &logins {
        t.add_user(&admin, login, Kind::Staff, Role::User, PW).await;
    }
    let proxy = Proxy::to(&t.url).await;
    let store = Store::open(&proxy.url(&t.url)).await.expect("open");
    let service = Service::new(store, ServiceConfig::default(), t.clock.clone())
        .await
        .expect("service");
    // Cut at the 1st, 2nd, 4th... chunk of a burst, until a burst ends
    // before its cut.
    let (mut oks, mut failures, mut cuts) = (0, 0, 0);
    let mut n = 1u64;
    loop {
        t.clock.advance(chrono::Duration::minutes(1));
        let now = t.clock.now();
        let mut before = Vec::new();
        for login in &logins {
            before.push(ok_attempts(&t, login).await);
        }
        proxy.down_after(n);
        let burst = logins.iter().map(|login| {
            let service: Service = service.clone();
            let login = login.clone();
            tokio::spawn(async move {
                service
                    .authenticate(&login, &Password::from(PW), "burst")
                    .await
            })
        });
        let answers = futures::future::join_all(burst).await;
        let cut = proxy.is_down();
        cuts += usize::from(cut);
        proxy.up();
        for ((login, answer), before) in logins.iter().zip(answers).zip(before) {
            match answer.expect("the sign-in ran") {
                Ok(AuthOutcome::Ok) => {
                    oks += 1;
                    assert_eq!(
                        ok_attempts(&t, login).await,
                        before + 1,
                        "{login}, cut at chunk {n}: ok without its attempt row"
                    );
                    assert_eq!(
                        t.row(login).await.last_login_at,
                        Some(now),
                        "{login}, cut at chunk {n}: ok without its last sign-in"
                    );
                }
                Ok(other) => panic!("{login}, cut at chunk {n}: the right password got {other:?}"),
                Err(e) => {
                    failures += 1;
                    assert!(e.is_unavailable(), "{login}, cut at chunk {n}: {e}");
                }
            }
        }
        if !cut {
            break;
        }
        n *= 2;
        assert!(n < 1 << 16, "a burst of fewer than 65536 chunks");
    }
    eprintln!("{cuts} bursts cut: {failures} sign-ins failed closed, {oks} ok with their write");
    // The cuts landed inside bursts, and some sign-ins got through.
    assert!(
        cuts > 0 && failures > 0 && oks > 0,
        "{cuts} cuts, {failures} failed, {oks} ok"
    );
    service.store().close().await;
    drop(proxy);
    t.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(keyward_postgres_tests),
    ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
)]
async fn commands_fail_closed_when_the_server_stops_answering() {
    let Some(t) = postgres().await else {
        return;
    };
    let admin = t.admin().await;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    let proxy = Proxy::to(&t.url).await;
    let cli = Cli::at(&proxy.url(&t.url));
    std::fs::set_permissions(
        cli.data_dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .expect("chmod");
    let signed_in = run(
        &cli,
        &["login", "--as", ADMIN, "--password-stdin"],
        &format!("{ADMIN_PASSWORD}\n"),
    )
    .await;
    assert!(signed_in.status.success(), "{signed_in:?}");
    let pw = format!("{PW}\n");

    // Stalled before the command connects: it gives up on the connection.
    proxy.stall();
    let out = run_bounded(&cli, &["user", "list"], "").await;
    failed_closed("user list, stalled from the start", &out);
    proxy.release();

    // Stalled part way, after the connection is made: the watchdog's own
    // connection gets no answer either, and the command fails closed.
    proxy.stall_after(u64::MAX - 1);
    // 0 ok; 18 ok, re-validate (anna.b was made on the test clock's date).
    let answered = |out: &Output| matches!(out.status.code(), Some(0 | 18));
    let whole = run(&cli, &["verify", "anna.b", "--password-stdin"], &pw).await;
    assert!(answered(&whole), "{whole:?}");
    let chunks = proxy.sent();
    assert!(chunks > 2, "a sign-in of {chunks} chunks");
    // A stall after the answer (the process keeps what it learnt before it
    // exits) ends the process without waiting; any earlier one fails it.
    // The 3rd to 5th chunks fall while the command opens the database
    // (its connections, and its start-up reads of the schema and
    // policies): unwatched, a stall there hung the command for ever.
    let mut failed = 0;
    for n in [3, 4, 5, chunks / 2, chunks * 3 / 4] {
        proxy.stall_after(n.max(1));
        let out = run_bounded(&cli, &["verify", "anna.b", "--password-stdin"], &pw).await;
        proxy.release();
        if answered(&out) {
            continue;
        }
        failed_closed(&format!("verify stalled at chunk {n} of {chunks}"), &out);
        failed += 1;
    }
    assert!(failed > 0, "no stall fell before the answer");
    // Early in a listing, too.
    proxy.stall_after(3);
    let out = run_bounded(&cli, &["user", "list"], "").await;
    proxy.release();
    failed_closed("user list stalled part way", &out);

    // Answering again, the same command works.
    let out = run_bounded(&cli, &["user", "show", "anna.b"], "").await;
    assert!(out.status.success(), "{out:?}");
    drop(proxy);
    t.cleanup().await;
}
