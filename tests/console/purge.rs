//! The deletion candidates (`X` in the Users pane): the preview's count and
//! list, never-signed-in accounts included; a purge only after the
//! administrator's password and the count typed exactly; the summary stays
//! until dismissed. Pure state-machine tests: no database.

use super::fsm::{Fsm, t0};
use chrono::Duration;
use crossterm::event::KeyCode;
use keyward::domain::{Kind, Role};
use keyward::service::{Candidate, PurgePreview};
use keyward::tui::effect::{Call, Reply};

fn preview(count: i64) -> PurgePreview {
    PurgePreview {
        count,
        candidates: (0..count.min(3))
            .map(|i| Candidate {
                login: format!("old.{i}"),
                kind: if i == 2 { Kind::Portal } else { Kind::Staff },
                last_login_at: (i != 1).then(|| t0() - Duration::days(400)),
                created_at: t0() - Duration::days(800),
            })
            .collect(),
    }
}

/// The Users pane loaded, and `X` pressed and answered.
fn opened(count: i64) -> Fsm {
    let mut f = Fsm::signed_in(130, 40);
    f.answer_listing(30);
    f.key(KeyCode::Char('X'));
    let (id, call) = f.call(|c| matches!(c, Call::PurgePreview { .. }));
    assert!(matches!(call, Call::PurgePreview { limit } if limit > 0));
    f.reply(id, Reply::PurgePreview(Ok(preview(count))));
    f
}

#[test]
fn x_lists_the_candidates_with_their_count() {
    let f = opened(1204);
    let screen = f.screen();
    assert!(screen.contains("Deletion candidates"), "{screen}");
    assert!(
        screen.contains("1,204 accounts idle past their policy's delete_after_days"),
        "{screen}"
    );
    assert!(screen.contains("the first 3 shown"), "{screen}");
    assert!(
        screen.contains("row 1 of 3 shown, 1,204 in all"),
        "{screen}"
    );
    let mut f = f;
    f.key(KeyCode::Down);
    assert!(f.screen().contains("row 2 of 3 shown"), "{}", f.screen());
    assert!(
        screen.contains("old.1") && screen.contains("never signed in"),
        "{screen}"
    );
    assert!(screen.contains("portal"), "{screen}");
    assert!(
        screen.contains("Administrators are never purged"),
        "{screen}"
    );
}

#[test]
fn a_purge_needs_the_password_and_the_exact_count() {
    let mut f = opened(3);
    f.key(KeyCode::Char('D'));
    assert!(f.screen().contains("Your password"), "{}", f.screen());
    // Nothing typed: refused with a reason, nothing called.
    f.key(KeyCode::Enter);
    f.key(KeyCode::Enter);
    assert!(
        f.screen().contains("Type your own password"),
        "{}",
        f.screen()
    );
    f.key(KeyCode::BackTab);
    f.text("correct horse battery staple");
    f.key(KeyCode::Enter);
    f.text("4");
    assert!(f.screen().contains("Type the count    4"), "{}", f.screen());
    f.key(KeyCode::Enter);
    assert!(
        f.screen().contains("Type 3 (the number of accounts)"),
        "{}",
        f.screen()
    );
    assert_eq!(f.count(|c| matches!(c, Call::Purge { .. })), 0);
    // Esc goes back to the list and forgets what was typed.
    f.key(KeyCode::Esc);
    assert!(f.screen().contains("old.0"), "{}", f.screen());
    f.key(KeyCode::Char('D'));
    f.text("correct horse battery staple");
    f.key(KeyCode::Enter);
    f.text("3");
    f.key(KeyCode::Enter);
    let (id, call) = f.call(|c| matches!(c, Call::Purge { .. }));
    let Call::Purge {
        admin_password,
        count,
    } = call
    else {
        unreachable!()
    };
    assert_eq!(count, 3);
    assert_eq!(admin_password.expose(), "correct horse battery staple");
    assert!(
        !f.screen().contains("correct horse"),
        "the password is never shown"
    );
    f.reply(id, Reply::Done(Ok("3 accounts purged".into())));
    let screen = f.screen();
    assert!(screen.contains("3 accounts purged"), "{screen}");
    f.key(KeyCode::Enter);
    assert!(
        !f.screen().contains("Deletion candidates"),
        "{}",
        f.screen()
    );
}

#[test]
fn nothing_to_purge_says_so() {
    let mut f = opened(0);
    assert!(f.screen().contains("No account is idle"), "{}", f.screen());
    f.key(KeyCode::Char('D'));
    assert!(
        f.screen().contains("There is nothing to purge"),
        "{}",
        f.screen()
    );
    assert!(!f.screen().contains("Your password"));
}

#[test]
fn only_roles_that_may_purge_see_the_key() {
    let mut f = Fsm::signed_in_as(130, 40, Role::Manager);
    f.answer_listing(30);
    f.key(KeyCode::Char('X'));
    assert_eq!(f.count(|c| matches!(c, Call::PurgePreview { .. })), 0);
}
