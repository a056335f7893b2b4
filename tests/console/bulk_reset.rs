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
