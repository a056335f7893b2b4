//! The Lockouts pane: live, with countdowns, and unlocking from it.

use super::harness::Harness;
use super::harness::on_both_backends;
use chrono::{Duration, TimeZone, Utc};
use crossterm::event::KeyCode;
use keyward::domain::user::time_left;
use keyward::domain::{AuthOutcome, Kind, Password};

const PW: &str = "violet kettle harbour quince";

#[tokio::test]
async fn a_lock_made_elsewhere_shows_up_and_counts_down() {
    let t0 = Utc.with_ymd_and_hms(2025, 6, 2, 9, 30, 0).single().unwrap();
    let mut h = Harness::at(120, 32, t0).await;
    h.setup_admin().await;
    h.add_user("lena.locked", Kind::Staff, false, Some(PW))
        .await;
    h.key(KeyCode::Char('4')).await;
    h.wait_ms(100).await;
    assert!(
        h.screen().contains("No account is locked"),
        "{}",
        h.screen()
    );
    // Another program locks the account; within the refresh period the pane shows it.
    h.lock_out("lena.locked").await;
    h.wait_ms(2100).await;
    let until = t0 + Duration::minutes(15);
    let screen = h.screen();
    assert!(
        screen.contains("lena.locked") && screen.contains(&time_left(until, h.now)),
        "{screen}"
    );
    assert!(screen.contains("1 locked"), "{screen}");
    // The countdown follows the clock each second, without reloading.
    h.now += Duration::seconds(61);
    h.event(keyward::tui::effect::Event::Tick).await;
    let expected = time_left(until, h.now);
    assert!(h.screen().contains(&expected), "{expected}: {}", h.screen());
    // When the lock runs out the row says so.
    h.now += Duration::minutes(14);
    h.event(keyward::tui::effect::Event::Tick).await;
    assert!(h.screen().contains("unlocked"), "{}", h.screen());
    h.draws_at_any_size();
}

on_both_backends!(
    unlock_marked_accounts_with_a_confirmation_that_names_them,
    120,
    32,
    |h| {
        h.setup_admin().await;
        for login in ["amy.one", "ben.two", "cid.three"] {
            h.add_user(login, Kind::Staff, false, Some(PW)).await;
            h.lock_out(login).await;
        }
        h.key(KeyCode::Char('4')).await;
        h.wait_ms(100).await;
        // Most recent failure first: cid.three, ben.two, amy.one. Mark the first two.
        h.key(KeyCode::Char(' ')).await;
        h.key(KeyCode::Char(' ')).await;
        h.key(KeyCode::Char('u')).await;
        let screen = h.screen();
        assert!(
            screen.contains("Unlock 2 accounts")
                && screen.contains("ben.two and")
                && screen.contains("cid.three?"),
            "{screen}"
        );
        // Cancel is focused: Enter alone does nothing.
        h.key(KeyCode::Enter).await;
        assert_eq!(
            h.service
                .authenticate("cid.three", &Password::from(PW), "t")
                .await
                .unwrap()
                .exit_code(),
            12
        );
        h.key(KeyCode::Char('u')).await;
        h.key(KeyCode::Tab).await;
        h.key(KeyCode::Enter).await;
        assert!(h.screen().contains("unlocked 2 accounts"), "{}", h.screen());
        for (login, locked) in [("amy.one", true), ("ben.two", false), ("cid.three", false)] {
            let o = h
                .service
                .authenticate(login, &Password::from(PW), "t")
                .await
                .unwrap();
            assert_eq!(
                matches!(o, AuthOutcome::Locked { .. }),
                locked,
                "{login}: {o:?}"
            );
        }
        // Each unlock is its own audit entry.
        let admin = h.admin().await;
        let audit = h
            .service
            .audit(&admin, Some("user.unlock"), None, 10)
            .await
            .unwrap();
        assert_eq!(audit.len(), 2);
        // The pane reloads by itself and only amy.one is left locked.
        h.wait_ms(2100).await;
        let screen = h.screen();
        assert!(
            screen.contains("1 locked") && screen.contains("▶ amy.one"),
            "{screen}"
        );
    }
);

