//! The Policies pane (fault 8): booleans and choices are chosen with Space
//! and ←/→, keys typed before the pane has its rows act on them once they
//! come, and the rows show before their user counts.

use super::fsm::{Fsm, page};
use crossterm::event::KeyCode;
use keyward::domain::policy::{KEYS, Policy};
use keyward::service::views::PolicyView;
use keyward::tui::effect::{Call, Reply};
use keyward::tui::panes::Pane;
use keyward::tui::popups::Popup;

fn view(f: &Fsm, name: &str) -> PolicyView {
    PolicyView {
        name: name.into(),
        version: 1,
        enforced_version: 0,
        users: 0,
        updated_at: f.now,
        settings: Policy::default(),
    }
}

/// Signed in, on the Policies pane, its rows asked for (not answered).
fn on_policies() -> (Fsm, u64) {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Char('3'));
    f.tick(100);
    let (id, _) = f.call(|c| matches!(c, Call::Policies));
    (f, id)
}

fn answer(f: &mut Fsm, id: u64) {
    let rows = vec![view(f, "default"), view(f, "portal")];
    f.reply(id, Reply::Policies(Ok(rows)));
}

fn form(f: &Fsm) -> &keyward::tui::popups::policy_form::PolicyForm {
    match f.main().popups.last() {
        Some(Popup::PolicyForm(p)) => p,
        other => panic!("no policy form: {other:?}"),
    }
}

fn value(f: &Fsm, key: &str) -> String {
    let i = KEYS.iter().position(|k| k.name == key).expect("a key");
    form(f).fields[i].value().to_string()
}

fn focus(f: &mut Fsm, key: &str) {
    let i = KEYS.iter().position(|k| k.name == key).expect("a key");
    for _ in 0..i {
        f.key(KeyCode::Down);
    }
}

#[test]
fn booleans_and_choices_are_chosen_not_typed() {
    let (mut f, id) = on_policies();
    answer(&mut f, id);
    f.key(KeyCode::Enter);
    focus(&mut f, "charset");
    assert_eq!(value(&f, "charset"), "any");
    f.key(KeyCode::Right);
    assert_eq!(value(&f, "charset"), "printable-ascii");
    f.key(KeyCode::Char(' '));
    assert_eq!(value(&f, "charset"), "alphanumeric");
    f.key(KeyCode::Left);
    f.key(KeyCode::Left);
    assert_eq!(value(&f, "charset"), "any");
    // Typed letters do not land in a choice.
    f.text("xyz");
    f.key(KeyCode::Backspace);
    assert_eq!(value(&f, "charset"), "any");
    // A boolean: Space toggles, arrows too.
    for _ in 0..6 {
        f.key(KeyCode::Down);
    }
    assert_eq!(KEYS[form(&f).focus].name, "reject_common");
    assert_eq!(value(&f, "reject_common"), "true");
    f.key(KeyCode::Char(' '));
    assert_eq!(value(&f, "reject_common"), "false");
    f.key(KeyCode::Right);
    assert_eq!(value(&f, "reject_common"), "true");
    f.text("nope");
    assert_eq!(value(&f, "reject_common"), "true");
    let screen = f.screen();
    assert!(screen.contains("◂ true ▸"), "{screen}");
}

#[test]
fn keys_typed_before_the_rows_come_act_on_them() {
    let (mut f, id) = on_policies();
    // j then Enter while the rows are on their way.
    f.key(KeyCode::Char('j'));
    f.key(KeyCode::Enter);
    assert!(f.main().popups.is_empty(), "acted on an empty list");
    answer(&mut f, id);
    assert_eq!(form(&f).name, "portal", "j and Enter, in order");
}

#[test]
fn a_pane_switch_is_not_held_behind_a_loading_pane() {
    let (mut f, _) = on_policies();
    f.key(KeyCode::Char('1'));
    assert_eq!(f.main().pane, Pane::Users);
    // Keys held for the Policies pane are dropped when it is left.
    let (mut f, id) = on_policies();
    f.key(KeyCode::Char('n'));
    f.key(KeyCode::Char('1'));
    assert_eq!(
        f.main().pane,
        Pane::Policies,
        "the pane switch waits behind the held key"
    );
    answer(&mut f, id);
    assert!(
        matches!(f.main().popups.last(), Some(Popup::NewPolicy(_))),
        "{:?}",
        f.main().popups
    );
}

#[test]
fn the_rows_show_before_their_counts() {
    let (mut f, id) = on_policies();
    answer(&mut f, id);
    let screen = f.screen();
    assert!(screen.contains("default"), "{screen}");
    let (id, _) = f.call(|c| matches!(c, Call::PolicyCounts));
    let row = |s: &str| {
        s.lines()
            .find(|l| l.contains("portal"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row(&screen).contains('…'), "{screen}");
    f.reply(
        id,
        Reply::PolicyCounts(Ok(vec![
            ("default".into(), 999_000),
            ("portal".into(), 1_000),
        ])),
    );
    let screen = f.screen();
    assert!(row(&screen).contains("1000"), "{screen}");
}

#[test]
fn a_number_refuses_letters_as_they_are_typed_and_pasted() {
    use keyward::tui::effect::Event;
    let (mut f, id) = on_policies();
    answer(&mut f, id);
    f.key(KeyCode::Enter);
    focus(&mut f, "lockout_threshold");
    let before = value(&f, "lockout_threshold");
    f.text("1x");
    assert_eq!(value(&f, "lockout_threshold"), format!("{before}1"));
    let screen = f.screen();
    assert!(
        screen.contains("lockout_threshold is a whole number from"),
        "{screen}"
    );
    // A digit clears the message.
    f.key(KeyCode::Backspace);
    assert!(form(&f).error.is_none());
    f.event(Event::Paste("12abc".into()));
    assert_eq!(value(&f, "lockout_threshold"), before, "nothing pasted");
    assert!(f.screen().contains("digits only"), "{}", f.screen());
}
