//! `K` in the Resources pane: the resource's application keys, issuing one
//! (shown once, after the administrator's password) and revoking one.

use super::fsm::Fsm;
use crossterm::event::KeyCode;
use keyward::service::KeyView;
use keyward::service::views::ResourceView;
use keyward::tui::effect::{Call, Reply, Secrets};
use keyward::tui::panes::Pane;
use keyward::tui::popups::Popup;

fn on_resources() -> Fsm {
    let mut f = Fsm::signed_in(120, 40);
    f.main_mut().pane = Pane::Resources;
    f.main_mut().resources.rows = vec![ResourceView {
        name: "Mobile app".into(),
        description: "the phone app".into(),
        users: 3,
    }];
    f
}

fn key(id: i64, prefix: &str, revoked: bool) -> KeyView {
    KeyView {
        id,
        resource: "Mobile app".into(),
        prefix: prefix.into(),
        label: "prod".into(),
        created_at: super::fsm::t0(),
        created_by: "root1".into(),
        revoked_at: revoked.then(super::fsm::t0),
    }
}

#[test]
fn k_lists_the_keys_and_n_issues_one_shown_once_after_the_password() {
    let mut f = on_resources();
    f.key(KeyCode::Char('K'));
    let (id, call) = f.call(|c| matches!(c, Call::ApiKeys { .. }));
    assert!(matches!(call, Call::ApiKeys { resource } if resource == "Mobile app"));
    assert!(f.screen().contains("Loading"));
    f.reply(
        id,
        Reply::ApiKeys(Ok(vec![
            key(7, "kwk_1234abcd", false),
            key(8, "kwk_99990000", true),
        ])),
    );
    let screen = f.screen();
    assert!(screen.contains("Keys of Mobile app"), "{screen}");
    assert!(
        screen.contains("kwk_1234abcd") && screen.contains("live"),
        "{screen}"
    );
    assert!(screen.contains("revoked"), "{screen}");

    f.key(KeyCode::Char('n'));
    f.text("staging");
    f.key(KeyCode::Tab);
    f.text("correct horse battery staple");
    assert!(
        !f.screen().contains("correct horse"),
        "the password is never shown"
    );
    f.key(KeyCode::Enter);
    let (id, call) = f.call(|c| matches!(c, Call::IssueKey { .. }));
    match call {
        Call::IssueKey {
            resource,
            label,
            admin_password,
        } => {
            assert_eq!(
                (resource.as_str(), label.as_str()),
                ("Mobile app", "staging")
            );
            assert_eq!(admin_password.expose(), "correct horse battery staple");
        }
        other => panic!("{other:?}"),
    }
    let secrets = Secrets {
        title: "Key kwk_abcd0000 for Mobile app, shown once".into(),
        items: vec![(
            String::new(),
            keyward::crypto::tokens::Shown(zeroize::Zeroizing::new(format!(
                "kwk_{}",
                "a".repeat(64)
            ))),
        )],
        note: None,
    };
    f.reply(id, Reply::Secret(Ok(secrets)));
    assert!(matches!(f.main().popups.last(), Some(Popup::Secret(_))));
}

#[test]
fn x_revokes_the_selected_key_after_the_password_and_refuses_a_revoked_one() {
    let mut f = on_resources();
    f.key(KeyCode::Char('K'));
    let (id, _) = f.call(|c| matches!(c, Call::ApiKeys { .. }));
    f.reply(
        id,
        Reply::ApiKeys(Ok(vec![
            key(7, "kwk_1234abcd", false),
            key(8, "kwk_99990000", true),
        ])),
    );
    // The revoked one.
    f.key(KeyCode::Down);
    f.key(KeyCode::Char('x'));
    assert!(f.screen().contains("already revoked"));
    // The live one: the password first.
    f.key(KeyCode::Up);
    f.key(KeyCode::Char('x'));
    assert!(f.screen().contains("Revoke key kwk_1234abcd"));
    f.key(KeyCode::Enter);
    assert!(f.screen().contains("Type your password."));
    assert_eq!(f.count(|c| matches!(c, Call::RevokeKey { .. })), 0);
    f.text("correct horse battery staple");
    f.key(KeyCode::Enter);
    let (id, call) = f.call(|c| matches!(c, Call::RevokeKey { .. }));
    assert!(matches!(call, Call::RevokeKey { key, .. } if key == "7"));
    f.reply(
        id,
        Reply::Done(Ok("revoked key kwk_1234abcd of Mobile app".into())),
    );
    assert!(f.main().popups.is_empty(), "done: the dialog closes");
    assert!(f.screen().contains("revoked key kwk_1234abcd"));
}

#[test]
fn a_refused_issue_is_shown_in_the_dialog() {
    let mut f = on_resources();
    f.key(KeyCode::Char('K'));
    let (id, _) = f.call(|c| matches!(c, Call::ApiKeys { .. }));
    f.reply(id, Reply::ApiKeys(Ok(Vec::new())));
    assert!(f.screen().contains("No key yet"));
    f.key(KeyCode::Char('n'));
    f.key(KeyCode::Tab);
    f.text("wrong");
    f.key(KeyCode::Enter);
    let (id, _) = f.call(|c| matches!(c, Call::IssueKey { .. }));
    f.reply(
        id,
        Reply::Secret(Err(keyward::Error::Invalid(
            "that is not your current password; nothing was changed".into(),
        ))),
    );
    assert!(
        f.screen().contains("not your current password"),
        "{}",
        f.screen()
    );
}
