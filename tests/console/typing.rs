//! Text typed faster than the password checklist can follow it (a password
//! manager's auto-type, a tmux paste-buffer, a slow SSH link) never waits
//! for the checklist: the state machine only records what changed, the
//! worker checks it, one check at a time, and Esc and Ctrl-C act at once.

use super::fsm::{Fsm, page};
use crossterm::event::KeyCode;
use keyward::domain::policy::Policy;
use keyward::tui::effect::{Call, PasswordTarget, Reply};
use keyward::tui::new_password::evaluate;
use keyward::tui::popups::Popup;

fn is_check(c: &Call) -> bool {
    matches!(c, Call::CheckPassword { .. })
}

/// Signed in, the first user selected and `p` pressed, the policy answered.
fn password_dialog() -> Fsm {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Char('p'));
    let (id, _) = f.call(|c| matches!(c, Call::PasswordContext { .. }));
    let target = PasswordTarget {
        login: "u0000000".into(),
        name: "Person 1".into(),
        email: "u0000000@example.org".into(),
        policy_name: "default".into(),
        policy: Policy::default(),
        holders: Vec::new(),
        version: 1,
    };
    f.reply(id, Reply::PasswordContext(Ok(target)));
    f
}

fn dialog(f: &Fsm) -> &keyward::tui::popups::password::PasswordDialog {
    match f.main().popups.last() {
        Some(Popup::Password(p)) => p,
        other => panic!("not the password dialog: {other:?}"),
    }
}

/// Answers the check `id` as the worker does.
fn answer_check(f: &mut Fsm, id: u64, call: Call) {
    let Call::CheckPassword { input, password } = call else {
        panic!("not a check: {call:?}");
    };
    f.reply(id, Reply::Checked(Ok(evaluate(&input, &password))));
}

#[test]
fn ten_thousand_typed_characters_wait_for_no_checklist() {
    let mut f = password_dialog();
    // The empty password's checklist is asked for once the policy is known.
    let (first, call) = f.call(is_check);
    let Call::CheckPassword { password, .. } = &call else {
        unreachable!()
    };
    assert_eq!(password.len_chars(), 0);
    // 10,000 keys while that check runs: no rule is evaluated here and no
    // further check is asked for.
    let typed: String = (0..10_000)
        .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
        .collect();
    f.text(&typed);
    assert_eq!(f.count(is_check), 0, "one check at a time");
    assert!(
        dialog(&f).pw.checks.is_empty(),
        "the checklist was computed on the UI task"
    );
    assert!(!dialog(&f).pw.is_current());
    // Its answer comes back: shown, and one check for everything typed since.
    answer_check(&mut f, first, call);
    assert!(!dialog(&f).pw.checks.is_empty());
    let (second, call) = f.call(is_check);
    let Call::CheckPassword { password, .. } = &call else {
        unreachable!()
    };
    assert_eq!(password.len_chars(), keyward::tui::fields::SECRET_MAX);
    assert_eq!(f.count(is_check), 0);
    // Saving checks what is typed now (here and once) and refuses it.
    f.key(KeyCode::Enter);
    f.key(KeyCode::Enter);
    assert!(
        !f.calls
            .iter()
            .any(|(_, c)| matches!(c, Call::SetPassword { .. })),
        "a password the policy refuses was saved"
    );
    let screen = f.screen();
    assert!(
        screen.contains("at most 64 characters (has 1024)"),
        "{screen}"
    );
    // Esc acts while the check runs (it asks before discarding what was
    // typed); the late answer is dropped.
    f.key(KeyCode::Esc);
    f.key(KeyCode::Char('y'));
    assert!(f.main().popups.is_empty());
    answer_check(&mut f, second, call);
    assert!(f.main().popups.is_empty());
    assert!(f.calls.iter().all(|(_, c)| !is_check(c)));
}

#[test]
fn enter_right_behind_the_password_saves_it_checked() {
    let mut f = password_dialog();
    let (first, call) = f.call(is_check);
    // Typed with Enter, Tab, again and Enter at once, as a password manager does.
    f.text("amber lantern drifts over quiet meadows");
    f.key(KeyCode::Enter);
    f.text("amber lantern drifts over quiet meadows");
    f.key(KeyCode::Enter);
    let (_, save) = f.call(|c| matches!(c, Call::SetPassword { .. }));
    let Call::SetPassword { password, .. } = save else {
        unreachable!()
    };
    assert_eq!(password.expose(), "amber lantern drifts over quiet meadows");
    // The answer to the check of the empty password changes nothing now.
    answer_check(&mut f, first, call);
    let screen = f.screen();
    assert!(!screen.contains("needs at least 15"), "{screen}");
}

#[test]
fn ctrl_c_quits_behind_typed_text() {
    let mut f = password_dialog();
    f.text(&"x".repeat(5_000));
    f.ctrl('c');
    assert!(f.quit);
}

#[test]
fn a_check_answer_for_older_text_is_shown_and_followed_by_a_new_one() {
    let mut f = password_dialog();
    let (id, call) = f.call(is_check);
    f.text("short");
    answer_check(&mut f, id, call);
    let (id, call) = f.call(is_check);
    let Call::CheckPassword { password, .. } = &call else {
        unreachable!()
    };
    assert_eq!(password.expose(), "short");
    answer_check(&mut f, id, call);
    let p = dialog(&f);
    assert!(p.pw.is_current());
    assert!(
        p.pw.checks
            .iter()
            .any(|c| c.rule == "min_length" && !c.met && c.message.contains("has 5")),
        "{:?}",
        p.pw.checks
    );
}
