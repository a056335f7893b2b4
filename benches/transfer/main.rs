//! `cargo bench --bench transfer`: `keyward user import` of a generated CSV
//! (dry run, then the real import) and `keyward user export` in each format,
//! through the real binary, on SQLite and (when KEYWARD_TEST_DATABASE_URL is
//! set) PostgreSQL, each into an empty database. Prints wall time, rows a
//! second and each process's peak resident memory (an export should stay
//! flat whatever the row count). KEYWARD_BENCH_ROWS sets the row count
//! (default 1,000,000); KEYWARD_BENCH_ONLY=sqlite|postgres runs one backend.

#[path = "../keyward/report.rs"]
#[allow(dead_code)]
mod report;

use report::{Figure, announce};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ADMIN_PW: &str = "quartz meadow lantern 7d1e";

fn main() {
    if let Err(e) = run() {
        eprintln!("benchmark failed: {e}");
        std::process::exit(1);
    }
}

/// One backend's database and the environment the binary runs with.
struct Db {
    backend: &'static str,
    url: String,
    dir: PathBuf,
}

impl Db {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyward"));
        cmd.args(args)
            .env("KEYWARD_DATABASE_URL", &self.url)
            .env("KEYWARD_DATA_DIR", &self.dir)
            .env("KEYWARD_CONFIG", self.dir.join("keyward.toml"))
            .env_remove("KEYWARD_TOKEN");
        cmd
    }

    fn ok(&self, args: &[&str], stdin: &str) -> Result<(), String> {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        if let Some(mut i) = child.stdin.take() {
            i.write_all(stdin.as_bytes()).map_err(|e| e.to_string())?;
        }
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "keyward {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    /// Runs `args` with standard output into `out`; returns the wall time
    /// and the peak resident memory (KiB), read from /proc while it runs.
    fn measure(&self, args: &[&str], out: &Path) -> Result<(Duration, u64), String> {
        let file = std::fs::File::create(out).map_err(|e| e.to_string())?;
        let started = Instant::now();
        let mut child = self
            .command(args)
            .stdout(file)
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        let status = format!("/proc/{}/status", child.id());
        let mut peak = 0;
        loop {
            if let Ok(text) = std::fs::read_to_string(&status) {
                peak = peak.max(vm_hwm(&text));
            }
            if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
                let took = started.elapsed();
                if !s.success() {
                    let mut err = String::new();
                    if let Some(mut e) = child.stderr.take() {
                        let _ = std::io::Read::read_to_string(&mut e, &mut err);
                    }
                    return Err(format!("keyward {args:?} failed: {err}"));
                }
                return Ok((took, peak));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn vm_hwm(status: &str) -> u64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// An empty database for `backend`, with an administrator signed in and one
/// resource.
fn fresh(backend: &'static str, pg_url: Option<&str>) -> Result<Db, String> {
    let dir = target_dir().join("keyward-transfer-bench").join(backend);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("keyward.toml"), "").map_err(|e| e.to_string())?;
    let url = match pg_url {
        None => format!("sqlite://{}", dir.join("bench.db").display()),
        Some(admin) => {
            for sql in [
                "DROP DATABASE IF EXISTS keyward_bench_transfer WITH (FORCE)",
                "CREATE DATABASE keyward_bench_transfer",
            ] {
                let ok = Command::new("psql")
                    .args([admin, "-qc", sql])
                    .status()
                    .map_err(|e| format!("psql: {e}"))?;
                if !ok.success() {
                    return Err(format!("psql: {sql} failed"));
                }
            }
            let base = admin.split('?').next().unwrap_or(admin);
            format!(
                "{}/keyward_bench_transfer",
                &base[..base.rfind('/').unwrap_or(base.len())]
            )
        }
    };
    let db = Db { backend, url, dir };
    let pw = format!("{ADMIN_PW}\n");
    db.ok(
        &[
            "init",
            "--admin",
            "bench.admin",
            "--name",
            "Bench",
            "--email",
            "b@example.org",
            "--password-stdin",
        ],
        &pw,
    )?;
    db.ok(&["login", "--as", "bench.admin", "--password-stdin"], &pw)?;
    db.ok(&["resource", "add", "Mobile app"], "")?;
    Ok(db)
}

/// `rows` users: every other one granted the resource, every tenth with a
/// holder, names with commas and accents so that quoting is exercised.
fn write_csv(path: &Path, rows: u64) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::new(file);
    let mut line = |s: String| out.write_all(s.as_bytes()).map_err(|e| e.to_string());
    line("login,name,email,kind,role,resources,holders\n".into())?;
    for i in 0..rows {
        let kind = if i % 5 == 0 { "portal" } else { "staff" };
        let resources = if i % 2 == 0 { "Mobile app:read" } else { "" };
        let holders = if i % 10 == 0 {
            format!("Zoë Holder {i} <h{i}@example.org>")
        } else {
            String::new()
        };
        line(format!(
            "imp{i:07},\"Müller, Anna {i}\",anna{i}@example.org,{kind},user,{resources},{holders}\n"
        ))?;
    }
    out.flush().map_err(|e| e.to_string())
}

fn run() -> Result<(), String> {
    let rows: u64 = match std::env::var("KEYWARD_BENCH_ROWS") {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("KEYWARD_BENCH_ROWS={v:?} is not a number"))?,
        Err(_) => 1_000_000,
    };
    let only = std::env::var("KEYWARD_BENCH_ONLY").ok();
    let pg = std::env::var("KEYWARD_TEST_DATABASE_URL").ok();
    let mut backends: Vec<(&'static str, Option<String>)> = vec![("sqlite", None)];
    match &pg {
        Some(url) => backends.push(("postgres", Some(url.clone()))),
        None => eprintln!("KEYWARD_TEST_DATABASE_URL is not set: PostgreSQL is skipped"),
    }
    backends.retain(|(b, _)| only.as_deref().is_none_or(|o| o == *b));
    eprintln!("keyward import/export benchmark: {rows} rows");
    let mut figures = Vec::new();
    for (backend, url) in backends {
        let db = fresh(backend, url.as_deref())?;
        let csv = db.dir.join("users.csv");
        write_csv(&csv, rows)?;
        let csv_arg = csv.to_string_lossy().into_owned();
        let sink = db.dir.join("out");
        let per_sec = |d: Duration| rows as f64 / d.as_secs_f64().max(1e-9);
        let mut add = |name: &str, took: Duration, peak: u64, target: &str| {
            for f in [
                Figure::new(name, db.backend, took.as_secs_f64(), "s", target),
                Figure::new(
                    &format!("{name}: rows/s"),
                    db.backend,
                    per_sec(took),
                    "/s",
                    "",
                ),
                Figure::new(
                    &format!("{name}: peak memory"),
                    db.backend,
                    peak as f64 / 1024.0,
                    "MiB",
                    "",
                ),
            ] {
                announce(&f);
                figures.push(f);
            }
        };
        let (took, peak) = db.measure(&["user", "import", &csv_arg, "--dry-run"], &sink)?;
        add(&format!("import dry run ({rows} rows)"), took, peak, "");
        let (took, peak) = db.measure(&["user", "import", &csv_arg], &sink)?;
        add(
            &format!("import ({rows} rows)"),
            took,
            peak,
            "< 60 s at 1,000,000",
        );
        for format in ["csv", "ndjson", "json"] {
            let (took, peak) = db.measure(&["user", "export", "--format", format], &sink)?;
            let written = std::fs::read(&sink).map_err(|e| e.to_string())?;
            let lines = written.iter().filter(|b| **b == b'\n').count() as u64;
            // The administrator, plus a header (csv) or the brackets (json).
            let expected =
                rows + 1 + if format == "ndjson" { 0 } else { 1 } + u64::from(format == "json");
            if lines != expected {
                return Err(format!(
                    "{format} export has {lines} lines, expected {expected}"
                ));
            }
            add(
                &format!("export {format} ({} rows)", rows + 1),
                took,
                peak,
                "flat memory",
            );
        }
        // Search still finds imported users (SQLite: placed in search order).
        db.ok(&["user", "list", "--search", "ller, anna 1"], "")?;
    }
    println!("\n{}", report::table(&figures));
    Ok(())
}
