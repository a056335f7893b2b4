//! `POST /v1/revalidate/request`: ask for the re-validation link of an
//! account whose sign-in answered `ok_revalidate`; the same answer whether
//! or not the account exists or needs one. The link opens the
//! `/revalidate/{token}` page, whose button re-validates the account.

use super::extract::{ApiJson, AppKey};
use crate::serve::client::ClientAddr;
use crate::serve::error::{ApiError, ErrorBody};
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevalidateRequest {
    /// A login ID, or an email address that belongs to one account.
    #[schema(example = "anna.b")]
    pub login_or_email: String,
    /// The address of the person asking, when the application knows it
    /// (its own user's): the per-address limit and the audit trail then
    /// count it instead of the caller's.
    #[schema(example = "198.51.100.7")]
    pub client_address: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RevalidateRequested {
    /// The same sentence whatever the request named.
    pub message: String,
    /// When a link issued now expires (under the default policy).
    pub expires_at: DateTime<Utc>,
}

/// Ask for a re-validation link.
///
/// For an account whose sign-in answered `ok_revalidate`: a link is mailed
/// to its address, and following it re-validates the account (its sign-ins
/// answer `ok` again). Always 202 with the same body and in the same time,
/// whether or not an account matches or needs re-validation. Limited per
/// account (silently) and per client address (429), sharing the reset
/// requests' per-address limit.
#[utoipa::path(
    post,
    path = "/v1/revalidate/request",
    tag = "revalidate",
    request_body = RevalidateRequest,
    security(("application_key" = [])),
    responses(
        (status = 202, description = "Accepted; a link is on its way if an account matches and needs one", body = RevalidateRequested),
        (status = 400, description = "Malformed body or empty field", body = ErrorBody),
        (status = 401, description = "Missing or revoked application key", body = ErrorBody),
        (status = 429, description = "Too many requests from this address (see Retry-After)", body = ErrorBody),
    )
)]
pub async fn request(
    State(state): State<AppState>,
    AppKey(app): AppKey,
    caller: ClientAddr,
    ApiJson(req): ApiJson<RevalidateRequest>,
) -> Result<(StatusCode, Json<RevalidateRequested>), ApiError> {
    let client = ClientAddr::given_or(req.client_address.as_deref(), caller)?;
    client.reset_rate_limit(&state).await?;
    let expires_at = state
        .service
        .request_revalidation(
            &req.login_or_email,
            &app.name,
            &client.to_string(),
            &state.settings.public_url,
        )
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(RevalidateRequested {
            message: "if an account matches and needs re-validation, a link is on its way".into(),
            expires_at,
        }),
    ))
}
