//! Re-validation of an account left idle, through the API and the pages:
//! a sign-in past `revalidate_after_days` answers `ok_revalidate`, and
//! keeps answering so until the link mailed to the owner is followed;
//! asking for the link answers alike whatever it names; opening the link
//! spends nothing, its button does, once.

use crate::both_backends;
use crate::harness::{PW, Served, granted_user, serve};
use crate::pages::{csrf, get, post};
use chrono::Duration;
use serde_json::json;

/// The re-validation links waiting in the outbox for `login`.
async fn revalidation_links(t: &crate::common::TestDb, s: &Served, login: &str) -> Vec<String> {
    t.service.settle().await;
    t.service
        .pending_reset_links(&s.admin, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|l| l.login == login && l.link.contains("/revalidate/"))
        .map(|l| l.link)
        .collect()
}

both_backends!(
    an_idle_account_answers_ok_revalidate_until_its_link_is_followed,
    |t| {
        let s = serve(&t).await;
        granted_user(&t, &s, "anna.b").await;
        assert_eq!(s.sign_in("anna.b", PW).await["outcome"], "ok");
        // The default policy: re-validate after 90 days.
        t.clock.advance(Duration::days(91));
        // A new account needs no re-validation.
        granted_user(&t, &s, "bob.c").await;

        // A wrong password is refused as ever, and marks nothing.
        let wrong = s.sign_in("anna.b", "not the password at all").await;
        assert_eq!(wrong["outcome"], "bad_credentials");
        assert!(t.row("anna.b").await.revalidation_due_at.is_none());

        let first = s.sign_in("anna.b", PW).await;
        assert_eq!(first["outcome"], "ok_revalidate", "{first}");
        assert_eq!(first["user"]["login"], "anna.b", "the account is named");
        // The sign-in counted (last sign-in moved), yet the answer stays.
        let row = t.row("anna.b").await;
        assert_eq!(row.last_login_at, Some(t.clock.now()));
        assert!(row.revalidation_due_at.is_some());
        t.clock.advance(Duration::minutes(5));
        assert_eq!(s.sign_in("anna.b", PW).await["outcome"], "ok_revalidate");
        let listed = t.service.get_user(&s.admin, "anna.b").await.unwrap();
        assert!(listed.summary.badges.needs_revalidation);

        // Asking answers alike: for her, for nobody, for an account that needs none.
        let ask = |who: &str| json!({ "login_or_email": who });
        let (status, known) = s.post("/v1/revalidate/request", ask("anna.b")).await;
        assert_eq!(status, 202, "{known}");
        let (_, unknown) = s.post("/v1/revalidate/request", ask("no.such.user")).await;
        let (_, active) = s.post("/v1/revalidate/request", ask("bob.c")).await;
        assert_eq!(known, unknown);
        assert_eq!(known, active);
        assert!(revalidation_links(&t, &s, "bob.c").await.is_empty());
        let links = revalidation_links(&t, &s, "anna.b").await;
        assert_eq!(links.len(), 1, "{links:?}");
        assert!(links[0].starts_with(&format!("{}/revalidate/", s.base)));
        let queued = t
            .service
            .store()
            .pending_links(None, t.clock.now(), 10)
            .await
            .unwrap();
        assert!(queued.iter().any(|l| l.login == "anna.b"));
        let path = links[0].strip_prefix(&s.base).unwrap().to_string();

        // A link is not a reset link, and a reset link is not a re-validation link.
        let token = path.rsplit('/').next().unwrap();
        let (status, _) = get(&s, &format!("/reset/{token}")).await;
        assert_eq!(status, 410);
        let (status, body) = s
            .post(
                "/v1/reset/redeem",
                json!({ "token": token, "new_password": "amber lantern orchard skyline" }),
            )
            .await;
        assert_eq!(status, 400, "{body}");

        // Scanners and previews: GET twice and HEAD spend nothing.
        for _ in 0..2 {
            let (status, page) = get(&s, &path).await;
            assert_eq!(status, 200);
            assert!(page.contains("Re-validate your account") && page.contains("anna.b"));
        }
        let head = s.client.head(s.url(&path)).send().await.unwrap();
        assert_eq!(head.status().as_u16(), 200);
        assert_eq!(s.sign_in("anna.b", PW).await["outcome"], "ok_revalidate");

        // A forged form re-validates nothing.
        let (status, page) = post(&s, &path, &[("csrf", &"0".repeat(64))]).await;
        assert_eq!(status, 403, "{page}");
        assert!(
            page.contains("Re-validate my account"),
            "the button is offered again"
        );
        assert_eq!(s.sign_in("anna.b", PW).await["outcome"], "ok_revalidate");

        let (_, page) = get(&s, &path).await;
        let form = csrf(&page);
        let (status, page) = post(&s, &path, &[("csrf", &form)]).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("is re-validated"), "{page}");
        assert_eq!(s.sign_in("anna.b", PW).await["outcome"], "ok");
        assert!(t.row("anna.b").await.revalidation_due_at.is_none());
        let audit = t.audit_all(&s.admin).await;
        assert!(
            audit
                .iter()
                .any(|e| e.action == "account.revalidate" && e.target == "anna.b")
        );
        assert!(
            audit
                .iter()
                .any(|e| e.action == "revalidate_token.request" && e.target == "anna.b")
        );

        // Once only: the used link has its clear page, offering a new one.
        let (status, page) = get(&s, &path).await;
        assert_eq!(status, 410);
        assert!(page.contains("action=\"/revalidate\""), "{page}");
        let (status, _) = post(&s, &path, &[("csrf", &form)]).await;
        assert_eq!(status, 410);

        // The mail that carries it is a re-validation mail.
        let kinds: Vec<String> = t
            .service
            .store()
            .pending_links(None, t.clock.now() - Duration::days(1), 10)
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.link)
            .collect();
        assert!(
            kinds.iter().all(|l| !l.contains(token)),
            "a used link no longer waits"
        );
        s.stop().await;
    }
);

