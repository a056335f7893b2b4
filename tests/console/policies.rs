//! The Policies pane: the form refuses invalid values as typed; saving shows
//! each change, asks for the admin's password, and with enforce-on-change
//! makes older passwords change at the next sign-in.

use super::harness::ADMIN_PW;
use super::harness::on_both_backends;
use crossterm::event::KeyCode;
use keyward::domain::outcome::MustChangeReason;
use keyward::domain::{AuthOutcome, Kind, Password};

const OLD: &str = "violet kettle harbour quince";

on_both_backends!(change_min_length_with_enforce_on_change, 120, 40, |h| {
    h.setup_admin().await;
    h.add_user("amy.staff", Kind::Staff, false, Some(OLD)).await;
    h.key(KeyCode::Char('3')).await;
    h.wait_ms(100).await;
    let screen = h.screen();
    assert!(
        screen.contains("default") && screen.contains("portal"),
        "{screen}"
    );
    h.key(KeyCode::Enter).await;
    assert!(
        h.screen().contains("min_length") && h.screen().contains("lockout_threshold"),
        "{}",
        h.screen()
    );
    // min_length is the first key: an invalid value is refused as typed.
    h.key(KeyCode::Backspace).await;
    h.key(KeyCode::Backspace).await;
    h.text("abc").await;
    assert!(
        h.screen()
            .contains("min_length must be a whole number from 1 to 256"),
        "{}",
        h.screen()
    );
    h.ctrl('s').await;
    assert!(h.screen().contains("Not yet"), "{}", h.screen());
    for _ in 0..3 {
        h.key(KeyCode::Backspace).await;
    }
    h.text("16").await;
    h.ctrl('s').await;
    let screen = h.screen();
    assert!(
        screen.contains("min_length: 15 -> 16") && screen.contains("governs 2 users"),
        "{screen}"
    );
    // Enforce on, the admin's own password, save.
    h.key(KeyCode::Tab).await;
    h.text(ADMIN_PW).await;
    h.key(KeyCode::Enter).await;
    assert!(
        h.screen().contains("policy default is now version 2"),
        "{}",
        h.screen()
    );
    let o = h
        .service
        .authenticate("amy.staff", &Password::from(OLD), "t")
        .await
        .unwrap();
    assert_eq!(
        o,
        AuthOutcome::OkMustChange {
            reason: MustChangeReason::PolicyChanged
        }
    );
});

on_both_backends!(a_wrong_admin_password_saves_nothing, 120, 40, |h| {
    h.setup_admin().await;
    h.key(KeyCode::Char('3')).await;
    h.wait_ms(100).await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Backspace).await;
    h.text("8").await;
    h.ctrl('s').await;
    h.text("not my password").await;
    h.key(KeyCode::Enter).await;
    assert!(h.screen().contains("nothing was changed"), "{}", h.screen());
    let admin = h.admin().await;
    assert_eq!(
        h.service
            .get_policy(&admin, "default")
            .await
            .unwrap()
            .version,
        1
    );
});
