//! The JSON API's sign-in and password routes: every outcome, the same
//! answer for unknown logins and wrong passwords, and bad bodies.

use crate::both_backends;
use crate::harness::{APP, NEW_PW, PW, granted_user, serve};
use keyward::domain::{Kind, Role};
use serde_json::json;

both_backends!(sign_in_answers_every_outcome, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    t.add_user(&s.admin, "bob.c", Kind::Staff, Role::User, PW)
        .await;

    // ok, with the account and its access level.
    let ok = s.sign_in("ANNA.B", PW).await;
    assert_eq!(ok["outcome"], "ok", "{ok}");
    assert_eq!(ok["user"]["login"], "anna.b");
    assert_eq!(ok["user"]["email"], "anna.b@example.org");
    assert_eq!(ok["user"]["kind"], "staff");
    assert_eq!(ok["user"]["role"], "user");
    assert_eq!(ok["user"]["access"], "standard");
    assert!(ok.get("change_ticket").is_none());

    // The right password without a grant: no_access, recorded under the
    // application, and not counted.
    let no = s.sign_in("bob.c", PW).await;
    assert_eq!(no, json!({ "outcome": "no_access" }));
    let bob = t.row("bob.c").await;
    assert_eq!(bob.failed_attempts, 0);
    assert!(bob.last_login_at.is_none(), "no_access is not a sign-in");
    let attempts = t
        .service
        .store()
        .attempts_for_user(bob.id, 5)
        .await
        .unwrap();
    assert_eq!(attempts[0].outcome, "no_access");
    assert_eq!(attempts[0].source, APP);

    // Wrong password and unknown login answer alike.
    let wrong = s.sign_in("anna.b", "not the password at all").await;
    let unknown = s.sign_in("nobody.here", "not the password at all").await;
    assert_eq!(wrong, json!({ "outcome": "bad_credentials" }));
    assert_eq!(unknown, wrong);
    assert_eq!(t.row("anna.b").await.failed_attempts, 1);

    // Locked after the threshold (5), with until.
    for _ in 0..4 {
        s.sign_in("anna.b", "not the password at all").await;
    }
    let locked = s.sign_in("anna.b", PW).await;
    assert_eq!(locked["outcome"], "locked", "{locked}");
    assert!(locked["locked_until"].is_string(), "{locked}");
    assert!(locked.get("user").is_none());
    t.service.unlock(&s.admin, "anna.b").await.unwrap();

    // Disabled.
    t.service
        .set_disabled(&s.admin, "anna.b", true)
        .await
        .unwrap();
    assert_eq!(
        s.sign_in("anna.b", PW).await,
        json!({ "outcome": "disabled" })
    );
    s.stop().await;
});

both_backends!(a_forced_change_is_finished_with_the_ticket_once, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    const SET: &str = "copper meadow whistle tundra";
    t.service
        .set_password(&s.admin, "anna.b", &SET.into(), true)
        .await
        .unwrap();
    let mc = s.sign_in("anna.b", SET).await;
    assert_eq!(mc["outcome"], "must_change", "{mc}");
    assert_eq!(mc["must_change_reason"], "flagged");
    assert_eq!(mc["user"]["login"], "anna.b");
    let ticket = mc["change_ticket"].as_str().expect("ticket").to_string();
    assert_eq!(ticket.len(), 64);
    assert!(mc["change_ticket_expires_at"].is_string());

    // A new password that breaks the policy: 422 with violations; the
    // ticket is not used up.
    let (status, body) = s
        .post(
            "/v1/password/change",
            json!({ "login": "anna.b", "ticket": ticket, "new_password": "short" }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "policy_violation");
    assert!(
        body["violations"][0].as_str().unwrap().contains("15"),
        "{body}"
    );
    // The same password as now: refused by the history rule.
    let (status, body) = s
        .post(
            "/v1/password/change",
            json!({ "login": "anna.b", "ticket": ticket, "new_password": SET }),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    // Someone else's login with this ticket: refused.
    t.add_user(&s.admin, "bob.c", Kind::Staff, Role::User, PW)
        .await;
    let (status, body) = s
        .post(
            "/v1/password/change",
            json!({ "login": "bob.c", "ticket": ticket, "new_password": NEW_PW }),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_token"))
    );
    // Done.
    let (status, body) = s
        .post(
            "/v1/password/change",
            json!({ "login": "anna.b", "ticket": ticket, "new_password": NEW_PW }),
        )
        .await;
    assert_eq!(
        (status, body.clone()),
        (200, json!({ "outcome": "ok" })),
        "{body}"
    );
    assert_eq!(s.sign_in("anna.b", NEW_PW).await["outcome"], "ok");
    // Once only.
    let (status, body) = s
        .post(
            "/v1/password/change",
            json!({ "login": "anna.b", "ticket": ticket, "new_password": "quartz harbour meadow violin" }),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_token"))
    );
    s.stop().await;
});

both_backends!(a_change_with_the_current_password_counts_a_wrong_one, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    let change = |current: &str, new: &str| json!({ "login": "anna.b", "current_password": current, "new_password": new });
    let (status, body) = s
        .post(
            "/v1/password/change",
            change("wrong current password", NEW_PW),
        )
        .await;
    assert_eq!(
        (status, body),
        (200, json!({ "outcome": "bad_credentials" }))
    );
    assert_eq!(t.row("anna.b").await.failed_attempts, 1);
    // Both proofs at once, or none: a usage error.
    let (status, _) = s
        .post(
            "/v1/password/change",
            json!({ "login": "anna.b", "current_password": PW, "ticket": "x", "new_password": NEW_PW }),
        )
        .await;
    assert_eq!(status, 400);
    let (status, body) = s.post("/v1/password/change", change(PW, NEW_PW)).await;
    assert_eq!((status, body), (200, json!({ "outcome": "ok" })));
    assert_eq!(s.sign_in("anna.b", NEW_PW).await["outcome"], "ok");
    let audit = t.audit_all(&s.admin).await;
    assert_eq!(audit[0].action, "password.change_self");
    s.stop().await;
});

