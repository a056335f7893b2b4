//! User records (docs/ARCHITECTURE.md "Users"): login rules, field checks,
//! optimistic concurrency and the audit entry every change leaves.

mod common;

use keyward::Error;
use keyward::domain::{AccessLevel, Kind, Password, Role};
use keyward::service::{NewUser, UserEdit};

const PW: &str = "violet kettle harbour quince";

fn new_user(login: &str) -> NewUser {
    NewUser {
        login: login.into(),
        name: "Some Person".into(),
        email: format!("{login}@example.org"),
        kind: Kind::Staff,
        role: Role::User,
        policy: None,
        must_change: false,
    }
}

fn invalid_message(e: Error) -> String {
    match e {
        Error::Invalid(m) => m,
        other => panic!("expected Error::Invalid, got {other:?}"),
    }
}

both_backends!(login_unique_case_insensitively, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    let users = s.store().count_users().await.unwrap();
    let entries = t.audit_all(&admin).await.len();

    for login in ["Anna.B", "ANNA.B", "anna.b"] {
        let err = s
            .create_user(&admin, &new_user(login), None)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{login}: {err:?}");
    }
    let err = s
        .create_user(&admin, &new_user("Anna.b"), Some(&Password::from(PW)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(
        s.store().count_users().await.unwrap(),
        users,
        "nothing created"
    );
    assert_eq!(t.audit_all(&admin).await.len(), entries, "nothing audited");

    // Stored as typed, found in any case.
    t.add_user(&admin, "Bert.C", Kind::Staff, Role::User, PW)
        .await;
    assert_eq!(
        s.get_user(&admin, "bert.c").await.unwrap().summary.login,
        "Bert.C"
    );
    assert_eq!(
        s.get_user(&admin, "BERT.C").await.unwrap().summary.login,
        "Bert.C"
    );

    // Renaming onto a taken login (in another case) is a conflict too.
    let edit = UserEdit {
        login: Some("ANNA.b".into()),
        ..Default::default()
    };
    let err = s
        .edit_user(&admin, "Bert.C", None, &edit)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    assert_eq!(t.row("bert.c").await.login, "Bert.C");
    // A change of case of one's own login is not a conflict.
    let edit = UserEdit {
        login: Some("bert.c".into()),
        ..Default::default()
    };
    assert_eq!(
        s.edit_user(&admin, "Bert.C", None, &edit)
            .await
            .unwrap()
            .login,
        "bert.c"
    );
});

both_backends!(bad_logins_refused_and_nothing_created, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let users = s.store().count_users().await.unwrap();
    let entries = t.audit_all(&admin).await.len();
    let long = "a".repeat(65);
    let cases: [(&str, &str); 13] = [
        ("", "empty"),
        (" anna", "leading or trailing spaces"),
        ("anna ", "leading or trailing spaces"),
        ("\tanna", "leading or trailing spaces"),
        (&long, "at most 64"),
        ("o'brien", "quote"),
        ("x'; DROP TABLE users;--", "quote"),
        ("robert\"); --", "quote"),
        ("ab\u{7}cd", "control character"),
        ("anna\u{0}b", "control character"),
        ("jörg.k", "letters, digits"),
        ("abc", "at least 4"),
        ("12345", "digits only"),
    ];
    for (login, expected) in cases {
        let err = s
            .create_user(&admin, &new_user(login), Some(&Password::from(PW)))
            .await
            .unwrap_err();
        let msg = invalid_message(err);
        assert!(msg.contains(expected), "{login:?}: {msg}");
    }
    assert_eq!(
        s.store().count_users().await.unwrap(),
        users,
        "nothing created"
    );
    assert_eq!(t.audit_all(&admin).await.len(), entries, "nothing audited");
    // The users table survived the SQL fragment.
    assert_eq!(
        s.list_users(&admin, &Default::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    // 64 characters is the longest allowed; 4 the shortest by default.
    let max = "b".repeat(64);
    s.create_user(&admin, &new_user(&max), None).await.unwrap();
    s.create_user(&admin, &new_user("abcd"), None)
        .await
        .unwrap();
    s.create_user(&admin, &new_user("1234a"), None)
        .await
        .unwrap();
    assert_eq!(s.store().count_users().await.unwrap(), users + 3);
});

both_backends!(bad_email_and_name_refused, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let users = s.store().count_users().await.unwrap();
    for email in [
        "",
        "not-an-email",
        "a@b",
        "anna b@example.org",
        "anna@@example.org",
        "\"quoted\"@example.org",
        ".anna@example.org",
        "anna..b@example.org",
    ] {
        let new = NewUser {
            email: email.into(),
            ..new_user("anna.b")
        };
        let msg = invalid_message(s.create_user(&admin, &new, None).await.unwrap_err());
        assert!(msg.contains("email"), "{email:?}: {msg}");
    }
    for name in ["", "   ", "bad\u{1b}[31mname"] {
        let new = NewUser {
            name: name.into(),
            ..new_user("anna.b")
        };
        let msg = invalid_message(s.create_user(&admin, &new, None).await.unwrap_err());
        assert!(msg.contains("name"), "{name:?}: {msg}");
    }
    let new = NewUser {
        kind: Kind::Portal,
        role: Role::Manager,
        ..new_user("anna.b")
    };
    assert!(matches!(
        s.create_user(&admin, &new, None).await.unwrap_err(),
        Error::Invalid(_)
    ));
    assert_eq!(
        s.store().count_users().await.unwrap(),
        users,
        "nothing created"
    );

    // Edits are checked the same way and change nothing when refused.
    t.add_user(&admin, "carl.d", Kind::Staff, Role::User, PW)
        .await;
    let before = t.row("carl.d").await;
    for edit in [
        UserEdit {
            email: Some("nope".into()),
            ..Default::default()
        },
        UserEdit {
            name: Some(" ".into()),
            ..Default::default()
        },
        UserEdit {
            login: Some("o'brien".into()),
            ..Default::default()
        },
        UserEdit {
            login: Some("123456".into()),
            ..Default::default()
        },
    ] {
        let err = s
            .edit_user(&admin, "carl.d", Some(before.version), &edit)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{edit:?}: {err:?}");
    }
    let after = t.row("carl.d").await;
    assert_eq!(
        (after.version, after.email, after.name),
        (before.version, before.email, before.name)
    );
    // What real addresses hold is taken: an apostrophe, a plus.
    for (login, email) in [
        ("sean.o", "sean.o'neil@example.org"),
        ("anna.t", "anna+tag@example.org"),
    ] {
        let new = NewUser {
            email: email.into(),
            ..new_user(login)
        };
        s.create_user(&admin, &new, None).await.expect(email);
    }
});

both_backends!(policy_login_rules, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let msg = invalid_message(
        s.create_user(&admin, &new_user("abc"), None)
            .await
            .unwrap_err(),
    );
    assert!(msg.contains("at least 4"), "{msg}");
    // Shorter than the basic shape's 3 too: the policy's minimum is the one
    // told, not 3 and then, with three, 4.
    let msg = invalid_message(
        s.create_user(&admin, &new_user("ab"), None)
            .await
            .unwrap_err(),
    );
    assert_eq!(msg, "the login ID needs at least 4 characters (has 2)");
    let msg = invalid_message(
        s.create_user(&admin, &new_user("20260301"), None)
            .await
            .unwrap_err(),
    );
    assert!(msg.contains("digits only"), "{msg}");

    // The policy can tighten and relax the rules.
    let pairs = [
        ("login_require_digit".to_string(), "true".to_string()),
        ("login_min_length".to_string(), "6".to_string()),
        ("login_forbid_all_digits".to_string(), "false".to_string()),
    ];
    s.set_policy(&admin, "default", &pairs, None).await.unwrap();
    let msg = invalid_message(
        s.create_user(&admin, &new_user("annab"), None)
            .await
            .unwrap_err(),
    );
    assert!(msg.contains("at least 6"), "{msg}");
    let msg = invalid_message(
        s.create_user(&admin, &new_user("x"), None)
            .await
            .unwrap_err(),
    );
    assert_eq!(msg, "the login ID needs at least 6 characters (has 1)");
    let msg = invalid_message(
        s.create_user(&admin, &new_user("anna.berg"), None)
            .await
            .unwrap_err(),
    );
    assert!(msg.contains("digit"), "{msg}");
    s.create_user(&admin, &new_user("anna.berg2"), None)
        .await
        .unwrap();
    s.create_user(&admin, &new_user("123456"), None)
        .await
        .unwrap();
    // Portal users follow the portal policy, which did not change.
    let portal = NewUser {
        kind: Kind::Portal,
        ..new_user("pora")
    };
    s.create_user(&admin, &portal, None).await.unwrap();
});

