//! The keyed audit chain (issue 15, fault 4; domain/audit.rs): with the key
//! outside the database, someone who can write the database can neither
//! forge nor rewrite entries, an existing chain is carried over, and
//! checkpoints kept outside show entries cut off the end.

mod common;

use common::{ADMIN, ADMIN_PASSWORD, TestDb};
use keyward::Error;
use keyward::domain::audit::{AuditKey, Canonical, entry_hash};
use keyward::domain::{Kind, Password, Role};
use keyward::service::views::AuditVerdict;
use keyward::service::{Actor, NewUser, Service, ServiceConfig};
use keyward::store::Store;
use std::sync::Arc;

const PW: &str = "violet kettle harbour quince";

/// Another process on the test database, with `key`.
async fn with_key(t: &TestDb, key: Option<&Arc<AuditKey>>) -> keyward::Result<Service> {
    let store = Store::open(&t.url).await?;
    let config = ServiceConfig {
        audit_key: key.cloned(),
        ..Default::default()
    };
    Service::new(store, config, t.clock.clone()).await
}

/// Adds a user through `s`.
async fn add(s: &Service, admin: &Actor, login: &str) {
    let new = NewUser {
        login: login.into(),
        name: format!("{login} Person"),
        email: format!("{login}@example.org"),
        kind: Kind::Staff,
        role: Role::User,
        policy: None,
        must_change: false,
    };
    s.create_user(admin, &new, Some(&Password::from(PW)))
        .await
        .expect("add user");
}

async fn sign_in(s: &Service) -> Actor {
    s.login(ADMIN, &Password::from(ADMIN_PASSWORD), "test", false)
        .await
        .unwrap()
        .actor
        .unwrap()
}

/// Lets raw statements change and delete audit entries, as someone who
/// can write the database can.
async fn drop_triggers(t: &TestDb) {
    if t.backend() == "postgres" {
        t.raw_exec("DROP TRIGGER audit_append_only ON audit")
            .await
            .unwrap();
    } else {
        for trigger in ["audit_no_update", "audit_no_delete"] {
            t.raw_exec(&format!("DROP TRIGGER {trigger}"))
                .await
                .unwrap();
        }
    }
}

/// Appends an entry as a forger would: consistent with the entry before
/// it and with a recomputed hash (all it took before the chain was keyed).
async fn forge_entry(t: &TestDb, s: &Service) -> i64 {
    let (seq, prev) = s.store().audit_head().await.unwrap();
    let at = t.clock.now();
    let entry = Canonical::new(&prev, seq + 1, at, ADMIN, "user.delete", "anna.b", "{}");
    let hash = entry_hash(&entry);
    let at = if t.backend() == "postgres" {
        format!("'{}'::timestamptz", entry.at)
    } else {
        format!("'{}'", at.format("%Y-%m-%d %H:%M:%S%.6f+00:00"))
    };
    t.raw_exec(&format!(
        "INSERT INTO audit (seq, at, actor, action, target, details, prev_hash, hash) \
         VALUES ({}, {at}, '{ADMIN}', 'user.delete', 'anna.b', '{{}}', '{prev}', '{hash}')",
        seq + 1
    ))
    .await
    .unwrap();
    t.raw_exec(&format!(
        "UPDATE audit_head SET seq = {}, hash = '{hash}' WHERE id = 1",
        seq + 1
    ))
    .await
    .unwrap();
    seq + 1
}

both_backends!(a_forged_entry_is_caught_once_the_chain_is_keyed, |t| {
    let key = Arc::new(AuditKey::generate());
    let _ = t.admin().await;
    let s = with_key(&t, Some(&key)).await.unwrap();
    let admin = sign_in(&s).await;
    add(&s, &admin, "anna.b").await;
    let intact = s.verify_audit(&admin).await.unwrap();
    assert!(
        matches!(intact, AuditVerdict::Intact { entries: 3 }),
        "{intact:?}"
    );
    // Before, a forged entry with a recomputed hash passed verification.
    let forged = forge_entry(&t, &s).await;
    match s.verify_audit(&admin).await.unwrap() {
        AuditVerdict::Broken { seq, reason } => {
            assert_eq!(seq, forged, "{reason}");
            assert!(reason.contains("MAC"), "{reason}");
        }
        other => panic!("forgery not noticed: {other:?}"),
    }
    s.store().close().await;
});

