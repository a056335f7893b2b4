//! Key handling that every view shares: Shift-Tab, and the key tables.

use super::fsm::Fsm;
use crossterm::event::KeyCode;

/// crossterm reports Shift-Tab as BackTab with SHIFT set (fault 7): it goes
/// to the previous pane, as help says.
#[test]
fn shift_tab_goes_to_the_previous_pane() {
    let mut f = Fsm::signed_in(120, 40);
    assert_eq!(f.main().pane, 0);
    f.shift(KeyCode::BackTab);
    assert_eq!(f.main().pane, 4, "Users -> Audit");
    f.shift(KeyCode::BackTab);
    assert_eq!(f.main().pane, 3, "Audit -> Lockouts");
    // Some terminals send it without SHIFT.
    f.key(KeyCode::BackTab);
    assert_eq!(f.main().pane, 2);
    f.key(KeyCode::Tab);
    assert_eq!(f.main().pane, 3);
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
        (1, "Resources"),
        (2, "Policies"),
        (3, "Lockouts"),
        (4, "Audit"),
    ] {
        f.main_mut().pane = pane;
        check(&f, name);
    }
    f.main_mut().pane = 1;
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
