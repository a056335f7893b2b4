//! The audit chain (docs/ARCHITECTURE.md "Audit"): one entry per change, verification,
//! tamper detection, append-only triggers, and no secrets in it.

mod common;

use common::{ADMIN, ADMIN_PASSWORD, TestDb};
use keyward::domain::{Kind, Password, Role};
use keyward::service::views::AuditVerdict;
use keyward::service::{Actor, BulkRequest, UserEdit};
use std::sync::atomic::AtomicBool;

const PW: &str = "violet kettle harbour quince";

/// Makes a small history of seven changes (and one refusal): eight entries.
async fn history(t: &TestDb) -> Actor {
    let admin = t.admin().await; // 1
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await; // 2
    t.add_user(&admin, "ops.admin", Kind::Staff, Role::Admin, PW)
        .await; // 3
    t.add_user(&admin, "bert.c", Kind::Staff, Role::User, PW)
        .await; // 4
    let s = &t.service;
    s.edit_user(
        &admin,
        "anna.b",
        None,
        &UserEdit {
            name: Some("Anna Berg".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap(); // 5
    s.set_password(
        &admin,
        "bert.c",
        &Password::from("amber lantern orchard skyline"),
        false,
    )
    .await
    .unwrap(); // 6
    let ops = t.sign_in("ops.admin", PW).await;
    assert!(s.unlock(&ops, ADMIN).await.is_err()); // 7: refused
    s.set_policy(
        &admin,
        "default",
        &[("min_length".into(), "16".into())],
        None,
    )
    .await
    .unwrap(); // 8
    admin
}

both_backends!(verify_counts_every_change, |t| {
    let admin = history(&t).await;
    let s = &t.service;
    assert_eq!(
        s.verify_audit(&admin).await.unwrap(),
        AuditVerdict::Intact { entries: 8 }
    );
    let all = t.audit_all(&admin).await;
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=8).rev().collect::<Vec<_>>());
    let actions: Vec<&str> = all.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "setup.first_admin",
            "user.create",
            "user.create",
            "user.create",
            "user.edit",
            "password.set",
            "refused",
            "policy.change"
        ]
    );
    assert_eq!(all[1].actor, "ops.admin");
    // Sign-ins are not in the chain.
    t.auth("anna.b", PW).await;
    t.auth("anna.b", "wrong password here").await;
    assert_eq!(
        s.verify_audit(&admin).await.unwrap(),
        AuditVerdict::Intact { entries: 8 }
    );
    // Paging and filtering.
    let page = s.audit(&admin, None, Some(4), 2).await.unwrap();
    assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 2]);
    let anna = s.audit(&admin, Some("ANNA.B"), None, 100).await.unwrap();
    assert_eq!(anna.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![5, 2]);
    // A filter with LIKE wildcards matches them literally.
    assert!(
        s.audit(&admin, Some("%"), None, 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.audit(&admin, Some("user_create"), None, 100)
            .await
            .unwrap()
            .is_empty()
    );
    // Every entry points at the one before.
    let more = s.store().audit_chunk(0, 100).await.unwrap();
    assert_eq!(more[0].prev_hash, keyward::domain::audit::GENESIS);
    for w in more.windows(2) {
        assert_eq!(w[1].prev_hash, w[0].hash);
    }
});

