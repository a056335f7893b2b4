//! A fresh process signs in as a long-running one does (issue 15, fault 1):
//! the dummy hash for the live parameters and the padding floor are read
//! from the database at start, not made or learnt inside each process.

mod common;

use common::TestDb;
use keyward::domain::{AuthOutcome, Kind, Password, Role};
use keyward::service::{Service, ServiceConfig};
use keyward::store::Store;
use std::time::Duration;

/// Another process on the test database.
async fn fresh(t: &TestDb) -> Service {
    let store = Store::open(&t.url).await.expect("open");
    Service::new(store, ServiceConfig::default(), t.clock.clone())
        .await
        .expect("service")
}

const KEY: &str = "m=19456,t=2,p=1";

both_backends!(fresh_processes_read_the_dummy_and_the_floor, |t| {
    let admin = t.admin().await;
    t.add_user(
        &admin,
        "anna.b",
        Kind::Staff,
        Role::User,
        "violet kettle harbour quince",
    )
    .await;
    // The first process made the dummy and kept it.
    t.service.settle().await;
    let kept = t
        .service
        .store()
        .calibration(KEY)
        .await
        .unwrap()
        .expect("the dummy is kept");
    assert_eq!(t.service.hasher().prepare(), kept.dummy_hash);
    // Bad-credentials answers teach it a floor, kept when it settles.
    for i in 0..4 {
        let o = t
            .service
            .authenticate(&format!("nobody.{i}"), &Password::from("a guess"), "test")
            .await
            .unwrap();
        assert_eq!(o, AuthOutcome::BadCredentials);
    }
    t.service.settle().await;
    let floor = t.service.padding_floor();
    assert!(floor > Duration::ZERO);
    let kept = t.service.store().calibration(KEY).await.unwrap().unwrap();
    assert_eq!(kept.floor_ns as u128, floor.as_nanos());

    // A fresh process starts with both: its dummy is the kept one (one it
    // made itself would have its own random salt), and its floor too.
    let next = fresh(&t).await;
    assert_eq!(next.padding_floor(), floor);
    assert_eq!(next.hasher().prepare(), kept.dummy_hash);
    let o = next
        .authenticate("nobody.else", &Password::from("a guess"), "test")
        .await
        .unwrap();
    assert_eq!(o, AuthOutcome::BadCredentials);
    next.store().close().await;
});

both_backends!(a_kept_dummy_or_floor_out_of_bounds_is_not_taken, |t| {
    t.service.settle().await;
    let good = t.service.store().calibration(KEY).await.unwrap().unwrap();
    // A dummy with cheaper parameters (written by someone who can write the
    // database) would verify faster than real hashes: it is replaced. A
    // floor of an hour is capped.
    let cheap = good.dummy_hash.replace("m=19456", "m=8");
    assert_ne!(cheap, good.dummy_hash);
    let written = t
        .raw_exec(&format!(
            "UPDATE sign_in_calibration SET dummy_hash = '{cheap}', floor_ns = 3600000000000"
        ))
        .await
        .unwrap();
    assert_eq!(written, 1);
    let next = fresh(&t).await;
    assert_eq!(next.padding_floor(), Duration::from_secs(2));
    let made = next.hasher().prepare().to_string();
    assert!(made.contains("m=19456,t=2,p=1"), "{made}");
    assert_ne!(made, good.dummy_hash);
    next.settle().await;
    let kept = next.store().calibration(KEY).await.unwrap().unwrap();
    assert_eq!(kept.dummy_hash, made, "the usable one is kept instead");
    next.store().close().await;
});
