//! `keyward serve`'s API through its router (`serve::router`, driven by
//! tower's `oneshot`, no socket) over a SQLite database in a temporary
//! directory: any body, with or without the application key and the JSON
//! content type, on any of the routes that read one, gets an answer that is
//! not a server error (500), with a JSON error body on `/v1`.
//!
//! Input: one byte choosing the route and the headers, then the body.
#![no_main]
#![forbid(unsafe_code)]

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use keyward::config::WebSection;
use keyward::domain::{AccessLevel, Kind, Password, Role};
use keyward::serve::WebSettings;
use keyward::service::{Clock, NewUser, Service, ServiceConfig};
use keyward::store::Store;
use libfuzzer_sys::fuzz_target;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

const ROUTES: [&str; 7] = [
    "/v1/sign-in",
    "/v1/password/change",
    "/v1/password/check",
    "/v1/reset/request",
    "/v1/reset/redeem",
    "/v1/revalidate/request",
    "/check",
];

struct World {
    rt: tokio::runtime::Runtime,
    app: Router,
    key: String,
    _dir: tempfile::TempDir,
}

fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    panic!("setting up the fuzzed server: {what}: {e}")
}

/// A database with an administrator, the "Mobile app" resource and its key,
/// and anna.b (password "violet kettle harbour quince") granted it.
async fn world() -> (Router, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail("temp dir", e));
    let store = Store::open_sqlite(&dir.path().join("keyward.db"))
        .await
        .unwrap_or_else(|e| fail("open", e));
    let service = Service::new(store, ServiceConfig::default(), Clock::system())
        .await
        .unwrap_or_else(|e| fail("service", e));
    let admin = service
        .create_first_admin(
            "root.admin",
            "Root Admin",
            "root@example.org",
            &Password::from("correct horse battery staple"),
        )
        .await
        .unwrap_or_else(|e| fail("admin", e));
    service
        .add_resource(&admin, "Mobile app", "the phone app")
        .await
        .unwrap_or_else(|e| fail("resource", e));
    let key = service
        .issue_api_key(&admin, "Mobile app", "fuzz")
        .await
        .unwrap_or_else(|e| fail("key", e))
        .key
        .to_string();
    let anna = NewUser {
        login: "anna.b".into(),
        name: "Anna Bell".into(),
        email: "anna@example.org".into(),
        kind: Kind::Staff,
        role: Role::User,
        policy: None,
        must_change: false,
    };
    let pw = Password::from("violet kettle harbour quince");
    service
        .create_user(&admin, &anna, Some(&pw))
        .await
        .unwrap_or_else(|e| fail("user", e));
    service
        .grant(&admin, "Mobile app", "anna.b", AccessLevel::Standard)
        .await
        .unwrap_or_else(|e| fail("grant", e));
    let settings = WebSettings::resolve(&WebSection::default(), Some("127.0.0.1:0"))
        .unwrap_or_else(|e| fail("settings", e));
    let app =
        keyward::serve::router(service, Arc::new(settings)).unwrap_or_else(|e| fail("router", e));
    (app, key, dir)
}

static WORLD: OnceLock<World> = OnceLock::new();

fn the_world() -> &'static World {
    WORLD.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap_or_else(|e| fail("runtime", e));
        let (app, key, dir) = rt.block_on(world());
        World {
            rt,
            app,
            key,
            _dir: dir,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let w = the_world();
    let route = ROUTES[usize::from(pick) % ROUTES.len()];
    let mut req = Request::post(route);
    if pick & 0x80 == 0 {
        req = req.header(header::AUTHORIZATION, format!("Bearer {}", w.key));
    }
    if pick & 0x40 == 0 {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let Ok(mut req) = req.body(Body::from(body.to_vec())) else {
        return;
    };
    let peer: SocketAddr = ([203, 0, 113, 7], 40000).into();
    req.extensions_mut().insert(ConnectInfo(peer));
    let (status, text) = w.rt.block_on(async {
        let Ok(resp) = w.app.clone().oneshot(req).await;
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        (status, bytes)
    });
    assert_ne!(
        status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{route}: {}",
        String::from_utf8_lossy(&text)
    );
    if route.starts_with("/v1/") && !status.is_success() {
        let err: serde_json::Value = serde_json::from_slice(&text).unwrap_or_default();
        assert!(err.get("code").is_some(), "{route} {status}: {err}");
    }
});
