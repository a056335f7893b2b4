//! The sender in the test's process, on the test's service and clock.

use crate::common::TestDb;
use crate::harness::{self, NEW_PW};
use crate::sink::{self, Sink};
use crate::{both_backends, sender};
use chrono::Duration;
use keyward::domain::{Kind, MailState, Role};
use keyward::service::ResetLinkState;
use serde_json::json;
use std::collections::HashSet;

/// Asks for a reset link for `login` as /reset does, and waits for the
/// work after the answer (the token and the outbox row).
async fn ask(t: &TestDb, login: &str) {
    t.service
        .request_reset(login, "test", "127.0.0.1", "http://accounts.test")
        .await
        .expect("request");
    t.service.settle().await;
}

both_backends!(reset_link_is_mailed_and_works_through_serve, |t| {
    if !sink::available() {
        return;
    }
    let sink = Sink::start();
    let s = harness::serve(&t).await;
    harness::granted_user(&t, &s, "ann.lee").await;
    let (status, body) = s
        .post("/v1/reset/request", json!({ "login_or_email": "ann.lee" }))
        .await;
    assert_eq!(status, 202, "{body}");
    t.service.settle().await;
    let round = sender(&t, &sink.url(), 60).send_due().await.expect("round");
    assert_eq!((round.sent, round.retrying, round.failed), (1, 0, 0));
    let mails = sink.wait_for(1);
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert_eq!(m.rcpt, "ann.lee@example.org");
    assert!(m.header("To").expect("To").contains("ann.lee@example.org"));
    assert_eq!(
        m.header("Subject").as_deref(),
        Some("Reset your Example Org password")
    );
    assert!(
        m.header("Message-ID")
            .expect("id")
            .ends_with("@example.org>")
    );
    let text = m.decoded();
    assert!(text.contains("10:00 UTC on 1 March 2026"), "{text}");
    assert!(text.contains("in about 60 minutes"), "{text}");
    assert!(text.contains("<html"), "the mail has an HTML part");
    let link = m.link("/reset/");
    assert!(link.starts_with(&s.url("/reset/")), "{link}");
    // The page the link opens, then the link used through the API.
    let page = s.client.get(&link).send().await.expect("page");
    assert_eq!(page.status().as_u16(), 200);
    let token = link.rsplit('/').next().expect("token");
    let (status, body) = s
        .post(
            "/v1/reset/redeem",
            json!({ "token": token, "new_password": NEW_PW }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        t.auth("ann.lee", NEW_PW).await,
        keyward::domain::AuthOutcome::Ok
    );
    // Sent: counted, and the link (a token) is no longer in the database.
    let status = t.service.mail_status(&s.admin, 10).await.expect("status");
    assert_eq!((status.queued, status.sent), (0, 1));
    let pending = t
        .service
        .pending_reset_links(&s.admin, None)
        .await
        .expect("pending");
    assert!(pending.is_empty());
    s.stop().await;
});

both_backends!(nothing_is_lost_while_the_mail_server_is_down, |t| {
    if !sink::available() {
        return;
    }
    let mut sink = Sink::start();
    sink.stop();
    let admin = t.admin().await;
    t.add_user(&admin, "bo.chen", Kind::Staff, Role::User, harness::PW)
        .await;
    ask(&t, "bo.chen").await;
    let mail = sender(&t, &sink.url(), 30);
    let round = mail.send_due().await.expect("round");
    assert_eq!((round.sent, round.retrying), (0, 1));
    assert!(round.last_error.expect("error").contains("127.0.0.1"));
    let status = t.service.mail_status(&admin, 10).await.expect("status");
    assert_eq!(status.queued, 1);
    let problem = &status.problems[0];
    assert_eq!((problem.state, problem.attempts), (MailState::Queued, 1));
    assert!(problem.next_attempt_at.is_some());
    // Back up: nothing goes before the wait is over, then exactly one mail.
    sink.restart();
    let round = mail.send_due().await.expect("round");
    assert_eq!(round.sent, 0);
    t.clock.advance(Duration::seconds(31));
    let round = mail.send_due().await.expect("round");
    assert_eq!(round.sent, 1);
    assert_eq!(mail.send_due().await.expect("round").sent, 0);
    let mails = sink.wait_for(1);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].rcpt, "bo.chen@example.org");
});

