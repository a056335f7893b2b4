//! Password policies (docs/ARCHITECTURE.md "Policy keys"): validation, versions,
//! audit, enforcement on change, and step-up.

mod common;

use chrono::Duration;
use common::{ADMIN, ADMIN_PASSWORD};
use keyward::Error;
use keyward::domain::outcome::MustChangeReason;
use keyward::domain::{AuthOutcome, Kind, Password, Role};
use keyward::service::UserFilter;
use keyward::store::StatusFilter;

const PW_A: &str = "first violet kettle harbour";
const PW_B: &str = "second amber lantern orchard";
const PW_C: &str = "third copper meadow whistle";

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

both_backends!(bad_keys_and_values_refused, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let before = s.get_policy(&admin, "default").await.unwrap();
    let entries = t.audit_all(&admin).await.len();
    let cases: [(&[(&str, &str)], &str); 7] = [
        (&[("min_lenght", "8")], "min_lenght"),
        (&[("lockout_threshold", "101")], "lockout_threshold"),
        (&[("lockout_threshold", "0")], "lockout_threshold"),
        (&[("history", "-1")], "history"),
        (&[("charset", "emoji")], "charset"),
        (&[("enforce_on_change", "maybe")], "enforce_on_change"),
        // The first pair is fine; the second spoils the whole change.
        (
            &[("min_length", "8"), ("reset_link_ttl_minutes", "1")],
            "reset_link_ttl_minutes",
        ),
    ];
    for (change, key) in cases {
        match s
            .set_policy(&admin, "default", &pairs(change), None)
            .await
            .unwrap_err()
        {
            Error::Invalid(m) => assert!(m.contains(key), "{change:?}: {m}"),
            other => panic!("{change:?}: {other:?}"),
        }
    }
    // Cross-key rules name both keys.
    match s
        .set_policy(&admin, "default", &pairs(&[("min_length", "100")]), None)
        .await
        .unwrap_err()
    {
        Error::Invalid(m) => assert!(m.contains("min_length") && m.contains("max_length"), "{m}"),
        other => panic!("{other:?}"),
    }
    let after = s.get_policy(&admin, "default").await.unwrap();
    assert_eq!(after, before, "nothing changed");
    assert_eq!(after.settings.min_length, 15);
    assert_eq!(t.audit_all(&admin).await.len(), entries, "nothing audited");
    assert!(matches!(
        s.set_policy(&admin, "nope", &pairs(&[("min_length", "8")]), None)
            .await,
        Err(Error::NotFound(_))
    ));
    assert!(matches!(
        s.set_policy(&admin, "default", &[], None).await,
        Err(Error::Invalid(_))
    ));
});

both_backends!(change_bumps_version_and_is_audited, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let change = s
        .set_policy(
            &admin,
            "default",
            &pairs(&[("min_length", "16"), ("lockout_threshold", "7")]),
            None,
        )
        .await
        .unwrap();
    assert_eq!(change.version, 2);
    assert!(!change.enforced);
    assert_eq!(
        change.changes,
        vec![
            ("min_length".to_string(), "15".to_string(), "16".to_string()),
            (
                "lockout_threshold".to_string(),
                "5".to_string(),
                "7".to_string()
            ),
        ]
    );
    let p = s.get_policy(&admin, "default").await.unwrap();
    assert_eq!(
        (
            p.version,
            p.enforced_version,
            p.settings.min_length,
            p.settings.lockout_threshold
        ),
        (2, 0, 16, 7)
    );
    // The portal policy is separate.
    assert_eq!(
        s.get_policy(&admin, "portal")
            .await
            .unwrap()
            .settings
            .min_length,
        15
    );

    let entry = &t.audit_all(&admin).await[0];
    assert_eq!(
        (
            entry.action.as_str(),
            entry.target.as_str(),
            entry.actor.as_str()
        ),
        ("policy.change", "default", ADMIN)
    );
    assert_eq!(entry.details["before"]["min_length"], "15");
    assert_eq!(entry.details["after"]["min_length"], "16");
    assert_eq!(entry.details["after"]["lockout_threshold"], "7");
    assert_eq!(entry.details["enforced"], false);

    // A change to the same values is no change: no version, no audit.
    let entries = t.audit_all(&admin).await.len();
    let same = s
        .set_policy(&admin, "default", &pairs(&[("min_length", "16")]), None)
        .await
        .unwrap();
    assert_eq!(same.version, 2);
    assert_eq!(t.audit_all(&admin).await.len(), entries);
    // A stale expected version is a conflict.
    let err = s
        .set_policy(&admin, "default", &pairs(&[("min_length", "17")]), Some(1))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(
        s.get_policy(&admin, "default")
            .await
            .unwrap()
            .settings
            .min_length,
        16
    );
    assert_eq!(t.audit_all(&admin).await.len(), entries);
    // The new rules apply at once.
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW_A)
        .await;
    let err = s
        .set_password(&admin, "anna.b", &Password::from("fifteen chars!!"), false)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Policy(v) if v[0].contains("at least 16")),
        "{err:?}"
    );
});

