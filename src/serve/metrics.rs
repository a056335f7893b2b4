//! `GET /metrics`: this instance's figures in Prometheus's text format (the
//! OpenMetrics flavour, which Prometheus scrapes natively): sign-ins by
//! outcome and locks (counted by the service since this process started),
//! the hashing queue's depth, the latency of every answer by route, and the
//! mail outbox's depth (read from the database at each scrape, so every
//! instance reports the same figure for it).
//!
//! Who may read it: with `[web] metrics_token_file` set, whoever sends
//! `Authorization: Bearer <the file's token>`; without it, only a client on
//! this host (a loopback peer that came through no proxy: a request with
//! forwarding headers is refused, since a reverse proxy on the same host
//! would otherwise hand the page to anyone).

use super::error::{ApiError, ErrorCode};
use super::settings::WebSettings;
use super::state::AppState;
use crate::error::{Error, Result};
use crate::service::Service;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// The answer's content type: OpenMetrics text, which Prometheus asks for.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Latency buckets in seconds: a sign-in costs one Argon2 run (tens of
/// milliseconds) and waits behind others when the hashing threads are busy.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// One answer's labels: the method, the route's template (never the path,
/// which may carry a token) and the status.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

/// Who may read `/metrics`.
#[derive(Debug)]
enum Access {
    /// Loopback peers that came through no proxy.
    Local,
    /// Whoever sends this bearer token.
    Token(SecretString),
}

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The registry and the figures set at each scrape.
#[derive(Debug)]
pub struct Exporter {
    registry: Registry,
    latency: Family<RequestLabels, Histogram, fn() -> Histogram>,
    hash_queue: Gauge,
    outbox: Family<StateLabel, Gauge>,
    database_up: Gauge,
    access: Access,
}

impl Exporter {
    /// The figures of `service` and of the server configured by `settings`;
    /// reads `[web] metrics_token_file` when it is set.
    pub fn new(service: &Service, settings: &WebSettings) -> Result<Exporter> {
        let access = match &settings.metrics_token_file {
            Some(path) => Access::Token(read_token(path)?),
            None => Access::Local,
        };
        let mut registry = Registry::with_prefix("keyward");
        let counters = service.sign_in_metrics();
        registry.register(
            "sign_ins",
            "Sign-ins answered by this instance since it started, by outcome",
            counters.sign_ins.clone(),
        );
        registry.register(
            "locks",
            "Accounts locked by failed sign-ins through this instance since it started",
            counters.locks.clone(),
        );
        let hash_queue = Gauge::default();
        registry.register(
            "hash_queue_depth",
            "Password checks waiting for a hashing thread now",
            hash_queue.clone(),
        );
        let limit = Gauge::<i64>::default();
        // The service's own bound (`keyward serve` gives it the setting's).
        let bound = service
            .hash_queue_limit()
            .unwrap_or(settings.hash_queue_limit);
        limit.set(i64::try_from(bound).unwrap_or(i64::MAX));
        registry.register(
            "hash_queue_limit",
            "Password checks that may wait ([web] hash_queue_limit); more answer 503",
            limit,
        );
        let latency = Family::<RequestLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer a request, by method, route template and status",
            Unit::Seconds,
            latency.clone(),
        );
        let outbox = Family::<StateLabel, Gauge>::default();
        registry.register(
            "mail_outbox",
            "Mails in the outbox (every instance's) that have not left: queued or failed",
            outbox.clone(),
        );
        let database_up = Gauge::default();
        registry.register(
            "database_up",
            "1 when this instance reached its database at this scrape, else 0",
            database_up.clone(),
        );
        Ok(Exporter {
            registry,
            latency,
            hash_queue,
            outbox,
            database_up,
            access,
        })
    }

    /// Records one answer's latency. Every label has few values: the
    /// route is a template (or "(no route)"), and a method keyward does not
    /// serve is "other", so made-up requests cannot grow the series.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let method = match method {
            "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS" => method,
            _ => "other",
        };
        let labels = RequestLabels {
            method: method.to_string(),
            route: route.to_string(),
            status,
        };
        self.latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Whether this request may read the figures.
    fn check(
        &self,
        peer: Option<SocketAddr>,
        headers: &HeaderMap,
    ) -> std::result::Result<(), ApiError> {
        allowed(&self.access, peer, headers)
    }

    /// Reads what lives outside the counters, then writes every figure.
    async fn render(&self, service: &Service) -> std::result::Result<String, std::fmt::Error> {
        self.hash_queue
            .set(i64::try_from(service.hash_queue_depth()).unwrap_or(i64::MAX));
        let depth = tokio::time::timeout(Duration::from_secs(3), service.outbox_depth()).await;
        match depth {
            Ok(Ok(d)) => {
                self.database_up.set(1);
                for (state, n) in [("queued", d.queued), ("failed", d.failed)] {
                    self.outbox.get_or_create(&StateLabel { state }).set(n);
                }
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "metrics: the outbox cannot be read");
                self.database_up.set(0);
                self.outbox.clear();
            }
            Err(_) => {
                tracing::warn!("metrics: the outbox did not answer within 3 s");
                self.database_up.set(0);
                self.outbox.clear();
            }
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// The access rule: the token when one is configured, else a loopback
/// peer without forwarding headers.
fn allowed(
    access: &Access,
    peer: Option<SocketAddr>,
    headers: &HeaderMap,
) -> std::result::Result<(), ApiError> {
    match access {
        Access::Token(token) => {
            let sent = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("");
            if bool::from(sent.as_bytes().ct_eq(token.expose_secret().as_bytes())) {
                Ok(())
            } else {
                Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    ErrorCode::Unauthorized,
                    "/metrics needs Authorization: Bearer <the token in [web] metrics_token_file>",
                ))
            }
        }
        Access::Local => {
            let forwarded = ["x-forwarded-for", "forwarded", "x-real-ip"]
                .iter()
                .any(|h| headers.contains_key(*h));
            if peer.is_some_and(|p| p.ip().is_loopback()) && !forwarded {
                Ok(())
            } else {
                Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    ErrorCode::Forbidden,
                    "/metrics answers only clients on this host (not through a proxy); \
                     set [web] metrics_token_file to let a Prometheus elsewhere scrape it",
                ))
            }
        }
    }
}

