//! The same change on several users (the console's marks): each is its own
//! checked and audited change; the ones refused are named, the rest done.

mod common;

use keyward::domain::{AccessLevel, AuthOutcome, Kind, Role};

const PW: &str = "violet kettle harbour quince";

both_backends!(each_user_is_changed_or_named_as_refused, |t| {
    let root = t.admin().await;
    let s = &t.service;
    for login in ["amy.one", "ben.two"] {
        t.add_user(&root, login, Kind::Staff, Role::User, PW).await;
    }
    t.add_user(&root, "gil.global", Kind::Staff, Role::GlobalAdmin, PW)
        .await;
    let admin = t.add_and_sign_in(&root, "ada.admin", Role::Admin, PW).await;
    for login in ["amy.one", "ben.two", "gil.global"] {
        for _ in 0..5 {
            t.auth(login, "wrong wrong wrong").await;
        }
    }
    let logins: Vec<String> = ["amy.one", "gil.global", "no.such", "ben.two"]
        .map(String::from)
        .to_vec();
    // An administrator may not unlock a global administrator; no.such is
    // not there; the other two are unlocked.
    let batch = s.unlock_many(&admin, &logins).await.unwrap();
    let done: Vec<&str> = batch.done.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(done, ["amy.one", "ben.two"]);
    let refused: Vec<&str> = batch.refused.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(refused, ["gil.global", "no.such"]);
    let summary = batch.summary("unlocked", "account", "");
    assert!(
        summary.starts_with("unlocked 2 accounts; not unlocked: gil.global ("),
        "{summary}"
    );
    assert_eq!(t.auth("amy.one", PW).await, AuthOutcome::Ok);
    assert!(matches!(
        t.auth("gil.global", PW).await,
        AuthOutcome::Locked { .. }
    ));
    // Each one is audited, the refusal too.
    let audit = t.audit_all(&root).await;
    assert_eq!(
        audit.iter().filter(|e| e.action == "user.unlock").count(),
        2
    );
    assert!(
        audit
            .iter()
            .any(|e| e.action == "refused" && e.target == "gil.global")
    );

    // Temporary passwords: one each, shown once, must be changed.
    let users = ["amy.one", "ben.two"].map(String::from).to_vec();
    let batch = s.temporary_passwords(&admin, &users).await.unwrap();
    assert_eq!(batch.done.len(), 2);
    for (login, pw) in &batch.done {
        assert!(matches!(
            t.auth(login, pw).await,
            AuthOutcome::OkMustChange { .. }
        ));
    }
    assert_ne!(*batch.done[0].1, *batch.done[1].1, "each their own");

    // Unlocking accounts with nothing to unlock says so, not "unlocked 2".
    let batch = s.unlock_many(&admin, &users).await.unwrap();
    assert!(batch.done.is_empty(), "{batch:?}");
    assert_eq!(
        batch.summary("unlocked", "account", ""),
        "unlocked 0 accounts; 2 already unlocked"
    );

    // Disable and enable; a user already disabled is named, not counted.
    s.set_disabled(&admin, "ben.two", true).await.unwrap();
    let batch = s.set_disabled_many(&admin, &users, true).await.unwrap();
    assert!(batch.refused.is_empty());
    assert_eq!(
        batch.summary("disabled", "user", ""),
        "disabled 1 user; ben.two already disabled"
    );
    assert_eq!(t.auth("ben.two", PW).await, AuthOutcome::Disabled);
    assert_eq!(t.auth("amy.one", PW).await, AuthOutcome::Disabled);
    let disables = t
        .audit_all(&root)
        .await
        .iter()
        .filter(|e| e.action == "user.disable")
        .count();
    assert_eq!(disables, 2, "one each, none for the second try on ben.two");
    s.set_disabled_many(&admin, &users, false).await.unwrap();

    // Grants, to a resource that exists.
    s.add_resource(&root, "Website", "").await.unwrap();
    let batch = s
        .grant_many(&admin, "Website", &users, AccessLevel::Read)
        .await
        .unwrap();
    assert_eq!(batch.done.len(), 2);
    assert_eq!(
        s.resource_users(&root, "Website", None, 10)
            .await
            .unwrap()
            .len(),
        2
    );

    // Which logins are shared, and by whom.
    s.add_holder(&root, "ben.two", "Ben Two", "ben@example.org", "")
        .await
        .unwrap();
    s.add_holder(&root, "ben.two", "Bea Two", "bea@example.org", "")
        .await
        .unwrap();
    let shared = s.shared_logins(&admin, &users).await.unwrap();
    assert_eq!(
        shared,
        [(
            "ben.two".to_string(),
            vec!["Ben Two".to_string(), "Bea Two".to_string()]
        )]
    );
});
