//! `blocklist_file`: the organisation's words refuse passwords as the
//! built-in list does, also with digits or symbols around them, with the
//! reason in the checklist; the file is read again when it changes. The
//! list is the process's (as the built-in one is), so this binary holds one
//! test that runs on each backend in turn.

mod common;

use keyward::domain::{Kind, Password, Role};
use keyward::error::Error;
use keyward::service::{Service, ServiceConfig};
use keyward::store::Store;

const PW: &str = "violet kettle harbour quince";

fn reason(s: &keyward::service::PasswordCheck) -> Option<String> {
    s.rules
        .iter()
        .find(|r| r.rule == "reject_common" && !r.met)
        .map(|r| r.message.clone())
}

async fn scenario(t: &common::TestDb) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("words.txt");
    std::fs::write(&path, "# Our names\nAcme\nwidgetron\n").expect("write");
    let admin = t.admin().await;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    let config = ServiceConfig {
        blocklist_file: Some(path.clone()),
        ..ServiceConfig::default()
    };
    let store = Store::open(&t.url).await.expect("open");
    let s = Service::new(store, config, t.clock.clone())
        .await
        .expect("service");

    // The reason is in the checklist, and the change is refused with it.
    let check = s
        .password_checklist(&admin, "anna.b", &Password::from("widgetron2025!!!!"))
        .await
        .expect("checklist");
    assert_eq!(
        reason(&check).as_deref(),
        Some("is a word on the organisation's blocklist with digits or symbols added")
    );
    match s
        .set_password(
            &admin,
            "anna.b",
            &Password::from("ACME-1234567890123"),
            false,
        )
        .await
    {
        Err(Error::Policy(broken)) => {
            assert!(
                broken.iter().any(|b| b
                    == "is a word on the organisation's blocklist with digits or symbols added"),
                "{broken:?}"
            )
        }
        other => panic!("an organisation word was accepted: {other:?}"),
    }
    // The built-in list's words with digits added count as the word.
    let check = s
        .password_checklist(&admin, "anna.b", &Password::from("password123456789"))
        .await
        .expect("checklist");
    assert_eq!(
        reason(&check).as_deref(),
        Some("is a commonly used password with digits or symbols added")
    );

    // The file changes: the next check reads it.
    std::fs::write(&path, "zephyrcorp\n").expect("rewrite");
    s.set_password(
        &admin,
        "anna.b",
        &Password::from("widgetron2025!!!!"),
        false,
    )
    .await
    .expect("a word no longer on the list is accepted");
    let check = s
        .password_checklist(&admin, "anna.b", &Password::from("2025zephyrcorp!!"))
        .await
        .expect("checklist");
    assert!(reason(&check).is_some(), "the new word is refused");

    // A file that disappears keeps the last list.
    std::fs::remove_file(&path).expect("remove");
    let check = s
        .password_checklist(&admin, "anna.b", &Password::from("2025zephyrcorp!!"))
        .await
        .expect("checklist");
    assert!(reason(&check).is_some(), "the last list is kept");

    // A file that cannot be read at start stops the service, naming it.
    let config = ServiceConfig {
        blocklist_file: Some(dir.path().join("missing.txt")),
        ..ServiceConfig::default()
    };
    let store = Store::open(&t.url).await.expect("open");
    match Service::new(store, config, t.clock.clone()).await {
        Err(Error::Invalid(m)) => assert!(m.contains("missing.txt"), "{m}"),
        other => panic!(
            "a missing blocklist_file was accepted: {:?}",
            other.map(|_| ())
        ),
    }
    s.store().close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organisation_words_refuse_passwords_and_reload() {
    let t = common::sqlite().await;
    scenario(&t).await;
    t.cleanup().await;
    if let Some(t) = common::postgres().await {
        scenario(&t).await;
        t.cleanup().await;
    }
}
