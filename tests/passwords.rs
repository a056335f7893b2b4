//! Passwords (docs/ARCHITECTURE.md "Credentials"): policy checks, history, NFC,
//! temporary passwords, an administrator's own password, holders.

mod common;

use common::{ADMIN, ADMIN_PASSWORD};
use keyward::Error;
use keyward::domain::outcome::MustChangeReason;
use keyward::domain::{AuthOutcome, Kind, Password, Role};

const PW: &str = "violet kettle harbour quince";

fn policy_messages(e: Error) -> Vec<String> {
    match e {
        Error::Policy(v) => v,
        other => panic!("expected Error::Policy, got {other:?}"),
    }
}

both_backends!(policy_violations_listed_all_at_once, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    let version = t.row("anna.b").await.version;

    let broken = policy_messages(
        s.set_password(&admin, "anna.b", &Password::from("short"), false)
            .await
            .unwrap_err(),
    );
    assert!(
        broken
            .iter()
            .any(|m| m.contains("needs at least 15 characters")),
        "{broken:?}"
    );

    // Three rules broken at once: all three named, in checklist order.
    let broken = policy_messages(
        s.set_password(&admin, "anna.b", &Password::from("anna.b\tpass"), false)
            .await
            .unwrap_err(),
    );
    assert_eq!(
        broken,
        vec![
            "needs at least 15 characters (has 11)".to_string(),
            "contains a control character such as a tab or line break".to_string(),
            "contains the login ID".to_string(),
        ]
    );
    let broken = policy_messages(
        s.set_password(&admin, "anna.b", &Password::from("password"), false)
            .await
            .unwrap_err(),
    );
    assert_eq!(broken.len(), 2, "{broken:?}");
    assert!(
        broken.iter().any(|m| m.contains("commonly used")),
        "{broken:?}"
    );
    let broken = policy_messages(
        s.set_password(&admin, "anna.b", &Password::from(&*"x".repeat(65)), false)
            .await
            .unwrap_err(),
    );
    assert!(
        broken.iter().any(|m| m.contains("at most 64")),
        "{broken:?}"
    );
    // A part of the user's name counts as personal data too.
    let broken = policy_messages(
        s.set_password(
            &admin,
            "anna.b",
            &Password::from("every person needs a pass"),
            false,
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(broken, vec!["contains the user's name".to_string()]);

    // Nothing changed.
    assert_eq!(t.auth("anna.b", PW).await, AuthOutcome::Ok);
    assert_eq!(t.row("anna.b").await.version, version);
    // The checklist shows the same verdicts without changing anything.
    let check = s
        .password_checklist(&admin, "anna.b", &Password::from("anna.b\tpass"))
        .await
        .unwrap();
    assert_eq!(check.violations().len(), 3);
    // Composition rules added by the policy are listed too.
    let pairs = [
        ("require_digit".to_string(), "2".to_string()),
        ("require_upper".to_string(), "1".to_string()),
    ];
    s.set_policy(&admin, "default", &pairs, None).await.unwrap();
    let broken = policy_messages(
        s.set_password(
            &admin,
            "anna.b",
            &Password::from("amber lantern orchard sky"),
            false,
        )
        .await
        .unwrap_err(),
    );
    assert_eq!(
        broken,
        vec![
            "needs at least 1 upper-case letter (has 0)".to_string(),
            "needs at least 2 digits (has 0)".to_string()
        ]
    );
    s.set_password(
        &admin,
        "anna.b",
        &Password::from("Amber lantern orchard sky 42"),
        false,
    )
    .await
    .unwrap();
});

both_backends!(history_and_current_password_refused, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let pws: Vec<String> = (0..7)
        .map(|i| format!("orchard lantern number {i} glows"))
        .collect();
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, &pws[0])
        .await;
    for pw in &pws[1..=5] {
        s.set_password(&admin, "anna.b", &Password::from(pw.as_str()), false)
            .await
            .unwrap();
    }
    // Current: pws[5]; history (5): pws[4] .. pws[0].
    for i in [5, 4, 0] {
        let broken = policy_messages(
            s.set_password(&admin, "anna.b", &Password::from(pws[i].as_str()), false)
                .await
                .unwrap_err(),
        );
        assert_eq!(broken.len(), 1, "{i}: {broken:?}");
        assert!(broken[0].contains("was used before"), "{i}: {broken:?}");
    }
    assert_eq!(t.auth("anna.b", &pws[5]).await, AuthOutcome::Ok);
    s.set_password(&admin, "anna.b", &Password::from(pws[6].as_str()), false)
        .await
        .unwrap();
    // pws[0] is now six passwords back: allowed again; pws[1] is not.
    let broken = policy_messages(
        s.set_password(&admin, "anna.b", &Password::from(pws[1].as_str()), false)
            .await
            .unwrap_err(),
    );
    assert!(broken[0].contains("was used before"));
    s.set_password(&admin, "anna.b", &Password::from(pws[0].as_str()), false)
        .await
        .unwrap();
    assert_eq!(t.auth("anna.b", &pws[0]).await, AuthOutcome::Ok);

    // With history 0, only the current password is refused.
    s.set_policy(&admin, "default", &[("history".into(), "0".into())], None)
        .await
        .unwrap();
    let broken = policy_messages(
        s.set_password(&admin, "anna.b", &Password::from(pws[0].as_str()), false)
            .await
            .unwrap_err(),
    );
    assert!(broken[0].contains("current password"), "{broken:?}");
    s.set_password(&admin, "anna.b", &Password::from(pws[6].as_str()), false)
        .await
        .unwrap();
});

