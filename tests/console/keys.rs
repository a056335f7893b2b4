//! Key handling that every view shares: Shift-Tab, and the key tables.

use super::fsm::Fsm;
use crossterm::event::KeyCode;
use keyward::tui::panes::Pane;

/// crossterm reports Shift-Tab as BackTab with SHIFT set (fault 7): it goes
/// to the previous pane, as help says.
#[test]
fn shift_tab_goes_to_the_previous_pane() {
    let mut f = Fsm::signed_in(120, 40);
    assert_eq!(f.main().pane, Pane::Users);
    f.shift(KeyCode::BackTab);
    assert_eq!(f.main().pane, Pane::Audit, "Users -> Audit");
    f.shift(KeyCode::BackTab);
    assert_eq!(f.main().pane, Pane::Lockouts, "Audit -> Lockouts");
    // Some terminals send it without SHIFT.
    f.key(KeyCode::BackTab);
    assert_eq!(f.main().pane, Pane::Policies);
    f.key(KeyCode::Tab);
    assert_eq!(f.main().pane, Pane::Lockouts);
}

/// Every view's key tables, as the console looks keys up in them, bind no
/// key twice (fault 11: the Access view bound `g` to grant and to top).
#[test]
fn no_view_binds_a_key_twice() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(super::fsm::page(0, 3, 3));
    let mut views = Vec::new();
    let mut check = |f: &Fsm, name: &str| {
        let conflicts = keyward::tui::keys::conflicts(&f.main().key_sections());
        assert!(conflicts.is_empty(), "{name}: {conflicts:?}");
        views.push(name.to_string());
    };
    check(&f, "Users");
    f.main_mut().detail = Some(keyward::tui::panes::detail::DetailView::new("u0000000"));
    check(&f, "a user's detail");
    f.main_mut().detail = None;
    for (pane, name) in [
        (Pane::Resources, "Resources"),
        (Pane::Policies, "Policies"),
        (Pane::Lockouts, "Lockouts"),
        (Pane::Audit, "Audit"),
    ] {
        f.main_mut().pane = pane;
        check(&f, name);
    }
    f.main_mut().pane = Pane::Resources;
    f.main_mut().resources.access = Some(Default::default());
    check(&f, "a resource's access");
    assert_eq!(views.len(), 7);
}

#[test]
fn a_conflict_is_found() {
    use keyward::tui::keys::{ACCESS, MOVEMENT};
    let mut doubled = ACCESS.to_vec();
    doubled.push(MOVEMENT[2]);
    let conflicts = keyward::tui::keys::conflicts(&[("x", &doubled), ("y", MOVEMENT)]);
    assert!(
        conflicts
            .iter()
            .any(|c| c.starts_with("g is bound to both")),
        "{conflicts:?}"
    );
}

/// Every popup, in each of its states, binds no key twice, and F1 shows its
/// keys as help (they used to be hard-coded, so help never listed them).
#[test]
fn popups_keys_have_no_conflict_and_reach_help() {
    use keyward::tui::popups::Popup;
    use keyward::tui::popups::{
        access, bulk_reset, change_own, grant_marked, help, messages, palette, password,
        policy_form, resource_forms, simple, step_up, user_form,
    };
    let policy = keyward::service::views::PolicyView {
        name: "default".into(),
        version: 1,
        enforced_version: 0,
        users: 1,
        updated_at: chrono::Utc::now(),
        settings: Default::default(),
    };
    let mut all: Vec<Popup> = vec![
        Popup::from(help::Help::default()),
        Popup::from(messages::Messages::default()),
        Popup::from(palette::Palette::new(Vec::new())),
        Popup::from(simple::Message::error("x")),
        Popup::from(simple::Confirm::discard()),
        Popup::from(simple::TypeConfirm::new(
            "t",
            "x".into(),
            "x",
            keyward::tui::effect::Call::Ping,
        )),
        Popup::from(password::PasswordDialog::new("x")),
        Popup::from(user_form::UserForm::new_user(
            keyward::domain::Role::GlobalAdmin,
        )),
        Popup::from(access::HoldersDialog::new("x", Vec::new())),
        Popup::from(access::GrantsDialog::new("x")),
        Popup::from(change_own::ChangeOwnDialog::default()),
        Popup::from(step_up::StepUpDialog::default()),
        Popup::from(bulk_reset::BulkResetDialog::new(
            Default::default(),
            Vec::new(),
        )),
        Popup::from(policy_form::PolicyForm::new(&policy, Some(1), false)),
        Popup::from(policy_form::PolicyForm::new(&policy, Some(1), true)),
        Popup::from(policy_form::NewPolicyPrompt::new("default")),
        Popup::from(resource_forms::ResourceForm::new(None)),
        Popup::from(resource_forms::UserPicker::new("x")),
        Popup::from(grant_marked::GrantMarked::new(vec!["x".into()], Vec::new())),
    ];
    assert_eq!(all.len(), 19);
    // Each, and each again after Tab (a form's other fields and states).
    for p in all.iter_mut() {
        for _ in 0..10 {
            let keys = p.view().keys();
            assert!(!keys.is_empty(), "{p:?} has no keys");
            let conflicts = keyward::tui::keys::conflicts(&keys);
            assert!(conflicts.is_empty(), "{p:?}: {conflicts:?}");
            p.view_mut()
                .key(&crossterm::event::KeyEvent::from(KeyCode::Tab));
        }
    }
}

#[test]
fn f1_shows_the_keys_of_the_popup_on_top() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(super::fsm::page(0, 3, 3));
    f.key(KeyCode::Char('p'));
    f.key(KeyCode::F(1));
    let screen = f.screen();
    assert!(screen.contains("Keys"), "{screen}");
    assert!(
        screen.contains("set a generated temporary password instead"),
        "{screen}"
    );
    f.key(KeyCode::Esc);
    assert!(matches!(
        f.main().popups.last(),
        Some(keyward::tui::popups::Popup::Password(_))
    ));
}
