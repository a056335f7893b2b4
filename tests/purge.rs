//! Purging deletion candidates (issue 17): accounts with the role user idle
//! past their policy's delete_after_days, never-signed-in ones included,
//! administrators of every rank never; the preview's count must be
//! confirmed exactly, after a recent sign-in; all or nothing, audited.

mod common;

use chrono::Duration;
use common::{ADMIN, ADMIN_PASSWORD};
use keyward::Error;
use keyward::domain::{Kind, Role};

const PW: &str = "violet kettle harbour quince";

both_backends!(idle_accounts_are_purged_after_an_exact_confirmation, |t| {
    let admin = t.admin().await;
    t.add_user(&admin, "old.never", Kind::Staff, Role::User, PW)
        .await;
    t.add_user(&admin, "old.client", Kind::Portal, Role::User, PW)
        .await;
    t.add_user(&admin, "old.manager", Kind::Staff, Role::Manager, PW)
        .await;
    t.add_user(&admin, "kept.active", Kind::Staff, Role::User, PW)
        .await;
    // Four hundred days on: one of them signs in, one account is new.
    t.clock.advance(Duration::days(400));
    assert!(t.auth("kept.active", PW).await.is_ok());
    let admin = t.sign_in(ADMIN, ADMIN_PASSWORD).await;
    t.add_user(&admin, "kept.new", Kind::Staff, Role::User, PW)
        .await;

    let p = t.service.purge_preview(&admin, 100).await.expect("preview");
    let logins: Vec<&str> = p.candidates.iter().map(|c| c.login.as_str()).collect();
    assert_eq!(
        logins,
        ["old.client", "old.never"],
        "no administrator, no active or new account"
    );
    assert_eq!(p.count, 2);
    assert!(p.candidates.iter().all(|c| c.last_login_at.is_none()));

    // A count that is not the candidates' deletes nothing.
    let err = t.service.purge(&admin, 3).await.expect_err("wrong count");
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(
        t.service
            .purge_preview(&admin, 100)
            .await
            .expect("again")
            .count,
        2
    );

    let deleted = t.service.purge(&admin, 2).await.expect("purge");
    assert_eq!(deleted, ["old.client", "old.never"]);
    assert_eq!(
        t.service
            .purge_preview(&admin, 100)
            .await
            .expect("after")
            .count,
        0
    );
    for gone in ["old.client", "old.never"] {
        assert!(matches!(
            t.service.get_user(&admin, gone).await,
            Err(Error::NotFound(_))
        ));
    }
    let audit = t.audit_all(&admin).await;
    let entry = audit
        .iter()
        .find(|e| e.action == "user.purge")
        .expect("audited");
    let text = entry.details.to_string();
    assert!(
        text.contains("old.never") && text.contains("old.client"),
        "{text}"
    );
});

both_backends!(
    only_a_global_administrator_purges_after_a_recent_sign_in,
    |t| {
        let admin = t.admin().await;
        t.add_user(&admin, "ops.admin", Kind::Staff, Role::Admin, PW)
            .await;
        t.add_user(&admin, "old.never", Kind::Staff, Role::User, PW)
            .await;
        let ops = t.sign_in("ops.admin", PW).await;
        assert!(matches!(
            t.service.purge_preview(&ops, 10).await,
            Err(Error::Forbidden(_))
        ));
        t.clock.advance(Duration::days(400));
        // The global administrator's sign-in is 400 days old: step up first.
        let err = t.service.purge(&admin, 1).await.expect_err("stale sign-in");
        assert!(!matches!(err, Error::Conflict(_)), "{err:?}");
        assert_eq!(
            t.service
                .purge_preview(&t.sign_in(ADMIN, ADMIN_PASSWORD).await, 10)
                .await
                .expect("preview")
                .count,
            1
        );
    }
);
