//! What every request goes through: a request id, a time limit, a body
//! limit, the security headers, one log line (id, method, route template,
//! status, duration) and its latency in `/metrics` (the same labels). The log never holds a URI: the route
//! template `/reset/{token}` stands for the path, so tokens stay out.

use super::error::ApiError;
use super::metrics::Exporter;
use super::settings::WebSettings;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tracing::Instrument;

/// The nonce the page's inline style and script carry, and the
/// Content-Security-Policy allows (nothing else inline runs).
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

#[derive(Debug)]
struct Limits {
    timeout: Duration,
    hsts: bool,
    metrics: Arc<Exporter>,
}

/// Wraps `router` in the layers.
pub fn around(router: Router, settings: &WebSettings, metrics: Arc<Exporter>) -> Router {
    let limits = Arc::new(Limits {
        timeout: settings.request_timeout,
        hsts: settings.secure(),
        metrics,
    });
    router
        .layer(DefaultBodyLimit::max(settings.max_body_bytes))
        .layer(middleware::from_fn_with_state(limits, observe))
}

async fn observe(State(limits): State<Arc<Limits>>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(req.headers());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(no route)".to_string(), |p| p.as_str().to_string());
    let method = req.method().clone();
    let is_api = route.starts_with("/v1") || req.uri().path().starts_with("/v1");
    let nonce = crate::crypto::tokens::random_token()[..32].to_string();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let span = tracing::info_span!("request", id = %id, method = %method, route = %route);
    let answered =
        tokio::time::timeout(limits.timeout, next.run(req).instrument(span.clone())).await;
    let mut response = match answered {
        Ok(response) => response,
        Err(_) => {
            span.in_scope(|| {
                tracing::warn!(seconds = limits.timeout.as_secs(), "request timed out")
            });
            if is_api {
                ApiError::timeout().into_response()
            } else {
                super::pages::timeout_page()
            }
        }
    };
    secure(response.headers_mut(), &nonce, limits.hsts);
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    limits
        .metrics
        .observe(method.as_str(), &route, status, elapsed);
    let ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status, ms = format!("{ms:.1}"), "answered"));
    response
}

/// A request's id: the caller's `X-Request-Id` when it is short and plain,
/// else a fresh one. Sent back in the answer and written in the log.
fn request_id(headers: &HeaderMap) -> String {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map_or_else(
            || crate::crypto::tokens::random_token()[..16].to_string(),
            str::to_string,
        )
}

/// The security headers of every answer. Pages get a policy that runs only
/// their own nonce-carrying style and script and posts only to keyward;
/// everything else may run nothing.
fn secure(headers: &mut HeaderMap, nonce: &str, hsts: bool) {
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let csp = if is_html {
        format!(
            "default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; \
             connect-src 'self'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'"
        )
    } else {
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'".to_string()
    };
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    let fixed = [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
}
