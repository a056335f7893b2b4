//! Rendering tests: the screens drawn on ratatui's TestBackend in the
//! monochrome theme, compared with insta snapshots (tests/console/snapshots).
//! Timestamps are replaced by a placeholder; lock countdowns are drawn at a
//! fixed distance from the lock's end.

use super::harness::{ADMIN_PW, Harness, scrub_times};
use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::KeyCode;
use keyward::domain::Kind;
use keyward::tui::app::Screen;
use keyward::tui::popups::Popup;

/// The fixed time the service's clock stands at.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, 2, 9, 30, 0).unwrap()
}

async fn console() -> Harness {
    Harness::at(100, 30, t0()).await
}

/// root1 plus one user for each status badge, listed (sorted by login:
/// dora.disabled, lena.locked, mike.mustchange, pia.portal, root1) with the
/// first row selected.
async fn with_users() -> Harness {
    let mut h = console().await;
    h.setup_admin().await;
    let pw = Some("violet kettle harbour quince");
    h.add_user("lena.locked", Kind::Staff, false, pw).await;
    h.add_user("dora.disabled", Kind::Staff, false, pw).await;
    h.add_user("mike.mustchange", Kind::Staff, true, pw).await;
    h.add_user("pia.portal", Kind::Portal, false, pw).await;
    let admin = h.admin().await;
    h.service
        .set_disabled(&admin, "dora.disabled", true)
        .await
        .expect("disable");
    h.lock_out("lena.locked").await;
    h.key(KeyCode::Char('R')).await;
    h.key(KeyCode::Char('g')).await;
    h
}

#[tokio::test]
async fn first_run_screen() {
    let mut h = console().await;
    insta::assert_snapshot!("first_run_empty", h.screen());
    h.draws_at_any_size();
    h.fields(&["root1", "Root One", "root@example.org", "short"])
        .await;
    insta::assert_snapshot!("first_run_short_password", h.screen());
    // Ctrl-S refuses while a rule is broken, and says why.
    h.ctrl('s').await;
    assert!(matches!(h.app.screen, Screen::Setup(_)));
    insta::assert_snapshot!("first_run_refused", h.screen());
    h.draws_at_any_size();
}

#[tokio::test]
async fn sign_in_screen() {
    let mut h = console().await;
    h.setup_admin().await;
    h.restart().await;
    assert!(matches!(h.app.screen, Screen::SignIn(_)), "{}", h.screen());
    insta::assert_snapshot!("sign_in", h.screen());
    h.draws_at_any_size();
    h.fields(&["root1", "not the password"]).await;
    h.key(KeyCode::Enter).await;
    insta::assert_snapshot!("sign_in_refused", h.screen());
    h.key(KeyCode::BackTab).await;
    h.key(KeyCode::Tab).await;
    h.text(ADMIN_PW).await;
    h.key(KeyCode::Enter).await;
    assert!(matches!(h.app.screen, Screen::Main(_)), "{}", h.screen());
}

#[tokio::test]
async fn users_table_with_every_badge() {
    let mut h = with_users().await;
    // A tick counts the listing (row 1 of 5).
    h.wait_ms(0).await;
    let screen = h.screen_scrubbed();
    assert!(screen.contains("row 1 of 5"), "{screen}");
    for badge in ["LOCKED 15m 0s", "disabled", "must-change", "portal", "ok"] {
        assert!(screen.contains(badge), "{badge}:\n{screen}");
    }
    insta::assert_snapshot!("users_table", screen);
    h.draws_at_any_size();
    // Wide enough for the email column.
    h.app
        .update(keyward::tui::effect::Event::Resize(130, 30), h.now);
    insta::assert_snapshot!("users_table_wide", h.screen_scrubbed());
    h.draws_at_any_size();
}

#[tokio::test]
async fn user_detail_view() {
    let mut h = with_users().await;
    h.key(KeyCode::Char('j')).await;
    h.key(KeyCode::Enter).await;
    let screen = h.screen_scrubbed();
    assert!(screen.contains("Users › lena.locked"), "{screen}");
    insta::assert_snapshot!("user_detail_locked", screen);
    h.draws_at_any_size();
}

#[tokio::test]
async fn set_password_dialog() {
    let mut h = with_users().await;
    // mike.mustchange
    h.key(KeyCode::Char('j')).await;
    h.key(KeyCode::Char('j')).await;
    h.key(KeyCode::Char('p')).await;
    h.text("short").await;
    insta::assert_snapshot!("set_password_broken_rules", h.screen_scrubbed());
    h.draws_at_any_size();
    h.ctrl('s').await;
    insta::assert_snapshot!("set_password_refused", h.screen_scrubbed());
    for _ in 0..5 {
        h.key(KeyCode::Backspace).await;
    }
    h.text("amber lantern drifts over quiet meadows").await;
    h.key(KeyCode::Tab).await;
    h.text("amber lantern drifts over quiet meadows").await;
    insta::assert_snapshot!("set_password_all_rules_met", h.screen_scrubbed());
    h.draws_at_any_size();
}

/// The live checklist names the blocked word a password amounts to.
#[tokio::test]
async fn set_password_names_a_blocked_word() {
    let mut h = with_users().await;
    h.key(KeyCode::Char('j')).await;
    h.key(KeyCode::Char('j')).await;
    h.key(KeyCode::Char('p')).await;
    h.text("password123456789").await;
    let screen = h.screen_scrubbed();
    assert!(
        screen.contains("✗ contains a blocked word (password)"),
        "{screen}"
    );
    assert!(!screen.contains("123456789"), "the rest is never shown");
}

