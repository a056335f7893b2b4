//! A server for one test: the test database's service behind `keyward
//! serve`'s router on 127.0.0.1:0, an application key for "Mobile app",
//! and a client.

use crate::common::TestDb;
use keyward::config::WebSection;
use keyward::domain::{AccessLevel, Kind, Role};
use keyward::serve::{Running, WebSettings};
use keyward::service::Actor;
use serde_json::{Value, json};
use std::sync::Arc;

pub const APP: &str = "Mobile app";
pub const PW: &str = "violet kettle harbour quince";
pub const NEW_PW: &str = "amber lantern orchard skyline";

pub struct Served {
    pub running: Option<Running>,
    pub base: String,
    pub client: reqwest::Client,
    pub admin: Actor,
    /// A live key for "Mobile app".
    pub key: String,
}

/// Settings for a test server on `listen` (the bound address).
pub fn settings(listen: std::net::SocketAddr, web: WebSection) -> Arc<WebSettings> {
    Arc::new(WebSettings::resolve(&web, Some(&listen.to_string())).expect("settings"))
}

/// Starts a server over `t`'s service with `[web]` as given, after making
/// the first admin, the "Mobile app" resource and a key for it.
pub async fn serve_with(t: &TestDb, web: WebSection) -> Served {
    let admin = t.admin().await;
    t.service
        .add_resource(&admin, APP, "the phone app")
        .await
        .expect("resource");
    let key = t
        .service
        .issue_api_key(&admin, APP, "test")
        .await
        .expect("key")
        .key
        .to_string();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let running = keyward::serve::start(t.service.clone(), settings(addr, web), listener)
        .await
        .expect("start");
    Served {
        base: format!("http://{}", running.addr),
        running: Some(running),
        client: client(),
        admin,
        key,
    }
}

pub async fn serve(t: &TestDb) -> Served {
    serve_with(t, WebSection::default()).await
}

/// A client that follows no redirects and keeps cookies.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client")
}

impl Served {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POSTs JSON to an API route with this server's key.
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.post_as(&self.key, path, body).await
    }

    pub async fn post_as(&self, key: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let body = r.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn sign_in(&self, login: &str, password: &str) -> Value {
        let (status, body) = self
            .post(
                "/v1/sign-in",
                json!({ "login": login, "password": password }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// Stops the server gracefully.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.expect("stop");
        }
    }
}

/// Adds a staff user with `PW`, granted "Mobile app" at `standard`.
pub async fn granted_user(t: &TestDb, s: &Served, login: &str) {
    t.add_user(&s.admin, login, Kind::Staff, Role::User, PW)
        .await;
    t.service
        .grant(&s.admin, APP, login, AccessLevel::Standard)
        .await
        .expect("grant");
}
