//! `blocklist_file`: the organisation's words refuse passwords as the
//! built-in list does, also with digits, symbols or look-alikes around
//! them, with the word named in the checklist; the file is read again when
//! it changes, and its problems are said plainly. The list is the
//! process's (as the built-in one is), so the tests of this binary take
//! turns ([`ONE_AT_A_TIME`]). The command line follows the file too (the
//! last test); several `keyward serve` processes on one file:
//! tests/serve/words.rs.

mod common;

use keyward::domain::{Kind, Password, Role};
use keyward::error::Error;
use keyward::service::{PasswordCheck, Service, ServiceConfig};
use keyward::store::Store;
use std::path::Path;

const PW: &str = "violet kettle harbour quince";

/// The organisation's list is one per process: one test at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn reason(s: &PasswordCheck) -> Option<String> {
    s.rules
        .iter()
        .find(|r| r.rule == "reject_common" && !r.met)
        .map(|r| r.message.clone())
}

/// A service on `t`'s database reading `file`.
async fn service_with(t: &common::TestDb, file: &Path) -> keyward::error::Result<Service> {
    let config = ServiceConfig {
        blocklist_file: Some(file.to_path_buf()),
        ..ServiceConfig::default()
    };
    let store = Store::open(&t.url).await.expect("open");
    Service::new(store, config, t.clock.clone()).await
}

both_backends!(organisation_words_refuse_passwords_and_reload, |t| {
    let _turn = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("words.txt");
    std::fs::write(&path, "# Our names\nAcme\nwidgetron\n").expect("write");
    let admin = t.admin().await;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    let s = service_with(&t, &path).await.expect("service");

    // The reason is in the checklist, and the change is refused with it.
    let check = s
        .password_checklist(&admin, "anna.b", &Password::from("widgetron2025!!!!"))
        .await
        .expect("checklist");
    assert_eq!(
        reason(&check).as_deref(),
        Some("contains a blocked word (widgetron)")
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
        Err(Error::Policy(broken)) => assert!(
            broken.iter().any(|b| b == "contains a blocked word (acme)"),
            "{broken:?}"
        ),
        other => panic!("an organisation word was accepted: {other:?}"),
    }
    // Look-alikes and a few letters beside it count as the word.
    let check = s
        .password_checklist(&admin, "anna.b", &Password::from("my-4cm3-4cm3-2025"))
        .await
        .expect("checklist");
    assert_eq!(
        reason(&check).as_deref(),
        Some("contains a blocked word (acme)")
    );
    // The built-in list's words with digits added count as the word.
    let check = s
        .password_checklist(&admin, "anna.b", &Password::from("password123456789"))
        .await
        .expect("checklist");
    assert_eq!(
        reason(&check).as_deref(),
        Some("contains a blocked word (password)")
    );
    // A passphrase that holds the word among words of its own passes.
    let check = s
        .password_checklist(
            &admin,
            "anna.b",
            &Password::from("acme sells violet kettles"),
        )
        .await
        .expect("checklist");
    assert_eq!(reason(&check), None);

    // The file changes: the very next check reads it (no wait for the
    // background look).
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
        .check_password_for(
            Some("anna.b"),
            Kind::Staff,
            &Password::from("2025zephyrcorp!!"),
        )
        .await
        .expect("public check");
    assert!(!check.acceptable);
    assert!(
        check
            .rules
            .iter()
            .any(|r| r.message == "contains a blocked word (zephyrcorp)" && !r.met),
        "{:?}",
        check.rules
    );
    assert_eq!(s.blocklist_problem(), None);
    s.store().close().await;
});

both_backends!(a_file_that_cannot_be_read_is_named_with_what_to_do, |t| {
    let _turn = ONE_AT_A_TIME.lock().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let admin = t.admin().await;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;

    // At start: the service does not start.
    let missing = dir.path().join("missing.txt");
    match service_with(&t, &missing).await {
        Err(Error::Invalid(m)) => assert!(
            m.contains("missing.txt does not exist: create it (one word per line)"),
            "{m}"
        ),
        other => panic!(
            "a missing blocklist_file was accepted: {:?}",
            other.map(|_| ())
        ),
    }
    assert!(keyward::service::check_blocklist_file(&missing).is_err());

    // Later: the last list is kept, and the problem is reported until the
    // file is back.
    let path = dir.path().join("words.txt");
    std::fs::write(&path, "zephyrcorp\n").expect("write");
    assert_eq!(keyward::service::check_blocklist_file(&path), Ok(1));
    let s = service_with(&t, &path).await.expect("service");
    std::fs::remove_file(&path).expect("remove");
    let check = s
        .password_checklist(&admin, "anna.b", &Password::from("2025zephyrcorp!!"))
        .await
        .expect("checklist");
    assert!(reason(&check).is_some(), "the last list is kept");
    let problem = s.blocklist_problem().expect("a problem");
    assert!(problem.contains("words.txt does not exist"), "{problem}");
    std::fs::write(&path, "zephyrcorp\nquillhaven\n").expect("restore");
    assert_eq!(s.blocklist_problem(), None);
    let check = s
        .password_checklist(&admin, "anna.b", &Password::from("quillhaven!!2025"))
        .await
        .expect("checklist");
    assert_eq!(
        reason(&check).as_deref(),
        Some("contains a blocked word (quillhaven)")
    );
    s.store().close().await;
});

// The command line reads the file at each command: a change needs nothing
// more (another process than this test's, so not one at a time).
both_backends!(the_command_line_follows_the_file, |t| {
    let cli = common::cli::Cli::new(&t);
    cli.init_and_login();
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "blocklist_file = \"words.txt\"\n").expect("config");
    let words = dir.path().join("words.txt");
    std::fs::write(&words, "Acme\n").expect("words");
    let config = config.to_str().expect("a UTF-8 path");
    cli.ok(
        &[
            "--config",
            config,
            "user",
            "add",
            "anna.b",
            "--name",
            "Anna B",
            "--email",
            "anna@example.org",
            "--password-stdin",
        ],
        &format!("{PW}\n"),
    );
    let set = [
        "--config",
        config,
        "user",
        "set-password",
        "anna.b",
        "--password-stdin",
    ];
    let said = cli.fails(&set, b"acme-acme-2025-!!!!\n", 3);
    assert!(said.contains("contains a blocked word (acme)"), "{said}");
    std::fs::write(&words, "zephyrcorp\n").expect("rewrite");
    cli.ok(&set, "acme-acme-2025-!!!!\n");
    let said = cli.fails(&set, b"zephyrcorp-2025-!!!!\n", 3);
    assert!(
        said.contains("contains a blocked word (zephyrcorp)"),
        "{said}"
    );
});