both_backends!(passwords_are_nfc_normalised, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "emile.f", Kind::Staff, Role::User, PW)
        .await;
    let decomposed = "cafe\u{301} au lait chaque matin";
    let composed = "caf\u{e9} au lait chaque matin";
    s.set_password(&admin, "emile.f", &Password::from(decomposed), false)
        .await
        .unwrap();
    assert_eq!(t.auth("emile.f", composed).await, AuthOutcome::Ok);
    assert_eq!(t.auth("emile.f", decomposed).await, AuthOutcome::Ok);
    // Not folded: case and spaces count.
    assert_eq!(
        t.auth("emile.f", "CAF\u{c9} AU LAIT CHAQUE MATIN").await,
        AuthOutcome::BadCredentials
    );
    assert_eq!(
        t.auth("emile.f", &format!("{composed} ")).await,
        AuthOutcome::BadCredentials
    );
    assert_eq!(
        t.auth("emile.f", "cafe au lait chaque matin").await,
        AuthOutcome::BadCredentials
    );
    // The same password in the other form is the same password for history.
    let broken = policy_messages(
        s.set_password(&admin, "emile.f", &Password::from(composed), false)
            .await
            .unwrap_err(),
    );
    assert!(broken[0].contains("was used before"), "{broken:?}");
    // Length counts code points after NFC: 14 composed code points is too short.
    let fourteen = "e\u{301}".repeat(14);
    let broken = policy_messages(
        s.set_password(&admin, "emile.f", &Password::from(fourteen.as_str()), false)
            .await
            .unwrap_err(),
    );
    assert!(broken.iter().any(|m| m.contains("(has 14)")), "{broken:?}");
});

both_backends!(temporary_password_must_be_changed, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "gus.h", Kind::Staff, Role::User, PW)
        .await;
    let temp = s.temporary_password(&admin, "gus.h").await.unwrap();
    assert_eq!(temp.chars().count(), 20);
    let temp2 = s.temporary_password(&admin, "gus.h").await.unwrap();
    assert_ne!(*temp, *temp2, "random each time");
    assert_eq!(
        t.auth("gus.h", &temp).await,
        AuthOutcome::BadCredentials,
        "replaced by the second"
    );
    assert_eq!(
        t.auth("gus.h", &temp2).await,
        AuthOutcome::OkMustChange {
            reason: MustChangeReason::Flagged
        }
    );
    assert_eq!(t.auth("gus.h", PW).await, AuthOutcome::BadCredentials);
    assert!(
        s.get_user(&admin, "gus.h")
            .await
            .unwrap()
            .summary
            .must_change_password
    );
    // The user changes it; the new one must differ.
    let err = s
        .change_password_with_current(
            "gus.h",
            &Password::from(temp2.as_str()),
            &Password::from(temp2.as_str()),
            "test",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Policy(_)), "{err:?}");
    let err = s
        .change_password_with_current(
            "gus.h",
            &Password::from("wrong current one"),
            &Password::from("brand new passphrase here"),
            "test",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    s.change_password_with_current(
        "gus.h",
        &Password::from(temp2.as_str()),
        &Password::from("brand new passphrase here"),
        "test",
    )
    .await
    .unwrap();
    assert_eq!(
        t.auth("gus.h", "brand new passphrase here").await,
        AuthOutcome::Ok
    );
    assert!(
        !s.get_user(&admin, "gus.h")
            .await
            .unwrap()
            .summary
            .must_change_password
    );
    // The generated password is never written down.
    for e in t.audit_all(&admin).await {
        let d = e.details.to_string();
        assert!(
            !d.contains(temp.as_str()) && !d.contains(temp2.as_str()),
            "{d}"
        );
    }
    // A temporary password for oneself is refused.
    assert!(matches!(
        s.temporary_password(&admin, ADMIN).await.unwrap_err(),
        Error::Forbidden(_)
    ));
});

