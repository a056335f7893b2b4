//! The JSON API, version 1. Every route is registered together with its
//! OpenAPI description (utoipa-axum), so the document served at
//! `/v1/openapi.json` cannot leave a route out.

mod extract;
mod health;
mod password;
mod reset;
mod revalidate;
mod sign_in;

pub(crate) use extract::ApiJson;
pub(crate) use password::CheckResponse;

/// The JSON bodies the API reads, public so that a program (the fuzz
/// targets under fuzz/) can parse text exactly as the routes do.
pub mod bodies {
    pub use super::password::{ChangeRequest, CheckRequest};
    pub use super::reset::{RedeemRequest, ResetRequest};
    pub use super::revalidate::RevalidateRequest;
    pub use super::sign_in::SignInRequest;
}

use super::error;
use super::state::AppState;
use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use std::sync::Arc;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "keyward",
        version = "1",
        description = "Sign users in under the organisation's account rules, change and reset \
passwords. Every route but /v1/health takes an application key issued for a resource \
(`keyward resource key issue RESOURCE`), as `Authorization: Bearer <key>`. Errors have one \
shape: `{code, message, violations?}`."
    ),
    modifiers(&KeyScheme),
    tags(
        (name = "sign-in", description = "Signing users in"),
        (name = "passwords", description = "Changing and checking passwords"),
        (name = "reset", description = "Reset links"),
        (name = "revalidate", description = "Re-validating accounts left idle"),
        (name = "health", description = "Monitoring"),
    )
)]
struct ApiDoc;

/// Declares the bearer key that routes name in `security`.
struct KeyScheme;

impl utoipa::Modify for KeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "application_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The routes with their descriptions.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(sign_in::sign_in))
        .routes(routes!(password::change))
        .routes(routes!(password::check))
        .routes(routes!(reset::request))
        .routes(routes!(reset::redeem))
        .routes(routes!(revalidate::request))
        .routes(routes!(health::health))
}

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().split_for_parts().1
}

/// The API's routes, and its document at `/v1/openapi.json`.
pub fn router() -> Router<AppState> {
    let (router, doc) = documented().split_for_parts();
    let doc = Arc::new(doc.to_pretty_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "the OpenAPI document cannot be written");
        "{}".into()
    }));
    router
        .route(
            "/v1/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        doc.as_str().to_owned(),
                    )
                        .into_response()
                }
            }),
        )
        .method_not_allowed_fallback(error::method_not_allowed)
}
