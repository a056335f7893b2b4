//! `POST /v1/password/change` (a user changes their own password, or
//! finishes a forced change with a ticket) and `POST /v1/password/check`
//! (the policy checklist and strength meter while they type).

use super::extract::{ApiJson, AppKey, HashingRoom};
use super::sign_in::Outcome;
use crate::domain::{Kind, Password};
use crate::serve::error::{ApiError, ErrorBody};
use crate::serve::state::AppState;
use crate::service::{ChangeProof, PublicCheck};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequest {
    #[schema(example = "anna.b")]
    pub login: String,
    /// The current password; or give `ticket` instead.
    #[schema(value_type = Option<String>, format = Password)]
    pub current_password: Option<Password>,
    /// The `change_ticket` of a sign-in that answered `must_change`.
    pub ticket: Option<String>,
    #[schema(value_type = String, format = Password)]
    pub new_password: Password,
}

#[derive(Serialize, ToSchema)]
pub struct ChangeResponse {
    /// `ok` when the password was changed; otherwise why the current
    /// password was not accepted (`bad_credentials`, `locked`, `disabled`,
    /// `no_access`), counted like a failed sign-in.
    pub outcome: Outcome,
}

/// Change a password.
///
/// With `current_password` this is a sign-in first (a wrong one counts
/// towards the lock); with `ticket` it finishes a forced change. The new
/// password must meet the user's policy and history. The user's other
/// sessions end.
#[utoipa::path(
    post,
    path = "/v1/password/change",
    tag = "passwords",
    request_body = ChangeRequest,
    security(("application_key" = [])),
    responses(
        (status = 200, description = "Changed (`ok`), or the current password was not accepted", body = ChangeResponse),
        (status = 400, description = "Malformed body, or the ticket was used, replaced or expired (`invalid_token`)", body = ErrorBody),
        (status = 401, description = "Missing or revoked application key", body = ErrorBody),
        (status = 422, description = "The new password breaks the policy: `violations`", body = ErrorBody),
        (status = 503, description = "Busy or database unreachable (see Retry-After)", body = ErrorBody),
    )
)]
pub async fn change(
    State(state): State<AppState>,
    _room: HashingRoom,
    AppKey(app): AppKey,
    ApiJson(req): ApiJson<ChangeRequest>,
) -> Result<Json<ChangeResponse>, ApiError> {
    let proof = match (req.current_password, req.ticket) {
        (Some(current), None) => ChangeProof::Current(current),
        (None, Some(ticket)) => ChangeProof::Ticket(ticket),
        _ => {
            return Err(ApiError::bad_request(
                "give exactly one of current_password and ticket",
            ));
        }
    };
    let is_ticket = matches!(proof, ChangeProof::Ticket(_));
    match state
        .service
        .change_password_self(&req.login, &proof, &req.new_password, &app.source())
        .await
    {
        Ok(outcome) => Ok(Json(ChangeResponse {
            outcome: Outcome::of(&outcome),
        })),
        Err(crate::Error::Unauthenticated(m)) if is_ticket => Err(ApiError::invalid_token(m)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// Whose password it would be; an unknown or missing login gets the
    /// default policy of `kind`.
    pub login: Option<String>,
    /// `staff` (default) or `portal`: the default policy for an unknown login.
    #[schema(value_type = Option<String>, example = "staff")]
    pub kind: Option<Kind>,
    #[schema(value_type = String, format = Password)]
    pub password: Password,
}

/// One rule of the policy.
#[derive(Serialize, ToSchema)]
pub struct RuleResult {
    /// Stable identifier: `min_length`, `require_digit`, `not_common`, ...
    pub rule: String,
    /// What the rule asks, for people: "at least 15 characters".
    pub label: String,
    pub met: bool,
    /// Why it is broken, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// How strong the password is (zxcvbn).
#[derive(Serialize, ToSchema)]
pub struct StrengthResult {
    /// 0 (very weak) to 4 (very strong).
    pub score: u8,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CheckResponse {
    pub rules: Vec<RuleResult>,
    pub strength: StrengthResult,
    /// Every rule met. (Whether it was used before is checked only when
    /// it is saved.)
    pub acceptable: bool,
}

impl From<PublicCheck> for CheckResponse {
    fn from(c: PublicCheck) -> Self {
        CheckResponse {
            rules: c
                .rules
                .into_iter()
                .map(|r| RuleResult {
                    rule: r.rule.to_string(),
                    label: r.label,
                    met: r.met,
                    message: (!r.met).then_some(r.message),
                })
                .collect(),
            strength: StrengthResult {
                score: c.strength.score,
                label: c.strength.label.to_string(),
                hint: c.strength.hint,
            },
            acceptable: c.acceptable,
        }
    }
}

/// Check a password against the policy, without saving it.
///
/// For showing the checklist and the strength meter while a user types.
/// Whether the login exists is never revealed: an unknown one is checked
/// under its kind's default policy.
#[utoipa::path(
    post,
    path = "/v1/password/check",
    tag = "passwords",
    request_body = CheckRequest,
    security(("application_key" = [])),
    responses(
        (status = 200, description = "The checklist and the meter", body = CheckResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or revoked application key", body = ErrorBody),
    )
)]
pub async fn check(
    State(state): State<AppState>,
    AppKey(_app): AppKey,
    ApiJson(req): ApiJson<CheckRequest>,
) -> Result<Json<CheckResponse>, ApiError> {
    let check = state
        .service
        .check_password_for(
            req.login.as_deref(),
            req.kind.unwrap_or(Kind::Staff),
            &req.password,
        )
        .await?;
    Ok(Json(check.into()))
}
