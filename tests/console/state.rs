//! State tests: key sequences into the app, checked against the resulting
//! state, the screen and the database.

use super::harness::on_both_backends;
use super::harness::{ADMIN_PW, Harness};
use crossterm::event::KeyCode;
use keyward::tui::app::Screen;

on_both_backends!(first_run_creates_the_admin_and_signs_in, 120, 32, |h| {
    assert!(
        matches!(h.app.screen, Screen::Setup(_)),
        "first run on an empty database"
    );
    h.setup_admin().await;
    assert!(matches!(h.app.screen, Screen::Main(_)), "{}", h.screen());
    let screen = h.screen();
    assert!(screen.contains("root1 (global admin)"), "{screen}");
    assert!(screen.contains("▶ root1"), "{screen}");
});

on_both_backends!(new_user_form_creates_a_user, 120, 32, |h| {
    h.setup_admin().await;
    h.key(KeyCode::Char('n')).await;
    h.fields(&["anna.b", "Anna Bell", "anna@example.org"]).await;
    for _ in 0..4 {
        h.key(KeyCode::Tab).await;
    }
    h.text("violet kettle harbour quince").await;
    h.key(KeyCode::Tab).await;
    h.text("violet kettle harbour quince").await;
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Enter).await;
    let screen = h.screen();
    assert!(screen.contains("created anna.b"), "{screen}");
    assert!(screen.contains("anna.b"), "{screen}");
    let u = h
        .service
        .store()
        .user_by_login("anna.b")
        .await
        .unwrap()
        .expect("created");
    assert!(u.must_change_password, "must-change defaults on");
    let _ = ADMIN_PW;
});

// ---------------------------------------------------------------------------

use chrono::Duration;
use crossterm::event::{KeyEvent, KeyModifiers};
use keyward::domain::{Kind, Password};
use keyward::tui::app::Main;
use keyward::tui::effect::{Call, Effect, Event, Reply};
use keyward::tui::popups::Popup;
use keyward::tui::worker::perform;

const USER_PW: &str = "violet kettle harbour quince";

/// Signed in as root1 with these users (passwords set), list loaded.
async fn signed_in_with(mut h: Harness, logins: &[&str]) -> Harness {
    h.setup_admin().await;
    for login in logins {
        h.add_user(login, Kind::Staff, false, Some(USER_PW)).await;
    }
    h.key(KeyCode::Char('R')).await;
    h.key(KeyCode::Char('g')).await;
    h
}

fn main_of(h: &Harness) -> &Main {
    match &h.app.screen {
        Screen::Main(m) => m,
        other => panic!("not signed in: {other:?}"),
    }
}

fn rows(h: &Harness) -> Vec<String> {
    main_of(h)
        .users
        .rows
        .iter()
        .map(|r| r.login.clone())
        .collect()
}

fn list_calls(h: &Harness) -> usize {
    h.calls.iter().filter(|c| *c == "ListUsers").count()
}

