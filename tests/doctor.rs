//! `keyward doctor` as an operator runs it: all well on a fresh setup; a
//! world-readable database (or config file) named with its chmod; a schema
//! behind or ahead named with what to run; an unreachable or missing
//! database; a config file it cannot read. Exit 0 only when all is well,
//! 19 otherwise; `--json` says the same for programs. Mail and the web
//! listener are checked in tests/mail and tests/serve.

mod common;

use common::cli::Cli;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A config file in `cli`'s data directory, owner-only, listening on a
/// port nobody uses (so the web check is about keyward, not this host).
/// The data directory is made owner-only too, as keyward makes its own
/// (a test's temporary directory is not).
pub fn config(cli: &Cli, text: &str) -> PathBuf {
    std::fs::set_permissions(cli.data_dir.path(), std::fs::Permissions::from_mode(0o700))
        .expect("chmod");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let path = cli.data_dir.path().join("config.toml");
    std::fs::write(
        &path,
        format!("{text}\n[web]\nlisten = \"127.0.0.1:{port}\"\n"),
    )
    .expect("config");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    path
}

/// Runs `keyward --config FILE doctor [--json]`: exit code and stdout.
fn doctor(cli: &Cli, config: &Path, json: bool) -> (Option<i32>, String) {
    let path = config.to_str().expect("utf-8 path");
    let mut args = vec!["--config", path, "doctor"];
    if json {
        args.push("--json");
    }
    let out = cli.run(&args, b"");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The JSON report, with its exit code.
fn report(cli: &Cli, config: &Path) -> (Option<i32>, Value) {
    let (code, text) = doctor(cli, config, true);
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (code, value)
}

/// The findings of one check.
fn findings<'a>(report: &'a Value, check: &str) -> Vec<&'a Value> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|f| f["check"] == check)
        .collect()
}

fn status<'a>(report: &'a Value, check: &str) -> &'a str {
    findings(report, check)[0]["status"]
        .as_str()
        .expect("status")
}

both_backends!(a_fresh_setup_is_all_well, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    let file = config(&cli, "");
    let (code, r) = report(&cli, &file);
    assert_eq!(code, Some(0), "{r:#}");
    assert_eq!(r["ok"], true);
    for check in ["config", "files", "database", "schema", "audit_key", "web"] {
        assert_eq!(status(&r, check), "ok", "{check}: {r:#}");
    }
    // No mail server configured: not checked, and not a problem.
    assert_eq!(status(&r, "mail"), "skipped");
    let web = findings(&r, "web")[0]["detail"].as_str().unwrap();
    assert!(web.contains("is free"), "{web}");
    // The text says the same, one line per check.
    let (code, text) = doctor(&cli, &file, false);
    assert_eq!(code, Some(0));
    assert!(
        text.lines()
            .any(|l| l.starts_with("ok") && l.contains("schema")),
        "{text}"
    );
    assert!(text.trim_end().ends_with("all is well"), "{text}");
});

