//! keyward's files are owner-only (issue 15, fault 8): under umask 022 the
//! binary creates its data, log and runtime directories 0700 and its files
//! (the SQLite database with its -wal and -shm, logs, session token) 0600,
//! and warns at start about any that others can read.
#![cfg(unix)]

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ADMIN_PW: &str = "correct horse battery staple";

/// Runs `keyward ARGS` under umask 022 (a shell sets it, then execs).
fn keyward(data: &Path, database: Option<&str>, args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("umask 022; exec \"$@\"")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_keyward"));
    if let Some(url) = database {
        cmd.args(["--database", url]);
    }
    let mut child = cmd
        .args(args)
        .env("KEYWARD_DATA_DIR", data)
        .env_remove("KEYWARD_DATABASE_URL")
        .env_remove("KEYWARD_CONFIG")
        .env_remove("KEYWARD_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run keyward");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The permission bits, in octal ("600").
fn mode(p: &Path) -> String {
    let bits = std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode();
    format!("{:o}", bits & 0o777)
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .collect()
}

both_backends!(files_are_owner_only_and_exposure_is_named, |t| {
    let root = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let data = root.path().join("data");
    // SQLite: the default database, in the data directory.
    let database = (t.backend() == "postgres").then_some(t.url.as_str());
    let run = |args: &[&str], stdin: &str| keyward(&data, database, args, stdin);
    run(
        &[
            "init",
            "--admin",
            "root1",
            "--name",
            "Root One",
            "--email",
            "root@example.org",
            "--password-stdin",
        ],
        &format!("{ADMIN_PW}\n"),
    );
    run(
        &["login", "--as", "root1", "--password-stdin"],
        &format!("{ADMIN_PW}\n"),
    );
    // Another program holds the database open, so its -wal and -shm stay
    // while keyward writes.
    let db = data.join("keyward.db");
    let holder = if database.is_none() {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
            .await
            .expect("open");
        sqlx::query("SELECT count(*) FROM users")
            .execute(&pool)
            .await
            .expect("read");
        Some(pool)
    } else {
        None
    };
    let out = run(&["user", "list"], "");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("readable by others"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    assert_eq!(mode(&data), "700", "the data directory");
    let logs = data.join("logs");
    assert_eq!(mode(&logs), "700", "the log directory");
    let log_files = entries(&logs);
    assert!(!log_files.is_empty());
    for f in &log_files {
        assert_eq!(mode(f), "600", "{}", f.display());
    }
    let sessions: Vec<PathBuf> = entries(&data)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("session-"))
        })
        .collect();
    assert_eq!(sessions.len(), 1);
    assert_eq!(mode(&sessions[0]), "600");
    if database.is_none() {
        for f in ["keyward.db", "keyward.db-wal", "keyward.db-shm"] {
            assert_eq!(mode(&data.join(f)), "600", "{f}");
        }
    }

    // Made readable by others: named at the next start, with the fix.
    let exposed = if database.is_none() {
        db.clone()
    } else {
        log_files[0].clone()
    };
    std::fs::set_permissions(&exposed, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = run(&["user", "list"], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for (path, fix) in [(&exposed, "600"), (&data, "700")] {
        assert!(
            stderr.contains(&format!("{} is readable by others", path.display()))
                && stderr.contains(&format!("chmod {fix} {}", path.display())),
            "{stderr}"
        );
    }
    if let Some(pool) = holder {
        pool.close().await;
    }
});