both_backends!(a_forced_change_comes_before_the_re_validation, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    t.clock.advance(Duration::days(200));
    const SET: &str = "copper meadow whistle tundra";
    t.service
        .set_password(&s.admin, "anna.b", &SET.into(), true)
        .await
        .unwrap();
    let first = s.sign_in("anna.b", SET).await;
    assert_eq!(first["outcome"], "must_change", "{first}");
    // The mark is set all the same: after the change, re-validation.
    assert!(t.row("anna.b").await.revalidation_due_at.is_some());
    let (status, body) = s
        .post(
            "/v1/password/change",
            json!({
                "login": "anna.b",
                "ticket": first["change_ticket"],
                "new_password": "amber lantern orchard skyline",
            }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let again = s.sign_in("anna.b", "amber lantern orchard skyline").await;
    assert_eq!(again["outcome"], "ok_revalidate", "{again}");
    s.stop().await;
});

both_backends!(the_request_page_answers_alike_and_refuses_bad_input, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    t.clock.advance(Duration::days(100));
    let (status, page) = get(&s, "/revalidate").await;
    assert_eq!(status, 200);
    assert!(page.contains("Mail me a re-validation link"));
    let form = csrf(&page);
    let mut answers = Vec::new();
    for who in ["anna.b", "nobody.here", "ANNA.B@example.org"] {
        let (status, page) = post(&s, "/revalidate", &[("csrf", &form), ("who", who)]).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("If an account matches and needs re-validation"));
        // The page but its nonce and form token.
        let main = page
            .split("<main>")
            .nth(1)
            .unwrap()
            .split("</main>")
            .next()
            .unwrap();
        answers.push(main.to_string());
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
    // Idle for 100 days with no sign-in yet: due all the same.
    assert_eq!(revalidation_links(&t, &s, "anna.b").await.len(), 1);
    let (status, page) = post(&s, "/revalidate", &[("csrf", &form), ("who", "  ")]).await;
    assert_eq!(status, 400);
    assert!(
        page.contains("give a login ID or an email address"),
        "{page}"
    );
    let (status, page) = post(
        &s,
        "/revalidate",
        &[("csrf", &"1".repeat(64)), ("who", "o'neil \"quoted\"")],
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        page.contains("o&#x27;neil &quot;quoted&quot;") || page.contains("o&#39;neil"),
        "kept and escaped: {page}"
    );
    let (status, _) = get(&s, &format!("/revalidate/{}", "f".repeat(64))).await;
    assert_eq!(status, 410);
    let (status, _) = get(&s, "/revalidate/not-a-token").await;
    assert_eq!(status, 410);
    s.stop().await;
});
