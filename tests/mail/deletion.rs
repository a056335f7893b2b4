//! Warnings before deletion: the owner of an account that will soon be a
//! deletion candidate is mailed once, administrators never; signing in
//! clears the mark, so a later idle stretch warns again.

use crate::harness::PW;
use crate::sink::{self, Sink};
use crate::{both_backends, sender};
use chrono::Duration;
use keyward::domain::{Kind, Role};

both_backends!(
    owners_are_warned_once_before_their_account_may_be_deleted,
    |t| {
        if !sink::available() {
            return;
        }
        let sink = Sink::start();
        let admin = t.admin().await;
        t.add_user(&admin, "quiet.one", Kind::Staff, Role::User, PW)
            .await;
        t.add_user(&admin, "quiet.manager", Kind::Staff, Role::Manager, PW)
            .await;
        // Not yet: 365 days less the 14 days' warning is 351.
        t.clock.advance(Duration::days(340));
        let round = sender(&t, &sink.url(), 60).send_due().await.expect("round");
        assert_eq!(round.sent, 0);
        t.clock.advance(Duration::days(12));
        let round = sender(&t, &sink.url(), 60).send_due().await.expect("round");
        assert_eq!(
            round.sent, 1,
            "the user only: no administrator of any rank: {round:?}"
        );
        let mails = sink.wait_for(1);
        assert_eq!(mails[0].rcpt, "quiet.one@example.org");
        assert_eq!(
            mails[0].header("Subject").as_deref(),
            Some("Your Example Org account will be deleted unless you use it")
        );
        // Once: another sender (or the same an hour later) sends no second one.
        let round = sender(&t, &sink.url(), 60).send_due().await.expect("round");
        assert_eq!(round.sent, 0);
        // A sign-in clears the mark; idle again as long, warned again.
        assert!(t.auth("quiet.one", PW).await.is_ok());
        t.clock.advance(Duration::days(352));
        let round = sender(&t, &sink.url(), 60).send_due().await.expect("round");
        assert_eq!(round.sent, 1);
        assert_eq!(sink.wait_for(2).len(), 2);
    }
);
