//! Reset links through the API: the same answer whether or not an account
//! matches, limits per account and per address counted in the database,
//! the link waiting for an administrator, and redeeming it once.

use crate::both_backends;
use crate::harness::{NEW_PW, PW, granted_user, serve, serve_with};
use chrono::Duration;
use keyward::config::WebSection;
use keyward::domain::{Kind, Password, Role};
use serde_json::json;

both_backends!(
    a_request_answers_alike_and_leaves_a_link_for_the_account,
    |t| {
        let s = serve(&t).await;
        granted_user(&t, &s, "anna.b").await;
        let ask = |who: &str| json!({ "login_or_email": who });
        let (status, known) = s.post("/v1/reset/request", ask("anna.b")).await;
        assert_eq!(status, 202, "{known}");
        let (status, unknown) = s.post("/v1/reset/request", ask("no.such.user")).await;
        assert_eq!(status, 202);
        let (_, by_email) = s.post("/v1/reset/request", ask("ANNA.B@example.org")).await;
        assert_eq!(known, unknown);
        assert_eq!(known, by_email);
        assert_eq!(
            known["expires_at"],
            json!(
                (t.clock.now() + Duration::minutes(60))
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            )
        );
        // The work happens after the answer.
        t.service.settle().await;
        let links = t.service.pending_reset_links(&s.admin, None).await.unwrap();
        assert_eq!(
            links.len(),
            1,
            "the second request replaced the first: {links:?}"
        );
        let link = &links[0];
        assert_eq!(link.login, "anna.b");
        assert_eq!(link.recipient, "anna.b@example.org");
        assert!(
            link.link.starts_with(&format!("{}/reset/", s.base)),
            "{}",
            link.link
        );
        let token = link.link.rsplit('/').next().unwrap().to_string();
        let requests = t
            .audit_all(&s.admin)
            .await
            .into_iter()
            .filter(|e| e.action == "reset_token.request")
            .count();
        assert_eq!(requests, 2);

        // Redeem: a weak password is refused and the token survives; then set.
        let (status, body) = s
            .post(
                "/v1/reset/redeem",
                json!({ "token": token, "new_password": "short" }),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("policy_violation"))
        );
        let (status, body) = s
            .post(
                "/v1/reset/redeem",
                json!({ "token": token, "new_password": NEW_PW }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, json!({ "outcome": "ok", "login": "anna.b" }));
        assert_eq!(s.sign_in("anna.b", NEW_PW).await["outcome"], "ok");
        // Once only; and no longer waiting.
        let (status, body) = s
            .post(
                "/v1/reset/redeem",
                json!({ "token": token, "new_password": "copper meadow whistle tundra" }),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some("invalid_token"))
        );
        assert!(
            t.service
                .pending_reset_links(&s.admin, None)
                .await
                .unwrap()
                .is_empty()
        );
        s.stop().await;
    }
);

both_backends!(shared_emails_and_disabled_accounts_get_no_link, |t| {
    let s = serve(&t).await;
    // One address may belong to one account of each kind, and still
    // names two accounts: a reset by it sends nothing.
    for (login, kind) in [("ann.one", Kind::Portal), ("ann.two", Kind::Staff)] {
        t.service
            .create_user(
                &s.admin,
                &keyward::service::NewUser {
                    login: login.into(),
                    name: "Ann".into(),
                    email: "shared@example.org".into(),
                    kind,
                    role: Role::User,
                    policy: None,
                    must_change: false,
                },
                Some(&Password::from(PW)),
            )
            .await
            .unwrap();
    }
    t.add_user(&s.admin, "gone.user", Kind::Staff, Role::User, PW)
        .await;
    t.service
        .set_disabled(&s.admin, "gone.user", true)
        .await
        .unwrap();
    for who in ["shared@example.org", "gone.user"] {
        let (status, _) = s
            .post("/v1/reset/request", json!({ "login_or_email": who }))
            .await;
        assert_eq!(status, 202);
    }
    t.service.settle().await;
    assert!(
        t.service
            .pending_reset_links(&s.admin, None)
            .await
            .unwrap()
            .is_empty()
    );
    s.stop().await;
});

both_backends!(requests_are_limited_per_account_and_per_address, |t| {
    let web = WebSection {
        reset_requests_per_address_per_hour: 5,
        ..WebSection::default()
    };
    let s = serve_with(&t, web).await;
    granted_user(&t, &s, "anna.b").await;
    let ask = json!({ "login_or_email": "anna.b" });
    // Per account (3 an hour): the fourth answers the same, issues nothing.
    for _ in 0..3 {
        assert_eq!(s.post("/v1/reset/request", ask.clone()).await.0, 202);
        t.service.settle().await;
    }
    let third = t.service.pending_reset_links(&s.admin, None).await.unwrap();
    assert_eq!(third.len(), 1);
    assert_eq!(s.post("/v1/reset/request", ask.clone()).await.0, 202);
    t.service.settle().await;
    let after = t.service.pending_reset_links(&s.admin, None).await.unwrap();
    assert_eq!(after[0].link, third[0].link, "over the limit, no new link");
    // Per address (5 an hour here): the sixth request from 127.0.0.1 is 429.
    assert_eq!(s.post("/v1/reset/request", ask.clone()).await.0, 202);
    let r = s
        .client
        .post(s.url("/v1/reset/request"))
        .bearer_auth(&s.key)
        .json(&json!({ "login_or_email": "someone.else" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    // An application passes its user's address: counted for that address.
    let (status, body) = s
        .post(
            "/v1/reset/request",
            json!({ "login_or_email": "x.y", "client_address": "198.51.100.7" }),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let (status, body) = s
        .post(
            "/v1/reset/request",
            json!({ "login_or_email": "x.y", "client_address": "not an address" }),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_request"))
    );
    // An hour later both windows have passed.
    t.clock.advance(Duration::minutes(61));
    assert_eq!(s.post("/v1/reset/request", ask.clone()).await.0, 202);
    t.service.settle().await;
    let fresh = t.service.pending_reset_links(&s.admin, None).await.unwrap();
    assert_ne!(fresh[0].link, third[0].link);
    s.stop().await;
});

both_backends!(a_reset_ends_the_accounts_sessions, |t| {
    let s = serve(&t).await;
    let manager = t
        .add_and_sign_in(&s.admin, "mia.manager", Role::Manager, PW)
        .await;
    // A CLI session of the manager.
    let session = t
        .service
        .login("mia.manager", &Password::from(PW), "cli", true)
        .await
        .unwrap()
        .token
        .expect("token");
    assert!(t.service.session_actor(&session).await.is_ok());
    t.clock.advance(Duration::seconds(1));
    let (token, _) = t
        .service
        .issue_reset_token(&s.admin, "mia.manager")
        .await
        .unwrap();
    let (status, _) = s
        .post(
            "/v1/reset/redeem",
            json!({ "token": token.as_str(), "new_password": NEW_PW }),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        t.service.session_actor(&session).await.is_err(),
        "the CLI session ended"
    );
    // The console session (an Actor) is refused from its next call.
    let refused = t.service.list_resources(&manager).await;
    assert!(
        matches!(refused, Err(keyward::Error::Unauthenticated(_))),
        "{refused:?}"
    );
    // A new sign-in works.
    let again = t.sign_in("mia.manager", NEW_PW).await;
    assert!(t.service.list_resources(&again).await.is_ok());
    s.stop().await;
});
