//! Sign-in: `authenticate` on each path against the bare Argon2id verify
//! with the same parameters, and the throughput of as many concurrent
//! sign-ins as cores against cores x the bare verify rate.

use crate::report::{Figure, announce, ms, percentile};
use keyward::domain::{AuthOutcome, Kind, Password, Role};
use keyward::service::{Actor, NewUser, Service};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const PW: &str = "amber lantern orchard 4417";
/// The cost comparison runs `SAMPLES * 2` iterations: the p50s of 100
/// right-password, 150 wrong-password and 200 unknown-login sign-ins and
/// 200 bare verifies. At 40 the ratios moved by 5-10% between runs on one VM,
/// whose Argon2 runs themselves spread from 15 to 24 ms.
const SAMPLES: usize = 100;

/// Creates the sign-in users `bench.signin.0..n` with the password `PW`.
pub async fn users(service: &Service, admin: &Actor, n: usize) -> Result<Vec<String>, String> {
    let mut logins = Vec::new();
    for i in 0..n {
        let login = format!("bench.signin.{i}");
        let new = NewUser {
            login: login.clone(),
            name: format!("Bench Signin {i}"),
            email: format!("signin{i}@example.org"),
            // Portal users: a bulk reset (the last figure) leaves them alone.
            kind: Kind::Portal,
            role: Role::User,
            policy: None,
            must_change: false,
        };
        match service
            .create_user(admin, &new, Some(&Password::from(PW)))
            .await
        {
            // A reused database has them from the last run.
            Ok(_) | Err(keyward::Error::Conflict(_)) => {}
            Err(e) => return Err(format!("create {login}: {e}")),
        }
        logins.push(login);
    }
    Ok(logins)
}

/// One sign-in's answer time. The stale-password check of the sample
/// before (made after its answer on the hashing threads: service/stale.rs)
/// is waited for first, so that every sample starts with the threads idle:
/// in this loop an unknown login always came right after a wrong password,
/// and ran beside its check (p50 21-27 % above the wrong password's, on a
/// busy machine), while a wrong password came after a bare verify that had
/// run beside the unknown login's.
async fn timed(
    service: &Service,
    login: &str,
    pw: &str,
) -> Result<(AuthOutcome, Duration), String> {
    service.settle().await;
    let t = Instant::now();
    let outcome = service
        .authenticate(login, &Password::from(pw), "bench")
        .await
        .map_err(|e| e.to_string())?;
    Ok((outcome, t.elapsed()))
}

/// The stored hash of `login` (made by the service with the live parameters).
async fn stored_hash(service: &Service, login: &str) -> Result<String, String> {
    let found = service
        .store()
        .user_with_credential(login)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("bench user missing")?;
    found
        .credential
        .current()
        .map(str::to_string)
        .ok_or_else(|| "bench user has no password".into())
}

/// Bare verifies on this thread: (kept memory, fresh allocation) samples.
fn bare_verifies(service: &Service, phc: &str, n: usize) -> (Vec<Duration>, Vec<Duration>) {
    let hasher = service.hasher();
    let pw = Password::from(PW);
    let parsed = argon2::PasswordHash::new(phc).ok();
    let (mut kept, mut fresh) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let t = Instant::now();
        assert!(hasher.verify(phc, &pw), "bare verify must match");
        kept.push(t.elapsed());
        if let Some(parsed) = &parsed {
            use argon2::PasswordVerifier;
            let t = Instant::now();
            let ok = argon2::Argon2::default()
                .verify_password(pw.expose().as_bytes(), parsed)
                .is_ok();
            fresh.push(t.elapsed());
            assert!(ok, "bare verify must match");
        }
    }
    (kept, fresh)
}