fn press(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

/// The one service call among `effects`.
fn only_call(effects: Vec<Effect>) -> (u64, Option<keyward::service::Actor>, Call) {
    let mut calls: Vec<_> = effects
        .into_iter()
        .map(|e| match e {
            Effect::Call { id, actor, call } => (id, actor, call),
            Effect::Quit => panic!("quit"),
            Effect::Copy(_) => panic!("copied"),
        })
        .collect();
    assert_eq!(calls.len(), 1, "{calls:?}");
    calls.pop().unwrap()
}

fn search_of(call: &Call) -> Option<String> {
    match call {
        Call::ListUsers { filter } => filter.search.clone(),
        other => panic!("not a listing: {other:?}"),
    }
}

on_both_backends!(filter_searches_as_you_type, 100, 30, |h| {
    let mut h = signed_in_with(h, &["anna.b", "annette", "bob.c"]).await;
    h.key(KeyCode::Char('/')).await;
    let before = list_calls(&h);
    // A key searches at once: no tick, no delay.
    let (id1, actor1, call1) = only_call(h.app.update(press('a'), h.now));
    assert_eq!(search_of(&call1).as_deref(), Some("a"));
    // Typed while that search runs: nothing yet, at most one in flight.
    assert!(h.app.update(press('n'), h.now).is_empty());
    assert!(h.app.update(press('n'), h.now).is_empty());
    assert!(h.screen().contains("Users  /ann"), "{}", h.screen());
    // Its answer arrives: shown, and exactly one search for the latest text.
    let reply1 = perform(&h.service, actor1.as_ref(), call1).await;
    let (id2, actor2, call2) = only_call(h.app.update(
        Event::Reply {
            id: id1,
            reply: reply1,
        },
        h.now,
    ));
    assert_eq!(search_of(&call2).as_deref(), Some("ann"));
    // "a" is in every one of them (their emails are @example.org).
    assert_eq!(
        rows(&h),
        ["anna.b", "annette", "bob.c", "root1"],
        "the answer for \"a\""
    );
    let reply2 = perform(&h.service, actor2.as_ref(), call2).await;
    let effects = h.app.update(
        Event::Reply {
            id: id2,
            reply: reply2,
        },
        h.now,
    );
    assert!(
        effects.is_empty(),
        "the text is what was searched: {effects:?}"
    );
    assert_eq!(rows(&h), ["anna.b", "annette"]);
    assert_eq!(main_of(&h).users.search, "ann");
    // Time passing searches nothing.
    h.wait_ms(500).await;
    assert_eq!(list_calls(&h), before);
    // A key that changes nothing (the cursor moves) searches nothing.
    h.key(KeyCode::Left).await;
    assert_eq!(list_calls(&h), before);
    // Enter keeps the filter and leaves the field, without a reload.
    h.key(KeyCode::Enter).await;
    let m = main_of(&h);
    assert!(!m.users.editing_filter);
    assert_eq!(m.users.search, "ann");
    assert_eq!(list_calls(&h), before);
    // A paste searches at once too.
    h.key(KeyCode::Char('/')).await;
    for _ in 0..3 {
        h.key(KeyCode::Backspace).await;
    }
    let searched = list_calls(&h);
    let (_, _, call) = only_call(h.app.update(Event::Paste("bob".into()), h.now));
    assert_eq!(search_of(&call).as_deref(), Some("bob"));
    assert!(searched > before, "each Backspace searched as well");
});

on_both_backends!(a_stale_answer_is_dropped, 100, 30, |h| {
    let mut h = signed_in_with(h, &["anna.b", "annette", "bob.c", "bobby"]).await;
    h.key(KeyCode::Char('/')).await;
    let (id1, actor1, call1) = only_call(h.app.update(press('b'), h.now));
    assert_eq!(search_of(&call1).as_deref(), Some("b"));
    // Esc clears the field while the search runs (nothing new yet), and
    // Esc again clears the kept filter: a new listing voids the search.
    let esc = || Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert!(h.app.update(esc(), h.now).is_empty());
    let (id2, actor2, call2) = only_call(h.app.update(esc(), h.now));
    assert_eq!(search_of(&call2), None);
    assert!(!h.app.is_waiting(id1), "the new listing forgets the search");
    assert!(h.app.is_waiting(id2));
    // The second answer arrives first, then the first one.
    let reply2 = perform(&h.service, actor2.as_ref(), call2).await;
    let reply1 = perform(&h.service, actor1.as_ref(), call1).await;
    h.event(Event::Reply {
        id: id2,
        reply: reply2,
    })
    .await;
    assert_eq!(rows(&h), ["anna.b", "annette", "bob.c", "bobby", "root1"]);
    h.event(Event::Reply {
        id: id1,
        reply: reply1,
    })
    .await;
    assert_eq!(
        rows(&h),
        ["anna.b", "annette", "bob.c", "bobby", "root1"],
        "the stale answer is dropped"
    );
    let screen = h.screen();
    assert!(
        screen.contains("anna.b") && !screen.contains("/b"),
        "{screen}"
    );
});

on_both_backends!(
    esc_closes_then_goes_back_then_clears_and_never_quits,
    100,
    30,
    |h| {
        let mut h = signed_in_with(h, &["anna.b", "annette", "bob.c"]).await;
        // While typing a filter, Esc clears it.
        h.key(KeyCode::Char('/')).await;
        h.text("bo").await;
        h.key(KeyCode::Esc).await;
        h.wait_ms(10).await;
        let m = main_of(&h);
        assert!(!m.users.editing_filter && m.users.filter.value().is_empty());
        assert_eq!(rows(&h).len(), 4);
        assert!(!h.quit);

        // A kept filter, the detail view of a match, and help over it.
        h.key(KeyCode::Char('/')).await;
        h.text("ann").await;
        h.key(KeyCode::Enter).await;
        h.wait_ms(10).await;
        assert_eq!(rows(&h), ["anna.b", "annette"]);
        h.key(KeyCode::Enter).await;
        h.key(KeyCode::Char('?')).await;
        let m = main_of(&h);
        assert!(matches!(m.popups.last(), Some(Popup::Help { .. })));
        assert_eq!(m.detail.as_ref().map(|d| d.login.as_str()), Some("anna.b"));

        // 1: the popup closes; the detail view stays.
        h.key(KeyCode::Esc).await;
        let m = main_of(&h);
        assert!(m.popups.is_empty());
        assert!(m.detail.is_some());
        // 2: back to the (still filtered) list.
        h.key(KeyCode::Esc).await;
        let m = main_of(&h);
        assert!(m.detail.is_none());
        assert_eq!(m.users.search, "ann");
        // 3: the filter is cleared.
        h.key(KeyCode::Esc).await;
        let m = main_of(&h);
        assert!(m.users.search.is_empty());
        assert_eq!(rows(&h).len(), 4);
        assert!(!h.screen().contains("/ann"));
        // 4: nothing left to close; Esc still does not quit.
        for _ in 0..3 {
            let effects = h.app.update(
                Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
                h.now,
            );
            assert!(!effects.iter().any(|e| matches!(e, Effect::Quit)));
            h.run(effects).await;
        }
        assert!(!h.quit);
        assert!(matches!(h.app.screen, Screen::Main(_)));
    }
);

on_both_backends!(q_quits_only_when_no_field_has_focus, 100, 30, |h| {
    // First run: q is a letter of the login.
    h.text("q").await;
    assert!(!h.quit);
    match &h.app.screen {
        Screen::Setup(f) => assert_eq!(f.login.value(), "q"),
        other => panic!("{other:?}"),
    }
    h.key(KeyCode::Backspace).await;
    h.setup_admin().await;

    // The filter field.
    h.key(KeyCode::Char('/')).await;
    h.text("q").await;
    assert!(!h.quit);
    assert_eq!(main_of(&h).users.filter.value(), "q");
    h.key(KeyCode::Esc).await;

    // A form's text field.
    h.key(KeyCode::Char('n')).await;
    h.text("qq").await;
    assert!(!h.quit);
    match main_of(&h).popups.last() {
        Some(Popup::UserForm(f)) => assert_eq!(f.login.value(), "qq"),
        other => panic!("{other:?}"),
    }
    // Esc asks before throwing the typed login away; y discards.
    h.key(KeyCode::Esc).await;
    h.text("y").await;
    assert!(main_of(&h).popups.is_empty());

    // Help: q closes it.
    h.key(KeyCode::Char('?')).await;
    h.text("q").await;
    assert!(!h.quit);
    assert!(main_of(&h).popups.is_empty());

    // Sign-in after a restart: q is typed into the login.
    let mut s = Harness::new(100, 30).await;
    s.setup_admin().await;
    s.restart().await;
    s.text("q").await;
    assert!(!s.quit);
    match &s.app.screen {
        Screen::SignIn(f) => assert_eq!(f.login.value(), "q"),
        other => panic!("{other:?}"),
    }

    // Nothing has focus: q quits.
    h.text("q").await;
    assert!(h.quit);
});

on_both_backends!(ctrl_c_always_quits, 100, 30, |h| {
    let check = async |h: &mut Harness, what: &str| {
        h.quit = false;
        h.ctrl('c').await;
        assert!(h.quit, "Ctrl-C did not quit in {what}");
        h.quit = false;
    };
    check(&mut h, "first run").await;
    h.text("roo").await;
    check(&mut h, "first run, typing").await;
    h.key(KeyCode::Backspace).await;
    h.key(KeyCode::Backspace).await;
    h.key(KeyCode::Backspace).await;
    h.setup_admin().await;
    check(&mut h, "the list").await;
    h.key(KeyCode::Char('/')).await;
    h.text("ro").await;
    check(&mut h, "the filter").await;
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('p')).await;
    h.text("half typed").await;
    check(&mut h, "the password dialog").await;
    h.key(KeyCode::Esc).await;
    check(&mut h, "Discard changes?").await;
    h.text("y").await;
    h.key(KeyCode::Char(':')).await;
    check(&mut h, "the palette").await;
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('?')).await;
    check(&mut h, "help").await;
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Enter).await;
    check(&mut h, "the detail view").await;
    h.wait_ms(301 * 60 * 1000).await;
    assert!(matches!(h.app.screen, Screen::SignIn(_)));
    check(&mut h, "the idle lock").await;
});