/// The token: the file's first line, at least 16 characters.
pub(crate) fn read_token(path: &std::path::Path) -> Result<SecretString> {
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
        Error::Invalid(format!(
            "cannot read [web] metrics_token_file {}: {e}",
            path.display()
        ))
    })?);
    let token = text.lines().next().unwrap_or("").trim();
    if token.chars().count() < 16 || token.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "[web] metrics_token_file {} must hold a token of at least 16 characters on its first line \
             (e.g. openssl rand -hex 32)",
            path.display()
        )));
    }
    Ok(SecretString::from(token.to_string()))
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>, request: Request) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let exporter = &state.metrics;
    if let Err(refused) = exporter.check(peer, request.headers()) {
        return refused.into_response();
    }
    match exporter.render(&state.service).await {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(_) => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "the metrics could not be written",
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn peer(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 40000))
    }

    #[test]
    fn without_a_token_only_this_host_and_no_proxy() {
        let none = HeaderMap::new();
        assert!(allowed(&Access::Local, peer("127.0.0.1"), &none).is_ok());
        assert!(allowed(&Access::Local, peer("::1"), &none).is_ok());
        let refused = allowed(&Access::Local, peer("192.0.2.7"), &none).unwrap_err();
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert!(allowed(&Access::Local, None, &none).is_err());
        for header in ["x-forwarded-for", "forwarded", "x-real-ip"] {
            let mut proxied = HeaderMap::new();
            proxied.insert(header, HeaderValue::from_static("203.0.113.9"));
            assert!(
                allowed(&Access::Local, peer("127.0.0.1"), &proxied).is_err(),
                "{header}"
            );
        }
    }

    #[test]
    fn with_a_token_from_anywhere_with_it_and_nowhere_without() {
        let access = Access::Token(SecretString::from("0123456789abcdef".to_string()));
        let mut with = HeaderMap::new();
        with.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer 0123456789abcdef"),
        );
        assert!(allowed(&access, peer("192.0.2.7"), &with).is_ok());
        let refused = allowed(&access, peer("127.0.0.1"), &HeaderMap::new()).unwrap_err();
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
        let mut wrong = HeaderMap::new();
        wrong.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer 0123456789abcdeX"),
        );
        assert!(allowed(&access, peer("127.0.0.1"), &wrong).is_err());
    }

    #[test]
    fn a_token_file_needs_a_long_enough_token() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t");
        std::fs::write(&file, "short\n").unwrap();
        assert!(read_token(&file).is_err());
        std::fs::write(&file, "0123456789abcdef0123\nignored\n").unwrap();
        assert_eq!(
            read_token(&file).unwrap().expose_secret(),
            "0123456789abcdef0123"
        );
    }
}
