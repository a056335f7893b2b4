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
