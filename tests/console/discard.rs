//! Esc on an edited form asks "Discard changes?" with Cancel focused
//! (fault 5); an untouched form closes at once.

use super::fsm::{Fsm, page};
use crossterm::event::KeyCode;
use keyward::domain::policy::Policy;
use keyward::service::views::PolicyView;
use keyward::tui::effect::{Call, Reply};
use keyward::tui::popups::Popup;

fn top(f: &Fsm) -> Option<&Popup> {
    f.main().popups.last()
}

#[test]
fn esc_on_a_new_user_form_with_typing_asks_with_cancel_focused() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    // Untouched: Esc closes it.
    f.key(KeyCode::Char('n'));
    assert!(matches!(top(&f), Some(Popup::UserForm(_))));
    f.key(KeyCode::Esc);
    assert!(f.main().popups.is_empty());
    // A login typed: Esc asks.
    f.key(KeyCode::Char('n'));
    f.text("anna.b");
    f.key(KeyCode::Esc);
    let screen = f.screen();
    assert!(screen.contains("Discard changes?"), "{screen}");
    match top(&f) {
        Some(Popup::Confirm(c)) => assert!(!c.yes_focused, "Cancel is focused"),
        other => panic!("{other:?}"),
    }
    // Enter keeps the form and what was typed.
    f.key(KeyCode::Enter);
    match top(&f) {
        Some(Popup::UserForm(u)) => assert_eq!(u.login.value(), "anna.b"),
        other => panic!("{other:?}"),
    }
    // Esc on the question is Cancel too.
    f.key(KeyCode::Esc);
    f.key(KeyCode::Esc);
    assert!(matches!(top(&f), Some(Popup::UserForm(_))));
    // Tab to Discard, Enter: both close.
    f.key(KeyCode::Esc);
    f.key(KeyCode::Tab);
    f.key(KeyCode::Enter);
    assert!(f.main().popups.is_empty());
}

#[test]
fn esc_on_a_changed_policy_form_asks() {
    let mut f = Fsm::signed_in(120, 40);
    f.key(KeyCode::Char('3'));
    f.tick(100);
    let (id, _) = f.call(|c| matches!(c, Call::Policies));
    let view = PolicyView {
        name: "default".into(),
        version: 1,
        enforced_version: 0,
        users: 3,
        updated_at: f.now,
        settings: Policy::default(),
    };
    f.reply(id, Reply::Policies(Ok(vec![view])));
    f.key(KeyCode::Enter);
    assert!(matches!(top(&f), Some(Popup::PolicyForm(_))));
    // Moving about changes nothing: Esc closes.
    f.key(KeyCode::Down);
    f.key(KeyCode::Esc);
    assert!(f.main().popups.is_empty());
    // min_length 15 -> 16.
    f.key(KeyCode::Enter);
    f.key(KeyCode::Backspace);
    f.text("6");
    f.key(KeyCode::Esc);
    assert!(f.screen().contains("Discard changes?"), "{}", f.screen());
    f.key(KeyCode::Enter);
    match top(&f) {
        Some(Popup::PolicyForm(p)) => assert_eq!(p.fields[0].value(), "16"),
        other => panic!("{other:?}"),
    }
    // Typed back to what it was: nothing to lose.
    f.key(KeyCode::Backspace);
    f.text("5");
    f.key(KeyCode::Esc);
    assert!(f.main().popups.is_empty());
}

// While the terminal is too small, the screen shows only how large it must
// be: keys, pastes and clicks must not act on the form behind it, where
// Esc, Tab and Enter would discard it unseen.
#[test]
fn keys_do_nothing_while_the_terminal_is_too_small() {
    use keyward::tui::effect::Event;
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Char('n'));
    f.text("anna.b");
    f.event(Event::Resize(40, 10));
    assert!(f.screen().contains("enlarge the window"), "{}", f.screen());
    f.key(KeyCode::Esc);
    f.key(KeyCode::Tab);
    f.key(KeyCode::Enter);
    f.text("xyz");
    f.event(Event::Paste("pasted".into()));
    f.event(Event::Resize(120, 40));
    match top(&f) {
        Some(Popup::UserForm(u)) => assert_eq!(u.login.value(), "anna.b"),
        other => panic!("the form is still there as it was: {other:?}"),
    }
    assert_eq!(f.main().popups.len(), 1);
    // Ctrl-C still quits.
    f.event(Event::Resize(1, 1));
    f.ctrl('c');
    assert!(f.quit);
}