on_both_backends!(setting_a_password_through_the_dialog, 100, 30, |h| {
    let mut h = signed_in_with(h, &["anna.b"]).await;
    assert_eq!(rows(&h)[0], "anna.b");
    let new_pw = "amber lantern drifts over quiet meadows";
    // Cancel first: nothing changes, the dialog is gone.
    h.key(KeyCode::Char('p')).await;
    h.text("something typed").await;
    h.key(KeyCode::Esc).await;
    h.text("y").await;
    assert!(main_of(&h).popups.is_empty());

    h.key(KeyCode::Char('p')).await;
    assert!(matches!(
        main_of(&h).popups.last(),
        Some(Popup::Password(_))
    ));
    h.text(new_pw).await;
    h.key(KeyCode::Tab).await;
    h.text(new_pw).await;
    h.ctrl('s').await;
    let m = main_of(&h);
    assert!(m.popups.is_empty(), "closed, and with it the typed secret");
    let note = m.note.as_ref().map(|(n, _)| n.clone()).unwrap_or_default();
    assert!(note.starts_with("password set for anna.b"), "{note}");
    assert!(h.screen().contains("password set for anna.b"));
    let new = h
        .service
        .authenticate("anna.b", &Password::from(new_pw), "test")
        .await
        .unwrap();
    assert!(new.is_ok(), "{new:?}");
    let old = h
        .service
        .authenticate("anna.b", &Password::from(USER_PW), "test")
        .await
        .unwrap();
    assert!(!old.is_ok(), "{old:?}");
    // Must-change was on (the default): the list says so after the refresh.
    assert!(main_of(&h).users.rows[0].must_change_password);
});

