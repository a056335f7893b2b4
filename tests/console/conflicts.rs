//! A save in the console made on an old read reports the conflict instead
//! of replacing a change made meanwhile elsewhere.

use super::harness::on_both_backends;
use crossterm::event::KeyCode;
use keyward::domain::{Kind, Password};
use keyward::tui::app::Screen;
use keyward::tui::popups::Popup;

const USER_PW: &str = "violet kettle harbour quince";

on_both_backends!(a_password_set_meanwhile_is_not_replaced, 100, 30, |h| {
    h.setup_admin().await;
    h.add_user("anna.b", Kind::Staff, false, Some(USER_PW))
        .await;
    h.key(KeyCode::Char('R')).await;
    h.key(KeyCode::Char('g')).await;
    // The dialog opens on a read of anna.b ...
    h.key(KeyCode::Char('p')).await;
    // ... while the command line sets her password.
    let cli_pw = "amber lantern orchard skyline";
    let admin = h.admin().await;
    h.service
        .set_password(&admin, "anna.b", &Password::from(cli_pw), false)
        .await
        .expect("set from the command line");
    let console_pw = "cobalt meadow tandem whistle";
    h.text(console_pw).await;
    h.key(KeyCode::Tab).await;
    h.text(console_pw).await;
    h.ctrl('s').await;
    let Screen::Main(m) = &h.app.screen else {
        panic!("signed out");
    };
    assert!(
        matches!(m.popups.last(), Some(Popup::Password(_))),
        "the dialog stays open with the conflict"
    );
    assert!(
        h.screen().contains("someone else changed this user"),
        "{}",
        h.screen()
    );
    let kept = h
        .service
        .authenticate("anna.b", &Password::from(cli_pw), "test")
        .await
        .unwrap();
    assert!(kept.is_ok(), "the password set meanwhile stands: {kept:?}");
});
