//! Real `keyward serve` processes: two on one database count every failure
//! once between them, and a stopped server answers nothing ok that it has
//! not written.

use crate::both_backends;
use crate::harness::{APP, PW};
use crate::process::Process;
use keyward::domain::{AccessLevel, Kind, Role};
use serde_json::json;

/// The admin, a key for "Mobile app" and anna.b granted it.
async fn prepared(t: &crate::common::TestDb, threshold: u32) -> String {
    let admin = t.admin().await;
    t.service.add_resource(&admin, APP, "").await.unwrap();
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    t.service
        .grant(&admin, APP, "anna.b", AccessLevel::Standard)
        .await
        .unwrap();
    t.service
        .set_policy(
            &admin,
            "default",
            // The servers run on the real clock, months after the test
            // clock's start when anna.b was made: no re-validation here.
            &[
                ("lockout_threshold".into(), threshold.to_string()),
                ("revalidate_after_days".into(), "0".into()),
            ],
            None,
        )
        .await
        .unwrap();
    t.service
        .issue_api_key(&admin, APP, "")
        .await
        .unwrap()
        .key
        .to_string()
}

/// `n` concurrent sign-ins of anna.b with `password`, alternating between
/// the servers; their outcomes (or the error text).
async fn sign_ins(bases: &[&str], key: &str, password: &str, n: usize) -> Vec<String> {
    let client = reqwest::Client::new();
    let calls = (0..n).map(|i| {
        let request = client
            .post(format!("{}/v1/sign-in", bases[i % bases.len()]))
            .bearer_auth(key)
            .json(&json!({ "login": "anna.b", "password": password }));
        async move {
            match request.send().await {
                Ok(r) => match r.json::<serde_json::Value>().await {
                    Ok(v) => v["outcome"].as_str().unwrap_or("no outcome").to_string(),
                    Err(e) => format!("error: {e}"),
                },
                Err(e) => format!("error: {e}"),
            }
        }
    });
    futures::future::join_all(calls).await
}

async fn attempts(t: &crate::common::TestDb, outcome: &str) -> usize {
    let id = t.row("anna.b").await.id;
    t.service
        .store()
        .attempts_for_user(id, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.outcome == outcome)
        .count()
}

both_backends!(two_instances_count_every_failure_once, |t| {
    let key = prepared(&t, 100).await;
    let (a, b) = (Process::start(&t.url), Process::start(&t.url));
    let answers = sign_ins(&[&a.base, &b.base], &key, "a wrong password", 40).await;
    assert!(
        answers.iter().all(|o| o == "bad_credentials"),
        "{answers:?}"
    );
    assert_eq!(t.row("anna.b").await.failed_attempts, 40);
    assert_eq!(attempts(&t, "bad_password").await, 40);
    assert!(t.row("anna.b").await.locked_at.is_none());
});

both_backends!(two_instances_lock_once_at_the_threshold, |t| {
    let key = prepared(&t, 5).await;
    let (a, b) = (Process::start(&t.url), Process::start(&t.url));
    let answers = sign_ins(&[&a.base, &b.base], &key, "a wrong password", 40).await;
    assert!(
        answers
            .iter()
            .all(|o| o == "bad_credentials" || o == "locked"),
        "{answers:?}"
    );
    let row = t.row("anna.b").await;
    assert!(row.locked_at.is_some(), "locked");
    assert_eq!(
        attempts(&t, "locked").await,
        1,
        "exactly one failure locked it"
    );
    assert!(row.failed_attempts >= 5);
});

both_backends!(
    a_stopped_server_answers_nothing_ok_it_has_not_written,
    |t| {
        let key = prepared(&t, 5).await;
        let p = Process::start(&t.url);
        let base = p.base.clone();
        let load = tokio::spawn(async move { sign_ins(&[&base], &key, PW, 24).await });
        // Stop while they run (24 sign-ins take several Argon2 rounds).
        tokio::time::sleep(std::time::Duration::from_millis(60)).await;
        p.terminate();
        let answers = load.await.unwrap();
        let mut p = p;
        let (code, said) = p.wait();
        assert_eq!(code, Some(0), "{said:?}");
        assert!(
            said.iter()
                .any(|l| l.contains("finishing requests in flight")),
            "{said:?}"
        );
        let ok = answers.iter().filter(|o| *o == "ok").count();
        assert!(
            answers.iter().all(|o| o == "ok" || o.starts_with("error")),
            "{answers:?}"
        );
        assert!(ok > 0, "some requests were in flight: {answers:?}");
        // Every ok answer has its sign-in written.
        assert!(attempts(&t, "ok").await >= ok, "{answers:?}");
    }
);

both_backends!(the_log_has_each_request_and_no_secret, |t| {
    let key = prepared(&t, 5).await;
    let p = Process::start(&t.url);
    let client = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        client
            .post(format!("{}{path}", p.base))
            .bearer_auth(&key)
            .header("x-request-id", "trace-me-42")
            .json(&body)
            .send()
    };
    post("/v1/sign-in", json!({ "login": "anna.b", "password": PW }))
        .await
        .unwrap();
    post(
        "/v1/sign-in",
        json!({ "login": "anna.b", "password": "wrong-secret-xyz" }),
    )
    .await
    .unwrap();
    post("/v1/reset/request", json!({ "login_or_email": "anna.b" }))
        .await
        .unwrap();
    // The link waits in the outbox; open its page and set a password.
    let mut links = Vec::new();
    for _ in 0..100 {
        let admin = t
            .sign_in(crate::common::ADMIN, crate::common::ADMIN_PASSWORD)
            .await;
        links = t.service.pending_reset_links(&admin, None).await.unwrap();
        if !links.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let token = links[0].link.rsplit('/').next().unwrap().to_string();
    let page = client
        .get(format!("{}/reset/{token}", p.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let (status, _) = (
        post(
            "/v1/reset/redeem",
            json!({ "token": token, "new_password": "amber lantern orchard skyline" }),
        )
        .await
        .unwrap()
        .status()
        .as_u16(),
        (),
    );
    assert_eq!(status, 200);
    p.terminate();
    let mut p = p;
    let _ = p.wait();
    let log = p.log();
    assert!(log.contains("trace-me-42"), "request ids are logged");
    assert!(
        log.contains("route=/v1/sign-in") && log.contains("status=200"),
        "{log}"
    );
    assert!(log.contains("route=/reset/{token}"), "{log}");
    for secret in [
        PW,
        "wrong-secret-xyz",
        "amber lantern orchard skyline",
        token.as_str(),
        key.as_str(),
    ] {
        assert!(!log.contains(secret), "the log holds a secret: {secret}");
    }
});

// A server whose starter stopped reading its standard error (a closed pipe,
// a terminal gone) goes on serving: the lines it prints after its address
// are lost, never the server.
both_backends!(a_closed_standard_error_does_not_stop_the_server, |t| {
    t.admin().await;
    let home = tempfile::tempdir().expect("temp dir");
    let config = home.path().join("config.toml");
    std::fs::write(&config, "").expect("config");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(["--database", &t.url, "serve", "--listen", "127.0.0.1:0"])
        .env("KEYWARD_DATA_DIR", home.path())
        .env("KEYWARD_CONFIG", &config)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start keyward serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    let base = loop {
        let line = lines.next().expect("a line").expect("read");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.split_whitespace().next().expect("address").to_string();
        }
    };
    drop(lines);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let r = reqwest::get(format!("{base}/v1/health"))
        .await
        .expect("health");
    assert_eq!(r.status().as_u16(), 200);
    // SIGTERM: it says so on the closed pipe, and still ends cleanly.
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
});