both_backends!(admin_own_password_needs_current, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let new = "a brand new keeper passphrase";
    let err = s
        .set_password(&admin, ADMIN, &Password::from(new), false)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    assert_eq!(t.auth(ADMIN, ADMIN_PASSWORD).await, AuthOutcome::Ok);

    let err = s
        .change_own_password(
            &admin,
            &Password::from("not the current one"),
            &Password::from(new),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    assert_eq!(t.auth(ADMIN, ADMIN_PASSWORD).await, AuthOutcome::Ok);
    assert_eq!(t.auth(ADMIN, new).await, AuthOutcome::BadCredentials);

    // The new one must meet the policy.
    let err = s
        .change_own_password(
            &admin,
            &Password::from(ADMIN_PASSWORD),
            &Password::from("short"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Policy(_)), "{err:?}");

    s.change_own_password(
        &admin,
        &Password::from(ADMIN_PASSWORD),
        &Password::from(new),
    )
    .await
    .unwrap();
    assert_eq!(t.auth(ADMIN, new).await, AuthOutcome::Ok);
    assert_eq!(
        t.auth(ADMIN, ADMIN_PASSWORD).await,
        AuthOutcome::BadCredentials
    );
    let last = &t.audit_all(&admin).await[0];
    assert_eq!(
        (last.action.as_str(), last.target.as_str()),
        ("password.change_own", ADMIN)
    );
    // Back to the old one is reuse.
    let err = s
        .change_own_password(
            &admin,
            &Password::from(new),
            &Password::from(ADMIN_PASSWORD),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Policy(_)), "{err:?}");
});

both_backends!(holders_round_trip, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "front.desk", Kind::Staff, Role::User, PW)
        .await;
    assert!(s.holders(&admin, "front.desk").await.unwrap().is_empty());
    let ann = s
        .add_holder(
            &admin,
            "front.desk",
            " Ann One ",
            "ann.one@example.org",
            "mornings",
        )
        .await
        .unwrap();
    let bob = s
        .add_holder(&admin, "front.desk", "Bob Two", "bob.two@example.org", "")
        .await
        .unwrap();
    assert_eq!(ann.name, "Ann One", "trimmed");
    let listed = s.holders(&admin, "FRONT.DESK").await.unwrap();
    assert_eq!(listed, vec![ann.clone(), bob.clone()]);
    assert_eq!(listed[0].note, "mornings");

    // Changing the password names everyone affected.
    let check = s
        .password_checklist(
            &admin,
            "front.desk",
            &Password::from("amber lantern orchard sky"),
        )
        .await
        .unwrap();
    assert_eq!(
        check.holders,
        vec!["Ann One".to_string(), "Bob Two".to_string()]
    );
    s.set_password(
        &admin,
        "front.desk",
        &Password::from("amber lantern orchard sky"),
        false,
    )
    .await
    .unwrap();
    let set = &t.audit_all(&admin).await[0];
    assert_eq!(set.action, "password.set");
    assert_eq!(
        set.details["holders_affected"],
        serde_json::json!(["Ann One", "Bob Two"])
    );

    s.remove_holder(&admin, "front.desk", ann.id).await.unwrap();
    assert_eq!(
        s.holders(&admin, "front.desk").await.unwrap(),
        vec![bob.clone()]
    );
    let err = s
        .remove_holder(&admin, "front.desk", ann.id)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    // Bad holder data is refused.
    let err = s
        .add_holder(&admin, "front.desk", "", "x@example.org", "")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    let err = s
        .add_holder(&admin, "front.desk", "Cy", "not-mail", "")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    // Another user's holder cannot be removed through this login.
    t.add_user(&admin, "back.office", Kind::Staff, Role::User, PW)
        .await;
    let err = s
        .remove_holder(&admin, "back.office", bob.id)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert_eq!(s.holders(&admin, "front.desk").await.unwrap().len(), 1);

    let entries: Vec<_> = t
        .audit_all(&admin)
        .await
        .into_iter()
        .filter(|e| e.action.starts_with("holder."))
        .map(|e| (e.action, e.target, e.details))
        .collect();
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert_eq!(entries[0].0, "holder.remove");
    assert_eq!(entries[0].2["before"]["name"], "Ann One");
    assert_eq!(
        (entries[1].0.as_str(), entries[2].0.as_str()),
        ("holder.add", "holder.add")
    );
    assert!(entries.iter().all(|e| e.1 == "front.desk"));
    // Deleting the user removes their holders.
    s.delete_user(&admin, "front.desk").await.unwrap();
    assert!(matches!(
        s.holders(&admin, "front.desk").await.unwrap_err(),
        Error::NotFound(_)
    ));
});