both_backends!(edit_user_optimistic_concurrency, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "carl.d", Kind::Staff, Role::User, PW)
        .await;
    let v1 = s.get_user(&admin, "carl.d").await.unwrap().summary.version;

    let edit = UserEdit {
        name: Some("Carl Dee".into()),
        ..Default::default()
    };
    let edited = s
        .edit_user(&admin, "carl.d", Some(v1), &edit)
        .await
        .unwrap();
    assert_eq!(edited.name, "Carl Dee");
    assert_eq!(edited.version, v1 + 1);

    // A second editor who read version v1 is refused, and nothing changes.
    let stale = UserEdit {
        email: Some("carl.other@example.org".into()),
        name: Some("Karl".into()),
        ..Default::default()
    };
    let err = s
        .edit_user(&admin, "carl.d", Some(v1), &stale)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Conflict(_)), "{err:?}");
    let u = s.get_user(&admin, "carl.d").await.unwrap();
    assert_eq!(u.summary.email, "carl.d@example.org");
    assert_eq!(u.summary.name, "Carl Dee");
    assert_eq!(u.summary.version, v1 + 1);

    // With the version they now read, it works.
    let ok = s
        .edit_user(&admin, "carl.d", Some(v1 + 1), &stale)
        .await
        .unwrap();
    assert_eq!(
        (ok.email.as_str(), ok.name.as_str(), ok.version),
        ("carl.other@example.org", "Karl", v1 + 2)
    );

    // Exactly one audit entry per successful edit, with before and after.
    let edits: Vec<_> = t
        .audit_all(&admin)
        .await
        .into_iter()
        .filter(|e| e.action == "user.edit")
        .collect();
    assert_eq!(edits.len(), 2, "{edits:?}");
    assert_eq!(edits[1].details["before"]["name"], "carl.d Person");
    assert_eq!(edits[1].details["after"]["name"], "Carl Dee");
    assert_eq!(edits[0].details["after"]["email"], "carl.other@example.org");
    assert_eq!(edits[0].details["before"]["email"], "carl.d@example.org");
    assert!(
        edits
            .iter()
            .all(|e| e.target == "carl.d" && e.actor == common::ADMIN)
    );
});