both_backends!(enforced_change_forces_a_new_password, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "dana.e", Kind::Staff, Role::User, PW_A)
        .await;
    s.set_password(&admin, "dana.e", &Password::from(PW_B), false)
        .await
        .unwrap();
    t.add_user(&admin, "pia.portal", Kind::Portal, Role::User, PW_A)
        .await;

    // Without enforcement nothing is forced.
    s.set_policy(
        &admin,
        "default",
        &pairs(&[("lockout_threshold", "6")]),
        None,
    )
    .await
    .unwrap();
    assert_eq!(t.auth("dana.e", PW_B).await, AuthOutcome::Ok);

    let change = s
        .set_policy(
            &admin,
            "default",
            &pairs(&[("enforce_on_change", "true"), ("min_length", "16")]),
            None,
        )
        .await
        .unwrap();
    assert!(change.enforced);
    let p = s.get_policy(&admin, "default").await.unwrap();
    assert_eq!((p.version, p.enforced_version), (3, 3));
    assert_eq!(
        t.auth("dana.e", PW_B).await,
        AuthOutcome::OkMustChange {
            reason: MustChangeReason::PolicyChanged
        }
    );
    // Portal users are under another policy.
    assert_eq!(t.auth("pia.portal", PW_A).await, AuthOutcome::Ok);
    // The list shows who must change.
    let filter = UserFilter {
        status: Some(StatusFilter::MustChange),
        ..Default::default()
    };
    let must: Vec<String> = s
        .list_users(&admin, &filter)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|u| u.login)
        .collect();
    assert_eq!(must, vec!["dana.e".to_string(), ADMIN.to_string()]);

    // Not the current one, not one from the history.
    for reuse in [PW_B, PW_A] {
        let err = s
            .change_password_with_current(
                "dana.e",
                &Password::from(PW_B),
                &Password::from(reuse),
                "test",
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Policy(v) if v.iter().any(|m| m.contains("was used before"))),
            "{reuse}: {err:?}"
        );
    }
    assert_eq!(
        t.auth("dana.e", PW_B).await,
        AuthOutcome::OkMustChange {
            reason: MustChangeReason::PolicyChanged
        }
    );
    s.change_password_with_current(
        "dana.e",
        &Password::from(PW_B),
        &Password::from(PW_C),
        "test",
    )
    .await
    .unwrap();
    assert_eq!(t.auth("dana.e", PW_C).await, AuthOutcome::Ok);
    assert!(
        !s.get_user(&admin, "dana.e")
            .await
            .unwrap()
            .summary
            .must_change_password
    );

    // Users created after the change are not affected.
    t.add_user(&admin, "eve.new", Kind::Staff, Role::User, PW_C)
        .await;
    assert_eq!(t.auth("eve.new", PW_C).await, AuthOutcome::Ok);
    // The acting admin's own password predates it too.
    let r = s
        .login(ADMIN, &Password::from(ADMIN_PASSWORD), "test", true)
        .await
        .unwrap();
    assert_eq!(
        r.outcome,
        AuthOutcome::OkMustChange {
            reason: MustChangeReason::PolicyChanged
        }
    );
    assert!(r.token.is_none());
});

