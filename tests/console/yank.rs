//! `y` copies the selected login (and `Y` the email, and in a secret's box
//! the secret) to the terminal's clipboard with OSC 52, which works over SSH.

use super::fsm::{Fsm, page};
use crossterm::event::KeyCode;
use keyward::crypto::tokens::Shown;
use keyward::tui::effect::{Call, Reply, Secrets};
use zeroize::Zeroizing;

#[test]
fn y_copies_the_selected_login_and_shift_y_the_email() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Down);
    f.key(KeyCode::Char('y'));
    f.key(KeyCode::Char('Y'));
    assert_eq!(f.copied, ["u0000001", "u0000001@example.org"]);
    assert!(
        f.screen()
            .contains("copied u0000001@example.org to the clipboard")
    );
}

#[test]
fn y_in_a_secret_box_copies_the_secret_and_never_shows_it_in_a_note() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Char('T'));
    let (id, _) = f.call(|c| matches!(c, Call::SharedLogins { .. }));
    f.reply(id, Reply::Shared(Ok(Vec::new())));
    f.key(KeyCode::Char('y'));
    let (id, _) = f.call(|c| matches!(c, Call::TempPasswords { .. }));
    let secrets = Secrets {
        title: "Temporary password".into(),
        items: vec![(
            "u0000000".into(),
            Shown(Zeroizing::new("first-temporary-secret".into())),
        )],
        note: None,
    };
    f.reply(id, Reply::Secret(Ok(secrets)));
    f.key(KeyCode::Char('y'));
    assert_eq!(f.copied, ["u0000000 first-temporary-secret"]);
    assert!(
        f.main()
            .log
            .iter()
            .all(|l| !l.text.contains("first-temporary"))
    );
    assert!(f.screen().contains("copied the secret to the clipboard"));
}

#[test]
fn y_copies_a_resource_name_a_holder_login_and_a_policy_name() {
    use keyward::domain::policy::Policy;
    use keyward::service::views::{GrantView, PolicyView, ResourceView};
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    // Resources: the resource's name.
    f.key(KeyCode::Char('2'));
    f.tick(100);
    let (id, _) = f.call(|c| matches!(c, Call::Resources));
    let resource = |name: &str| ResourceView {
        name: name.into(),
        description: String::new(),
        users: 1,
    };
    f.reply(
        id,
        Reply::Resources(Ok(vec![resource("Client portal"), resource("Mobile app")])),
    );
    f.key(KeyCode::Down);
    f.key(KeyCode::Char('y'));
    // Its access view: the selected holder's login.
    f.key(KeyCode::Enter);
    let (id, _) = f.call(|c| matches!(c, Call::ResourceUsers { .. }));
    let grant = GrantView {
        resource: "Mobile app".into(),
        login: "sean.o'neil".into(),
        level: "standard".into(),
        granted_at: f.now,
    };
    f.reply(id, Reply::Grants(Ok(vec![grant])));
    f.key(KeyCode::Char('y'));
    // Policies: the policy's name.
    f.key(KeyCode::Esc);
    f.key(KeyCode::Char('3'));
    f.tick(100);
    let (id, _) = f.call(|c| matches!(c, Call::Policies));
    let view = PolicyView {
        name: "contractors".into(),
        version: 1,
        enforced_version: 0,
        users: 3,
        updated_at: f.now,
        settings: Policy::default(),
    };
    f.reply(id, Reply::Policies(Ok(vec![view])));
    f.key(KeyCode::Char('y'));
    assert_eq!(f.copied, ["Mobile app", "sean.o'neil", "contractors"]);
    assert!(f.screen().contains("copied contractors to the clipboard"));
}
