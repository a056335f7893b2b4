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
