//! `/metrics`: sign-ins by outcome, locks, the hashing queue, latencies by
//! route and the outbox's depth, in Prometheus's text format; each instance
//! its own counters, the outbox from the database; who may read it.

use crate::both_backends;
use crate::harness::{PW, client, granted_user, serve};
use crate::process::Process;
use keyward::config::WebSection;
use keyward::domain::{AccessLevel, Kind, Role};
use serde_json::json;

/// The value of the sample `series` (name and labels exactly as written).
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

fn outcome(text: &str, outcome: &str) -> Option<f64> {
    sample(
        text,
        &format!("keyward_sign_ins_total{{outcome=\"{outcome}\"}}"),
    )
}

async fn scrape(base: &str) -> String {
    let r = client()
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("scrape");
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"),
        "{:?}",
        r.headers()
    );
    r.text().await.expect("body")
}

both_backends!(sign_ins_locks_and_latencies_are_counted, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    let before = scrape(&s.base).await;
    // Every outcome is there from the start, at 0.
    for o in ["ok", "bad_credentials", "locked", "busy", "error"] {
        assert_eq!(outcome(&before, o), Some(0.0), "{o}: {before}");
    }
    assert_eq!(sample(&before, "keyward_locks_total"), Some(0.0));
    assert_eq!(sample(&before, "keyward_hash_queue_depth"), Some(0.0));
    assert_eq!(sample(&before, "keyward_hash_queue_limit"), Some(64.0));
    assert_eq!(sample(&before, "keyward_database_up"), Some(1.0));
    assert!(before.trim_end().ends_with("# EOF"), "{before}");

    s.sign_in("anna.b", PW).await;
    for _ in 0..5 {
        s.sign_in("anna.b", "not the password at all").await;
    }
    assert_eq!(s.sign_in("anna.b", PW).await["outcome"], "locked");
    s.sign_in("nobody.here", "not the password at all").await;

    let after = scrape(&s.base).await;
    assert_eq!(outcome(&after, "ok"), Some(1.0), "{after}");
    assert_eq!(outcome(&after, "bad_credentials"), Some(6.0), "{after}");
    assert_eq!(outcome(&after, "locked"), Some(1.0), "{after}");
    assert_eq!(sample(&after, "keyward_locks_total"), Some(1.0), "{after}");
    // Eight sign-ins answered 200, each in the latency histogram under its
    // route's template.
    let route = r#"method="POST",route="/v1/sign-in",status="200""#;
    assert_eq!(
        sample(
            &after,
            &format!("keyward_http_request_duration_seconds_count{{{route}}}")
        ),
        Some(8.0),
        "{after}"
    );
    assert_eq!(
        sample(
            &after,
            &format!("keyward_http_request_duration_seconds_bucket{{le=\"+Inf\",{route}}}")
        ),
        Some(8.0),
        "{after}"
    );
    // A token-carrying path is labelled by its template, never as sent.
    let _ = client()
        .get(s.url("/reset/abcdefabcdefabcdefabcdef"))
        .send()
        .await
        .unwrap();
    let later = scrape(&s.base).await;
    assert!(later.contains(r#"route="/reset/{token}""#), "{later}");
    assert!(!later.contains("abcdefabcdef"), "{later}");
    assert!(!later.contains(PW) && !later.contains(&s.key), "{later}");
    s.stop().await;
});

both_backends!(the_outbox_depth_is_read_from_the_database, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    granted_user(&t, &s, "bob.c").await;
    for who in ["anna.b", "bob.c"] {
        let (status, _) = s
            .post("/v1/reset/request", json!({ "login_or_email": who }))
            .await;
        assert_eq!(status, 202);
    }
    t.service.settle().await;
    t.raw_exec("UPDATE outbox SET state = 'failed' WHERE id = (SELECT MIN(id) FROM outbox)")
        .await
        .unwrap();
    let status = t.service.mail_status(&s.admin, 10).await.unwrap();
    assert_eq!(status.failed, 1);
    assert!(status.queued >= 1, "{status:?}");
    let text = scrape(&s.base).await;
    assert_eq!(
        sample(&text, r#"keyward_mail_outbox{state="queued"}"#),
        Some(status.queued as f64),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"keyward_mail_outbox{state="failed"}"#),
        Some(1.0),
        "{text}"
    );
    s.stop().await;
});

both_backends!(each_instance_exports_its_own_counters, |t| {
    let admin = t.admin().await;
    t.service
        .add_resource(&admin, "Mobile app", "")
        .await
        .unwrap();
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    t.service
        .grant(&admin, "Mobile app", "anna.b", AccessLevel::Standard)
        .await
        .unwrap();
    let key = t
        .service
        .issue_api_key(&admin, "Mobile app", "")
        .await
        .unwrap()
        .key
        .to_string();
    let (a, b) = (Process::start(&t.url), Process::start(&t.url));
    let sign_in = |base: &str| {
        client()
            .post(format!("{base}/v1/sign-in"))
            .bearer_auth(&key)
            .json(&json!({ "login": "anna.b", "password": PW }))
            .send()
    };
    for _ in 0..2 {
        assert_eq!(sign_in(&a.base).await.unwrap().status().as_u16(), 200);
    }
    assert_eq!(sign_in(&b.base).await.unwrap().status().as_u16(), 200);
    let (ta, tb) = (scrape(&a.base).await, scrape(&b.base).await);
    // The processes run on the real clock, the test's users were made on
    // its own: a right password answers ok or ok_revalidate.
    let right = |text: &str| {
        ["ok", "ok_revalidate"]
            .iter()
            .map(|o| outcome(text, o).unwrap_or(0.0))
            .sum::<f64>()
    };
    assert_eq!(right(&ta), 2.0, "{ta}");
    assert_eq!(right(&tb), 1.0, "{tb}");
    // The outbox is the database's: both say the same.
    let queued = r#"keyward_mail_outbox{state="queued"}"#;
    assert!(sample(&ta, queued).is_some(), "{ta}");
    assert_eq!(sample(&ta, queued), sample(&tb, queued));
});

both_backends!(only_this_host_or_the_token_holder_may_read_it, |t| {
    // Without a token: a loopback client, but not one through a proxy.
    let s = serve(&t).await;
    let through_proxy = client()
        .get(s.url("/metrics"))
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .unwrap();
    assert_eq!(through_proxy.status().as_u16(), 403);
    let body: serde_json::Value = through_proxy.json().await.unwrap();
    assert_eq!(body["code"], "forbidden");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("metrics_token_file"),
        "{body}"
    );
    s.stop().await;

    // With a token file: the token from anywhere, nothing without it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("metrics.token");
    let token = "0123456789abcdef0123456789abcdef";
    std::fs::write(&file, format!("{token}\n")).unwrap();
    let web = WebSection {
        metrics_token_file: Some(file),
        ..WebSection::default()
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let running = keyward::serve::start(
        t.service.clone(),
        crate::harness::settings(addr, web),
        listener,
    )
    .await
    .unwrap();
    let url = format!("http://{}/metrics", running.addr);
    let ask = |bearer: Option<&str>| {
        let r = client().get(&url);
        match bearer {
            Some(b) => r.bearer_auth(b),
            None => r,
        }
        .send()
    };
    assert_eq!(ask(None).await.unwrap().status().as_u16(), 401);
    assert_eq!(
        ask(Some("0123456789abcdef0123456789abcdeX"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        401
    );
    let r = ask(Some(token)).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.unwrap();
    assert!(text.contains("keyward_sign_ins_total"), "{text}");
    assert!(!text.contains(token));
    running.stop().await.unwrap();
});

#[tokio::test]
async fn a_short_or_missing_token_file_stops_the_server() {
    let t = crate::common::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("metrics.token");
    std::fs::write(&file, "short\n").unwrap();
    for path in [file, dir.path().join("missing")] {
        let web = WebSection {
            metrics_token_file: Some(path.clone()),
            ..WebSection::default()
        };
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let settings = crate::harness::settings(addr, web);
        let err = keyward::serve::start(t.service.clone(), settings, listener)
            .await
            .err()
            .expect("refused");
        assert!(
            err.to_string().contains("metrics_token_file"),
            "{path:?}: {err}"
        );
    }
    t.cleanup().await;
}

both_backends!(made_up_requests_do_not_grow_the_series, |t| {
    let s = serve(&t).await;
    for i in 0..5 {
        let method = reqwest::Method::from_bytes(format!("MADEUP{i}").as_bytes()).unwrap();
        let _ = client()
            .request(method, s.url(&format!("/no/such/path/{i}")))
            .send()
            .await
            .unwrap();
    }
    let text = scrape(&s.base).await;
    assert!(
        !text.contains("MADEUP") && !text.contains("/no/such"),
        "{text}"
    );
    let other = r#"keyward_http_request_duration_seconds_count{method="other",route="(no route)",status="404"}"#;
    assert_eq!(sample(&text, other), Some(5.0), "{text}");
    s.stop().await;
});