both_backends!(every_change_is_audited, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let mut expected = vec!["setup.first_admin".to_string()];
    let mut check = |action: &str| expected.push(action.to_string());

    t.add_user(&admin, "erin.f", Kind::Staff, Role::User, PW)
        .await;
    check("user.create");
    s.edit_user(
        &admin,
        "erin.f",
        None,
        &UserEdit {
            name: Some("Erin Fox".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    check("user.edit");
    // An edit that changes nothing writes nothing.
    s.edit_user(
        &admin,
        "erin.f",
        None,
        &UserEdit {
            name: Some("Erin Fox".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    s.edit_user(
        &admin,
        "erin.f",
        None,
        &UserEdit {
            role: Some(Role::Manager),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    check("user.edit");
    s.set_disabled(&admin, "erin.f", true).await.unwrap();
    check("user.disable");
    // Disabling a disabled user changes nothing and writes nothing.
    s.set_disabled(&admin, "erin.f", true).await.unwrap();
    s.set_disabled(&admin, "erin.f", false).await.unwrap();
    check("user.enable");
    s.unlock(&admin, "erin.f").await.unwrap();
    check("user.unlock");
    let h = s
        .add_holder(&admin, "erin.f", "Front Desk", "desk@example.org", "")
        .await
        .unwrap();
    check("holder.add");
    s.remove_holder(&admin, "erin.f", h.id).await.unwrap();
    check("holder.remove");
    s.set_password(
        &admin,
        "erin.f",
        &Password::from("amber lantern orchard sky"),
        false,
    )
    .await
    .unwrap();
    check("password.set");
    s.temporary_password(&admin, "erin.f").await.unwrap();
    check("password.temporary");
    s.issue_reset_token(&admin, "erin.f").await.unwrap();
    check("reset_token.issue");
    s.add_resource(&admin, "Mobile app", "phones")
        .await
        .unwrap();
    check("resource.create");
    s.grant(&admin, "Mobile app", "erin.f", AccessLevel::Standard)
        .await
        .unwrap();
    check("resource.grant");
    s.revoke(&admin, "Mobile app", "erin.f").await.unwrap();
    check("resource.revoke");
    s.delete_user(&admin, "erin.f").await.unwrap();
    check("user.delete");

    let mut got: Vec<String> = t
        .audit_all(&admin)
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    got.reverse();
    assert_eq!(got, expected);
    let delete = &t.audit_all(&admin).await[0];
    assert_eq!(
        (delete.target.as_str(), delete.actor.as_str()),
        ("erin.f", common::ADMIN)
    );
    assert_eq!(delete.details["before"]["name"], "Erin Fox");
    assert!(matches!(
        s.get_user(&admin, "erin.f").await.unwrap_err(),
        Error::NotFound(_)
    ));
});

both_backends!(simultaneous_first_runs_create_one_administrator, |t| {
    let pw = keyward::domain::Password::from(common::ADMIN_PASSWORD);
    let (a, b) = (t.service.clone(), t.service.clone());
    let (pa, pb) = (pw.clone(), pw.clone());
    let first = tokio::spawn(async move {
        a.create_first_admin("first.admin", "First", "first@example.org", &pa)
            .await
    });
    let second = tokio::spawn(async move {
        b.create_first_admin("second.admin", "Second", "second@example.org", &pb)
            .await
    });
    let results = [first.await.unwrap(), second.await.unwrap()];
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(keyward::Error::Conflict(_)))),
        "{results:?}"
    );
    assert_eq!(t.service.store().count_users().await.unwrap(), 1);
});
