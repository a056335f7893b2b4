//! `keyward serve` over HTTP: the real binary on the bench database, a
//! client in this process. Sign-ins per second against cores x the bare
//! Argon2 verify rate (measured in alternating rounds), latency at 80 % of
//! that rate (open loop: each request timed from when it was due), how soon
//! a saturated server answers 503, unknown login against wrong password,
//! and reset requests for existing against unknown accounts.

use crate::report::{Figure, announce, ms, percentile};
use crate::setup::{self, BenchDb};
use keyward::domain::{AccessLevel, Password};
use keyward::service::{Actor, Service};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const APP: &str = "Bench app";
const PW: &str = "amber lantern orchard 4417";

/// A `keyward serve` process with the bench's `[web]` settings.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &BenchDb, queue: usize) -> Result<Server, String> {
        let config = db.dir.join("http.toml");
        std::fs::write(
            &config,
            format!(
                "[web]\nhash_queue_limit = {queue}\nreset_requests_per_address_per_hour = 1000000\n\
                 reset_requests_per_account_per_hour = 1000000\n"
            ),
        )
        .map_err(|e| e.to_string())?;
        let mut child = db
            .command()
            .env("KEYWARD_CONFIG", &config)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("keyward serve: {e}"))?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        // Warnings (a file others may read) may come before the address.
        let mut said = String::new();
        let mut lines = BufReader::new(stderr).lines();
        let base = loop {
            let line = match lines.next() {
                Some(Ok(line)) => line,
                _ => return Err(format!("keyward serve did not start: {said}")),
            };
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.split_whitespace().next().unwrap_or("").to_string();
            }
            said.push_str(&line);
        };
        Ok(Server { child, base })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bench application: its resource, a key, and grants for `logins`.