both_backends!(an_existing_chain_is_carried_over, |t| {
    // Written before keyward had a key: plain SHA-256.
    let admin = t.admin().await;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    t.add_user(&admin, "bert.c", Kind::Staff, Role::User, PW)
        .await;
    let key = Arc::new(AuditKey::generate());
    let s = with_key(&t, Some(&key)).await.unwrap();
    let admin = sign_in(&s).await;
    let entries = s.store().audit_chunk(0, 100).await.unwrap();
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[3].action, "audit.keyed");
    assert_eq!(
        entries[3].prev_hash, entries[2].hash,
        "it points at the old chain"
    );
    // Opening again with the same key adds nothing.
    let again = with_key(&t, Some(&key)).await.unwrap();
    again.store().close().await;
    assert_eq!(s.store().audit_head().await.unwrap().0, 4);
    add(&s, &admin, "cleo.d").await;
    assert_eq!(
        s.verify_audit(&admin).await.unwrap(),
        AuditVerdict::Intact { entries: 5 }
    );
    // The old entries are covered too: rewriting one (with recomputed
    // hashes up to the keyed entry) breaks the keyed entry's MAC.
    drop_triggers(&t).await;
    let mut prev = entries[0].hash.clone();
    for e in &entries[1..3] {
        let actor = if e.seq == 2 {
            "someone.else"
        } else {
            e.actor.as_str()
        };
        let hash = entry_hash(&Canonical::new(
            &prev, e.seq, e.at, actor, &e.action, &e.target, &e.details,
        ));
        t.raw_exec(&format!(
            "UPDATE audit SET actor = '{actor}', prev_hash = '{prev}', hash = '{hash}' WHERE seq = {}",
            e.seq
        ))
        .await
        .unwrap();
        prev = hash;
    }
    t.raw_exec(&format!(
        "UPDATE audit SET prev_hash = '{prev}' WHERE seq = 4"
    ))
    .await
    .unwrap();
    match s.verify_audit(&admin).await.unwrap() {
        AuditVerdict::Broken { seq, reason } => assert_eq!(seq, 4, "{reason}"),
        other => panic!("rewrite not noticed: {other:?}"),
    }
    s.store().close().await;
});

both_backends!(only_the_key_the_chain_was_keyed_with_writes, |t| {
    let _ = t.admin().await;
    let key = Arc::new(AuditKey::generate());
    let s = with_key(&t, Some(&key)).await.unwrap();
    // Another key is refused at start: its entries could not be verified.
    let other = Arc::new(AuditKey::generate());
    match with_key(&t, Some(&other)).await {
        Err(Error::Invalid(m)) => assert!(m.contains("not the one"), "{m}"),
        Ok(_) => panic!("a second key was accepted"),
        Err(e) => panic!("{e:?}"),
    }
    // A process without the key changes nothing, and says why.
    let keyless = with_key(&t, None).await.unwrap();
    let admin = sign_in(&keyless).await;
    let new = NewUser {
        login: "anna.b".into(),
        name: "Anna B".into(),
        email: "anna@example.org".into(),
        kind: Kind::Staff,
        role: Role::User,
        policy: None,
        must_change: false,
    };
    match keyless.create_user(&admin, &new, None).await {
        Err(Error::Invalid(m)) => assert!(m.contains("no audit key"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(s.store().user_by_login("anna.b").await.unwrap().is_none());
    assert!(matches!(
        keyless.verify_audit(&admin).await,
        Err(Error::Invalid(_))
    ));
    let admin = sign_in(&s).await;
    assert!(matches!(
        s.verify_audit(&admin).await.unwrap(),
        AuditVerdict::Intact { entries: 2 }
    ));
    keyless.store().close().await;
    s.store().close().await;
});

both_backends!(checkpoints_show_entries_cut_off_the_end, |t| {
    let _ = t.admin().await;
    let key = Arc::new(AuditKey::generate());
    let s = with_key(&t, Some(&key)).await.unwrap();
    let admin = sign_in(&s).await;
    for login in ["anna.b", "bert.c"] {
        add(&s, &admin, login).await;
    }
    let line = s.audit_checkpoint(&admin).await.unwrap();
    let checkpoints = s.read_checkpoints(&format!("{line}\n\n")).unwrap();
    assert_eq!(checkpoints.len(), 1);
    assert_eq!(checkpoints[0].seq, 4);
    add(&s, &admin, "cleo.d").await;
    assert_eq!(
        s.verify_audit_with(&admin, &checkpoints).await.unwrap(),
        AuditVerdict::Intact { entries: 5 }
    );
    // Cutting the newest entries off, head included, leaves a chain that
    // verifies on its own; the checkpoint shows it.
    drop_triggers(&t).await;
    t.raw_exec("DELETE FROM audit WHERE seq > 3").await.unwrap();
    t.raw_exec(
        "UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit WHERE seq = 3) WHERE id = 1",
    )
    .await
    .unwrap();
    assert_eq!(
        s.verify_audit(&admin).await.unwrap(),
        AuditVerdict::Intact { entries: 3 }
    );
    match s.verify_audit_with(&admin, &checkpoints).await.unwrap() {
        AuditVerdict::Broken { reason, .. } => assert!(reason.contains("cut off"), "{reason}"),
        other => panic!("truncation not noticed: {other:?}"),
    }
    // A checkpoint changed, or signed with another key, is refused.
    assert!(s.read_checkpoints(&line.replace("seq=4", "seq=3")).is_err());
    let other = with_key(&t, None).await.unwrap();
    assert!(other.read_checkpoints(&line).is_err(), "no key, no check");
    other.store().close().await;
    s.store().close().await;
});
