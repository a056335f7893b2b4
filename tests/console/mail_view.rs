//! The Mail view (`m` in the Audit pane): counts, the mail that did not
//! leave with its error, retry of the failed mail after a yes, and a fresh
//! read every few seconds while it is open.

use super::fsm::{Fsm, t0};
use crossterm::event::KeyCode;
use keyward::domain::{MailKind, MailState};
use keyward::service::{MailProblem, MailStatus};
use keyward::tui::effect::{Call, Reply};
use keyward::tui::panes::Pane;

fn status(failed: i64) -> MailStatus {
    MailStatus {
        queued: 1200,
        sent: 98_800,
        failed,
        dropped: 3,
        oldest_queued: Some(t0()),
        problems: (0..failed)
            .map(|i| MailProblem {
                id: 40 + i,
                kind: MailKind::ResetLink,
                login: format!("amy.{i}"),
                recipient: format!("amy.{i}@example.org"),
                state: MailState::Failed,
                attempts: 10,
                error: "smtp://mail:25: permanent error (550): no such mailbox".into(),
                queued_at: t0(),
                next_attempt_at: None,
            })
            .collect(),
    }
}

/// In the Audit pane, its first page loaded.
fn on_audit() -> Fsm {
    let mut f = Fsm::signed_in(130, 40);
    f.main_mut().pane = Pane::Audit;
    f.tick(10);
    let (id, _) = f.call(|c| matches!(c, Call::Audit { .. }));
    f.reply(id, Reply::Audit(Ok(Vec::new())));
    f
}

#[test]
fn m_shows_the_outbox_and_retries_the_failed_mail_after_a_yes() {
    let mut f = on_audit();
    f.key(KeyCode::Char('m'));
    let (id, _) = f.call(|c| matches!(c, Call::MailStatus));
    f.reply(id, Reply::MailStatus(Ok(status(2))));
    let screen = f.screen();
    assert!(screen.contains("queued 1200"), "{screen}");
    assert!(
        screen.contains("sent 98800") && screen.contains("failed 2"),
        "{screen}"
    );
    assert!(screen.contains("amy.1@example.org"), "{screen}");
    assert!(screen.contains("no such mailbox"), "{screen}");

    f.key(KeyCode::Char('r'));
    assert!(
        f.screen().contains("Queue 2 failed mail again"),
        "{}",
        f.screen()
    );
    f.key(KeyCode::Char('n'));
    assert_eq!(f.count(|c| matches!(c, Call::RetryMail)), 0);
    f.key(KeyCode::Char('r'));
    f.key(KeyCode::Char('y'));
    let (id, _) = f.call(|c| matches!(c, Call::RetryMail));
    f.reply(id, Reply::Done(Ok("2 failed mails queued again".into())));
    assert!(f.screen().contains("2 failed mails queued again"));
    // The view reads the outbox again at once after a retry.
    let before = f.count(|c| matches!(c, Call::MailStatus));
    f.tick(100);
    assert_eq!(f.count(|c| matches!(c, Call::MailStatus)), before + 1);
}

#[test]
fn the_open_view_follows_the_outbox() {
    let mut f = on_audit();
    f.key(KeyCode::Char('m'));
    let (id, _) = f.call(|c| matches!(c, Call::MailStatus));
    f.reply(id, Reply::MailStatus(Ok(status(0))));
    assert!(f.screen().contains("Every mail has left"), "{}", f.screen());
    let asked = f.count(|c| matches!(c, Call::MailStatus));
    f.tick(1000);
    assert_eq!(f.count(|c| matches!(c, Call::MailStatus)), asked, "not yet");
    f.tick(3000);
    assert_eq!(f.count(|c| matches!(c, Call::MailStatus)), asked + 1);
    // r with nothing failed says so instead of asking.
    f.key(KeyCode::Char('r'));
    assert!(f.screen().contains("No mail has failed"), "{}", f.screen());
    f.key(KeyCode::Esc);
    assert!(f.main().popups.is_empty());
}
