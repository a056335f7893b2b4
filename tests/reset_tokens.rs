//! Password-reset tokens (docs/ARCHITECTURE.md "Credentials"): random, single use,
//! expiring, revoked by a newer token, an admin-set password or disabling.

mod common;

use chrono::Duration;
use keyward::Error;
use keyward::domain::{AuthOutcome, Kind, Password, Role};

const PW: &str = "violet kettle harbour quince";
const NEW_PW: &str = "amber lantern orchard skyline";
const OTHER_PW: &str = "copper meadow whistle tundra";

fn is_unauthenticated<T: std::fmt::Debug>(r: keyward::Result<T>) -> bool {
    matches!(r, Err(Error::Unauthenticated(_)))
}

both_backends!(token_shape_and_single_use, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    let (token, expires) = s.issue_reset_token(&admin, "anna.b").await.unwrap();
    assert_eq!(token.len(), 64);
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
        "{}",
        token.len()
    );
    assert_eq!(expires, t.clock.now() + Duration::minutes(60));
    let (other, _) = s.issue_reset_token(&admin, "anna.b").await.unwrap();
    assert_ne!(*token, *other);

    // Only the digest is stored: the token text is nowhere in the audit trail.
    for e in t.audit_all(&admin).await {
        assert!(!e.details.to_string().contains(token.as_str()));
    }

    let login = s
        .redeem_reset_token(&other, &Password::from(NEW_PW))
        .await
        .unwrap();
    assert_eq!(login, "anna.b");
    assert_eq!(t.auth("anna.b", NEW_PW).await, AuthOutcome::Ok);
    assert_eq!(t.auth("anna.b", PW).await, AuthOutcome::BadCredentials);
    // Single use.
    assert!(is_unauthenticated(
        s.redeem_reset_token(&other, &Password::from(OTHER_PW))
            .await
    ));
    assert_eq!(t.auth("anna.b", NEW_PW).await, AuthOutcome::Ok);
    assert_eq!(
        t.auth("anna.b", OTHER_PW).await,
        AuthOutcome::BadCredentials
    );
    // Malformed and unknown tokens are refused.
    assert!(matches!(
        s.redeem_reset_token("abc", &Password::from(OTHER_PW)).await,
        Err(Error::Invalid(_))
    ));
    assert!(is_unauthenticated(
        s.redeem_reset_token(&"0".repeat(64), &Password::from(OTHER_PW))
            .await
    ));
    let actions: Vec<String> = t
        .audit_all(&admin)
        .await
        .into_iter()
        .take(3)
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "reset_token.redeem",
            "reset_token.issue",
            "reset_token.issue"
        ]
    );
});

both_backends!(newer_token_revokes_older, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    t.add_user(&admin, "bert.c", Kind::Staff, Role::User, PW)
        .await;
    let (first, _) = s.issue_reset_token(&admin, "anna.b").await.unwrap();
    // Another user's token does not revoke it.
    let (berts, _) = s.issue_reset_token(&admin, "bert.c").await.unwrap();
    let (second, _) = s.issue_reset_token(&admin, "anna.b").await.unwrap();
    assert!(is_unauthenticated(
        s.redeem_reset_token(&first, &Password::from(NEW_PW)).await
    ));
    assert_eq!(t.auth("anna.b", PW).await, AuthOutcome::Ok);
    assert_eq!(
        s.redeem_reset_token(&second, &Password::from(NEW_PW))
            .await
            .unwrap(),
        "anna.b"
    );
    assert_eq!(
        s.redeem_reset_token(&berts, &Password::from(NEW_PW))
            .await
            .unwrap(),
        "bert.c"
    );
    assert_eq!(t.auth("bert.c", NEW_PW).await, AuthOutcome::Ok);
});