both_backends!(password_check_never_tells_whether_a_login_exists, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    let check = |login: &str, pw: &str| json!({ "login": login, "password": pw });
    let (status, known) = s.post("/v1/password/check", check("anna.b", "short")).await;
    assert_eq!(status, 200, "{known}");
    let (_, unknown) = s
        .post("/v1/password/check", check("zz.nobody", "short"))
        .await;
    let (_, none) = s
        .post("/v1/password/check", json!({ "password": "short" }))
        .await;
    // The same policy (the staff default) gives the same rules.
    let rules = |v: &serde_json::Value| {
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["rule"].clone(), r["met"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(rules(&known), rules(&unknown));
    assert_eq!(rules(&known), rules(&none));
    assert_eq!(known["acceptable"], false);
    let min = &known["rules"][0];
    assert_eq!(min["rule"], "min_length");
    assert_eq!(min["met"], false);
    assert!(min["message"].as_str().unwrap().contains("has 5"));
    // The account's own data is checked for a known login.
    let (_, own) = s
        .post(
            "/v1/password/check",
            check("anna.b", "anna.b-is-my-secret-1"),
        )
        .await;
    assert!(
        own["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["rule"] == "reject_login_or_name" && r["met"] == false),
        "{own}"
    );
    let (_, good) = s.post("/v1/password/check", check("anna.b", NEW_PW)).await;
    assert_eq!(good["acceptable"], true, "{good}");
    assert!(good["strength"]["score"].as_u64().unwrap() >= 3);
    s.stop().await;
});

both_backends!(bad_bodies_get_a_clear_4xx_never_a_panic, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    let raw = |body: &'static str, content_type: &'static str| {
        s.client
            .post(s.url("/v1/sign-in"))
            .bearer_auth(&s.key)
            .header("content-type", content_type)
            .body(body)
    };
    let cases = [
        (
            raw("{\"login\":", "application/json"),
            400,
            "invalid_request",
        ),
        (
            raw("{\"login\":\"a\"}", "application/json"),
            400,
            "invalid_request",
        ),
        (
            raw("{\"login\":1,\"password\":2}", "application/json"),
            400,
            "invalid_request",
        ),
        (
            raw(
                "{\"login\":\"a\",\"password\":\"b\",\"x\":1}",
                "application/json",
            ),
            400,
            "invalid_request",
        ),
        (
            raw("login=a&password=b", "application/x-www-form-urlencoded"),
            415,
            "unsupported_media_type",
        ),
        (
            raw("\u{0}\u{1}", "application/json"),
            400,
            "invalid_request",
        ),
    ];
    for (request, status, code) in cases {
        let r = request.send().await.unwrap();
        assert_eq!(r.status().as_u16(), status);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], code, "{body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    // Larger than [web] max_body_bytes (16 KiB).
    let huge = json!({ "login": "a".repeat(20_000), "password": "b" });
    let (status, body) = s.post("/v1/sign-in", huge).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (413, Some("payload_too_large"))
    );
    // Odd but well-formed input is an answer, not an error.
    for login in [
        "o'brien\"; DROP TABLE users; --",
        "",
        " ",
        "ünïcödé",
        &"x".repeat(300),
    ] {
        let body = s.sign_in(login, "whatever it is").await;
        assert_eq!(body["outcome"], "bad_credentials", "{login:?}: {body}");
    }
    // The database is intact.
    assert_eq!(s.sign_in("anna.b", PW).await["outcome"], "ok");
    // Unknown routes and methods.
    let r = s.client.get(s.url("/v1/nope")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = s.client.get(s.url("/v1/sign-in")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "method_not_allowed");
    s.stop().await;
});

both_backends!(every_answer_carries_the_security_headers, |t| {
    let s = serve(&t).await;
    for path in ["/v1/health", "/reset", "/change", "/nothing-here"] {
        let r = s.client.get(s.url(path)).send().await.unwrap();
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["cache-control"], "no-store", "{path}");
        assert!(h.contains_key("x-request-id"), "{path}");
    }
    // The health check needs no key.
    let r = s.client.get(s.url("/v1/health")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body, json!({ "status": "ok", "database": "reachable" }));
    s.stop().await;
});

