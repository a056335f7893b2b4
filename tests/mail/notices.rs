//! Notices to an account's owner, written with the change they report:
//! a password set by an administrator, changed by its owner, an account
//! locked, a reset token issued; each switchable per policy, and none
//! without a mail server.

use crate::admin_links::configured;
use crate::harness::{NEW_PW, PW};
use crate::sink::{self, Sink};
use crate::{both_backends, sender};

/// A third password (history forbids going back).
const THIRD_PW: &str = "quiet mango river lantern";
const FOURTH_PW: &str = "copper heron basket meadow";
use keyward::domain::{Kind, Password, Role};

/// Subjects of the mails the sink got, in order.
fn subjects(sink: &Sink, n: usize) -> Vec<String> {
    sink.wait_for(n)
        .iter()
        .map(|m| m.header("Subject").unwrap_or_default())
        .collect()
}

both_backends!(owners_are_told_of_changes_to_their_account, |t| {
    if !sink::available() {
        return;
    }
    let sink = Sink::start();
    let admin = t.admin().await;
    t.add_user(&admin, "lea.note", Kind::Staff, Role::User, PW)
        .await;
    let s = configured(&t).await;
    // An administrator sets the password; the owner changes it back.
    s.set_password(&admin, "lea.note", &Password::from(NEW_PW), false)
        .await
        .expect("set");
    s.change_password_with_current(
        "lea.note",
        &Password::from(NEW_PW),
        &Password::from(THIRD_PW),
        "test",
    )
    .await
    .expect("change");
    // Five wrong passwords lock the account; a sixth adds nothing.
    for _ in 0..6 {
        let _ = s
            .authenticate("lea.note", &Password::from("not the password"), "test")
            .await;
    }
    s.settle().await;
    s.issue_reset_token(&admin, "lea.note")
        .await
        .expect("token");
    let round = sender(&t, &sink.url(), 60).send_due().await.expect("round");
    assert_eq!(round.sent, 4, "{round:?}");
    // Sent over several connections at once: in any order.
    let mut got = subjects(&sink, 4);
    got.sort();
    assert_eq!(
        got,
        [
            "A password reset was started for your Example Org account",
            "Your Example Org account is locked",
            "Your Example Org password was changed",
            "Your Example Org password was set by an administrator",
        ]
    );
    assert!(
        sink.messages()
            .iter()
            .all(|m| m.rcpt == "lea.note@example.org")
    );
    s.store().close().await;
});

both_backends!(
    a_policy_can_switch_a_notice_off_and_no_server_means_none,
    |t| {
        let admin = t.admin().await;
        t.add_user(&admin, "max.quiet", Kind::Staff, Role::User, PW)
            .await;
        // Without a mail server configured nothing is queued.
        t.service
            .set_password(&admin, "max.quiet", &Password::from(NEW_PW), false)
            .await
            .expect("set");
        let status = t.service.mail_status(&admin, 10).await.expect("status");
        assert_eq!(status.queued, 0);
        let s = configured(&t).await;
        s.set_policy(
            &admin,
            "default",
            &[("notify_password_set".into(), "false".into())],
            None,
        )
        .await
        .expect("policy");
        s.set_password(&admin, "max.quiet", &Password::from(THIRD_PW), false)
            .await
            .expect("set");
        let status = s.mail_status(&admin, 10).await.expect("status");
        assert_eq!(status.queued, 0, "switched off");
        s.set_policy(
            &admin,
            "default",
            &[("notify_password_set".into(), "true".into())],
            None,
        )
        .await
        .expect("policy");
        s.set_password(&admin, "max.quiet", &Password::from(FOURTH_PW), false)
            .await
            .expect("set");
        let status = s.mail_status(&admin, 10).await.expect("status");
        assert_eq!(status.queued, 1, "switched on again");
        s.store().close().await;
    }
);