/// Sign-in cost on each path, p50, against the bare verify p50.
pub async fn cost(
    service: &Service,
    backend: &str,
    logins: &[String],
) -> Result<Vec<Figure>, String> {
    let login = &logins[0];
    let phc = stored_hash(service, login).await?;
    // Steady state: the padding of bad-credentials answers follows the
    // recent ones, so a fresh service pads its first answers to its slow
    // first ones.
    for i in 0..150 {
        timed(service, &format!("warm.up.{i}"), "whatever it is").await?;
    }
    // Each sample of a path sits next to bare verifies made just before it
    // (the machine's speed drifts; a ratio must compare like with like).
    let (mut kept, mut fresh) = (Vec::new(), Vec::new());
    let (mut ok, mut wrong, mut unknown) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..SAMPLES * 2 {
        let svc = service.clone();
        let phc2 = phc.clone();
        let (k, f) = tokio::task::spawn_blocking(move || bare_verifies(&svc, &phc2, 1))
            .await
            .map_err(|e| e.to_string())?;
        kept.extend(k);
        fresh.extend(f);
        // Three wrong passwords, then the right one (which resets the count,
        // so the account never reaches its lock threshold).
        if i % 4 < 3 {
            let (o, d) = timed(service, login, "not the password").await?;
            if o != AuthOutcome::BadCredentials {
                return Err(format!("a wrong password answered {o:?}"));
            }
            wrong.push(d);
        } else {
            let (o, d) = timed(service, login, PW).await?;
            if !matches!(o, AuthOutcome::Ok | AuthOutcome::OkRevalidate) {
                return Err(format!("the right password answered {o:?}"));
            }
            ok.push(d);
            ok.push(timed(service, login, PW).await?.1);
        }
        let (o, d) = timed(service, &format!("nobody.{i}.bench"), "whatever it is").await?;
        if o != AuthOutcome::BadCredentials {
            return Err(format!("an unknown login answered {o:?}"));
        }
        unknown.push(d);
    }
    let bare = ms(percentile(&kept, 50.0));
    let mut out = Vec::new();
    let f = Figure::new("argon2 verify, kept memory p50", backend, bare, "ms", "-")
        .against(ms(percentile(&fresh, 50.0)));
    announce(&f);
    out.push(f);
    let wrong_p50 = ms(percentile(&wrong, 50.0));
    for f in [
        Figure::new(
            "authenticate ok p50",
            backend,
            ms(percentile(&ok, 50.0)),
            "ms",
            "≤ 1.10x bare verify",
        )
        .against(bare),
        Figure::new(
            "authenticate wrong pw p50",
            backend,
            wrong_p50,
            "ms",
            "≤ 1.10x bare verify",
        )
        .against(bare),
        Figure::new(
            "authenticate unknown p50",
            backend,
            ms(percentile(&unknown, 50.0)),
            "ms",
            "within 5% of wrong pw",
        )
        .against(wrong_p50),
    ] {
        announce(&f);
        out.push(f);
    }
    Ok(out)
}

/// Bare verifications on `threads` threads at once for about `secs`: how
/// many, and how long they took (the last ones end after `secs`).
fn bare_burst(service: &Service, phc: &str, threads: usize, secs: f64) -> (u64, Duration) {
    let pw = Password::from(PW);
    let done = AtomicU64::new(0);
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while t.elapsed().as_secs_f64() < secs {
                    service.hasher().verify(phc, &pw);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    (done.load(Ordering::Relaxed), t.elapsed())
}

/// As many tasks as cores signing in with the right password for about
/// `secs`: how many sign-ins, and how long they took.
async fn signin_burst(
    service: &Service,
    logins: &[String],
    cores: usize,
    secs: f64,
) -> Result<(u64, Duration), String> {
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let until = started + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for login in logins.iter().take(cores) {
        let login = login.clone();
        let service = service.clone();
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                match service
                    .authenticate(&login, &Password::from(PW), "bench")
                    .await
                {
                    Ok(AuthOutcome::Ok | AuthOutcome::OkRevalidate) => {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    other => return Err(format!("{login}: {other:?}")),
                }
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok((done.load(Ordering::Relaxed), started.elapsed()))
}

/// As many concurrent sign-ins as cores, against cores x the single-thread
/// bare verify rate. The machine's speed drifts from minute to minute, so
/// the two are measured in alternating rounds and summed. Beside them, the
/// bare verify on as many threads as cores: Argon2 on every core at once
/// is itself slower per thread (memory bandwidth, shared caches), which is
/// the ceiling the sign-ins can reach.
pub async fn throughput(
    service: &Service,
    backend: &str,
    logins: &[String],
) -> Result<Vec<Figure>, String> {
    const ROUNDS: usize = 4;
    const SECS: f64 = 1.5;
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let phc = stored_hash(service, &logins[0]).await?;
    // Counts and the time each kind of burst took, summed over the rounds.
    let mut single = (0u64, Duration::ZERO);
    let mut all = (0u64, Duration::ZERO);
    let mut signins = (0u64, Duration::ZERO);
    let add = |sum: &mut (u64, Duration), (n, took): (u64, Duration)| {
        sum.0 += n;
        sum.1 += took;
    };
    for _ in 0..ROUNDS {
        let (svc, phc2) = (service.clone(), phc.clone());
        let (one, many) = tokio::task::spawn_blocking(move || {
            (
                bare_burst(&svc, &phc2, 1, SECS),
                bare_burst(&svc, &phc2, cores, SECS),
            )
        })
        .await
        .map_err(|e| e.to_string())?;
        add(&mut single, one);
        add(&mut all, many);
        add(
            &mut signins,
            signin_burst(service, logins, cores, SECS).await?,
        );
    }
    let per_second = |(n, took): (u64, Duration)| n as f64 / took.as_secs_f64();
    let (single, all, rate) = (per_second(single), per_second(all), per_second(signins));
    let total = Figure::new(
        &format!("sign-ins/s, {cores} concurrent"),
        backend,
        rate,
        "/s",
        "≥ 0.85x cores x bare rate",
    )
    .against(cores as f64 * single);
    let ceiling = Figure::new(
        &format!("bare verify/s, {cores} threads"),
        backend,
        all,
        "/s",
        "(the machine's own ceiling)",
    )
    .against(cores as f64 * single);
    let per_core = Figure::new(
        "sign-ins/s per core",
        backend,
        rate / cores as f64,
        "/s",
        "Keycloak plans 15/s/vCPU (cheaper Argon2)",
    );
    for f in [&total, &ceiling, &per_core] {
        announce(f);
    }
    Ok(vec![total, ceiling, per_core])
}