both_backends!(
    the_user_detail_shows_sign_ins_per_application_and_waiting_links,
    |t| {
        let s = serve(&t).await;
        granted_user(&t, &s, "anna.b").await;
        t.service
            .add_resource(&s.admin, "Client portal", "")
            .await
            .unwrap();
        let portal_key = t
            .service
            .issue_api_key(&s.admin, "Client portal", "")
            .await
            .unwrap()
            .key
            .to_string();
        s.sign_in("anna.b", PW).await;
        s.sign_in("anna.b", "a wrong password").await;
        t.clock.advance(chrono::Duration::seconds(5));
        let (_, portal) = s
            .post_as(
                &portal_key,
                "/v1/sign-in",
                json!({ "login": "anna.b", "password": PW }),
            )
            .await;
        assert_eq!(portal["outcome"], "no_access");
        // And one through the console: not an application.
        t.auth("anna.b", PW).await;
        let (status, _) = s
            .post("/v1/reset/request", json!({ "login_or_email": "anna.b" }))
            .await;
        assert_eq!(status, 202);
        t.service.settle().await;

        let d = t.service.get_user(&s.admin, "anna.b").await.unwrap();
        let apps: Vec<(&str, i64, i64, &str, bool)> = d
            .application_sign_ins
            .iter()
            .map(|a| {
                (
                    a.resource.as_str(),
                    a.ok,
                    a.failed,
                    a.last_outcome.as_str(),
                    a.last_ok.is_some(),
                )
            })
            .collect();
        assert_eq!(
            apps,
            [
                ("Client portal", 0, 1, "no_access", false),
                (APP, 1, 1, "bad_password", true)
            ]
        );
        assert_eq!(d.pending_reset_links.len(), 1);
        assert!(d.pending_reset_links[0].link.contains("/reset/"));
        assert!(
            !format!("{:?}", d.pending_reset_links[0]).contains("/reset/"),
            "Debug hides the link"
        );
        s.stop().await;
    }
);

both_backends!(a_full_hashing_queue_answers_503_at_once, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    // A second instance on the same database whose queue holds one job.
    let config = keyward::service::ServiceConfig {
        hash_queue_limit: Some(1),
        ..Default::default()
    };
    let store = keyward::store::Store::open(&t.url).await.unwrap();
    let small = keyward::service::Service::new(store, config, t.clock.clone())
        .await
        .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let running = keyward::serve::start(
        small,
        crate::harness::settings(addr, keyward::config::WebSection::default()),
        listener,
    )
    .await
    .unwrap();
    // Every eighth call has a revoked key: a full queue answers it 503
    // like the others, before looking the key up (so no 401 then).
    let calls = (0..64).map(|i| {
        s.client
            .post(format!("http://{addr}/v1/sign-in"))
            .bearer_auth(if i % 8 == 7 { "kwk_not_a_key" } else { &s.key })
            .json(&json!({ "login": "anna.b", "password": PW }))
            .send()
    });
    let (mut ok, mut busy, mut unauthorized) = (0, 0, 0);
    for r in futures::future::join_all(calls).await {
        let r = r.unwrap();
        match r.status().as_u16() {
            200 => ok += 1,
            401 => unauthorized += 1,
            503 => {
                assert_eq!(r.headers()["retry-after"], "1");
                let body: serde_json::Value = r.json().await.unwrap();
                assert_eq!(body["code"], "busy", "{body}");
                busy += 1;
            }
            other => panic!("answered {other}"),
        }
    }
    assert!(ok >= 1 && busy >= 1, "{ok} ok, {busy} busy");
    assert!(unauthorized <= 8, "only the bad keys: {unauthorized}");
    assert_eq!(ok + busy + unauthorized, 64);
    // /metrics counts them alike (this instance's own counters).
    let text = s
        .client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let count = |series: &str| crate::metrics::sample(&text, series);
    assert_eq!(
        count(r#"keyward_sign_ins_total{outcome="busy"}"#),
        Some(busy as f64),
        "{text}"
    );
    assert_eq!(
        count(r#"keyward_sign_ins_total{outcome="ok"}"#),
        Some(ok as f64),
        "{text}"
    );
    assert_eq!(count("keyward_hash_queue_limit"), Some(1.0), "{text}");
    running.stop().await.unwrap();
    s.stop().await;
});
