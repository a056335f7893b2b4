//! `M`: a reset link mailed to the selected user (the address shown
//! masked in the confirmation) or to each marked user.

use super::fsm::{Fsm, page};
use crossterm::event::KeyCode;
use keyward::tui::effect::{Call, Reply};
use keyward::tui::popups::Popup;

fn confirm_text(f: &Fsm) -> String {
    match f.main().popups.last() {
        Some(Popup::Confirm(c)) => c.text.clone(),
        other => panic!("no confirmation: {other:?}"),
    }
}

#[test]
fn m_mails_the_selected_user_a_link_after_naming_the_masked_address() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 5, 5));
    f.key(KeyCode::Down);
    f.key(KeyCode::Char('M'));
    let text = confirm_text(&f);
    assert!(
        text.contains("u0000001 at u…@example.org"),
        "the address, masked: {text}"
    );
    // Cancel is focused: Enter sends nothing.
    f.key(KeyCode::Enter);
    assert_eq!(f.count(|c| matches!(c, Call::MailResetLinks { .. })), 0);
    f.key(KeyCode::Char('M'));
    f.key(KeyCode::Char('y'));
    let (id, call) = f.call(|c| matches!(c, Call::MailResetLinks { .. }));
    let Call::MailResetLinks { logins } = call else {
        unreachable!()
    };
    assert_eq!(logins, ["u0000001"]);
    f.reply(
        id,
        Reply::Done(Ok(
            "a reset link for u0000001 will be mailed to u…@example.org".into(),
        )),
    );
    assert!(f.screen().contains("will be mailed to u…@example.org"));
}

#[test]
fn m_on_marked_users_names_how_many() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 5, 5));
    for _ in 0..2 {
        f.key(KeyCode::Char(' '));
    }
    f.key(KeyCode::Char('M'));
    let text = confirm_text(&f);
    assert!(text.contains("2 users: u0000000 and u0000001"), "{text}");
    f.key(KeyCode::Char('y'));
    let (_, call) = f.call(|c| matches!(c, Call::MailResetLinks { .. }));
    assert!(matches!(call, Call::MailResetLinks { ref logins } if logins.len() == 2));
}