both_backends!(a_world_readable_file_is_named_with_its_chmod, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    let file = config(&cli, "");
    // SQLite: the database itself; PostgreSQL has no file of its own here,
    // so the config file (which may hold its password).
    let exposed = match t.url.strip_prefix("sqlite://") {
        Some(db) => PathBuf::from(db),
        None => file.clone(),
    };
    std::fs::set_permissions(&exposed, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (code, text) = doctor(&cli, &file, false);
    assert_eq!(code, Some(19), "{text}");
    let fix = format!("fix: chmod 600 {}", exposed.display());
    assert!(text.contains(&fix), "{text}");
    assert!(
        text.contains(&format!(
            "{} is readable by anyone (mode 644)",
            exposed.display()
        )),
        "{text}"
    );
    assert!(text.trim_end().ends_with("1 problem to fix"), "{text}");
    let (code, r) = report(&cli, &file);
    assert_eq!(code, Some(19));
    assert_eq!(r["ok"], false);
    let files = findings(&r, "files");
    assert_eq!(files.len(), 1, "{r:#}");
    assert_eq!(files[0]["status"], "problem");
    assert_eq!(
        files[0]["fix"],
        format!("chmod 600 {}", exposed.display()).as_str()
    );
    // Fixed as told: all well again.
    std::fs::set_permissions(&exposed, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(doctor(&cli, &file, false).0, Some(0));
});

both_backends!(a_schema_ahead_or_behind_is_named_with_what_to_run, |t| {
    let cli = Cli::new(&t);
    cli.init_and_login();
    let file = config(&cli, "");
    // A migration this keyward does not know: a newer one migrated it.
    t.raw_exec(
        "INSERT INTO _sqlx_migrations \
         (version, description, installed_on, success, checksum, execution_time) \
         SELECT 9999, description, installed_on, success, checksum, execution_time \
         FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .await
    .unwrap();
    let (code, r) = report(&cli, &file);
    assert_eq!(code, Some(19), "{r:#}");
    let schema = findings(&r, "schema")[0];
    assert_eq!(schema["status"], "problem");
    assert!(
        schema["detail"].as_str().unwrap().contains("newer keyward")
            && schema["detail"].as_str().unwrap().contains("9999"),
        "{schema}"
    );
    assert_eq!(status(&r, "database"), "ok");
    // One not applied yet: run keyward migrate, as other commands say (17).
    t.raw_exec("DELETE FROM _sqlx_migrations WHERE version = 9999")
        .await
        .unwrap();
    t.raw_exec(
        "UPDATE _sqlx_migrations SET success = false \
         WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .await
    .unwrap();
    let (code, r) = report(&cli, &file);
    assert_eq!(code, Some(19), "{r:#}");
    let schema = findings(&r, "schema")[0];
    assert!(
        schema["detail"]
            .as_str()
            .unwrap()
            .contains("behind this keyward"),
        "{schema}"
    );
    assert!(
        schema["fix"]
            .as_str()
            .unwrap()
            .starts_with("keyward migrate"),
        "{schema}"
    );
    cli.fails(&["user", "list"], b"", 17);
    t.raw_exec("UPDATE _sqlx_migrations SET success = true")
        .await
        .unwrap();
    assert_eq!(report(&cli, &file).0, Some(0));
});

#[test]
fn an_unreachable_database_is_a_problem_and_the_schema_is_not_checked() {
    let cli = Cli::at("postgres://keyward@127.0.0.1:1/keyward");
    let file = config(&cli, "");
    let (code, r) = report(&cli, &file);
    assert_eq!(code, Some(19), "{r:#}");
    let db = findings(&r, "database")[0];
    assert_eq!(db["status"], "problem");
    assert!(
        db["detail"].as_str().unwrap().contains("127.0.0.1:1"),
        "{db}"
    );
    assert!(db["fix"].as_str().unwrap().contains("PostgreSQL"), "{db}");
    assert_eq!(status(&r, "schema"), "skipped");
}

#[test]
fn a_missing_database_is_named_and_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("none/keyward.db");
    let cli = Cli::at(&format!("sqlite://{}", db.display()));
    let file = config(&cli, "");
    let (code, r) = report(&cli, &file);
    assert_eq!(code, Some(19), "{r:#}");
    let found = findings(&r, "database")[0];
    assert!(
        found["detail"].as_str().unwrap().contains("no database at"),
        "{found}"
    );
    assert!(found["fix"].as_str().unwrap().contains("keyward init"));
    // The doctor changes nothing: no database, no directory, no log.
    assert!(!dir.path().join("none").exists());
    assert!(!cli.data_dir.path().join("logs").exists());
}

#[test]
fn a_config_file_it_cannot_read_is_named_with_the_key_and_line() {
    let cli = Cli::at("sqlite:///nonexistent/keyward.db");
    let file = cli.data_dir.path().join("config.toml");
    std::fs::write(&file, "[ui]\nmouse = true\nmouze = true\n").unwrap();
    let (code, r) = report(&cli, &file);
    assert_eq!(code, Some(19), "{r:#}");
    let found = findings(&r, "config")[0];
    assert_eq!(found["status"], "problem");
    let detail = found["detail"].as_str().unwrap();
    assert!(
        detail.contains("mouze") && detail.contains("line 3"),
        "{detail}"
    );
    for check in ["files", "database", "schema", "audit_key", "mail", "web"] {
        assert_eq!(status(&r, check), "skipped", "{check}");
    }
}

#[test]
fn files_web_names_are_read_a_short_token_or_a_missing_certificate_is_a_problem() {
    let cli = Cli::at("sqlite:///nonexistent/keyward.db");
    let token = cli.data_dir.path().join("metrics.token");
    std::fs::write(&token, "short\n").unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    let cases = [
        (
            format!("metrics_token_file = \"{}\"", token.display()),
            "16 characters",
        ),
        (
            "tls_cert = \"/nonexistent/cert.pem\"\ntls_key = \"/nonexistent/key.pem\"".to_string(),
            "/nonexistent/cert.pem",
        ),
    ];
    for (web, expected) in cases {
        let file = cli.data_dir.path().join("config.toml");
        std::fs::write(&file, format!("[web]\nlisten = \"127.0.0.1:1\"\n{web}\n")).unwrap();
        let (code, r) = report(&cli, &file);
        assert_eq!(code, Some(19), "{r:#}");
        let found = findings(&r, "web")[0];
        assert_eq!(found["status"], "problem", "{found}");
        assert!(
            found["detail"].as_str().unwrap().contains(expected),
            "{expected}: {found}"
        );
    }
}
