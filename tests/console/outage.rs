//! The console's outage banner and recovery on PostgreSQL, through a proxy
//! that cuts or stalls the connections (tests/common/proxy.rs): the server
//! gone shows the banner over the rows already listed, the retries keep
//! failing while it stays gone, and the console recovers by itself once it
//! is back; a stalled connection that is then cut does the same, and an
//! outage or a stall shows without a key press.

use super::harness::Harness;
use crossterm::event::KeyCode;
use keyward::domain::Kind;
use keyward::tui::app::Screen;

const USER_PW: &str = "violet kettle harbour quince";

fn banner(h: &Harness) -> Option<String> {
    match &h.app.screen {
        Screen::Main(m) => m.banner.clone(),
        other => panic!("not signed in: {other:?}"),
    }
}

/// Lets the console's clock run, a tick every 3 s, until the banner goes
/// (its retries back off; no wall-clock time passes).
async fn until_recovered(h: &mut Harness) {
    for _ in 0..40 {
        h.wait_ms(3000).await;
        if banner(h).is_none() {
            return;
        }
    }
    panic!("the console did not recover: {}", h.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(keyward_postgres_tests),
    ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
)]
async fn the_banner_shows_a_cut_and_goes_when_the_server_is_back() {
    let Some((mut h, proxy)) = Harness::new_pg_behind_proxy(100, 30).await else {
        return;
    };
    h.setup_admin().await;
    h.add_user("anna.b", Kind::Staff, false, Some(USER_PW))
        .await;
    h.key(KeyCode::Char('R')).await;
    assert!(h.screen().contains("anna.b"), "{}", h.screen());

    // The server goes: the next request shows the banner, the rows stay.
    proxy.down();
    h.key(KeyCode::Char('R')).await;
    let screen = h.screen();
    assert!(screen.contains("Database unreachable"), "{screen}");
    assert!(screen.contains("anna.b"), "the rows stay: {screen}");
    // Its retries fail while it stays gone, and the console stays up.
    for _ in 0..5 {
        h.wait_ms(3000).await;
    }
    assert!(banner(&h).is_some(), "{}", h.screen());
    assert!(!h.quit);

    // Back: the console recovers without a key.
    proxy.up();
    until_recovered(&mut h).await;
    assert!(h.screen().contains("anna.b"), "{}", h.screen());

    // Stalled, then cut: the request waits, then shows the banner.
    proxy.stall();
    let cut = async {
        proxy.holding().await;
        proxy.down();
        proxy.release();
    };
    let ((), ()) = tokio::join!(h.key(KeyCode::Char('R')), cut);
    assert!(
        h.screen().contains("Database unreachable"),
        "{}",
        h.screen()
    );
    proxy.up();
    until_recovered(&mut h).await;
    assert!(h.screen().contains("anna.b"), "{}", h.screen());
    h.draws_at_any_size();
}

/// Issue 15, fault 10: an outage shows when it happens, not at the next
/// key. While no banner is up the console asks the database every second
/// (`HEARTBEAT_EVERY`), and a ping that gets no answer in a second
/// (`PING_TIMEOUT`) counts as an outage: a stalled connection answers
/// nothing at all, and without a deadline the console would wait on it for
/// minutes. No key is pressed from the first listing on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(keyward_postgres_tests),
    ignore = "PostgreSQL: KEYWARD_TEST_DATABASE_URL was not set"
)]
async fn an_outage_shows_within_two_seconds_without_a_key_even_a_stall() {
    let Some((mut h, proxy)) = Harness::new_pg_behind_proxy(100, 30).await else {
        return;
    };
    h.setup_admin().await;
    h.add_user("anna.b", Kind::Staff, false, Some(USER_PW))
        .await;
    h.key(KeyCode::Char('R')).await;
    assert!(h.screen().contains("anna.b"), "{}", h.screen());
    // Quiet: the heartbeats are answered and nothing shows.
    for _ in 0..3 {
        h.wait_ms(1000).await;
    }
    assert!(banner(&h).is_none(), "{}", h.screen());

    // Stalled: the next heartbeat, a second on, gets no answer in a second.
    proxy.stall();
    h.wait_ms(1000).await;
    let shown = banner(&h).unwrap_or_else(|| panic!("no banner: {}", h.screen()));
    assert!(shown.contains("no answer in 1 s"), "{shown}");
    assert!(
        h.screen().contains("anna.b"),
        "the rows stay: {}",
        h.screen()
    );
    proxy.release();
    until_recovered(&mut h).await;

    // Gone: the same, without a key.
    for _ in 0..2 {
        h.wait_ms(1000).await;
    }
    assert!(banner(&h).is_none(), "{}", h.screen());
    proxy.down();
    h.wait_ms(1000).await;
    assert!(banner(&h).is_some(), "{}", h.screen());
    proxy.up();
    until_recovered(&mut h).await;
    assert!(!h.quit);
}
