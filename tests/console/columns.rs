//! Logins are never cut without a mark (fault 3): columns are sized from
//! the rows on screen, the login gives way last, every cut ends in "…", and
//! a status-line note too long for the row is cut with "…" and kept whole
//! in the message log (L).

use super::fsm::{Fsm, user};
use crossterm::event::KeyCode;
use keyward::service::views::{AuditView, Page};
use keyward::tui::effect::{Call, Reply};

const LONG: &str = "amira.anderson101024";

fn users_page(logins: &[&str]) -> Page<keyward::service::views::UserSummary> {
    Page {
        items: logins
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut u = user(i as i64 + 1, l);
                u.name = "Amira Anderson-Featherstonehaugh".into();
                u
            })
            .collect(),
        next: None,
        prev: None,
    }
}

/// The row of a login of `c` repeated then "tail" is cut before the tail,
/// with "…" right after the `c`s.
fn assert_cut_with_a_mark(screen: &str, c: char) {
    let run = c.to_string().repeat(8);
    let line = screen
        .lines()
        .find(|l| l.contains(&run))
        .expect("the login's row");
    assert!(!line.contains("tail"), "{screen}");
    assert!(
        line.contains(&format!("{c}…")),
        "cut without a mark:\n{screen}"
    );
}

#[test]
fn a_long_login_is_shown_whole_at_120_and_80_columns() {
    for width in [120, 80] {
        let mut f = Fsm::signed_in(width, 30);
        f.answer_users(users_page(&[LONG, "bo"]));
        let screen = f.screen();
        assert!(screen.contains(LONG), "at {width} columns:\n{screen}");
        // The name gave way, and says so.
        assert!(screen.contains('…'), "at {width} columns:\n{screen}");
    }
}

#[test]
fn a_login_too_long_for_the_terminal_is_cut_with_a_mark() {
    let login = format!("{}{}", "x".repeat(60), "tail");
    let mut f = Fsm::signed_in(80, 30);
    f.answer_users(users_page(&[&login]));
    let screen = f.screen();
    assert_cut_with_a_mark(&screen, 'x');
}

#[test]
fn the_audit_target_is_shown_whole() {
    for width in [120, 80] {
        let mut f = Fsm::signed_in(width, 30);
        f.key(KeyCode::Char('5'));
        f.tick(100);
        let (id, _) = f.call(|c| matches!(c, Call::Audit { .. }));
        let entry = AuditView {
            seq: 12,
            at: f.now,
            actor: "root1".into(),
            action: "user.password_set".into(),
            target: LONG.into(),
            details: serde_json::json!({"must_change": true, "reason": "a very long reason that goes on"}),
            hash: "ab".into(),
        };
        f.reply(id, Reply::Audit(Ok(vec![entry])));
        let screen = f.screen();
        assert!(screen.contains(LONG), "at {width} columns:\n{screen}");
    }
}

#[test]
fn a_long_note_is_cut_with_a_mark_and_kept_whole_in_the_log() {
    let mut f = Fsm::signed_in(80, 24);
    f.answer_users(users_page(&["bo"]));
    let note = format!(
        "exported 12345 entries to /home/someone/a/rather/deep/directory/{}",
        "keyward-audit-20250602-093000.jsonl"
    );
    let now = f.now;
    f.main_mut().say(note.clone(), now);
    let screen = f.screen();
    let status = screen.lines().last().expect("a status line");
    assert!(status.ends_with('…'), "{status}");
    assert!(!screen.contains("093000.jsonl"), "{screen}");
    f.key(KeyCode::Char('L'));
    let screen = f.screen();
    assert!(
        screen.contains("keyward-audit-20250602-093000.jsonl"),
        "{screen}"
    );
    f.key(KeyCode::Esc);
    assert!(f.main().popups.is_empty());
}

// The Lockouts pane's recent failed sign-ins: a login too long for the
// line is cut with a mark, not silently at the pane's edge.
#[test]
fn a_recent_failure_with_a_long_login_is_cut_with_a_mark() {
    use keyward::service::views::AttemptView;
    use keyward::tui::effect::LockoutsOverview;
    let login = format!("{}{}", "y".repeat(60), "tail");
    let mut f = Fsm::signed_in(80, 30);
    f.key(KeyCode::Char('4'));
    f.tick(100);
    let (id, _) = f.call(|c| matches!(c, Call::Lockouts { .. }));
    let data = LockoutsOverview {
        accounts: Vec::new(),
        failures: vec![AttemptView {
            at: f.now,
            login: login.clone(),
            outcome: "bad_credentials".into(),
            source: "cli".into(),
        }],
        counts: Default::default(),
    };
    f.reply(id, Reply::Lockouts(Ok(data)));
    assert_cut_with_a_mark(&f.screen(), 'y');
}

#[test]
fn the_last_sign_in_is_its_day_on_a_narrow_terminal() {
    let at = chrono::DateTime::parse_from_rfc3339("2025-11-10T04:17:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    for (width, shown) in [(120, "2025-11-10 04:17"), (80, "2025-11-10")] {
        let mut f = Fsm::signed_in(width, 30);
        let mut page = users_page(&[LONG]);
        page.items[0].last_login_at = Some(at);
        f.answer_users(page);
        let screen = f.screen();
        let row = screen.lines().find(|l| l.contains(LONG)).expect("the row");
        assert!(row.contains(shown), "{screen}");
        assert!(!row.contains("04…"), "{screen}");
    }
}

#[test]
fn under_100_columns_the_status_line_names_the_backend_and_keeps_room_for_keys() {
    let mut f = Fsm::signed_in(80, 24);
    f.answer_users(users_page(&["bo"]));
    let screen = f.screen();
    let status = screen.lines().last().expect("a status line");
    assert!(status.contains("│ sqlite │"), "{screen}");
    assert!(!status.contains("test.db"), "{screen}");
    assert!(status.contains("? help"), "{screen}");
    let mut f = Fsm::signed_in(120, 24);
    f.answer_users(users_page(&["bo"]));
    assert!(f.screen().contains("│ sqlite test.db │"), "{}", f.screen());
}
