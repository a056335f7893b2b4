//! Faults the console soak (soak.rs) found, each as the shortest sequence
//! of events that showed it.

use super::fsm::{Fsm, page};
use crossterm::event::KeyCode;
use keyward::service::views::ResourceView;
use keyward::tui::effect::{Call, Reply};

fn resources(n: usize) -> Vec<ResourceView> {
    (0..n)
        .map(|i| ResourceView {
            name: format!("Resource {i}"),
            description: String::new(),
            users: 1,
        })
        .collect()
}

/// The Resources pane's reload answered while one resource's access list was open:
/// the list came back shorter and its selection stayed past its end, so
/// back in the list no row was selected and the keys acted on nothing.
#[test]
fn resources_shrinking_under_an_open_access_list_keep_the_selection_inside() {
    let mut f = Fsm::signed_in(120, 40);
    f.answer_users(page(0, 3, 3));
    f.key(KeyCode::Char('2'));
    f.tick(100);
    let (id, _) = f.call(|c| matches!(c, Call::Resources));
    f.reply(id, Reply::Resources(Ok(resources(30))));
    f.key(KeyCode::End);
    assert_eq!(f.main().resources.selected, 29);
    // A reload goes out; before it is answered, the last resource is opened.
    f.key(KeyCode::Char('R'));
    f.tick(100);
    let (reload, _) = f.call(|c| matches!(c, Call::Resources));
    f.key(KeyCode::Enter);
    let (id, _) = f.call(|c| matches!(c, Call::ResourceUsers { .. }));
    f.reply(id, Reply::Grants(Ok(Vec::new())));
    f.reply(reload, Reply::Resources(Ok(resources(3))));
    f.key(KeyCode::Esc);
    assert!(f.main().resources.access.is_none(), "back in the list");
    assert!(
        f.main().resources.selected < 3,
        "{}",
        f.main().resources.selected
    );
    assert!(f.screen().contains("Resource 2"), "{}", f.screen());
}
