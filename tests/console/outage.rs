//! The console's outage banner and recovery on PostgreSQL, through a proxy
//! that cuts or stalls the connections (tests/common/proxy.rs): the server
//! gone shows the banner over the rows already listed, the retries keep
//! failing while it stays gone, and the console recovers by itself once it
//! is back; a stalled connection that is then cut does the same.

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
