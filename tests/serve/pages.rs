//! The pages without a browser: GET and HEAD never use a link up, forms
//! are protected from other sites and keep what was typed (but passwords),
//! and each refusal says what to do.

use crate::both_backends;
use crate::harness::{NEW_PW, PW, Served, granted_user, serve};

/// The page's form token.
pub(crate) fn csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form token") + 19;
    html[at..at + 64].to_string()
}

pub(crate) async fn get(s: &Served, path: &str) -> (u16, String) {
    let r = s.client.get(s.url(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

pub(crate) async fn post(s: &Served, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = s.client.post(s.url(path)).form(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Asks for a link on /reset and returns the token the service issued.
async fn ask_for_link(t: &crate::common::TestDb, s: &Served, who: &str) -> String {
    let (status, page) = get(s, "/reset").await;
    assert_eq!(status, 200);
    let token = csrf(&page);
    let (status, page) = post(s, "/reset", &[("csrf", &token), ("who", who)]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("If an account matches, a link is on its way; it expires at"));
    t.service.settle().await;
    let links = t.service.pending_reset_links(&s.admin, None).await.unwrap();
    links[0].link.rsplit('/').next().unwrap().to_string()
}

both_backends!(a_link_survives_gets_and_heads_and_works_once, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    let token = ask_for_link(&t, &s, "anna.b").await;
    let path = format!("/reset/{token}");
    // Mail scanners and previews: GET twice and HEAD.
    for _ in 0..2 {
        let (status, page) = get(&s, &path).await;
        assert_eq!(status, 200);
        assert!(page.contains("Set a new password") && page.contains("anna.b"));
        assert!(
            page.contains("at least 15 characters"),
            "the policy is shown"
        );
    }
    let head = s.client.head(s.url(&path)).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);
    let (_, page) = get(&s, &path).await;
    let form = csrf(&page);
    // The repeat differs: nothing changes, the page says so.
    let (status, page) = post(
        &s,
        &path,
        &[("csrf", &form), ("new", NEW_PW), ("repeat", "other")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(page.contains("The two new passwords differ"));
    assert!(!page.contains(NEW_PW), "passwords are never echoed");
    // Breaks the policy: each broken rule listed.
    let (status, page) = post(
        &s,
        &path,
        &[("csrf", &form), ("new", "password"), ("repeat", "password")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("needs at least 15 characters"), "{page}");
    assert!(page.contains("is a commonly used password"));
    // A blocked word with digits added: the page names the word.
    let (status, page) = post(
        &s,
        &path,
        &[
            ("csrf", &form),
            ("new", "password123456789"),
            ("repeat", "password123456789"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("contains a blocked word (password)"),
        "{page}"
    );
    assert!(!page.contains("password123456789"), "never echoed");
    // A foreign form token: refused.
    let (status, page) = post(
        &s,
        &path,
        &[
            ("csrf", &"0".repeat(64)),
            ("new", NEW_PW),
            ("repeat", NEW_PW),
        ],
    )
    .await;
    assert_eq!(status, 403);
    assert!(page.contains("expired"));
    // Set.
    let (status, page) = post(
        &s,
        &path,
        &[("csrf", &form), ("new", NEW_PW), ("repeat", NEW_PW)],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("has been changed"));
    assert_eq!(s.sign_in("anna.b", NEW_PW).await["outcome"], "ok");
    // Used: the clear page, with the way to a new link.
    let (status, page) = get(&s, &path).await;
    assert_eq!(status, 410);
    assert!(page.contains("This link cannot be used") && page.contains("action=\"/reset\""));
    let (status, _) = post(&s, &path, &[("csrf", &form), ("new", PW), ("repeat", PW)]).await;
    assert_eq!(status, 410);
    // Made-up tokens get the same page.
    for bad in ["x", &"f".repeat(64), "%00"] {
        let (status, page) = get(&s, &format!("/reset/{bad}")).await;
        assert!(status == 410 || status == 400, "{bad}: {status}");
        assert!(status == 400 || page.contains("This link cannot be used"));
    }
    s.stop().await;
});

both_backends!(
    the_reset_form_keeps_what_was_typed_and_refuses_other_sites,
    |t| {
        let s = serve(&t).await;
        let (_, page) = get(&s, "/reset").await;
        let form = csrf(&page);
        // From another site (Origin), even with the right token.
        let r = s
            .client
            .post(s.url("/reset"))
            .header("origin", "https://evil.example")
            .form(&[("csrf", form.as_str()), ("who", "anna.b")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 403);
        let page = r.text().await.unwrap();
        assert!(page.contains("value=\"anna.b\""), "the typed login is kept");
        // An empty field: said, not sent.
        let (status, page) = post(&s, "/reset", &[("csrf", &form), ("who", "   ")]).await;
        assert_eq!(status, 400);
        assert!(page.contains("give a login ID or an email address"));
        // Markup typed in a field is shown as text.
        let (_, page) = post(
            &s,
            "/reset",
            &[("csrf", &"1".repeat(64)), ("who", "<script>x</script>")],
        )
        .await;
        assert!(page.contains("&lt;script&gt;") && !page.contains("<script>x"));
        // An oversized form: a clear 413 page.
        let (status, page) = post(
            &s,
            "/reset",
            &[("csrf", &form), ("who", &"a".repeat(40_000))],
        )
        .await;
        assert_eq!(status, 413);
        assert!(page.contains("Too much text"));
        s.stop().await;
    }
);

both_backends!(change_page_refusals_read_alike_and_a_change_works, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    let (status, page) = get(&s, "/change").await;
    assert_eq!(status, 200);
    assert!(page.contains("Current password") && page.contains("Repeat new password"));
    let form = csrf(&page);
    let change = |login: &'static str, current: &'static str| {
        vec![
            ("csrf", form.clone()),
            ("login", login.to_string()),
            ("current", current.to_string()),
            ("new", NEW_PW.to_string()),
            ("repeat", NEW_PW.to_string()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        let request = s.client.post(s.url("/change")).form(&fields);
        async move {
            let r = request.send().await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (wrong_status, wrong) = send(change("anna.b", "not my password")).await;
    let (unknown_status, unknown) = send(change("nobody.here", "not my password")).await;
    assert_eq!((wrong_status, unknown_status), (401, 401));
    let sentence = "The login ID or the current password is not right";
    assert!(wrong.contains(sentence) && unknown.contains(sentence));
    assert!(wrong.contains("value=\"anna.b\""));
    assert_eq!(
        t.row("anna.b").await.failed_attempts,
        1,
        "counted as a failed sign-in"
    );
    let (status, page) = send(change("anna.b", PW)).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Your password has been changed"));
    assert_eq!(s.sign_in("anna.b", NEW_PW).await["outcome"], "ok");
    s.stop().await;
});

both_backends!(the_live_check_needs_the_form_token, |t| {
    let s = serve(&t).await;
    let (_, page) = get(&s, "/change").await;
    let form = csrf(&page);
    let check = |token: &str| {
        s.client
            .post(s.url("/check"))
            .header("x-csrf-token", token.to_string())
            .json(&serde_json::json!({ "login": "anna.b", "password": "short" }))
            .send()
    };
    let r = check(&form).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["rules"][0]["met"], false);
    let r = check(&"0".repeat(64)).await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    s.stop().await;
});