on_both_backends!(unlock_from_the_detail_view, 100, 30, |h| {
    h.setup_admin().await;
    h.add_user("lena.locked", Kind::Staff, false, Some(USER_PW))
        .await;
    h.lock_out("lena.locked").await;
    h.key(KeyCode::Char('R')).await;
    h.key(KeyCode::Char('g')).await;
    h.key(KeyCode::Enter).await;
    let locked = |h: &Harness| {
        main_of(h)
            .detail
            .as_ref()
            .and_then(|d| d.data.as_ref())
            .map(|d| d.summary.locked)
    };
    assert_eq!(locked(&h), Some(true), "{}", h.screen());
    // Enter on the focused Cancel does nothing.
    h.key(KeyCode::Char('u')).await;
    h.key(KeyCode::Enter).await;
    assert!(main_of(&h).popups.is_empty());
    assert_eq!(locked(&h), Some(true));
    // Tab to Unlock, Enter.
    h.key(KeyCode::Char('u')).await;
    assert!(h.screen().contains("Unlock lena.locked"), "{}", h.screen());
    h.key(KeyCode::Tab).await;
    h.key(KeyCode::Enter).await;
    assert!(main_of(&h).popups.is_empty());
    assert_eq!(locked(&h), Some(false), "the view was refreshed");
    assert!(h.screen().contains("unlocked lena.locked"));
    let admin = h.admin().await;
    let u = h.service.get_user(&admin, "lena.locked").await.unwrap();
    assert!(!u.summary.locked);
    let outcome = h
        .service
        .authenticate("lena.locked", &Password::from(USER_PW), "test")
        .await
        .unwrap();
    assert!(outcome.is_ok(), "{outcome:?}");
});

on_both_backends!(
    idle_lock_hides_everything_and_asks_for_the_password,
    100,
    30,
    |h| {
        let mut h = signed_in_with(h, &["anna.b"]).await;
        h.wait_ms(299 * 60 * 1000).await;
        assert!(matches!(h.app.screen, Screen::Main(_)));
        // A key resets the idle clock.
        h.key(KeyCode::Char('j')).await;
        h.wait_ms(299 * 60 * 1000).await;
        assert!(matches!(h.app.screen, Screen::Main(_)));
        h.key(KeyCode::Char('p')).await;
        h.text("half typed").await;
        h.wait_ms(301 * 60 * 1000).await;
        match &h.app.screen {
            Screen::SignIn(f) => {
                assert_eq!(f.locked_to.as_deref(), Some("root1"));
                assert_eq!(f.login.value(), "root1");
            }
            other => panic!("{other:?}"),
        }
        let screen = h.screen();
        assert!(screen.contains("locked"), "{screen}");
        for gone in ["anna.b", "Users", "Set password", "global admin"] {
            assert!(!screen.contains(gone), "{gone} still on screen:\n{screen}");
        }
        // The login cannot be changed.
        h.key(KeyCode::BackTab).await;
        h.text("x").await;
        match &h.app.screen {
            Screen::SignIn(f) => assert_eq!(f.login.value(), "root1"),
            other => panic!("{other:?}"),
        }
        h.key(KeyCode::Backspace).await;
        h.text(ADMIN_PW).await;
        h.key(KeyCode::Enter).await;
        assert!(matches!(h.app.screen, Screen::Main(_)), "{}", h.screen());
        assert!(h.screen().contains("anna.b"));
    }
);