#[tokio::test]
async fn help_overlay() {
    let mut h = with_users().await;
    h.key(KeyCode::Char('?')).await;
    let screen = h.screen_scrubbed();
    assert!(screen.contains("Keys"), "{screen}");
    insta::assert_snapshot!("help_users", screen);
    h.draws_at_any_size();
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('?')).await;
    insta::assert_snapshot!("help_detail", h.screen_scrubbed());
}

/// Someone else deletes the user shown in the detail view; the refresh
/// answers "not found", shown as a dismissible message over the list.
#[tokio::test]
async fn error_message() {
    let mut h = with_users().await;
    h.key(KeyCode::Char('j')).await;
    h.key(KeyCode::Char('j')).await;
    h.key(KeyCode::Char('j')).await;
    h.key(KeyCode::Enter).await;
    let admin = h.admin().await;
    h.service
        .delete_user(&admin, "pia.portal")
        .await
        .expect("delete");
    h.key(KeyCode::Char('R')).await;
    let Screen::Main(m) = &h.app.screen else {
        panic!("signed in")
    };
    assert!(
        matches!(m.popups.last(), Some(Popup::Message(_))),
        "{:?}",
        m.popups
    );
    assert!(m.detail.is_none(), "back to the list");
    let screen = h.screen_scrubbed();
    assert!(screen.contains("Something went wrong"), "{screen}");
    insta::assert_snapshot!("error_message", screen);
    h.draws_at_any_size();
    h.key(KeyCode::Enter).await;
    let Screen::Main(m) = &h.app.screen else {
        panic!("signed in")
    };
    assert!(m.popups.is_empty());
}

#[tokio::test]
async fn too_small() {
    let mut h = Harness::at(60, 20, t0()).await;
    insta::assert_snapshot!("too_small_60x20", h.screen());
    h.app.size = (1, 1);
    insta::assert_snapshot!("too_small_1x1", h.screen());
    h.app.size = (100, 30);
    h.setup_admin().await;
    h.app
        .update(keyward::tui::effect::Event::Resize(79, 30), h.now);
    insta::assert_snapshot!("too_small_79x30", scrub_times(&h.screen()));
}

#[tokio::test]
async fn idle_lock_screen() {
    let mut h = with_users().await;
    h.wait_ms(301 * 60 * 1000).await;
    assert!(matches!(h.app.screen, Screen::SignIn(_)));
    insta::assert_snapshot!("idle_lock", h.screen());
    h.draws_at_any_size();
}

#[test]
fn timestamps_are_scrubbed() {
    assert_eq!(
        scrub_times(
            "│ 2025-06-02 09:30 │ set 2025-06-02 09:30:59 UTC / 1999-12-31 23:59:01, 2025-06-02"
        ),
        "│ YYYY-MM-DD hh:mm │ set YYYY-MM-DD hh:mm:ss UTC / YYYY-MM-DD hh:mm:ss, 2025-06-02"
    );
}

#[tokio::test]
async fn bulk_reset_dialog() {
    let mut h = with_users().await;
    h.key(KeyCode::Char('B')).await;
    h.fields(&["short", "short"]).await;
    insta::assert_snapshot!("bulk_reset_edit", h.screen_scrubbed());
    h.key(KeyCode::Esc).await;
    h.text("y").await;
    h.key(KeyCode::Char('B')).await;
    h.fields(&[
        "shared spring passphrase twenty",
        "shared spring passphrase twenty",
    ])
    .await;
    h.ctrl('s').await;
    insta::assert_snapshot!("bulk_reset_confirm", h.screen_scrubbed());
    h.draws_at_any_size();
}

#[tokio::test]
async fn policies_pane_and_form() {
    let mut h = Harness::at(110, 36, t0()).await;
    h.setup_admin().await;
    h.key(KeyCode::Char('3')).await;
    h.wait_ms(100).await;
    insta::assert_snapshot!("policies_pane", h.screen_scrubbed());
    h.key(KeyCode::Enter).await;
    insta::assert_snapshot!("policy_form", h.screen_scrubbed());
    h.key(KeyCode::Backspace).await;
    h.text("8").await;
    h.ctrl('s').await;
    insta::assert_snapshot!("policy_review", h.screen_scrubbed());
    h.draws_at_any_size();
}

#[tokio::test]
async fn lockouts_audit_and_resources_panes() {
    let mut h = with_users().await;
    h.key(KeyCode::Char('4')).await;
    h.wait_ms(100).await;
    insta::assert_snapshot!("lockouts_pane", h.screen_scrubbed());
    h.key(KeyCode::Char('5')).await;
    h.wait_ms(100).await;
    insta::assert_snapshot!("audit_pane", h.screen_scrubbed());
    let admin = h.admin().await;
    h.service
        .add_resource(&admin, "Mobile app", "Field staff app")
        .await
        .expect("resource");
    h.service
        .grant(
            &admin,
            "Mobile app",
            "lena.locked",
            keyward::domain::AccessLevel::Manage,
        )
        .await
        .expect("grant");
    h.key(KeyCode::Char('2')).await;
    h.wait_ms(100).await;
    insta::assert_snapshot!("resources_pane", h.screen_scrubbed());
    h.key(KeyCode::Enter).await;
    insta::assert_snapshot!("resource_access", h.screen_scrubbed());
    h.draws_at_any_size();
}