async fn application(service: &Service, logins: &[String]) -> Result<String, String> {
    // Keys need a recent sign-in: the run's earlier groups took minutes.
    let admin: Actor = service
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
    match service
        .add_resource(&admin, APP, "keyward serve benchmark")
        .await
    {
        Ok(_) | Err(keyward::Error::Conflict(_)) => {}
        Err(e) => return Err(e.to_string()),
    }
    for login in logins {
        service
            .grant(&admin, APP, login, AccessLevel::Standard)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(service
        .issue_api_key(&admin, APP, "bench")
        .await
        .map_err(|e| e.to_string())?
        .key
        .to_string())
}

struct Client {
    http: reqwest::Client,
    base: String,
    key: String,
}

impl Client {
    /// POSTs and returns (status, outcome or code, time taken).
    async fn post(&self, path: &str, body: serde_json::Value) -> (u16, String, Duration) {
        let t = Instant::now();
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .json(&body)
            .send()
            .await;
        let (status, what) = match r {
            Ok(r) => {
                let status = r.status().as_u16();
                let v: serde_json::Value = r.json().await.unwrap_or_default();
                let what = v["outcome"]
                    .as_str()
                    .or(v["code"].as_str())
                    .unwrap_or("")
                    .to_string();
                (status, what)
            }
            Err(e) => (0, e.to_string()),
        };
        (status, what, t.elapsed())
    }

    async fn sign_in(&self, login: &str, pw: &str) -> (u16, String, Duration) {
        self.post("/v1/sign-in", json!({ "login": login, "password": pw }))
            .await
    }
}

/// Bare verifies of `phc` on one thread for about `secs`: how many, how long.
fn bare_burst(service: &Service, phc: &str, secs: f64) -> (u64, Duration) {
    let pw = Password::from(PW);
    let t = Instant::now();
    let mut n = 0;
    while t.elapsed().as_secs_f64() < secs {
        service.hasher().verify(phc, &pw);
        n += 1;
    }
    (n, t.elapsed())
}

/// Whether a sign-in's outcome is a right password answered in full: `ok`,
/// or `ok_revalidate` for the demo's accounts idle past their policy's
/// threshold (the same work, and the mark is set at the first).
fn signed_in(outcome: &str) -> bool {
    matches!(outcome, "ok" | "ok_revalidate")
}

/// `clients` loops signing in for about `secs`: how many ok, how long.
async fn http_burst(c: &Client, logins: &[String], clients: usize, secs: f64) -> (u64, Duration) {
    let until = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let loops = (0..clients).map(|i| {
        let login = &logins[i % logins.len()];
        async move {
            let mut ok = 0u64;
            while Instant::now() < until {
                if signed_in(&c.sign_in(login, PW).await.1) {
                    ok += 1;
                }
            }
            ok
        }
    });
    let done: u64 = futures::future::join_all(loops).await.into_iter().sum();
    (done, started.elapsed())
}

/// Requests at `rate` a second for `secs`, each timed from when it was due
/// (a late start counts against the server, as a real client would see it).
async fn open_loop(c: &Client, logins: &[String], rate: f64, secs: f64) -> Vec<Duration> {
    let start = Instant::now();
    let n = (rate * secs) as usize;
    let calls = (0..n).map(|i| {
        let due = start + Duration::from_secs_f64(i as f64 / rate);
        let login = &logins[i % logins.len()];
        async move {
            tokio::time::sleep_until(due.into()).await;
            let (_, outcome, _) = c.sign_in(login, PW).await;
            (outcome, due.elapsed())
        }
    });
    futures::future::join_all(calls)
        .await
        .into_iter()
        .filter(|(o, _)| signed_in(o))
        .map(|(_, d)| d)
        .collect()
}

pub async fn figures(
    db: &BenchDb,
    service: &Service,
    backend: &str,
    logins: &[String],
) -> Result<Vec<Figure>, String> {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let key = application(service, logins).await?;
    let phc = service
        .store()
        .user_with_credential(&logins[0])
        .await
        .map_err(|e| e.to_string())?
        .and_then(|u| u.credential.current().map(str::to_string))
        .ok_or("bench user has no password")?;
    let mut out = Vec::new();
    {
        let server = Server::start(db, 64)?;
        let c = Client {
            http: reqwest::Client::new(),
            base: server.base.clone(),
            key: key.clone(),
        };
        // Warm up: connections, the server's padding floor.
        for i in 0..60 {
            c.sign_in(&format!("nobody.{i}"), "x").await;
            c.sign_in(&logins[0], PW).await;
        }
        // Throughput: alternating rounds of one bare thread and of 2 x cores
        // HTTP clients (enough to keep every hashing thread busy).
        // A third kind of round, `cores` bare threads at once, shows how
        // much of the limit the processor itself gives when every core
        // runs Argon2 (the threads share its cache and memory bandwidth).
        let (mut bare, mut http) = ((0u64, Duration::ZERO), (0u64, Duration::ZERO));
        let mut together = (0u64, Duration::ZERO);
        for _ in 0..4 {
            let (svc, phc2) = (service.clone(), phc.clone());
            let b = tokio::task::spawn_blocking(move || bare_burst(&svc, &phc2, 1.5))
                .await
                .map_err(|e| e.to_string())?;
            bare = (bare.0 + b.0, bare.1 + b.1);
            let t = Instant::now();
            let threads = (0..cores).map(|_| {
                let (svc, phc2) = (service.clone(), phc.clone());
                tokio::task::spawn_blocking(move || bare_burst(&svc, &phc2, 1.5))
            });
            for b in futures::future::join_all(threads).await {
                together.0 += b.map_err(|e| e.to_string())?.0;
            }
            together.1 += t.elapsed();
            let h = http_burst(&c, logins, cores * 2, 1.5).await;
            http = (http.0 + h.0, http.1 + h.1);
        }
        let bare_rate = bare.0 as f64 / bare.1.as_secs_f64();
        let bare_ms = 1000.0 / bare_rate;
        let rate = http.0 as f64 / http.1.as_secs_f64();
        let limit = cores as f64 * bare_rate;
        let f = Figure::new(
            &format!("bare verifies/s, {cores} threads at once"),
            backend,
            together.0 as f64 / together.1.as_secs_f64(),
            "/s",
            "the processor's own share of the limit",
        )
        .against(limit);
        announce(&f);
        out.push(f);
        let f = Figure::new(
            &format!("HTTP sign-ins/s, {} clients", cores * 2),
            backend,
            rate,
            "/s",
            "≥ 0.85x cores x bare rate",
        )
        .against(limit);
        announce(&f);
        out.push(f);

        // Latency at 80 % of the limit.
        let samples = open_loop(&c, logins, 0.8 * limit, 10.0).await;
        for (p, name) in [(50.0, "p50"), (99.0, "p99")] {
            let f = Figure::new(
                &format!("HTTP sign-in {name} at 80% load"),
                backend,
                ms(percentile(&samples, p)),
                "ms",
                "p99 < 2x bare verify",
            )
            .against(bare_ms);
            announce(&f);
            out.push(f);
        }

        // Unknown login against wrong password, interleaved.
        let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
        for i in 0..150 {
            unknown.push(c.sign_in(&format!("nobody.{i}.bench"), "not it").await.2);
            // The wrong password goes to users in turn, each reset by a right
            // sign-in before it nears its lock.
            let login = &logins[i % logins.len()];
            wrong.push(c.sign_in(login, "not the password").await.2);
            if i % logins.len() == logins.len() - 1 {
                for l in logins {
                    c.sign_in(l, PW).await;
                }
            }
        }
        let wrong_p50 = ms(percentile(&wrong, 50.0));
        let f = Figure::new(
            "HTTP unknown login p50",
            backend,
            ms(percentile(&unknown, 50.0)),
            "ms",
            "within 5% of wrong pw",
        )
        .against(wrong_p50);
        announce(&f);
        out.push(f);

        // Reset requests: existing against unknown accounts. An existing
        // account's request leaves work behind its answer (the token, the
        // outbox row, the mail), for a few milliseconds. Each sample is a
        // request after 50 ms of quiet (its answer: existing against
        // unknown, taken in turn), then at once an unknown one (what the
        // first left behind, as a caller timing pairs would see it).
        let (mut answer, mut next) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
        for i in 0..200 {
            let existing = i % 2 == 0;
            let who = if existing {
                logins[i % logins.len()].clone()
            } else {
                format!("nobody.{i}.bench")
            };
            tokio::time::sleep(Duration::from_millis(50)).await;
            let took = c
                .post("/v1/reset/request", json!({ "login_or_email": who }))
                .await
                .2;
            answer[usize::from(existing)].push(took);
            let probe = json!({ "login_or_email": format!("nobody.{i}.next") });
            let took = c.post("/v1/reset/request", probe).await.2;
            next[usize::from(existing)].push(took);
        }
        let f = Figure::new(
            "reset request, existing p50",
            backend,
            ms(percentile(&answer[1], 50.0)),
            "ms",
            "within 5% of unknown",
        )
        .against(ms(percentile(&answer[0], 50.0)));
        announce(&f);
        out.push(f);
        let f = Figure::new(
            "reset request right after an existing one p50",
            backend,
            ms(percentile(&next[1], 50.0)),
            "ms",
            "against after an unknown",
        )
        .against(ms(percentile(&next[0], 50.0)));
        announce(&f);
        out.push(f);
    }
    {
        // Saturation: a small queue and a flood; the 503s' times.
        let server = Server::start(db, 4)?;
        let c = Client {
            http: reqwest::Client::new(),
            base: server.base.clone(),
            key,
        };
        for l in logins {
            c.sign_in(l, PW).await;
        }
        let flood = (0..200).map(|i| c.sign_in(&logins[i % logins.len()], PW));
        let answers = futures::future::join_all(flood).await;
        let busy: Vec<Duration> = answers
            .iter()
            .filter(|(s, _, _)| *s == 503)
            .map(|(_, _, d)| *d)
            .collect();
        let f = Figure::new(
            &format!("503 when saturated p99 ({} of 200)", busy.len()),
            backend,
            ms(percentile(&busy, 99.0)),
            "ms",
            "milliseconds",
        );
        announce(&f);
        out.push(f);

        // Sustained overload: 4 x cores clients in closed loops on kept-alive
        // connections (a busy application's), for 3 s; the 503s' times.
        let clients = cores * 4;
        let until = Instant::now() + Duration::from_secs(3);
        let loops = (0..clients).map(|i| {
            let (c, login) = (&c, &logins[i % logins.len()]);
            async move {
                let mut busy = Vec::new();
                while Instant::now() < until {
                    let (status, _, took) = c.sign_in(login, PW).await;
                    if status == 503 {
                        busy.push(took);
                    }
                }
                busy
            }
        });
        let busy: Vec<Duration> = futures::future::join_all(loops)
            .await
            .into_iter()
            .flatten()
            .collect();
        for (p, name) in [(50.0, "p50"), (99.0, "p99")] {
            let f = Figure::new(
                &format!(
                    "503 under sustained overload {name} ({} answers, {clients} clients)",
                    busy.len()
                ),
                backend,
                ms(percentile(&busy, p)),
                "ms",
                "milliseconds",
            );
            announce(&f);
            out.push(f);
        }
    }
    Ok(out)
}
