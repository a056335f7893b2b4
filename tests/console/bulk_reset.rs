//! The bulk-reset dialog ("Reset Passwords"): scope and count, confirmation
//! with the admin's password and the typed count, the reset, and a cancel
//! that leaves every password as it was.

use super::harness::{ADMIN_PW, Harness, on_both_backends};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use keyward::domain::{AuthOutcome, Kind, Password};
use keyward::tui::effect::Event;

const OLD: &str = "violet kettle harbour quince";
const SHARED: &str = "shared spring passphrase twenty";

async fn with_users(mut h: Harness) -> Harness {
    h.setup_admin().await;
    for login in ["amy.staff", "ben.staff", "cid.staff"] {
        h.add_user(login, Kind::Staff, false, Some(OLD)).await;
    }
    h.add_user("pia.portal", Kind::Portal, false, Some(OLD))
        .await;
    h
}

/// Opens the dialog and types the shared password twice, then Ctrl-S.
async fn to_confirm(h: &mut Harness) {
    h.key(KeyCode::Char('B')).await;
    assert!(
        h.screen().contains("3 staff accounts will change"),
        "{}",
        h.screen()
    );
    h.fields(&[SHARED, SHARED]).await;
    h.ctrl('s').await;
    assert!(h.screen().contains("Type the count"), "{}", h.screen());
}

on_both_backends!(reset_every_staff_user_from_the_console, 120, 34, |h| {
    let mut h = with_users(h).await;
    to_confirm(&mut h).await;
    // The wrong count is refused, nothing changes.
    h.fields(&[ADMIN_PW, "4"]).await;
    h.key(KeyCode::Enter).await;
    assert!(h.screen().contains("Type 3"), "{}", h.screen());
    // Wrong own password: refused inside the dialog, nothing changes.
    h.key(KeyCode::Esc).await;
    h.ctrl('s').await;
    h.fields(&["not my password", "3"]).await;
    h.key(KeyCode::Enter).await;
    assert!(h.screen().contains("nothing was changed"), "{}", h.screen());
    assert_eq!(
        h.service
            .authenticate("amy.staff", &Password::from(OLD), "t")
            .await
            .unwrap(),
        AuthOutcome::Ok
    );
    // Right password and count: everyone in scope is reset.
    h.ctrl('s').await;
    h.fields(&[ADMIN_PW, "3"]).await;
    h.key(KeyCode::Enter).await;
    assert!(h.screen().contains("reset 3 passwords"), "{}", h.screen());
    for login in ["amy.staff", "ben.staff", "cid.staff"] {
        let o = h
            .service
            .authenticate(login, &Password::from(SHARED), "t")
            .await
            .unwrap();
        assert!(
            matches!(o, AuthOutcome::OkMustChange { .. }),
            "{login}: {o:?}"
        );
    }
    // Portal users and the acting admin keep their passwords.
    assert_eq!(
        h.service
            .authenticate("pia.portal", &Password::from(OLD), "t")
            .await
            .unwrap(),
        AuthOutcome::Ok
    );
    assert_eq!(
        h.service
            .authenticate("root1", &Password::from(ADMIN_PW), "t")
            .await
            .unwrap(),
        AuthOutcome::Ok
    );
    h.key(KeyCode::Enter).await;
    assert!(!h.screen().contains("Reset passwords"));
});