on_both_backends!(
    database_unreachable_shows_a_banner_and_pings,
    100,
    30,
    |h| {
        let mut h = signed_in_with(h, &["anna.b"]).await;
        let (id, _, call) = only_call(h.app.update(
            Event::Key(KeyEvent::new(KeyCode::Char('R'), KeyModifiers::NONE)),
            h.now,
        ));
        assert!(matches!(call, Call::ListUsers { .. }));
        h.event(Event::Reply {
            id,
            reply: Reply::Users(Err(keyward::Error::Unavailable("gone".into()))),
        })
        .await;
        let screen = h.screen();
        assert!(screen.contains("Database unreachable"), "{screen}");
        assert!(screen.contains("anna.b"), "the rows stay: {screen}");
        assert!(main_of(&h).popups.is_empty(), "a banner, not a popup");
        // Not yet time to retry.
        let pings = |h: &Harness| h.calls.iter().filter(|c| *c == "Ping").count();
        h.wait_ms(1000).await;
        assert_eq!(pings(&h), 0);
        // The retry pings; the database answers; the banner goes and the list reloads.
        let lists = list_calls(&h);
        h.wait_ms(1500).await;
        assert_eq!(pings(&h), 1);
        let m = main_of(&h);
        assert!(m.banner.is_none());
        assert!(list_calls(&h) > lists);
        assert!(h.screen().contains("reachable again"), "{}", h.screen());
    }
);

on_both_backends!(a_heartbeat_shows_an_outage_without_a_key, 100, 30, |h| {
    let mut h = signed_in_with(h, &["anna.b"]).await;
    // The ping among a tick's calls (a tick may also count the users).
    let ping = |effects: Vec<Effect>| {
        effects.into_iter().find_map(|e| match e {
            Effect::Call {
                id,
                call: Call::Ping,
                ..
            } => Some(id),
            _ => None,
        })
    };
    // A second on, with no key, the console asks the database.
    let mut at = h.now + Duration::seconds(1);
    let id = ping(h.app.update(Event::Tick, at)).expect("a heartbeat");
    // Not again while that one is unanswered.
    at += Duration::seconds(1);
    assert_eq!(ping(h.app.update(Event::Tick, at)), None);
    // An answer is no news; the next heartbeat comes a second later.
    h.app.update(
        Event::Reply {
            id,
            reply: Reply::Pong(Ok(())),
        },
        at,
    );
    assert!(main_of(&h).banner.is_none());
    assert!(main_of(&h).popups.is_empty());
    assert_eq!(ping(h.app.update(Event::Tick, at)), None);
    at += Duration::seconds(1);
    let id = ping(h.app.update(Event::Tick, at)).expect("the next heartbeat");
    // An outage shows as the banner, over the rows.
    h.app.update(
        Event::Reply {
            id,
            reply: Reply::Pong(Err(keyward::Error::Unavailable("no answer in 1 s".into()))),
        },
        at,
    );
    h.now = at;
    let screen = h.screen();
    assert!(screen.contains("Database unreachable"), "{screen}");
    assert!(screen.contains("anna.b"), "{screen}");
});

on_both_backends!(the_banner_wraps_at_a_narrow_width, 80, 24, |h| {
    let mut h = signed_in_with(h, &["anna.b"]).await;
    let (id, _, _) = only_call(h.app.update(
        Event::Key(KeyEvent::new(KeyCode::Char('R'), KeyModifiers::NONE)),
        h.now,
    ));
    // PostgreSQL's own words for a server that is gone: long enough to need
    // three rows at 80 columns.
    let gone = "error communicating with database: could not connect to server at \
                127.0.0.1:5432: Connection refused (os error 111); is the server \
                running and accepting TCP/IP connections?";
    h.event(Event::Reply {
        id,
        reply: Reply::Users(Err(keyward::Error::Unavailable(gone.into()))),
    })
    .await;
    // Cut between words over three rows, the retry note included.
    let screen = h.screen();
    assert!(screen.contains("Database unreachable"), "{screen}");
    assert!(screen.contains("retrying every"), "{screen}");
    assert!(screen.contains("anna.b"), "the rows stay: {screen}");
    assert_eq!(main_of(&h).banner_lines(80).len(), 3);
    // The table gives those rows up.
    assert_eq!(h.app.table_height(), 24 - 5 - 3);
    // Narrower than that, it ends in an ellipsis within the width.
    let cut = main_of(&h).banner_lines(30);
    assert_eq!(cut.len(), 3);
    assert!(cut[2].ends_with('…'), "{cut:?}");
    assert!(cut.iter().all(|l| l.chars().count() <= 30), "{cut:?}");
    h.draws_at_any_size();
});

