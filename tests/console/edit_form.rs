//! `e` in the Users list opens the edit form at once (it used to open the
//! user's detail and wait for a second `e`): the form reads the stored
//! values itself and takes no key until they arrive.

use super::fsm::{Fsm, page, user};
use crossterm::event::KeyCode;
use keyward::service::views::UserDetail;
use keyward::tui::effect::{Call, Reply};
use keyward::tui::popups::Popup;

pub(super) fn detail(login: &str, version: i64) -> UserDetail {
    let mut summary = user(2, login);
    summary.name = "Sean O'Neil".into();
    summary.version = version;
    UserDetail {
        summary,
        has_password: true,
        password_changed_at: None,
        policy: "default".into(),
        policy_reason: "the staff default".into(),
        policy_assigned: false,
        holders: Vec::new(),
        resources: Vec::new(),
        recent_attempts: Vec::new(),
        application_sign_ins: Vec::new(),
        pending_reset_links: Vec::new(),
        recent_audit: Vec::new(),
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
    }
}

#[test]
fn e_in_the_list_opens_the_form_and_fills_it_when_the_user_is_read() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Down);
    f.key(KeyCode::Char('e'));
    assert!(f.main().detail.is_none(), "no detail view in between");
    assert!(matches!(f.main().popups.last(), Some(Popup::UserForm(_))));
    assert!(
        f.screen().contains("Reading the stored values"),
        "{}",
        f.screen()
    );
    // Keys typed before the values arrive change nothing.
    f.text("zz");
    let (id, call) = f.call(|c| matches!(c, Call::GetUser { .. }));
    assert!(matches!(call, Call::GetUser { login } if login == "u0000001"));
    f.reply(id, Reply::User(Ok(detail("u0000001", 7))));
    let Some(Popup::UserForm(form)) = f.main().popups.last() else {
        panic!("the form closed");
    };
    assert_eq!(form.login.value(), "u0000001");
    assert_eq!(form.name.value(), "Sean O'Neil");
    assert!(form.error.is_none(), "no 'reloaded' note on opening");
    assert!(!f.screen().contains("Reading the stored values"));
    // Untouched, Esc closes it without asking.
    f.key(KeyCode::Esc);
    assert!(f.main().popups.is_empty());
}

#[test]
fn the_form_saves_with_the_version_it_read() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Char('e'));
    let (id, _) = f.call(|c| matches!(c, Call::GetUser { .. }));
    f.reply(id, Reply::User(Ok(detail("u0000000", 7))));
    // Tab to the name, add to it, save.
    f.key(KeyCode::Tab);
    f.text(" Jr");
    f.ctrl('s');
    let (_, call) = f.call(|c| matches!(c, Call::EditUser { .. }));
    match call {
        Call::EditUser {
            login,
            version,
            edit,
        } => {
            assert_eq!((login.as_str(), version), ("u0000000", 7));
            assert_eq!(edit.name.as_deref(), Some("Sean O'Neil Jr"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn esc_closes_a_form_whose_values_never_came() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Char('e'));
    f.key(KeyCode::Esc);
    assert!(f.main().popups.is_empty());
}