on_both_backends!(failed_sign_ins_are_listed_and_filtered, 120, 32, |h| {
    h.setup_admin().await;
    h.add_user("dan.four", Kind::Staff, false, Some(PW)).await;
    h.service
        .authenticate("dan.four", &Password::from("nope nope"), "mobile-app")
        .await
        .unwrap();
    h.service
        .authenticate("ghost.user", &Password::from("nope nope"), "website")
        .await
        .unwrap();
    h.key(KeyCode::Char('4')).await;
    h.wait_ms(100).await;
    let screen = h.screen();
    assert!(
        screen.contains("mobile-app") && screen.contains("ghost.user"),
        "{screen}"
    );
    h.key(KeyCode::Char('/')).await;
    h.text("mobile").await;
    let screen = h.screen();
    assert!(
        screen.contains("dan.four") && !screen.contains("ghost.user"),
        "{screen}"
    );
    // Esc clears the filter and never quits.
    h.key(KeyCode::Esc).await;
    assert!(!h.quit);
    assert!(h.screen().contains("ghost.user"));
});

on_both_backends!(a_lock_made_while_the_pane_is_open_is_listed, 120, 32, |h| {
    h.setup_admin().await;
    for login in ["amy.one", "ben.two", "cid.three"] {
        h.add_user(login, Kind::Staff, false, Some(PW)).await;
    }
    // Two failures of five: listed as close to locking.
    for _ in 0..3 {
        h.service
            .authenticate("amy.one", &Password::from("wrong wrong"), "t")
            .await
            .unwrap();
    }
    h.key(KeyCode::Char('4')).await;
    h.wait_ms(100).await;
    assert!(h.screen().contains("amy.one"), "{}", h.screen());
    // Another program locks ben.two while the pane is open.
    h.lock_out("ben.two").await;
    h.wait_ms(2100).await;
    let screen = h.screen();
    assert!(screen.contains("1 locked, 1 close"), "{screen}");
    assert!(
        screen.contains("ben.two") && screen.contains("amy.one"),
        "{screen}"
    );
    // And one more after R.
    h.lock_out("cid.three").await;
    h.key(KeyCode::Char('R')).await;
    h.wait_ms(100).await;
    let screen = h.screen();
    assert!(screen.contains("2 locked, 1 close"), "{screen}");
    assert!(screen.contains("cid.three"), "{screen}");
});

mod notified {
    use super::super::fsm::{Fsm, user};
    use keyward::tui::effect::{Call, Event, LockoutsOverview, Reply};

    fn is_lockouts(c: &Call) -> bool {
        matches!(c, Call::Lockouts { .. })
    }

    fn answer(f: &mut Fsm, logins: &[&str]) {
        let (id, _) = f.call(is_lockouts);
        let data = LockoutsOverview {
            accounts: logins
                .iter()
                .enumerate()
                .map(|(i, l)| user(i as i64 + 10, l))
                .collect(),
            failures: Vec::new(),
            counts: Default::default(),
        };
        f.reply(id, Reply::Lockouts(Ok(data)));
    }

    /// On PostgreSQL a lock is notified: the pane reloads at the next tick
    /// (0.1 s), not at its two-second reload.
    #[test]
    fn a_notified_lock_reloads_the_pane_at_the_next_tick() {
        let mut f = Fsm::signed_in(120, 40);
        let (id, _) = f.call(|c| matches!(c, Call::WatchLockouts));
        f.reply(id, Reply::Watching(Ok(true)));
        f.event(keyward::tui::effect::Event::Key(
            crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char('4')),
        ));
        f.tick(100);
        answer(&mut f, &["amy.one"]);
        assert!(f.screen().contains("(live)"), "{}", f.screen());
        f.tick(100);
        assert_eq!(f.count(is_lockouts), 0, "reloaded before its time");
        f.event(Event::LockoutsChanged);
        f.tick(100);
        answer(&mut f, &["ben.two", "amy.one"]);
        assert!(f.screen().contains("ben.two"), "{}", f.screen());
        // Notified while a reload runs: one more reload once it is back.
        f.event(Event::LockoutsChanged);
        f.tick(100);
        f.event(Event::LockoutsChanged);
        f.tick(100);
        assert_eq!(f.count(is_lockouts), 1, "one reload at a time");
        answer(&mut f, &["ben.two", "amy.one"]);
        f.tick(100);
        assert_eq!(f.count(is_lockouts), 1, "the second notice was dropped");
    }
}
