//! `cargo bench`: keyward's figures at a million users (issue 5), each next
//! to the bare figure it is compared with, on SQLite and (when
//! KEYWARD_TEST_DATABASE_URL is set) PostgreSQL. Prints a table and writes
//! target/keyward-bench.json. BENCHMARKS.md says how to read it.
//!
//! KEYWARD_BENCH_USERS sets the demo size (default 1,000,000) for a quick
//! run; KEYWARD_BENCH_ONLY=sqlite|postgres runs one backend;
//! KEYWARD_BENCH_REUSE=1 keeps the previous run's databases (no fill
//! figure); `cargo bench -- search signin` runs only the named groups
//! (fill search cli scroll startup signin http mail lockouts bulk; bulk
//! includes the bulk reset by link);
//! KEYWARD_BENCH_TERMS sets how many search terms are typed (default 300).

mod console;
mod data;
mod http;
mod mail;
mod process;
mod report;
mod setup;
mod signin;
mod smtp_sink;

use keyward::domain::Password;
use keyward::service::Service;
use report::{Figure, announce};

const SEARCH_TERMS: usize = 300;

fn main() {
    // `cargo bench -- <filter>` passes arguments; there is one benchmark.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => {}
        Err(e) => {
            eprintln!("benchmark failed: {e}");
            std::process::exit(1);
        }
    }
}

async fn run() -> Result<(), String> {
    let users: u64 = match std::env::var("KEYWARD_BENCH_USERS") {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("KEYWARD_BENCH_USERS={v:?} is not a number"))?,
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
    let reuse = std::env::var_os("KEYWARD_BENCH_REUSE").is_some();
    let groups: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wants = |g: &str| groups.is_empty() || groups.iter().any(|x| x == g);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    eprintln!("keyward benchmarks: {users} demo users, {cores} cores");

    let mut figures: Vec<Figure> = Vec::new();
    for (backend, url) in backends {
        let db = if reuse {
            eprintln!("\n{backend}: the previous run's database");
            setup::existing(backend, url.as_deref())
        } else {
            eprintln!("\n{backend}: keyward demo --users {users} ...");
            let db = setup::fresh(backend, url.as_deref()).await?;
            let fill = setup::fill(&db, users)?;
            let f = Figure::new(
                &format!("demo fill ({users} users)"),
                backend,
                fill.as_secs_f64(),
                "s",
                "< 120 s",
            );
            announce(&f);
            figures.push(f);
            db
        };

        let service = Service::open(&db.url, db.service_config()?)
            .await
            .map_err(|e| e.to_string())?;
        if !reuse {
            setup::settle(&service).await;
        }
        let admin = service
            .login(
                setup::ADMIN,
                &Password::from(setup::ADMIN_PW),
                "bench",
                false,
            )
            .await
            .map_err(|e| e.to_string())?
            .actor
            .ok_or("the bench administrator could not sign in")?;

        if wants("search") || wants("cli") {
            let count = std::env::var("KEYWARD_BENCH_TERMS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(SEARCH_TERMS);
            let terms = console::search_terms(&service, count).await;
            if wants("search") {
                figures.extend(console::search(&service, backend, &terms).await?);
            }
            if wants("cli") {
                figures.extend(process::cli_search(&db, &service, backend, &terms).await?);
            }
        }
        if wants("scroll") {
            figures.extend(console::scrolling(&service, backend).await?);
        }
        if wants("startup") {
            figures.extend(process::startup_and_memory(&db, 5)?);
        }
        if wants("signin") {
            let logins = signin::users(&service, &admin, cores.max(2)).await?;
            figures.extend(signin::cost(&service, backend, &logins).await?);
            figures.extend(signin::throughput(&service, backend, &logins).await?);
        }
        if wants("http") {
            let logins = signin::users(&service, &admin, cores.max(2)).await?;
            figures.extend(http::figures(&db, &service, backend, &logins).await?);
        }
        if wants("mail") {
            figures.extend(mail::figures(&db, &service, backend, &admin).await?);
        }
        if wants("lockouts") {
            figures.extend(data::lockouts(&service, backend, &admin).await?);
        }
        // Last: it changes every staff user's password.
        if wants("bulk") {
            let shared = data::bulk_reset(&service, backend, &admin).await?;
            let shared_s = shared.first().map_or(0.0, |f| f.value);
            figures.extend(shared);
            figures.extend(data::bulk_reset_links(&service, backend, &admin, shared_s).await?);
        }
        service.store().close().await;
    }

    let table = report::table(&figures);
    println!("\n{table}");
    let path = setup::target_dir().join("keyward-bench.json");
    let json = serde_json::to_string_pretty(&figures).map_err(|e| e.to_string())?;
    std::fs::write(&path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("written to {}", path.display());
    Ok(())
}
