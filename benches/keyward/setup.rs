//! A fresh benchmark database per backend, filled by the real binary with
//! `keyward demo --users N` (timed: that is the demo-fill figure).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub const ADMIN: &str = "bench.admin";
pub const ADMIN_PW: &str = "quartz meadow lantern 7d1e";

/// Where a backend's database lives and how the binary reaches it.
pub struct BenchDb {
    pub backend: &'static str,
    pub url: String,
    /// KEYWARD_DATA_DIR and an empty KEYWARD_CONFIG for the binary.
    pub dir: PathBuf,
}

impl BenchDb {
    /// Runs `keyward ARGS` on this database; `stdin` goes to standard input.
    pub fn run(&self, args: &[&str], stdin: &str) -> Result<String, String> {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run keyward: {e}"))?;
        if let Some(mut input) = child.stdin.take() {
            input
                .write_all(stdin.as_bytes())
                .map_err(|e| format!("stdin: {e}"))?;
        }
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "keyward {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The binary with this database's environment.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyward"));
        for (k, v) in self.env() {
            cmd.env(k, v);
        }
        cmd.env_remove("KEYWARD_TOKEN");
        cmd
    }

    /// The service settings the binary runs with: the audit key `keyward
    /// init` made in the data directory (the chain is keyed).
    pub fn service_config(&self) -> Result<keyward::service::ServiceConfig, String> {
        let path = self.dir.join("audit.key");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let key = keyward::domain::audit::AuditKey::from_hex(&text)?;
        Ok(keyward::service::ServiceConfig {
            audit_key: Some(std::sync::Arc::new(key)),
            ..Default::default()
        })
    }

    /// The environment the binary runs with.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("KEYWARD_DATABASE_URL", self.url.clone()),
            ("KEYWARD_DATA_DIR", self.dir.display().to_string()),
            (
                "KEYWARD_CONFIG",
                self.dir.join("keyward.toml").display().to_string(),
            ),
        ]
    }
}

/// target/ (or $CARGO_TARGET_DIR).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// A new, empty database for `backend` ("sqlite", or "postgres" on the
/// server of `pg_url`), replacing the previous run's.
pub async fn fresh(backend: &'static str, pg_url: Option<&str>) -> Result<BenchDb, String> {
    let dir = target_dir().join("keyward-bench").join(backend);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    std::fs::write(dir.join("keyward.toml"), "").map_err(|e| e.to_string())?;
    let url = match pg_url {
        None => {
            let db = dir.join("bench.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
            format!("sqlite://{}", db.display())
        }
        Some(admin_url) => {
            let store = keyward::store::Store::open(admin_url)
                .await
                .map_err(|e| format!("KEYWARD_TEST_DATABASE_URL: {e}"))?;
            let pool = store
                .postgres_pool()
                .ok_or("KEYWARD_TEST_DATABASE_URL is not a postgres:// URL")?
                .clone();
            for sql in [
                "DROP DATABASE IF EXISTS keyward_bench WITH (FORCE)",
                "CREATE DATABASE keyward_bench",
            ] {
                sqlx::query(sql)
                    .execute(&pool)
                    .await
                    .map_err(|e| format!("{sql}: {e}"))?;
            }
            pool.close().await;
            let base = admin_url.split('?').next().unwrap_or(admin_url);
            let server = &base[..base.rfind('/').unwrap_or(base.len())];
            format!("{server}/keyward_bench")
        }
    };
    Ok(BenchDb { backend, url, dir })
}

/// The previous run's database for `backend` (KEYWARD_BENCH_REUSE).
pub fn existing(backend: &'static str, pg_url: Option<&str>) -> BenchDb {
    let dir = target_dir().join("keyward-bench").join(backend);
    let url = match pg_url {
        None => format!("sqlite://{}", dir.join("bench.db").display()),
        Some(admin_url) => {
            let base = admin_url.split('?').next().unwrap_or(admin_url);
            format!(
                "{}/keyward_bench",
                &base[..base.rfind('/').unwrap_or(base.len())]
            )
        }
    };
    BenchDb { backend, url, dir }
}

/// Creates the administrator, signs the CLI in and runs the demo fill;
/// returns the fill's wall time.
pub fn fill(db: &BenchDb, users: u64) -> Result<Duration, String> {
    let pw = format!("{ADMIN_PW}\n");
    db.run(
        &[
            "init",
            "--admin",
            ADMIN,
            "--name",
            "Bench Admin",
            "--email",
            "bench@example.org",
            "--password-stdin",
        ],
        &pw,
    )?;
    db.run(&["login", "--as", ADMIN, "--password-stdin"], &pw)?;
    let started = Instant::now();
    db.run(&["demo", "--users", &users.to_string()], "")?;
    Ok(started.elapsed())
}

/// Writes the fill's changes out of the database's logs before anything is
/// measured. After a million-row fill PostgreSQL spreads that write-back
/// over the next minutes (checkpoint_completion_target), and every commit
/// measured meanwhile waits behind it: sign-ins right after the fill ran
/// at 0.69 of the bare rate, 0.86 once it was done. SQLite folds its WAL
/// into the database file.
pub async fn settle(service: &keyward::service::Service) {
    let store = service.store();
    let done = if let Some(p) = store.postgres_pool() {
        sqlx::query("CHECKPOINT").execute(p).await.map(|_| ())
    } else if let Some(p) = store.sqlite_pool() {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(p)
            .await
            .map(|_| ())
    } else {
        Ok(())
    };
    // CHECKPOINT needs a superuser or pg_checkpoint: without, the figures
    // are still measured, only less steadily.
    if let Err(e) = done {
        eprintln!("    could not checkpoint after the fill ({e}): the first figures may be lower");
    }
}