both_backends!(a_late_link_is_reissued_and_a_used_one_dropped, |t| {
    if !sink::available() {
        return;
    }
    let sink = Sink::start();
    let admin = t.admin().await;
    for login in ["cy.late", "di.used"] {
        t.add_user(&admin, login, Kind::Staff, Role::User, harness::PW)
            .await;
    }
    ask(&t, "cy.late").await;
    let before = t
        .service
        .pending_reset_links(&admin, Some("cy.late"))
        .await
        .expect("pending")
        .pop()
        .expect("a pending link")
        .link;
    // More than half of the hour gone before the mail could leave.
    t.clock.advance(Duration::minutes(31));
    ask(&t, "di.used").await;
    let used = t
        .service
        .pending_reset_links(&admin, Some("di.used"))
        .await
        .expect("pending")
        .pop()
        .expect("a pending link")
        .link;
    let token = used.rsplit('/').next().expect("token");
    t.service
        .redeem_reset_token(token, &keyward::domain::Password::from(NEW_PW))
        .await
        .expect("redeem");
    let round = sender(&t, &sink.url(), 60).send_due().await.expect("round");
    assert_eq!(round.sent, 1, "only the late link leaves");
    let mails = sink.wait_for(1);
    assert_eq!(mails.len(), 1);
    let link = mails[0].link("/reset/");
    assert_ne!(link, before, "a fresh token, not the stale one");
    let old = before.rsplit('/').next().expect("old token");
    assert!(matches!(
        t.service.reset_link_state(old).await.expect("state"),
        ResetLinkState::Invalid
    ));
    let new = link.rsplit('/').next().expect("new token");
    assert!(matches!(
        t.service.reset_link_state(new).await.expect("state"),
        ResetLinkState::Valid { .. }
    ));
    assert!(mails[0].decoded().contains("10:31 UTC on 1 March 2026"));
    let status = t.service.mail_status(&admin, 10).await.expect("status");
    assert_eq!((status.sent, status.dropped), (1, 1));
    let audit = t.audit_all(&admin).await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "reset_token.reissue" && e.target == "cy.late")
    );
});

both_backends!(a_claim_of_dropped_mail_only_does_not_end_the_round, |t| {
    if !sink::available() {
        return;
    }
    let sink = Sink::start();
    let admin = t.admin().await;
    for login in ["fi.used", "gil.waits"] {
        t.add_user(&admin, login, Kind::Staff, Role::User, harness::PW)
            .await;
        ask(&t, login).await;
    }
    let used = t
        .service
        .pending_reset_links(&admin, Some("fi.used"))
        .await
        .expect("pending")
        .pop()
        .expect("a link")
        .link;
    t.service
        .redeem_reset_token(
            used.rsplit('/').next().expect("token"),
            &keyward::domain::Password::from(NEW_PW),
        )
        .await
        .expect("redeem");
    // One mail a claim: the first claim holds only the dropped one.
    let round = sender(&t, &sink.url(), 60)
        .with_batch(1)
        .send_due()
        .await
        .expect("round");
    assert_eq!(round.sent, 1, "{round:?}");
    assert_eq!(sink.wait_for(1)[0].rcpt, "gil.waits@example.org");
});

both_backends!(a_refused_address_fails_and_retry_queues_it_again, |t| {
    if !sink::available() {
        return;
    }
    let sink = Sink::start();
    let admin = t.admin().await;
    let new = keyward::service::NewUser {
        login: "ed.gone".into(),
        name: "Ed Gone".into(),
        email: "reject.ed@example.org".into(),
        kind: Kind::Staff,
        role: Role::User,
        policy: None,
        must_change: false,
    };
    t.service
        .create_user(
            &admin,
            &new,
            Some(&keyward::domain::Password::from(harness::PW)),
        )
        .await
        .expect("user");
    ask(&t, "ed.gone").await;
    let mail = sender(&t, &sink.url(), 60);
    let round = mail.send_due().await.expect("round");
    assert_eq!((round.sent, round.failed), (0, 1), "a 550 is not retried");
    let status = t.service.mail_status(&admin, 10).await.expect("status");
    assert_eq!(status.failed, 1);
    assert!(
        status.problems[0].error.contains("550"),
        "{:?}",
        status.problems
    );
    assert_eq!(t.service.retry_failed_mail(&admin).await.expect("retry"), 1);
    let status = t.service.mail_status(&admin, 10).await.expect("status");
    assert_eq!((status.queued, status.failed), (1, 0));
    let round = mail.send_due().await.expect("round");
    assert_eq!(round.failed, 1, "tried again at once");
    assert!(sink.messages().is_empty());
    let audit = t.audit_all(&admin).await;
    assert!(audit.iter().any(|e| e.action == "mail.retry"));
});

