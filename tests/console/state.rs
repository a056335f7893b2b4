//! State tests: key sequences into the app, checked against the resulting
//! state, the screen and the database.

use super::harness::{ADMIN_PW, Harness};
use crossterm::event::KeyCode;
use keyward::tui::app::Screen;

#[tokio::test]
async fn first_run_creates_the_admin_and_signs_in() {
    let mut h = Harness::new(120, 32).await;
    assert!(
        matches!(h.app.screen, Screen::Setup(_)),
        "first run on an empty database"
    );
    h.setup_admin().await;
    assert!(matches!(h.app.screen, Screen::Main(_)), "{}", h.screen());
    let screen = h.screen();
    assert!(screen.contains("root1 (global admin)"), "{screen}");
    assert!(screen.contains("▶ root1"), "{screen}");
}

#[tokio::test]
async fn new_user_form_creates_a_user() {
    let mut h = Harness::new(120, 32).await;
    h.setup_admin().await;
    h.key(KeyCode::Char('n')).await;
    h.fields(&["anna.b", "Anna Bell", "anna@example.org"]).await;
    for _ in 0..4 {
        h.key(KeyCode::Tab).await;
    }
    h.text("violet kettle harbour quince").await;
    h.key(KeyCode::Tab).await;
    h.text("violet kettle harbour quince").await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Enter).await;
    let screen = h.screen();
    assert!(screen.contains("created anna.b"), "{screen}");
    assert!(screen.contains("anna.b"), "{screen}");
    let u = h
        .service
        .store()
        .user_by_login("anna.b")
        .await
        .unwrap()
        .expect("created");
    assert!(u.must_change_password, "must-change defaults on");
    let _ = ADMIN_PW;
}
