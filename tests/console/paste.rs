//! A paste longer than its field is refused whole, and says so (fault 12):
//! a holder's name kept the first 200 of 10,000 characters without a word.

use super::fsm::{Fsm, page};
use crossterm::event::KeyCode;
use keyward::tui::effect::Event;
use keyward::tui::popups::Popup;

#[test]
fn an_over_long_paste_is_refused_with_a_message() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Char('n'));
    f.key(KeyCode::Tab);
    f.event(Event::Paste("N".repeat(10_000)));
    let name = match f.main().popups.last() {
        Some(Popup::UserForm(u)) => u.name.value().to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!(name, "", "cut silently to {} characters", name.len());
    let screen = f.screen();
    assert!(
        screen.contains("Not pasted: 10,000 characters; the field takes 200."),
        "{screen}"
    );
    // The whole message is in the log.
    assert!(
        f.main()
            .log
            .iter()
            .any(|l| l.error && l.text.ends_with("the field takes 200.")),
        "{:?}",
        f.main().log
    );
    // One that fits goes in.
    f.event(Event::Paste("Anna Bell".into()));
    match f.main().popups.last() {
        Some(Popup::UserForm(u)) => assert_eq!(u.name.value(), "Anna Bell"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_over_long_password_paste_is_refused_not_cut() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Char('p'));
    let (id, _) = f.call(|c| matches!(c, keyward::tui::effect::Call::PasswordContext { .. }));
    let target = keyward::tui::effect::PasswordTarget {
        login: "u0000000".into(),
        name: "Person".into(),
        email: "p@example.org".into(),
        policy_name: "default".into(),
        policy: Default::default(),
        holders: Vec::new(),
        version: 1,
    };
    f.reply(id, keyward::tui::effect::Reply::PasswordContext(Ok(target)));
    f.event(Event::Paste("p".repeat(2_000)));
    match f.main().popups.last() {
        Some(Popup::Password(p)) => assert!(p.pw.new.is_empty()),
        other => panic!("{other:?}"),
    }
    assert!(
        f.screen().contains("Not pasted: 2,000 characters"),
        "{}",
        f.screen()
    );
}

#[test]
fn the_refusal_fits_an_80_column_footer() {
    let mut f = Fsm::signed_in(80, 24);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Char('/'));
    f.event(Event::Paste("x".repeat(10_000)));
    let screen = f.screen();
    assert!(
        screen.contains("Not pasted: 10,000 characters; the field takes 128."),
        "{screen}"
    );
}
