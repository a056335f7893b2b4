//! The command line's first minutes and its exit statuses: a fresh database
//! says what to run, every kind of error exits with its own status (the
//! README's table), and counts read "1 staff user".

mod common;

use common::cli::Cli;

const PW: &str = "violet kettle harbour quince";

fn add_user(cli: &Cli, login: &str, role: &str) {
    cli.ok(
        &[
            "user",
            "add",
            login,
            "--name",
            "Some One",
            "--email",
            &format!("{login}@example.org"),
            "--role",
            role,
            "--password-stdin",
        ],
        &format!("{PW}\n"),
    );
}

both_backends!(a_fresh_database_says_what_to_run, |t| {
    let cli = Cli::new(&t);
    let err = cli.fails(&["demo", "--users", "10"], b"", 7);
    assert!(
        err.contains("no administrator yet")
            && err.contains("keyward init --admin")
            && err.contains("keyward login --as"),
        "{err}"
    );
    cli.init_and_login();
    // Once set up and signed in, the fill runs; signed out, the ordinary advice.
    let err = cli.another().fails(&["demo", "--users", "3"], b"", 7);
    assert!(err.contains("you are not signed in"), "{err}");
    let out = cli.ok(&["demo", "--users", "3"], "");
    assert!(out.contains("added 3 demo users and"), "{out}");
});

#[test]
fn demo_users_has_help_and_a_range() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cli = Cli::at(&format!("sqlite://{}", dir.path().join("k.db").display()));
    let help = cli.ok(&["demo", "--help"], "");
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(help.contains("How many demo users to add"), "{help}");
    assert!(help.contains("keyward init"), "{help}");
    for bad in ["0", "10000001", "many"] {
        let err = cli.fails(&["demo", "--users", bad], b"", 2);
        assert!(err.contains("--users"), "{bad}: {err}");
    }
}

both_backends!(each_kind_of_error_has_its_exit_status, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    add_user(&cli, "anna.b", "user");
    // Not found: 4.
    cli.fails(&["user", "unlock", "nobody.here"], b"", 4);
    // Invalid: 3.
    cli.fails(&["user", "list", "--status", "sleepy"], b"", 3);
    // Conflict: 5.
    let err = cli.fails(
        &[
            "user",
            "add",
            "ANNA.B",
            "--name",
            "A",
            "--email",
            "a@example.org",
            "--no-password",
        ],
        b"",
        5,
    );
    assert!(err.contains("already taken"), "{err}");
    // Not allowed: 6 (a manager may not create users).
    add_user(&cli, "mona.m", "manager");
    let manager = cli.another();
    manager.ok(
        &["login", "--as", "mona.m", "--password-stdin"],
        &format!("{PW}\n"),
    );
    let err = manager.fails(
        &[
            "user",
            "add",
            "ned.n",
            "--name",
            "N",
            "--email",
            "n@example.org",
            "--no-password",
        ],
        b"",
        6,
    );
    assert!(err.contains("not allowed"), "{err}");
    // Not signed in: 7.
    cli.another().fails(&["lockouts"], b"", 7);
    // The audit trail tampered with: 15.
    let drop = if t.backend() == "postgres" {
        "DROP TRIGGER audit_append_only ON audit"
    } else {
        "DROP TRIGGER audit_no_update"
    };
    t.raw_exec(drop).await.unwrap();
    t.raw_exec(r#"UPDATE audit SET details = '{"after":{"name":"Mallory"}}' WHERE seq = 2"#)
        .await
        .unwrap();
    let err = cli.fails(&["audit", "verify"], b"", 15);
    assert!(err.contains("broken at entry 2"), "{err}");
});

#[test]
fn an_unreachable_database_exits_9() {
    let cli = Cli::at("postgres://keyward@127.0.0.1:1/keyward");
    let err = cli.fails(&["user", "list"], b"", 9);
    assert!(err.contains("cannot be reached"), "{err}");
}
