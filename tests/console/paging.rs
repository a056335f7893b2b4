//! Movement keys pressed while a page is on its way are not lost (fault
//! 6): they wait and are made when the page arrives.

use super::fsm::Fsm;
use crossterm::event::KeyCode;
use keyward::tui::effect::Call;

fn listings(f: &Fsm) -> usize {
    f.count(|c| matches!(c, Call::ListUsers { .. }))
}

/// 400 PgDn from the top, pressed before any page after the first arrives,
/// move 400 screens (10,000 rows at 25 rows a screen), not to the end of
/// the rows that happened to be loaded.
#[test]
fn four_hundred_page_downs_move_four_hundred_screens() {
    let total = 20_000;
    let mut f = Fsm::signed_in(100, 30);
    f.answer_listing(total);
    let height = f.app.table_height();
    assert_eq!(height, 25);
    for _ in 0..400 {
        f.key(KeyCode::PageDown);
        assert!(listings(&f) <= 1, "one page at a time");
    }
    // The pages come in one after another; each asks for the next.
    let mut pages = 0;
    while listings(&f) > 0 {
        f.answer_listing(total);
        pages += 1;
        assert!(pages < 1_000, "the window never settles");
    }
    assert_eq!(f.selected_login(), format!("u{:07}", 400 * height));
    assert_eq!(f.main().users.queued, 0);
    // And back up as far, the same way.
    for _ in 0..400 {
        f.key(KeyCode::PageUp);
    }
    while listings(&f) > 0 {
        f.answer_listing(total);
    }
    assert_eq!(f.selected_login(), "u0000000");
}

/// `g` while moves wait forgets them: the first page is shown from the top.
#[test]
fn g_forgets_the_moves_that_wait() {
    let total = 5_000;
    let mut f = Fsm::signed_in(100, 30);
    f.answer_listing(total);
    for _ in 0..20 {
        f.key(KeyCode::PageDown);
    }
    f.key(KeyCode::Char('g'));
    while listings(&f) > 0 {
        f.answer_listing(total);
    }
    assert_eq!(f.selected_login(), "u0000000");
    assert_eq!(f.main().users.queued, 0);
}

/// Every list says where the selection is and how long the list is ("row
/// 10,001 of 20,000"), counted once the page has shown; after G the place
/// is known from the end.
#[test]
fn the_position_and_the_total_follow_the_window() {
    use keyward::service::ListCount;
    use keyward::tui::effect::Reply;
    let total = 20_000;
    let mut f = Fsm::signed_in(100, 30);
    f.answer_listing(total);
    assert!(f.screen().contains("row 1 of …"), "{}", f.screen());
    // The count is asked at the next tick, not with the page.
    assert_eq!(f.count(|c| matches!(c, Call::CountUsers { .. })), 0);
    f.tick(100);
    let (id, _) = f.call(|c| matches!(c, Call::CountUsers { .. }));
    f.reply(
        id,
        Reply::UserCount(Ok(ListCount {
            n: total as i64,
            estimate: false,
        })),
    );
    for _ in 0..400 {
        f.key(KeyCode::PageDown);
    }
    while listings(&f) > 0 {
        f.answer_listing(total);
    }
    assert!(
        f.screen().contains("row 10,001 of 20,000"),
        "{}",
        f.screen()
    );
    f.key(KeyCode::Char('G'));
    f.answer_listing(total);
    assert!(
        f.screen().contains("row 20,000 of 20,000"),
        "{}",
        f.screen()
    );
    // An estimate says so.
    f.main_mut().users.total = Some(ListCount {
        n: 1_000_000,
        estimate: true,
    });
    assert!(f.screen().contains("of about 1,000,000"), "{}", f.screen());
}

/// `S` reverses the sort; the sorted column's header says which way.
#[test]
fn shift_s_reverses_the_sort_and_the_header_says_so() {
    let mut f = Fsm::signed_in(120, 30);
    f.answer_listing(50);
    assert!(f.screen().contains("LOGIN ▲"), "{}", f.screen());
    f.key(KeyCode::Char('S'));
    let (_, call) = f.call(|c| matches!(c, Call::ListUsers { .. }));
    let Call::ListUsers { filter } = call else {
        unreachable!()
    };
    assert!(filter.descending && filter.after.is_none());
    let screen = f.screen();
    assert!(screen.contains("sort: login, reversed"), "{screen}");
    assert!(screen.contains("LOGIN ▼"), "{screen}");
    // Then name and email; at 100 columns the email column, hidden for
    // room, shows while the rows are sorted by it.
    f.key(KeyCode::Char('s'));
    assert!(f.screen().contains("NAME ▼"), "{}", f.screen());
    f.event(keyward::tui::effect::Event::Resize(100, 30));
    assert!(!f.screen().contains("EMAIL"), "{}", f.screen());
    f.key(KeyCode::Char('s'));
    let by_email = |c: &Call| {
        matches!(c, Call::ListUsers { filter }
            if filter.sort == keyward::domain::listing::UserSort::Email && filter.descending)
    };
    assert_eq!(f.count(by_email), 1, "{:?}", f.calls);
    assert!(f.screen().contains("EMAIL ▼"), "{}", f.screen());
    assert!(
        f.screen().contains("sort: email, reversed"),
        "{}",
        f.screen()
    );
    // Then kind and role, each marked in its own header.
    f.key(KeyCode::Char('s'));
    assert!(f.screen().contains("KIND ▼"), "{}", f.screen());
    assert!(!f.screen().contains("EMAIL"), "{}", f.screen());
    f.key(KeyCode::Char('s'));
    let by_role = |c: &Call| {
        matches!(c, Call::ListUsers { filter }
            if filter.sort == keyward::domain::listing::UserSort::Role && filter.descending)
    };
    assert_eq!(f.count(by_role), 1, "{:?}", f.calls);
    assert!(f.screen().contains("ROLE ▼"), "{}", f.screen());
    assert!(
        f.screen().contains("sort: role, reversed"),
        "{}",
        f.screen()
    );
    // Then status, by the first badge.
    f.key(KeyCode::Char('s'));
    let by_status = |c: &Call| {
        matches!(c, Call::ListUsers { filter }
            if filter.sort == keyward::domain::listing::UserSort::Status && filter.descending)
    };
    assert_eq!(f.count(by_status), 1, "{:?}", f.calls);
    assert!(f.screen().contains("STATUS ▼"), "{}", f.screen());
    assert!(
        f.screen().contains("sort: status, reversed"),
        "{}",
        f.screen()
    );
    // Last sign-in runs most recent first; reversed, oldest first.
    f.key(KeyCode::Char('s'));
    assert!(f.screen().contains("LAST SIGN-IN ▲"), "{}", f.screen());
    f.key(KeyCode::Char('s'));
    assert!(f.screen().contains("LOGIN ▼"), "{}", f.screen());
}