both_backends!(policy_change_needs_step_up, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.clock.advance(Duration::minutes(4));
    s.set_policy(&admin, "default", &pairs(&[("min_length", "16")]), None)
        .await
        .unwrap();
    t.clock.advance(Duration::minutes(2));
    let err = s
        .set_policy(&admin, "default", &pairs(&[("min_length", "18")]), None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::StepUpRequired(_)), "{err:?}");
    assert_eq!(
        s.get_policy(&admin, "default")
            .await
            .unwrap()
            .settings
            .min_length,
        16
    );
    // Signing in again (or stepping up) helps.
    let fresh = t.sign_in(ADMIN, ADMIN_PASSWORD).await;
    s.set_policy(&fresh, "default", &pairs(&[("min_length", "18")]), None)
        .await
        .unwrap();
    t.clock.advance(Duration::minutes(6));
    assert!(matches!(
        s.set_policy(&fresh, "default", &pairs(&[("min_length", "19")]), None)
            .await,
        Err(Error::StepUpRequired(_))
    ));
    let stepped = s
        .step_up(&fresh, &Password::from(ADMIN_PASSWORD))
        .await
        .unwrap();
    s.set_policy(&stepped, "default", &pairs(&[("min_length", "19")]), None)
        .await
        .unwrap();
    assert_eq!(
        s.get_policy(&admin, "default")
            .await
            .unwrap()
            .settings
            .min_length,
        19
    );
});

both_backends!(moving_to_another_policy_resets_the_version_compared, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    // The default policy is at version 4 when the user's password is set.
    for n in ["16", "17", "18"] {
        s.set_policy(&admin, "default", &[("min_length".into(), n.into())], None)
            .await
            .unwrap();
    }
    t.add_user(
        &admin,
        "mo.ved",
        Kind::Staff,
        Role::User,
        "a long enough passphrase for this",
    )
    .await;
    // A new policy starts at version 1; the user moves to it.
    s.create_policy(&admin, "strict", "default").await.unwrap();
    let edit = keyward::service::UserEdit {
        policy: Some(Some("strict".into())),
        ..Default::default()
    };
    s.edit_user(&admin, "mo.ved", None, &edit).await.unwrap();
    // An enforced change to "strict" (its version 2) applies to them.
    s.set_policy(
        &admin,
        "strict",
        &[("enforce_on_change".into(), "true".into())],
        None,
    )
    .await
    .unwrap();
    let o = s
        .authenticate(
            "mo.ved",
            &Password::from("a long enough passphrase for this"),
            "t",
        )
        .await
        .unwrap();
    assert_eq!(
        o,
        AuthOutcome::OkMustChange {
            reason: MustChangeReason::PolicyChanged
        }
    );
});

both_backends!(counts_follow_own_and_kind_policies, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    for (login, kind) in [
        ("st.one", Kind::Staff),
        ("st.two", Kind::Staff),
        ("po.one", Kind::Portal),
        ("po.two", Kind::Portal),
        ("po.three", Kind::Portal),
    ] {
        t.add_user(&admin, login, kind, Role::User, PW_A).await;
    }
    s.create_policy(&admin, "strict", "default").await.unwrap();
    s.create_policy(&admin, "unused", "portal").await.unwrap();
    // One staff and one portal user move to "strict": neither counts under
    // their kind's policy any more.
    for login in ["st.two", "po.three"] {
        let edit = keyward::service::UserEdit {
            policy: Some(Some("strict".into())),
            ..Default::default()
        };
        s.edit_user(&admin, login, None, &edit).await.unwrap();
    }
    let counts: Vec<(String, i64)> = s
        .list_policies(&admin)
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.name, p.users))
        .collect();
    // The administrator is a staff user too.
    let expected = [("default", 2), ("portal", 2), ("strict", 2), ("unused", 0)];
    let expected: Vec<(String, i64)> = expected.iter().map(|(n, c)| (n.to_string(), *c)).collect();
    assert_eq!(counts, expected);
    // Forms get the same policies, in the same order, with their settings.
    let choices = s.policy_choices(&admin).await.unwrap();
    let names: Vec<&str> = choices.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["default", "portal", "strict", "unused"]);
    let strict = s.get_policy(&admin, "strict").await.unwrap();
    assert_eq!(choices[2].settings, strict.settings);
    // A resource's name list is in name order, whatever the case.
    for name in ["wiki", "Billing", "crm"] {
        s.add_resource(&admin, name, "").await.unwrap();
    }
    assert_eq!(
        s.resource_names(&admin).await.unwrap(),
        ["Billing", "crm", "wiki"]
    );
});
