//! The Users pane at scale: its rows are a bounded window over thousands of
//! users, moved a page at a time both ways; `G` and `g` jump to the real
//! ends with one query; marks outlive the rows they were on.

use super::harness::{Harness, on_both_backends};
use crossterm::event::KeyCode;
use keyward::service::UserFilter;
use keyward::tui::app::{Main, Screen};
use keyward::tui::panes::user_window::WINDOW;

/// Demo users on top of root1.
const USERS: u64 = 2_500;

fn main_of(h: &Harness) -> &Main {
    match &h.app.screen {
        Screen::Main(m) => m,
        other => panic!("not signed in: {other:?}"),
    }
}

fn list_calls(h: &Harness) -> usize {
    h.calls.iter().filter(|c| *c == "ListUsers").count()
}

/// Signed in as root1 over `USERS` demo users, the list loaded and the
/// first row selected; returns every login in listing order (read with
/// forward pages through the service, not through the console).
async fn filled(h: &mut Harness) -> Vec<String> {
    h.setup_admin().await;
    let admin = h.admin().await;
    h.service
        .demo_fill(&admin, USERS, &|_| {})
        .await
        .expect("demo fill");
    h.key(KeyCode::Char('R')).await;
    h.key(KeyCode::Char('g')).await;
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let filter = UserFilter {
            limit: 1000,
            after,
            ..Default::default()
        };
        let page = h.service.list_users(&admin, &filter).await.expect("list");
        all.extend(page.items.into_iter().map(|u| u.login));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(all.len() as u64, USERS + 1);
    all
}

/// Where the selected user is in the whole listing; checks on the way that
/// the window is bounded and is one unbroken stretch of the listing.
fn position(h: &Harness, all: &[String]) -> usize {
    let u = &main_of(h).users;
    assert!(
        u.rows.len() <= WINDOW,
        "{} rows held, more than {WINDOW}",
        u.rows.len()
    );
    let logins: Vec<&str> = u.rows.iter().map(|r| r.login.as_str()).collect();
    let start = all
        .iter()
        .position(|l| l == logins[0])
        .expect("first row listed");
    assert_eq!(
        logins,
        all[start..start + logins.len()]
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        "the window is a contiguous, sorted stretch of the listing"
    );
    assert_eq!(
        u.prev.is_some(),
        start > 0,
        "prev says whether rows come before the window"
    );
    assert_eq!(
        u.next.is_some(),
        start + logins.len() < all.len(),
        "next says whether rows follow the window"
    );
    start + u.selected
}

on_both_backends!(paging_down_and_up_keeps_the_window_bounded, 100, 30, |h| {
    let all = filled(&mut h).await;
    let height = h.app.table_height();
    assert_eq!(position(&h, &all), 0);
    // Mark the first three users (Space marks and moves down).
    for _ in 0..3 {
        h.key(KeyCode::Char(' ')).await;
    }
    let marked: Vec<i64> = main_of(&h).users.rows[..3].iter().map(|r| r.id).collect();
    assert_eq!(position(&h, &all), 3);

    // Down to the end: every PageDown moves exactly a screen, the selected
    // login keeps increasing, and the window never grows past its cap.
    let mut at = 3;
    let mut largest = 0;
    while at + 1 < all.len() {
        h.key(KeyCode::PageDown).await;
        let now = position(&h, &all);
        assert_eq!(now, (at + height).min(all.len() - 1), "moved one screen");
        assert!(all[now].to_lowercase() > all[at].to_lowercase());
        largest = largest.max(main_of(&h).users.rows.len());
        at = now;
    }
    assert_eq!(largest, WINDOW, "the window filled up, and no further");
    let m = main_of(&h);
    assert_eq!(m.users.selected_row().map(|r| &r.login), all.last());
    assert!(m.users.prev.is_some(), "rows left the window at the front");
    for id in &marked {
        assert!(
            m.users.marked.contains_key(id),
            "a mark survives its row leaving"
        );
        assert!(m.users.rows.iter().all(|r| r.id != *id));
    }
    assert!(h.screen().contains("3 marked"), "{}", h.screen());

    // Back up to the start: nothing skipped or repeated on the way.
    while at > 0 {
        h.key(KeyCode::PageUp).await;
        let now = position(&h, &all);
        assert_eq!(now, at.saturating_sub(height), "moved one screen up");
        assert!(now == 0 || all[now].to_lowercase() < all[at].to_lowercase());
        at = now;
    }
    let m = main_of(&h);
    assert!(m.users.prev.is_none());
    assert_eq!(m.users.marked.len(), 3, "marks survive window moves");
    for id in &marked {
        assert!(m.users.marked.contains_key(id));
    }
});

on_both_backends!(g_and_shift_g_jump_to_the_real_ends, 100, 30, |h| {
    let all = filled(&mut h).await;
    let last = all.last().expect("users").clone();

    // From the first page straight to the last user: one query.
    let before = list_calls(&h);
    h.key(KeyCode::Char('G')).await;
    assert_eq!(list_calls(&h) - before, 1, "G is one query");
    assert_eq!(position(&h, &all), all.len() - 1);
    assert_eq!(
        main_of(&h).users.selected_row().map(|r| &r.login),
        Some(&last)
    );
    let shown: String = last.chars().take(15).collect();
    let screen = h.screen();
    assert!(screen.contains(&format!("▶ {shown}")), "{screen}");
    // Already there: End asks for nothing more.
    let before = list_calls(&h);
    h.key(KeyCode::End).await;
    assert_eq!(list_calls(&h), before);

    // Up a little (the page before loads as the selection nears the top),
    // then back to the first user with g: one query.
    for _ in 0..10 {
        h.key(KeyCode::PageUp).await;
    }
    let at = position(&h, &all);
    assert!(at < all.len() - 200, "{at}");
    let before = list_calls(&h);
    h.key(KeyCode::Char('g')).await;
    assert_eq!(list_calls(&h) - before, 1, "g is one query");
    assert_eq!(position(&h, &all), 0);
    assert!(main_of(&h).users.prev.is_none());
    assert_eq!(
        main_of(&h).users.selected_row().map(|r| &r.login),
        all.first()
    );
    let shown: String = all[0].chars().take(15).collect();
    assert!(h.screen().contains(&format!("▶ {shown}")), "{}", h.screen());
    // Already at the top: Home asks for nothing.
    let before = list_calls(&h);
    h.key(KeyCode::Home).await;
    assert_eq!(list_calls(&h), before);

    // Deep in the list, R reloads where the window is: the same user stays
    // selected and the screen does not jump.
    for _ in 0..60 {
        h.key(KeyCode::PageDown).await;
    }
    let at = position(&h, &all);
    let screen = h.screen();
    h.key(KeyCode::Char('R')).await;
    assert_eq!(position(&h, &all), at);
    assert_eq!(h.screen(), screen);
    // G from the middle, then PageUp all the way keeps working.
    h.key(KeyCode::Char('G')).await;
    assert_eq!(position(&h, &all), all.len() - 1);
});
