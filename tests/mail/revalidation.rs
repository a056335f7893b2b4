//! Re-validation by mail, end to end: an idle account's sign-in answers
//! ok-revalidate, its owner asks for the link, the sender mails it, and
//! following it makes the next sign-in answer ok.

use crate::admin_links::configured;
use crate::harness::PW;
use crate::sink::{self, Sink};
use crate::{both_backends, sender};
use chrono::Duration;
use keyward::domain::{AuthOutcome, Kind, Password, Role};
use keyward::service::RevalidationLinkState;

both_backends!(an_idle_account_is_re_validated_by_mail, |t| {
    if !sink::available() {
        return;
    }
    let sink = Sink::start();
    let admin = t.admin().await;
    t.add_user(&admin, "ivy.idle", Kind::Staff, Role::User, PW)
        .await;
    let service = configured(&t).await;
    let sign_in = || async {
        service
            .authenticate("ivy.idle", &Password::from(PW), "test")
            .await
            .expect("sign-in")
    };
    assert_eq!(sign_in().await, AuthOutcome::Ok);
    t.clock.advance(Duration::days(120));
    assert_eq!(sign_in().await, AuthOutcome::OkRevalidate);

    service
        .request_revalidation(
            "IVY.IDLE@example.org",
            "test",
            "127.0.0.1",
            "https://accounts.example.org",
        )
        .await
        .expect("request");
    service.settle().await;
    let round = sender(&t, &sink.url(), 60).send_due().await.expect("round");
    assert_eq!(round.sent, 1, "{round:?}");
    let mails = sink.wait_for(1);
    assert_eq!(mails[0].rcpt, "ivy.idle@example.org");
    assert!(
        mails[0]
            .header("Subject")
            .is_some_and(|s| s.contains("Re-validate")),
        "{:?}",
        mails[0].header("Subject")
    );
    let link = mails[0].link("/revalidate/");
    assert!(
        link.starts_with("https://accounts.example.org/revalidate/"),
        "{link}"
    );
    let token = link.rsplit('/').next().unwrap().to_string();
    // Still due until the link is followed; opening it spends nothing.
    assert_eq!(sign_in().await, AuthOutcome::OkRevalidate);
    assert!(matches!(
        service.revalidation_link_state(&token).await.unwrap(),
        RevalidationLinkState::Valid { ref login, .. } if login == "ivy.idle"
    ));
    assert_eq!(
        service
            .revalidate_with_link(&token)
            .await
            .unwrap()
            .as_deref(),
        Some("ivy.idle")
    );
    assert_eq!(sign_in().await, AuthOutcome::Ok);
    assert_eq!(service.revalidate_with_link(&token).await.unwrap(), None);
    // Idle again for as long: due again.
    t.clock.advance(Duration::days(120));
    assert_eq!(sign_in().await, AuthOutcome::OkRevalidate);
});