on_both_backends!(cancelling_leaves_every_password_as_it_was, 120, 34, |h| {
    let mut h = with_users(h).await;
    to_confirm(&mut h).await;
    h.fields(&[ADMIN_PW, "3"]).await;
    // Press Enter: the dialog shows the gauge while the reset runs. Esc on
    // the gauge cancels before the commit (the reset here runs after it).
    let effects = h.app.update(
        Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        h.now,
    );
    assert!(
        h.screen().contains("Resetting in one transaction"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Esc).await;
    assert!(h.screen().contains("Cancelling"), "{}", h.screen());
    h.run(effects).await;
    assert!(h.screen().contains("Cancelled"), "{}", h.screen());
    for login in ["amy.staff", "ben.staff", "cid.staff"] {
        assert_eq!(
            h.service
                .authenticate(login, &Password::from(OLD), "t")
                .await
                .unwrap(),
            AuthOutcome::Ok,
            "{login}"
        );
    }
});

// ---------------------------------------------------------------------------
// The second mode: a reset link mailed to each user in scope.

use super::fsm::Fsm;
use keyward::tui::effect::{Call, Reply};

/// Opens the dialog on a fresh console state machine, answers the shared
/// mode's count, and moves to the mode field (the last one).
fn fsm_to_mode() -> Fsm {
    let mut f = Fsm::signed_in(120, 34);
    f.answer_users(super::fsm::page(0, 5, 5));
    let (id, _) = f.call(|c| matches!(c, Call::FormChoices));
    f.reply(id, Reply::FormChoices(Ok(Default::default())));
    f.key(KeyCode::Char('B'));
    let (id, _) = f.call(|c| matches!(c, Call::BulkCount { .. }));
    f.reply(id, Reply::Count(Ok(7)));
    assert!(
        f.screen().contains("7 staff accounts will change"),
        "{}",
        f.screen()
    );
    for _ in 0..5 {
        f.key(KeyCode::Tab);
    }
    f
}

#[test]
fn link_mode_counts_confirms_and_reports_links() {
    let mut f = fsm_to_mode();
    f.key(KeyCode::Char(' '));
    // The scope is counted again, in the new mode.
    let (id, call) = f.call(|c| matches!(c, Call::BulkLinksCount { .. }));
    let Call::BulkLinksCount { request } = call else {
        unreachable!()
    };
    assert_eq!(request.role, None);
    assert!(
        f.screen().contains("a reset link mailed to each user"),
        "{}",
        f.screen()
    );
    f.reply(id, Reply::Count(Ok(7)));
    assert!(
        f.screen().contains("7 reset links will be mailed"),
        "{}",
        f.screen()
    );
    // No password is asked for: Tab skips the password fields to the role.
    assert!(
        f.screen().contains("none: each user chooses one"),
        "{}",
        f.screen()
    );
    f.key(KeyCode::Tab);
    f.key(KeyCode::Char(' '));
    let (id, call) = f.call(|c| matches!(c, Call::BulkLinksCount { .. }));
    let Call::BulkLinksCount { request } = call else {
        unreachable!()
    };
    assert_eq!(request.role, Some(keyward::domain::Role::User));
    f.reply(id, Reply::Count(Ok(7)));
    // Straight to the confirmation, which says how many links go out.
    f.ctrl('s');
    let screen = f.screen();
    assert!(screen.contains("7 reset links will be mailed."), "{screen}");
    assert!(screen.contains("nobody is given a password"), "{screen}");
    assert!(screen.contains("Type the count"), "{screen}");
    f.text("correct horse battery staple");
    f.key(KeyCode::Tab);
    f.text("7");
    f.key(KeyCode::Enter);
    let (id, call) = f.call(|c| matches!(c, Call::BulkResetLinks { .. }));
    let Call::BulkResetLinks { request, .. } = call else {
        unreachable!()
    };
    assert_eq!(request.confirmed_count, Some(7));
    assert!(
        f.screen().contains("Writing the links in one transaction"),
        "{}",
        f.screen()
    );
    f.event(keyward::tui::effect::Event::Progress {
        id,
        done: 3,
        total: 7,
    });
    assert!(f.screen().contains("3/7"), "{}", f.screen());
    f.reply(
        id,
        Reply::Done(Ok("7 reset links queued, one per user".into())),
    );
    assert!(
        f.screen().contains("7 reset links queued"),
        "{}",
        f.screen()
    );
    assert_eq!(f.count(|c| matches!(c, Call::BulkReset { .. })), 0);
}

#[test]
fn link_mode_refused_without_a_public_url_stays_put() {
    let mut f = fsm_to_mode();
    f.key(KeyCode::Char(' '));
    let (id, _) = f.call(|c| matches!(c, Call::BulkLinksCount { .. }));
    f.reply(
        id,
        Reply::Count(Err(keyward::Error::Invalid(
            keyward::service::NEEDS_PUBLIC_URL.into(),
        ))),
    );
    let screen = f.screen();
    assert!(screen.contains("public_url"), "{screen}");
    assert!(screen.contains("not counted"), "{screen}");
    // Saving does not go on to the confirmation, and the reason stays.
    f.ctrl('s');
    let screen = f.screen();
    assert!(!screen.contains("Type the count"), "{screen}");
    assert!(screen.contains("public_url"), "{screen}");
    // Back to one shared password: counted as before.
    f.key(KeyCode::Char(' '));
    let (id, _) = f.call(|c| matches!(c, Call::BulkCount { .. }));
    f.reply(id, Reply::Count(Ok(7)));
    assert!(
        f.screen().contains("7 staff accounts will change"),
        "{}",
        f.screen()
    );
}

on_both_backends!(reset_by_link_from_the_console, 120, 34, |h| {
    let mut h = with_users(h).await;
    h.service = h
        .service
        .clone()
        .with_links_base(Some("https://accounts.example.org"));
    h.key(KeyCode::Char('B')).await;
    for _ in 0..5 {
        h.key(KeyCode::Tab).await;
    }
    h.key(KeyCode::Char(' ')).await;
    assert!(
        h.screen().contains("3 reset links will be mailed"),
        "{}",
        h.screen()
    );
    h.ctrl('s').await;
    h.fields(&[ADMIN_PW, "3"]).await;
    h.key(KeyCode::Enter).await;
    assert!(
        h.screen().contains("3 reset links queued"),
        "{}",
        h.screen()
    );
    let mut logins: Vec<String> = h
        .service
        .store()
        .pending_links(None, chrono::Utc::now(), 100)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.login)
        .collect();
    logins.sort();
    assert_eq!(logins, ["amy.staff", "ben.staff", "cid.staff"]);
    // Nobody was given a password.
    assert_eq!(
        h.service
            .authenticate("amy.staff", &Password::from(OLD), "t")
            .await
            .unwrap(),
        AuthOutcome::Ok
    );
});
