//! The Audit pane shows new entries on its own, every few seconds, above
//! the ones shown, and keeps the selected entry selected.

use super::fsm::{Fsm, page};
use crossterm::event::KeyCode;
use keyward::service::views::AuditView;
use keyward::tui::effect::{Call, Reply};
use keyward::tui::panes::audit::REFRESH_SECS;

fn entry(f: &Fsm, seq: i64) -> AuditView {
    AuditView {
        seq,
        at: f.now,
        actor: "root1".into(),
        action: "user.create".into(),
        target: format!("user{seq}"),
        details: serde_json::Value::Null,
        hash: String::new(),
    }
}

/// The newest `n` entries up to `top`, newest first.
fn entries(f: &Fsm, top: i64, n: i64) -> Vec<AuditView> {
    (0..n).map(|i| entry(f, top - i)).collect()
}

fn selected_target(f: &Fsm) -> String {
    let a = &f.main().audit;
    a.entries[a.selected].target.clone()
}

#[test]
fn new_entries_show_at_the_top_and_the_selection_stays() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Char('5'));
    f.tick(100);
    let (id, _) = f.call(|c| matches!(c, Call::Audit { .. }));
    let first = entries(&f, 10, 10);
    f.reply(id, Reply::Audit(Ok(first)));
    f.key(KeyCode::Down);
    assert_eq!(selected_target(&f), "user9");
    // Not yet: nothing asked.
    f.tick(1_000);
    assert_eq!(f.count(|c| matches!(c, Call::Audit { .. })), 0);
    f.tick(REFRESH_SECS * 1_000);
    let (id, call) = f.call(|c| matches!(c, Call::Audit { .. }));
    assert!(matches!(call, Call::Audit { before: None, .. }));
    // Two entries were written meanwhile.
    let newest = entries(&f, 12, 12);
    f.reply(id, Reply::Audit(Ok(newest)));
    let a = &f.main().audit;
    assert_eq!(a.entries.len(), 12);
    assert_eq!(a.entries[0].target, "user12");
    assert_eq!(
        selected_target(&f),
        "user9",
        "the same entry stays selected"
    );
    let screen = f.screen();
    assert!(screen.contains("user12"), "{screen}");
    // An empty look changes nothing, and a filter being typed stops looking.
    f.tick(REFRESH_SECS * 1_000);
    let (id, _) = f.call(|c| matches!(c, Call::Audit { .. }));
    f.reply(id, Reply::Audit(Ok(entries(&f, 12, 12))));
    assert_eq!(f.main().audit.entries.len(), 12);
    f.key(KeyCode::Char('/'));
    f.tick(REFRESH_SECS * 1_000);
    assert_eq!(f.count(|c| matches!(c, Call::Audit { .. })), 0);
}

#[test]
fn an_answer_after_the_filter_changed_is_dropped() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Char('5'));
    f.tick(100);
    let (id, _) = f.call(|c| matches!(c, Call::Audit { .. }));
    f.reply(id, Reply::Audit(Ok(entries(&f, 5, 5))));
    f.tick(REFRESH_SECS * 1_000);
    let (stale, _) = f.call(|c| matches!(c, Call::Audit { .. }));
    // A filter typed and kept: the trail is read again with it.
    f.key(KeyCode::Char('/'));
    f.text("user2");
    f.key(KeyCode::Enter);
    f.tick(200);
    let (id, _) = f.call(|c| matches!(c, Call::Audit { .. }));
    f.reply(id, Reply::Audit(Ok(vec![entry(&f, 2)])));
    // The look started before the filter answers late: dropped.
    f.reply(stale, Reply::Audit(Ok(entries(&f, 7, 7))));
    let a = &f.main().audit;
    assert_eq!(a.entries.len(), 1, "{:?}", a.entries);
}
