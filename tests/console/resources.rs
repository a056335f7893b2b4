//! The Resources pane: create, open who has access, grant with the picker,
//! change a level, revoke, rename and delete.

use super::harness::on_both_backends;
use crossterm::event::KeyCode;
use keyward::domain::{AccessLevel, Kind};

on_both_backends!(manage_a_resource_from_the_console, 120, 36, |h| {
    h.setup_admin().await;
    for login in ["amy.one", "ben.two", "cid.three"] {
        h.add_user(login, Kind::Staff, false, None).await;
    }
    h.key(KeyCode::Char('2')).await;
    h.wait_ms(100).await;
    assert!(h.screen().contains("No resources yet"), "{}", h.screen());
    // Create.
    h.key(KeyCode::Char('n')).await;
    h.fields(&["Mobile app", "Field staff app"]).await;
    h.ctrl('s').await;
    h.wait_ms(100).await;
    assert!(
        h.screen().contains("Mobile app") && h.screen().contains("Field staff app"),
        "{}",
        h.screen()
    );
    // Open: nobody has access; grant two users picked by search and marks.
    h.key(KeyCode::Enter).await;
    assert!(h.screen().contains("Nobody has access"), "{}", h.screen());
    h.key(KeyCode::Char('a')).await;
    h.text("amy").await;
    assert!(
        h.screen().contains("amy.one") && !h.screen().contains("ben.two"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Char(' ')).await;
    for _ in 0..3 {
        h.key(KeyCode::Backspace).await;
    }
    h.text("ben").await;
    h.key(KeyCode::Char(' ')).await;
    h.key(KeyCode::Enter).await;
    let screen = h.screen();
    assert!(
        screen.contains("granted 2 users standard access"),
        "{screen}"
    );
    assert!(
        screen.contains("amy.one") && screen.contains("ben.two") && screen.contains("standard"),
        "{screen}"
    );
    // Change the selected user's level, then revoke (Cancel is focused: Tab, Enter).
    h.key(KeyCode::Char('l')).await;
    assert!(h.screen().contains("manage"), "{}", h.screen());
    h.key(KeyCode::Char('x')).await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Enter).await;
    assert!(h.screen().contains("(1 users)"), "{}", h.screen());
    let admin = h.admin().await;
    let d = h.service.get_user(&admin, "amy.one").await.unwrap();
    assert!(d.resources.is_empty(), "amy.one was revoked");
    // Back, rename, delete (names how many lose access).
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('e')).await;
    for _ in 0.."Mobile app".len() {
        h.key(KeyCode::Backspace).await;
    }
    h.text("Field app").await;
    h.ctrl('s').await;
    h.wait_ms(100).await;
    assert!(h.screen().contains("Field app"), "{}", h.screen());
    h.key(KeyCode::Char('D')).await;
    assert!(h.screen().contains("1 users lose access"), "{}", h.screen());
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Enter).await;
    h.wait_ms(100).await;
    assert!(h.screen().contains("No resources yet"), "{}", h.screen());
    h.draws_at_any_size();
});

on_both_backends!(
    a_resource_typed_in_the_palette_that_does_not_exist,
    120,
    36,
    |h| {
        h.setup_admin().await;
        h.add_user("amy.one", Kind::Staff, false, None).await;
        h.key(KeyCode::Char(':')).await;
        h.text("resource Mobil app").await;
        h.key(KeyCode::Enter).await;
        h.wait_ms(100).await;
        let screen = h.screen();
        // Named as a typing slip, not as something deleted meanwhile.
        assert!(
            screen.contains("No resource is named \"Mobil app\"") && !screen.contains("meanwhile"),
            "{screen}"
        );
        // The filter is dropped: the list shows everyone, and the next key works.
        h.key(KeyCode::Enter).await;
        h.wait_ms(100).await;
        let screen = h.screen();
        assert!(screen.contains("amy.one"), "{screen}");
        assert!(!screen.contains("Mobil app"), "{screen}");
        h.key(KeyCode::Char('R')).await;
        h.wait_ms(100).await;
        assert!(!h.screen().contains("No resource"), "{}", h.screen());
    }
);

on_both_backends!(u_lists_a_resources_users_in_the_users_pane, 120, 36, |h| {
    h.setup_admin().await;
    for login in ["amy.one", "ben.two", "cid.three"] {
        h.add_user(login, Kind::Staff, false, None).await;
    }
    let admin = h.admin().await;
    h.service
        .add_resource(&admin, "Mobile app", "")
        .await
        .unwrap();
    for login in ["amy.one", "ben.two"] {
        h.service
            .grant(&admin, "Mobile app", login, AccessLevel::Read)
            .await
            .unwrap();
    }
    // A search typed before is dropped: it would hide some of them.
    h.text("/cid").await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Char('2')).await;
    h.wait_ms(100).await;
    h.key(KeyCode::Enter).await;
    h.wait_ms(100).await;
    h.key(KeyCode::Char('u')).await;
    h.wait_ms(100).await;
    let screen = h.screen();
    assert!(screen.contains("resource: Mobile app"), "{screen}");
    assert!(
        screen.contains("amy.one") && screen.contains("ben.two") && !screen.contains("cid.three"),
        "{screen}"
    );
    // From the Resources list too, for the selected resource.
    h.key(KeyCode::Char('2')).await;
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('u')).await;
    h.wait_ms(100).await;
    assert!(
        h.screen().contains("resource: Mobile app"),
        "{}",
        h.screen()
    );
});
