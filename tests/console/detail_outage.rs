//! A user's detail view whose answer is an error: it says why and how to
//! ask again, rather than "Loading…" for as long as the outage lasts, and
//! fills in once the database answers.

use super::fsm::{Fsm, page};
use crossterm::event::KeyCode;
use keyward::tui::effect::{Call, Reply};

#[test]
fn a_detail_that_fails_to_load_says_why_and_loads_on_r() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Enter);
    let (id, call) = f.call(|c| matches!(c, Call::GetUser { .. }));
    assert!(matches!(&call, Call::GetUser { login } if login == "u0000000"));
    assert!(f.screen().contains("Loading…"), "{}", f.screen());
    f.reply(
        id,
        Reply::User(Err(keyward::Error::Unavailable("no answer in 1 s".into()))),
    );
    let screen = f.screen();
    assert!(!screen.contains("Loading…"), "{screen}");
    assert!(screen.contains("Could not load u0000000"), "{screen}");
    assert!(screen.contains("no answer in 1 s"), "{screen}");
    assert!(screen.contains("R tries again"), "{screen}");
    // The view stays open; R asks again and shows "Loading…" meanwhile.
    assert!(f.main().detail.is_some());
    f.key(KeyCode::Char('R'));
    let (again, _) = f.call(|c| matches!(c, Call::GetUser { .. }));
    assert!(f.screen().contains("Loading…"), "{}", f.screen());
    // A late second answer to the first request is dropped: it neither
    // shows its error nor ends the wait for the new one.
    f.reply(
        id,
        Reply::User(Err(keyward::Error::Unavailable("a late answer".into()))),
    );
    let screen = f.screen();
    assert!(screen.contains("Loading…"), "{screen}");
    assert!(!screen.contains("a late answer"), "{screen}");
    // The answer to the new request fills it.
    f.reply(
        again,
        Reply::User(Ok(super::edit_form::detail("u0000000", 1))),
    );
    let screen = f.screen();
    assert!(!screen.contains("Could not load"), "{screen}");
    assert!(screen.contains("Sean O'Neil"), "{screen}");
}
