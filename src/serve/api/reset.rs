//! `POST /v1/reset/request` (ask for a reset link; the same answer whether
//! or not the account exists) and `POST /v1/reset/redeem` (set a password
//! with the link's token).

use super::extract::{ApiJson, AppKey};
use super::sign_in::Outcome;
use crate::domain::Password;
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
pub struct ResetRequest {
    /// A login ID, or an email address that belongs to one account.
    #[schema(example = "anna@example.org")]
    pub login_or_email: String,
    /// The address of the person asking, when the application knows it
    /// (its own user's, not the application server's): the per-address
    /// limit and the audit trail then count it instead of the caller's.
    #[schema(example = "198.51.100.7")]
    pub client_address: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ResetRequested {
    /// The same sentence whatever the request named.
    pub message: String,
    /// When a link issued now expires (under the default policy).
    pub expires_at: DateTime<Utc>,
}

/// Ask for a password-reset link.
///
/// Always 202 with the same body and in the same time, whether or not an
/// account matches: a link is issued only for an active account that the
/// login ID or email names alone. Limited per account (silently) and per
/// client address (429): the `client_address` the application gives for
/// its user, else the calling address.
#[utoipa::path(
    post,
    path = "/v1/reset/request",
    tag = "reset",
    request_body = ResetRequest,
    security(("application_key" = [])),
    responses(
        (status = 202, description = "Accepted; a link is on its way if an account matches", body = ResetRequested),
        (status = 400, description = "Malformed body or empty field", body = ErrorBody),
        (status = 401, description = "Missing or revoked application key", body = ErrorBody),
        (status = 429, description = "Too many requests from this address (see Retry-After)", body = ErrorBody),
    )
)]
pub async fn request(
    State(state): State<AppState>,
    AppKey(app): AppKey,
    caller: ClientAddr,
    ApiJson(req): ApiJson<ResetRequest>,
) -> Result<(StatusCode, Json<ResetRequested>), ApiError> {
    let client = ClientAddr::given_or(req.client_address.as_deref(), caller)?;
    client.reset_rate_limit(&state).await?;
    let expires_at = state
        .service
        .request_reset(
            &req.login_or_email,
            &app.name,
            &client.to_string(),
            &state.settings.public_url,
        )
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ResetRequested {
            message: "if an account matches, a link is on its way".into(),
            expires_at,
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemRequest {
    /// The token from the reset link (the part after `/reset/`).
    pub token: String,
    #[schema(value_type = String, format = Password)]
    pub new_password: Password,
}

#[derive(Serialize, ToSchema)]
pub struct RedeemResponse {
    pub outcome: Outcome,
    /// The account whose password was set.
    pub login: String,
}

/// Set a new password with a reset link's token.
///
/// The token works once, until it expires; the new password must meet the
/// account's policy and history. The account's other sessions end.
#[utoipa::path(
    post,
    path = "/v1/reset/redeem",
    tag = "reset",
    request_body = RedeemRequest,
    security(("application_key" = [])),
    responses(
        (status = 200, description = "The password was set", body = RedeemResponse),
        (status = 400, description = "Malformed body, or the token was used, replaced or expired (`invalid_token`)", body = ErrorBody),
        (status = 401, description = "Missing or revoked application key", body = ErrorBody),
        (status = 422, description = "The new password breaks the policy: `violations`", body = ErrorBody),
    )
)]
pub async fn redeem(
    State(state): State<AppState>,
    AppKey(_app): AppKey,
    ApiJson(req): ApiJson<RedeemRequest>,
) -> Result<Json<RedeemResponse>, ApiError> {
    match state
        .service
        .redeem_reset_token(&req.token, &req.new_password)
        .await
    {
        Ok(login) => Ok(Json(RedeemResponse {
            outcome: Outcome::Ok,
            login,
        })),
        Err(crate::Error::Unauthenticated(m) | crate::Error::Invalid(m)) => {
            Err(ApiError::invalid_token(m))
        }
        Err(e) => Err(e.into()),
    }
}