both_backends!(two_senders_send_each_mail_once, |t| {
    if !sink::available() {
        return;
    }
    let sink = Sink::start();
    let admin = t.admin().await;
    let n = 24;
    for i in 0..n {
        let login = format!("user.{i:02}");
        t.add_user(&admin, &login, Kind::Staff, Role::User, harness::PW)
            .await;
        t.service
            .request_reset(&login, "test", "127.0.0.1", "http://accounts.test")
            .await
            .expect("request");
    }
    t.service.settle().await;
    let (a, b) = (sender(&t, &sink.url(), 60), sender(&t, &sink.url(), 60));
    let (ra, rb) = tokio::join!(a.send_due(), b.send_due());
    let (ra, rb) = (ra.expect("a"), rb.expect("b"));
    assert_eq!(ra.sent + rb.sent, n);
    let mails = sink.wait_for(n as usize);
    assert_eq!(mails.len(), n as usize);
    let ids: HashSet<String> = mails
        .iter()
        .map(|m| m.header("Message-ID").expect("id"))
        .collect();
    assert_eq!(ids.len(), n as usize, "no mail sent twice");
    let to: HashSet<&str> = mails.iter().map(|m| m.rcpt.as_str()).collect();
    assert_eq!(to.len(), n as usize);
});

// A bulk reset by link (issue 17): the sender delivers one mail per staff
// user in scope, none to portal users or the administrator, each saying an
// administrator asked (not "someone, probably you") and carrying a link
// that works for that user only.
both_backends!(a_bulk_reset_by_link_mails_each_staff_user_once, |t| {
    if !sink::available() {
        return;
    }
    let sink = Sink::start();
    let admin = t.admin().await;
    for (login, kind) in [
        ("ed.one", Kind::Staff),
        ("fa.two", Kind::Staff),
        ("gu.portal", Kind::Portal),
    ] {
        t.add_user(&admin, login, kind, Role::User, harness::PW)
            .await;
    }
    let s = t
        .service
        .clone()
        .with_links_base(Some("https://accounts.example.org/"));
    let req = keyward::service::BulkRequest {
        role: None,
        resource: None,
        must_change: true,
        confirmed_count: None,
    };
    let queued = s
        .bulk_reset_links(
            &admin,
            &req,
            &|_| {},
            &std::sync::atomic::AtomicBool::new(false),
        )
        .await
        .expect("bulk reset by link");
    assert_eq!(queued, 2);
    let round = sender(&t, &sink.url(), 60).send_due().await.expect("round");
    assert_eq!((round.sent, round.retrying, round.failed), (2, 0, 0));
    let mails = sink.wait_for(2);
    assert_eq!(mails.len(), 2);
    let rcpts: HashSet<&str> = mails.iter().map(|m| m.rcpt.as_str()).collect();
    assert_eq!(
        rcpts,
        HashSet::from(["ed.one@example.org", "fa.two@example.org"])
    );
    let mut links = HashSet::new();
    for m in &mails {
        assert_eq!(
            m.header("Subject").as_deref(),
            Some("Choose a new Example Org password")
        );
        let text = m.decoded();
        assert!(text.contains("An administrator of Example Org"), "{text}");
        assert!(!text.contains("probably you"), "{text}");
        assert!(text.contains("in about 60 minutes"), "{text}");
        let link = m.link("/reset/");
        assert!(
            link.starts_with("https://accounts.example.org/reset/"),
            "{link}"
        );
        let login = m.rcpt.split('@').next().expect("login");
        let token = link.rsplit('/').next().expect("token");
        assert_eq!(
            t.service
                .redeem_reset_token(token, &keyward::domain::Password::from(harness::NEW_PW))
                .await
                .expect("the link works"),
            login
        );
        links.insert(link);
    }
    assert_eq!(links.len(), 2, "each has their own link");
    assert_eq!(
        sender(&t, &sink.url(), 60)
            .send_due()
            .await
            .expect("round")
            .sent,
        0
    );
});