// A password set from a form opened on an old read reports the conflict,
// as edits of other fields do (before, a console save silently replaced a
// password set meanwhile from the command line).
both_backends!(set_password_on_an_old_read_is_a_conflict, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    t.add_user(&admin, "ops.admin", Kind::Staff, Role::Admin, PW)
        .await;
    let ops = t.sign_in("ops.admin", PW).await;
    // The console opens the dialog ...
    let read = s.get_user(&admin, "anna.b").await.unwrap().summary.version;
    // ... another administrator sets a password meanwhile ...
    s.set_password(
        &ops,
        "anna.b",
        &Password::from("amber lantern orchard skyline"),
        false,
    )
    .await
    .unwrap();
    // ... and the console's save is refused, changing nothing.
    let err = s
        .set_password_at(
            &admin,
            "anna.b",
            Some(read),
            &Password::from("cobalt meadow tandem whistle"),
            true,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(
        t.auth("anna.b", "amber lantern orchard skyline").await,
        AuthOutcome::Ok
    );
    let sets = t
        .audit_all(&admin)
        .await
        .iter()
        .filter(|e| e.action == "password.set" && e.target == "anna.b")
        .count();
    assert_eq!(sets, 1);
    // Read again, the save goes through.
    let fresh = s.get_user(&admin, "anna.b").await.unwrap().summary.version;
    s.set_password_at(
        &admin,
        "anna.b",
        Some(fresh),
        &Password::from("cobalt meadow tandem whistle"),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        t.auth("anna.b", "cobalt meadow tandem whistle").await,
        AuthOutcome::Ok
    );
    assert!(t.row("anna.b").await.version > fresh);
    // An unlock since the read is a change too.
    let read = s.get_user(&admin, "anna.b").await.unwrap().summary.version;
    for _ in 0..5 {
        t.auth("anna.b", "wrong wrong wrong").await;
    }
    s.unlock(&admin, "anna.b").await.unwrap();
    let err = s
        .set_password_at(
            &admin,
            "anna.b",
            Some(read),
            &Password::from("a brand new passphrase"),
            false,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
});

// An administrator who may not reset admins' passwords, on their own
// account, is told how to change their own (before: that admins'
// passwords are not theirs to reset).
both_backends!(own_password_gets_the_own_password_hint, |t| {
    let admin = t.admin().await;
    let ops = t
        .add_and_sign_in(&admin, "ops.admin", Role::Admin, PW)
        .await;
    let err = t
        .service
        .set_password(
            &ops,
            "ops.admin",
            &Password::from("amber lantern orchard skyline"),
            false,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Forbidden(m) if m.contains("your own password") && m.contains("current one")),
        "{err:?}"
    );
    let refusals = t
        .audit_all(&admin)
        .await
        .into_iter()
        .filter(|e| e.action == "refused" && e.target == "ops.admin")
        .count();
    assert_eq!(refusals, 1, "the refusal is audited");
});