both_backends!(changed_entry_is_named, |t| {
    let admin = history(&t).await;
    let drop = if t.backend() == "postgres" {
        "DROP TRIGGER audit_append_only ON audit"
    } else {
        "DROP TRIGGER audit_no_update"
    };
    t.raw_exec(drop).await.unwrap();
    let n = t
        .raw_exec(r#"UPDATE audit SET details = '{"after":{"name":"Mallory"}}' WHERE seq = 5"#)
        .await
        .unwrap();
    assert_eq!(n, 1);
    match t.service.verify_audit(&admin).await.unwrap() {
        AuditVerdict::Broken { seq, reason } => {
            assert_eq!(seq, 5, "{reason}");
            assert!(reason.contains("changed"), "{reason}");
        }
        other => panic!("tampering not noticed: {other:?}"),
    }
});

both_backends!(changed_entry_with_recomputed_hash_is_noticed, |t| {
    let admin = history(&t).await;
    let drop = if t.backend() == "postgres" {
        "DROP TRIGGER audit_append_only ON audit"
    } else {
        "DROP TRIGGER audit_no_update"
    };
    t.raw_exec(drop).await.unwrap();
    // A forger who knows the hash function rewrites entry 3 consistently:
    // entry 4 no longer points at it.
    let e = t.service.store().audit_chunk(2, 1).await.unwrap().remove(0);
    assert_eq!(e.seq, 3);
    let hash = keyward::domain::audit::entry_hash(&keyward::domain::audit::Canonical::new(
        &e.prev_hash,
        e.seq,
        e.at,
        "someone.else",
        &e.action,
        &e.target,
        &e.details,
    ));
    t.raw_exec(&format!(
        "UPDATE audit SET actor = 'someone.else', hash = '{hash}' WHERE seq = 3"
    ))
    .await
    .unwrap();
    match t.service.verify_audit(&admin).await.unwrap() {
        AuditVerdict::Broken { seq, .. } => assert_eq!(seq, 4),
        other => panic!("tampering not noticed: {other:?}"),
    }
});

both_backends!(deleted_entries_are_noticed, |t| {
    let admin = history(&t).await;
    let drop = if t.backend() == "postgres" {
        "DROP TRIGGER audit_append_only ON audit"
    } else {
        "DROP TRIGGER audit_no_delete"
    };
    t.raw_exec(drop).await.unwrap();
    // The newest entry.
    assert_eq!(
        t.raw_exec("DELETE FROM audit WHERE seq = 8").await.unwrap(),
        1
    );
    match t.service.verify_audit(&admin).await.unwrap() {
        AuditVerdict::Broken { seq, reason } => {
            assert_eq!(seq, 8, "{reason}");
            assert!(reason.contains("deleted"), "{reason}");
        }
        other => panic!("deletion not noticed: {other:?}"),
    }
    // One in the middle.
    assert_eq!(
        t.raw_exec("DELETE FROM audit WHERE seq = 3").await.unwrap(),
        1
    );
    match t.service.verify_audit(&admin).await.unwrap() {
        AuditVerdict::Broken { seq, reason } => assert_eq!(seq, 3, "{reason}"),
        other => panic!("deletion not noticed: {other:?}"),
    }
});

both_backends!(triggers_forbid_update_and_delete, |t| {
    let admin = history(&t).await;
    let err = t
        .raw_exec("UPDATE audit SET details = '{}' WHERE seq = 2")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = t
        .raw_exec("DELETE FROM audit WHERE seq = 8")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert!(t.raw_exec("DELETE FROM audit").await.is_err());
    assert_eq!(
        t.service.verify_audit(&admin).await.unwrap(),
        AuditVerdict::Intact { entries: 8 }
    );
    assert_eq!(
        t.audit_all(&admin).await[6].details["after"]["name"],
        "anna.b Person"
    );
});

both_backends!(no_secrets_in_the_audit_trail, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    let first = "first secret quokka phrase";
    let set = "second secret quokka phrase";
    let reset = "third secret quokka phrase";
    let own = "fourth secret quokka phrase";
    let bulk = "fifth secret quokka phrase";
    let changed = "sixth secret quokka phrase";
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, first)
        .await;
    t.add_user(&admin, "ops.admin", Kind::Staff, Role::Admin, first)
        .await;
    s.set_password(&admin, "anna.b", &Password::from(set), true)
        .await
        .unwrap();
    // A refused password is not written either.
    assert!(
        s.set_password(&admin, "anna.b", &Password::from("secret"), false)
            .await
            .is_err()
    );
    let (token, _) = s.issue_reset_token(&admin, "anna.b").await.unwrap();
    s.redeem_reset_token(&token, &Password::from(reset))
        .await
        .unwrap();
    let temp = s.temporary_password(&admin, "ops.admin").await.unwrap();
    s.change_password_with_current(
        "ops.admin",
        &Password::from(temp.as_str()),
        &Password::from(changed),
        "test",
    )
    .await
    .unwrap();
    s.change_own_password(
        &admin,
        &Password::from(ADMIN_PASSWORD),
        &Password::from(own),
    )
    .await
    .unwrap();
    let req = BulkRequest {
        role: None,
        resource: None,
        must_change: true,
        confirmed_count: None,
    };
    s.bulk_reset(
        &admin,
        &req,
        &Password::from(bulk),
        &|_| {},
        &AtomicBool::new(false),
    )
    .await
    .unwrap();

    let entries = t.audit_all(&admin).await;
    assert_eq!(entries.len(), 10, "{entries:#?}");
    for e in &entries {
        let text = format!("{} {} {} {}", e.actor, e.action, e.target, e.details);
        for secret in [
            first,
            set,
            reset,
            own,
            bulk,
            changed,
            ADMIN_PASSWORD,
            "quokka",
            temp.as_str(),
            token.as_str(),
        ] {
            assert!(
                !text.contains(secret),
                "entry {} contains a secret: {text}",
                e.seq
            );
        }
        assert!(
            !text.contains("$argon2"),
            "entry {} contains a hash: {text}",
            e.seq
        );
    }
    assert_eq!(
        s.verify_audit(&admin).await.unwrap(),
        AuditVerdict::Intact { entries: 10 }
    );
});