both_backends!(token_expires, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    let (token, _) = s.issue_reset_token(&admin, "anna.b").await.unwrap();
    t.clock.advance(Duration::minutes(59));
    assert_eq!(
        s.redeem_reset_token(&token, &Password::from(NEW_PW))
            .await
            .unwrap(),
        "anna.b"
    );

    let (token, _) = s.issue_reset_token(&admin, "anna.b").await.unwrap();
    t.clock.advance(Duration::minutes(61));
    assert!(is_unauthenticated(
        s.redeem_reset_token(&token, &Password::from(OTHER_PW))
            .await
    ));
    assert_eq!(t.auth("anna.b", NEW_PW).await, AuthOutcome::Ok);

    // The lifetime comes from the policy.
    let admin = t.sign_in(common::ADMIN, common::ADMIN_PASSWORD).await;
    s.set_policy(
        &admin,
        "default",
        &[("reset_link_ttl_minutes".into(), "10".into())],
        None,
    )
    .await
    .unwrap();
    let (token, expires) = s.issue_reset_token(&admin, "anna.b").await.unwrap();
    assert_eq!(expires, t.clock.now() + Duration::minutes(10));
    t.clock.advance(Duration::minutes(11));
    assert!(is_unauthenticated(
        s.redeem_reset_token(&token, &Password::from(OTHER_PW))
            .await
    ));
});

both_backends!(policy_breaking_password_keeps_token, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    let (token, _) = s.issue_reset_token(&admin, "anna.b").await.unwrap();
    let err = s
        .redeem_reset_token(&token, &Password::from("short"))
        .await
        .unwrap_err();
    match err {
        Error::Policy(v) => assert!(
            v.iter().any(|m| m.contains("needs at least 15 characters")),
            "{v:?}"
        ),
        other => panic!("{other:?}"),
    }
    // The current password is reuse.
    let err = s
        .redeem_reset_token(&token, &Password::from(PW))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Policy(_)), "{err:?}");
    assert_eq!(t.auth("anna.b", PW).await, AuthOutcome::Ok);
    // The token still works with a good password.
    assert_eq!(
        s.redeem_reset_token(&token, &Password::from(OTHER_PW))
            .await
            .unwrap(),
        "anna.b"
    );
    assert_eq!(t.auth("anna.b", OTHER_PW).await, AuthOutcome::Ok);
    // Redeeming clears must-change.
    s.set_password(
        &admin,
        "anna.b",
        &Password::from("tangerine glacier compass"),
        true,
    )
    .await
    .unwrap();
    let (token, _) = s.issue_reset_token(&admin, "anna.b").await.unwrap();
    assert!(matches!(
        s.redeem_reset_token(&token, &Password::from("short")).await,
        Err(Error::Policy(_))
    ));
    assert_eq!(
        s.redeem_reset_token(&token, &Password::from(NEW_PW))
            .await
            .unwrap(),
        "anna.b"
    );
    assert_eq!(t.auth("anna.b", NEW_PW).await, AuthOutcome::Ok);
});

both_backends!(admin_set_password_and_disabling_revoke_tokens, |t| {
    let admin = t.admin().await;
    let s = &t.service;
    t.add_user(&admin, "anna.b", Kind::Staff, Role::User, PW)
        .await;
    let (token, _) = s.issue_reset_token(&admin, "anna.b").await.unwrap();
    s.set_password(&admin, "anna.b", &Password::from(OTHER_PW), false)
        .await
        .unwrap();
    assert!(is_unauthenticated(
        s.redeem_reset_token(&token, &Password::from(NEW_PW)).await
    ));
    assert_eq!(t.auth("anna.b", OTHER_PW).await, AuthOutcome::Ok);

    let (token, _) = s.issue_reset_token(&admin, "anna.b").await.unwrap();
    s.set_disabled(&admin, "anna.b", true).await.unwrap();
    s.set_disabled(&admin, "anna.b", false).await.unwrap();
    assert!(is_unauthenticated(
        s.redeem_reset_token(&token, &Password::from(NEW_PW)).await
    ));
    assert_eq!(t.auth("anna.b", OTHER_PW).await, AuthOutcome::Ok);

    // Deleting the user leaves nothing to redeem.
    let (token, _) = s.issue_reset_token(&admin, "anna.b").await.unwrap();
    s.delete_user(&admin, "anna.b").await.unwrap();
    assert!(is_unauthenticated(
        s.redeem_reset_token(&token, &Password::from(NEW_PW)).await
    ));
});
