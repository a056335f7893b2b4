//! One email address per account of a kind (issue 17): new duplicates are
//! refused on create, edit and import; the ones from before are listed;
//! a reset request for a shared address sends nothing and is recorded.

mod common;

use keyward::Error;
use keyward::domain::{Kind, Password, Role};
use keyward::service::{ImportRow, NewUser, UserEdit};

const PW: &str = "violet kettle harbour quince";

fn user(login: &str, email: &str, kind: Kind) -> NewUser {
    NewUser {
        login: login.into(),
        name: "Some Person".into(),
        email: email.into(),
        kind,
        role: Role::User,
        policy: None,
        must_change: false,
    }
}

both_backends!(an_address_belongs_to_one_account_of_a_kind, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let pw = Password::from(PW);
    s.create_user(
        &admin,
        &user("amy.one", "amy@example.org", Kind::Staff),
        Some(&pw),
    )
    .await
    .expect("first");
    // The same address, in other case: refused, naming who has it.
    let err = s
        .create_user(
            &admin,
            &user("amy.two", "AMY@example.org", Kind::Staff),
            Some(&pw),
        )
        .await
        .expect_err("a duplicate");
    assert!(
        matches!(&err, Error::Conflict(m) if m.contains("amy.one")),
        "{err:?}"
    );
    // A portal account may share it with a staff one.
    s.create_user(
        &admin,
        &user("amy.client", "amy@example.org", Kind::Portal),
        Some(&pw),
    )
    .await
    .expect("other kind");
    // Editing another account to the address is refused too.
    s.create_user(
        &admin,
        &user("bob.one", "bob@example.org", Kind::Staff),
        Some(&pw),
    )
    .await
    .expect("bob");
    let to_amy = UserEdit {
        email: Some("amy@example.org".into()),
        ..UserEdit::default()
    };
    assert!(matches!(
        s.edit_user(&admin, "bob.one", None, &to_amy).await,
        Err(Error::Conflict(_))
    ));
    // A duplicate from before the rule: listed, still editable otherwise.
    t.raw_exec("UPDATE users SET email = 'amy@example.org' WHERE login = 'bob.one'")
        .await
        .expect("old duplicate");
    let rename = UserEdit {
        name: Some("Bob Renamed".into()),
        ..UserEdit::default()
    };
    s.edit_user(&admin, "bob.one", None, &rename)
        .await
        .expect("a name change is not an address change");
    let groups = s.duplicate_emails(&admin).await.expect("list");
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].email, "amy@example.org");
    assert_eq!(groups[0].kind, Kind::Staff);
    assert_eq!(groups[0].logins, ["amy.one", "bob.one"]);
    // A reset asked for by that address sends nothing, and says why.
    s.request_reset(
        "amy@example.org",
        "test",
        "127.0.0.1",
        "http://accounts.test",
    )
    .await
    .expect("answered");
    s.settle().await;
    assert!(
        s.pending_reset_links(&admin, None)
            .await
            .expect("links")
            .is_empty()
    );
    let audit = t.audit_all(&admin).await;
    // (The address also names the portal account amy.client: ambiguous
    // across kinds too, as /reset serves both.)
    assert!(
        audit
            .iter()
            .any(|e| e.action == "reset_token.request_refused" && e.target.contains("amy.one"))
    );
});

both_backends!(an_import_refuses_shared_addresses, |t| {
    let admin = t.admin().await;
    t.service
        .create_user(
            &admin,
            &user("cy.here", "cy@example.org", Kind::Staff),
            Some(&Password::from(PW)),
        )
        .await
        .expect("user");
    let row = |line: u64, login: &str, email: &str| ImportRow {
        line,
        login: login.into(),
        name: "Imported".into(),
        email: email.into(),
        kind: String::new(),
        role: String::new(),
        policy: String::new(),
        resources: String::new(),
        holders: String::new(),
    };
    let mut import = t.service.import_users(&admin).await.expect("import");
    let problems = import
        .check(&[
            row(2, "dee.a", "dee@example.org"),
            row(3, "dee.b", "DEE@example.org"),
            row(4, "cy.again", "cy@example.org"),
            row(5, "eve.ok", "eve@example.org"),
        ])
        .await
        .expect("check");
    let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 4], "{problems:?}");
    assert!(problems[0].message.contains("also on line 2"));
    assert!(problems[1].message.contains("already belongs"));
});