/// Types a search whose answer is `error`; the console must not ask again
/// at once (neither a database that is down nor a query it refuses may
/// spin it).
async fn failed_search_is_not_retried(h: Harness, error: keyward::Error) {
    let mut h = signed_in_with(h, &["anna.b"]).await;
    h.key(KeyCode::Char('/')).await;
    let (id, _, call) = only_call(h.app.update(
        Event::Key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::NONE)),
        h.now,
    ));
    assert!(matches!(call, Call::ListUsers { .. }), "{call:?}");
    // As when the very first page after signing in fails: nothing listed yet.
    if let Screen::Main(m) = &mut h.app.screen {
        m.users.loaded = false;
    }
    let effects = h.app.update(
        Event::Reply {
            id,
            reply: Reply::Users(Err(error)),
        },
        h.now,
    );
    let again = effects
        .iter()
        .filter(|e| {
            matches!(
                e,
                Effect::Call {
                    call: Call::ListUsers { .. },
                    ..
                }
            )
        })
        .count();
    assert_eq!(again, 0, "the failed search was asked again at once");
    assert!(!h.quit);
}

on_both_backends!(
    a_search_failing_as_unreachable_is_not_retried_at_once,
    100,
    30,
    |h| {
        failed_search_is_not_retried(h, keyward::Error::Unavailable("gone".into())).await;
    }
);

on_both_backends!(a_search_the_database_refuses_is_not_retried, 100, 30, |h| {
    failed_search_is_not_retried(h, keyward::Error::Database("refused".into())).await;
});

on_both_backends!(closed_pool_keeps_the_console_running, 100, 30, |h| {
    let mut h = signed_in_with(h, &["anna.b"]).await;
    h.service.store().close().await;
    h.key(KeyCode::Char('R')).await;
    let screen = h.screen();
    assert!(screen.contains("Database unreachable"), "{screen}");
    assert!(screen.contains("anna.b"), "{screen}");
    // Retries back off and keep the console up.
    let effects = h.app.update(Event::Tick, h.now + Duration::seconds(3));
    let (_, _, call) = only_call(effects);
    assert!(matches!(call, Call::Ping));
    h.wait_ms(3000).await;
    h.wait_ms(5000).await;
    let m = main_of(&h);
    assert!(m.banner.as_deref().unwrap_or("").contains("retrying every"));
    h.key(KeyCode::Char('j')).await;
    h.key(KeyCode::Enter).await;
    h.key(KeyCode::Esc).await;
    h.key(KeyCode::Char('?')).await;
    h.key(KeyCode::Esc).await;
    assert!(matches!(h.app.screen, Screen::Main(_)));
    assert!(!h.quit);
    h.draws_at_any_size();
});

on_both_backends!(
    growing_the_terminal_scrolls_rows_back_into_view,
    100,
    30,
    |h| {
        let mut h = signed_in_with(h, &["anna.b", "bob.c", "carl.d"]).await;
        h.app.update(Event::Resize(100, 24), h.now);
        h.key(KeyCode::Char('G')).await;
        // Tiny, then large again.
        h.app.update(Event::Resize(100, 6), h.now);
        assert_eq!(main_of(&h).users.offset, 3);
        h.app.update(Event::Resize(100, 30), h.now);
        assert_eq!(
            main_of(&h).users.offset,
            0,
            "no blank rows below hidden ones"
        );
        assert!(h.screen().contains("anna.b"), "{}", h.screen());
    }
);

on_both_backends!(names_show_in_an_80_column_terminal, 80, 24, |h| {
    // The narrowest terminal the console supports: the status column takes
    // what its badges need, and the name column the rest.
    let h = signed_in_with(h, &["anna.b"]).await;
    let screen = h.screen();
    assert!(screen.contains("NAME"), "{screen}");
    assert!(screen.contains("anna Person"), "{screen}");
});
