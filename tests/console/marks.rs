//! Marks in the Users pane (fault 4): unlock, disable, enable and
//! temporary passwords act on every marked user, name how many, and
//! confirm; temporary passwords warn about shared logins first.

use super::fsm::{Fsm, page};
use crossterm::event::KeyCode;
use keyward::crypto::tokens::Shown;
use keyward::tui::effect::{Call, Reply, Secrets};
use keyward::tui::popups::Popup;
use zeroize::Zeroizing;

/// Signed in with five users listed; the first three marked.
fn three_marked() -> Fsm {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 5, 5));
    for _ in 0..3 {
        f.key(KeyCode::Char(' '));
    }
    assert!(f.screen().contains("3 marked"), "{}", f.screen());
    f
}

fn confirm_text(f: &Fsm) -> String {
    match f.main().popups.last() {
        Some(Popup::Confirm(c)) => c.text.clone(),
        other => panic!("no confirmation: {other:?}"),
    }
}

#[test]
fn u_unlocks_the_marked_users_after_naming_them() {
    let mut f = three_marked();
    f.key(KeyCode::Char('u'));
    let text = confirm_text(&f);
    assert!(text.contains("Unlock 3 accounts"), "{text}");
    assert!(text.contains("u0000000, u0000001 and u0000002"), "{text}");
    // Cancel is focused.
    f.key(KeyCode::Enter);
    assert!(f.main().popups.is_empty());
    assert_eq!(f.count(|c| matches!(c, Call::UnlockMany { .. })), 0);
    f.key(KeyCode::Char('u'));
    f.key(KeyCode::Tab);
    f.key(KeyCode::Enter);
    let (_, call) = f.call(|c| matches!(c, Call::UnlockMany { .. }));
    let Call::UnlockMany { logins } = call else {
        unreachable!()
    };
    assert_eq!(logins, ["u0000000", "u0000001", "u0000002"]);
}

#[test]
fn d_and_shift_e_disable_and_enable_the_marked_users() {
    let mut f = three_marked();
    f.key(KeyCode::Char('d'));
    assert!(confirm_text(&f).contains("Disable 3 users"));
    f.key(KeyCode::Char('y'));
    let (id, call) = f.call(|c| matches!(c, Call::SetDisabledMany { .. }));
    assert!(
        matches!(call, Call::SetDisabledMany { disabled: true, ref logins } if logins.len() == 3)
    );
    f.reply(id, Reply::Done(Ok("disabled 3 users".into())));
    assert!(f.screen().contains("disabled 3 users"));
    f.key(KeyCode::Char('E'));
    assert!(confirm_text(&f).contains("Enable 3 users"));
}

#[test]
fn without_marks_the_selected_user_is_the_one() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 5, 5));
    f.key(KeyCode::Down);
    f.key(KeyCode::Char('u'));
    let text = confirm_text(&f);
    assert!(text.contains("Unlock 1 account and"), "{text}");
    assert!(text.contains("u0000001?"), "{text}");
}

#[test]
fn temporary_passwords_for_the_marked_users_warn_about_shared_logins() {
    let mut f = three_marked();
    f.key(KeyCode::Char('T'));
    // Which of them are shared is asked first.
    let (id, call) = f.call(|c| matches!(c, Call::SharedLogins { .. }));
    assert!(matches!(call, Call::SharedLogins { ref logins } if logins.len() == 3));
    let shared = vec![("u0000001".to_string(), vec!["Ann".into(), "Bo".into()])];
    f.reply(id, Reply::Shared(Ok(shared)));
    let text = confirm_text(&f);
    assert!(
        text.contains("Give 3 users a generated temporary password"),
        "{text}"
    );
    assert!(text.contains("u0000001 is shared by Ann, Bo"), "{text}");
    f.key(KeyCode::Tab);
    f.key(KeyCode::Enter);
    let (id, _) = f.call(|c| matches!(c, Call::TempPasswords { .. }));
    let shown = |s: &str| Shown(Zeroizing::new(s.to_string()));
    let secrets = Secrets {
        title: "Temporary passwords for 3 users".into(),
        items: vec![
            ("u0000000".into(), shown("first-temporary-secret")),
            ("u0000001".into(), shown("second-temporary-secret")),
            ("u0000002".into(), shown("third-temporary-secret")),
        ],
        note: None,
    };
    f.reply(id, Reply::Secret(Ok(secrets)));
    let screen = f.screen();
    assert!(
        screen.contains("u0000001  second-temporary-secret"),
        "{screen}"
    );
    // Closing wipes them from the screen.
    f.key(KeyCode::Enter);
    assert!(!f.screen().contains("temporary-secret"));
}

/// `a` grants a resource to the marked users (the popup added in two files:
/// popups/grant_marked.rs and the registry in popups/mod.rs).
#[test]
fn a_grants_a_resource_to_the_marked_users() {
    let mut f = three_marked();
    let (id, _) = f.call(|c| matches!(c, Call::FormChoices));
    let choices = keyward::service::FormChoices {
        resources: vec!["Client portal".into(), "Website".into()],
        ..Default::default()
    };
    f.reply(id, Reply::FormChoices(Ok(choices)));
    f.key(KeyCode::Char('a'));
    let screen = f.screen();
    assert!(
        screen.contains("Grant 3 users: u0000000, u0000001 and u0000002"),
        "{screen}"
    );
    f.key(KeyCode::Right);
    f.key(KeyCode::Tab);
    f.key(KeyCode::Left);
    f.key(KeyCode::Enter);
    let (id, call) = f.call(|c| matches!(c, Call::GrantMany { .. }));
    let Call::GrantMany {
        resource,
        logins,
        level,
    } = call
    else {
        unreachable!()
    };
    assert_eq!(resource, "Website");
    assert_eq!(logins.len(), 3);
    assert_eq!(level, keyward::domain::AccessLevel::Read);
    f.reply(
        id,
        Reply::Done(Ok("granted 3 users read access to Website".into())),
    );
    assert!(f.main().popups.is_empty());
    assert!(f.screen().contains("granted 3 users"), "{}", f.screen());
    // It is in the Users pane's help.
    f.key(KeyCode::Char('?'));
    assert!(
        f.screen()
            .contains("grant a resource to the marked users (or the selected one)"),
        "{}",
        f.screen()
    );
}

#[test]
fn esc_clears_the_marks_before_the_filter() {
    let mut f = three_marked();
    f.key(KeyCode::Esc);
    assert!(f.main().users.marked.is_empty());
    let screen = f.screen();
    assert!(screen.contains("cleared 3 marks"), "{screen}");
    assert!(!screen.contains("3 marked"), "{screen}");
    // No listing asked: the filter was empty and stays so.
    assert_eq!(f.count(|c| matches!(c, Call::ListUsers { .. })), 0);
}
