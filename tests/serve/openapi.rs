//! The OpenAPI document: generated from the handlers, served at
//! /v1/openapi.json, naming every route of the API.

use crate::both_backends;
use crate::harness::serve;
use std::collections::BTreeSet;

/// The API's routes. A route added to the server without its description
/// makes the served document differ from this list.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/v1/health"),
    ("post", "/v1/password/change"),
    ("post", "/v1/password/check"),
    ("post", "/v1/reset/redeem"),
    ("post", "/v1/reset/request"),
    ("post", "/v1/revalidate/request"),
    ("post", "/v1/sign-in"),
];

both_backends!(the_document_names_every_route_and_each_answers, |t| {
    let s = serve(&t).await;
    let r = s
        .client
        .get(s.url("/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    let doc: serde_json::Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, expected);
    assert_eq!(
        doc["components"]["securitySchemes"]["application_key"]["scheme"],
        "bearer"
    );
    // Every documented route is served (an empty body is refused by the
    // route, not answered 404 or 405).
    for (method, path) in ROUTES {
        let r = match *method {
            "get" => s.client.get(s.url(path)),
            _ => s
                .client
                .post(s.url(path))
                .bearer_auth(&s.key)
                .json(&serde_json::json!({})),
        }
        .send()
        .await
        .unwrap();
        let status = r.status().as_u16();
        assert!(status != 404 && status != 405, "{method} {path}: {status}");
    }
    // The served document is the library's.
    let generated = serde_json::to_value(keyward::serve::openapi()).unwrap();
    assert_eq!(doc, generated);
    s.stop().await;
});
