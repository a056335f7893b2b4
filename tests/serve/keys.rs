//! Applications' keys: issued by a global administrator after a step-up,
//! shown once, stored as a digest, several at once, revoked at once.

use crate::both_backends;
use crate::harness::{APP, PW, granted_user, serve};
use chrono::Duration;
use keyward::Error;
use keyward::domain::Role;
use serde_json::json;

both_backends!(keys_rotate_and_a_revoked_key_is_refused_at_once, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    let second = t
        .service
        .issue_api_key(&s.admin, APP, "next")
        .await
        .unwrap();
    assert!(second.key.starts_with("kwk_") && second.key.len() == 68);
    assert_ne!(*second.key, s.key);
    let body = json!({ "login": "anna.b", "password": PW });
    for key in [s.key.as_str(), second.key.as_str()] {
        let (status, answer) = s.post_as(key, "/v1/sign-in", body.clone()).await;
        assert_eq!((status, answer["outcome"].as_str()), (200, Some("ok")));
    }
    // Only digests are stored: no key text anywhere in the database's
    // listing, nor in the audit trail.
    let listed = t.service.list_api_keys(&s.admin, APP).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(
        listed
            .iter()
            .all(|k| k.revoked_at.is_none() && k.prefix.len() == 12)
    );
    for e in t.audit_all(&s.admin).await {
        let text = e.details.to_string();
        assert!(!text.contains(&s.key) && !text.contains(second.key.as_str()));
    }
    // Revoke the first by its prefix: refused from the next request on,
    // while the second goes on working.
    let revoked = t
        .service
        .revoke_api_key(&s.admin, APP, &listed[0].prefix)
        .await
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    let (status, answer) = s.post_as(&s.key, "/v1/sign-in", body.clone()).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (status, _) = s.post_as(&second.key, "/v1/sign-in", body.clone()).await;
    assert_eq!(status, 200);
    // Revoking twice, or a key of another resource, is refused.
    assert!(matches!(
        t.service
            .revoke_api_key(&s.admin, APP, &listed[0].prefix)
            .await,
        Err(Error::Conflict(_))
    ));
    t.service
        .add_resource(&s.admin, "Client portal", "")
        .await
        .unwrap();
    assert!(matches!(
        t.service
            .revoke_api_key(&s.admin, "Client portal", &listed[1].id.to_string())
            .await,
        Err(Error::NotFound(_))
    ));
    let actions: Vec<String> = t
        .audit_all(&s.admin)
        .await
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("api_key."))
        .collect();
    assert_eq!(
        actions,
        ["api_key.revoke", "api_key.issue", "api_key.issue"]
    );
    s.stop().await;
});

both_backends!(missing_malformed_and_unknown_keys_are_refused_alike, |t| {
    let s = serve(&t).await;
    granted_user(&t, &s, "anna.b").await;
    let body = json!({ "login": "anna.b", "password": PW });
    let forged = format!("kwk_{}", "0".repeat(64));
    for key in ["", "nonsense", forged.as_str(), &s.key[..40]] {
        let (status, answer) = s.post_as(key, "/v1/sign-in", body.clone()).await;
        assert_eq!(status, 401, "{key:?}");
        assert_eq!(answer["code"], "unauthorized");
    }
    let r = s
        .client
        .post(s.url("/v1/sign-in"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    // Nothing was counted against the account.
    assert_eq!(t.row("anna.b").await.failed_attempts, 0);
    s.stop().await;
});

both_backends!(
    only_a_global_admin_with_a_recent_sign_in_manages_keys,
    |t| {
        let s = serve(&t).await;
        let admin = t
            .add_and_sign_in(&s.admin, "ada.admin", Role::Admin, PW)
            .await;
        assert!(matches!(
            t.service.issue_api_key(&admin, APP, "").await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            t.service.revoke_api_key(&admin, APP, "1").await,
            Err(Error::Forbidden(_))
        ));
        // Anyone who administers may list them (never the keys).
        assert_eq!(t.service.list_api_keys(&admin, APP).await.unwrap().len(), 1);
        // A global admin whose sign-in is older than the step-up window.
        t.clock.advance(Duration::minutes(6));
        assert!(matches!(
            t.service.issue_api_key(&s.admin, APP, "").await,
            Err(Error::StepUpRequired(_))
        ));
        let refusals = t
            .audit_all(&s.admin)
            .await
            .into_iter()
            .filter(|e| e.action == "refused")
            .count();
        assert_eq!(refusals, 3);
        s.stop().await;
    }
);
