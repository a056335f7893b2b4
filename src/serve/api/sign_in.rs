//! `POST /v1/sign-in`: an application signs a user in under keyward's
//! rules, through the one `authenticate` path.

use super::extract::{ApiJson, AppKey, HashingRoom};
use crate::domain::{AccessLevel, AuthOutcome, Kind, MustChangeReason, Password, Role};
use crate::serve::error::{ApiError, ErrorBody};
use crate::serve::state::AppState;
use crate::service::{AppSignIn, SignedInUser};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// The login ID (not case-sensitive).
    #[schema(example = "anna.b")]
    pub login: String,
    /// The password, exactly as typed (case-sensitive, not trimmed).
    #[schema(value_type = String, format = Password)]
    pub password: Password,
}

/// What a sign-in answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Signed in.
    Ok,
    /// Signed in, but the password must be changed now: finish with
    /// `POST /v1/password/change` and the `change_ticket`.
    MustChange,
    /// The right password, but the account was not used for longer than
    /// its policy's `revalidate_after_days`: its owner must re-validate it
    /// through a link mailed to them (`POST /v1/revalidate/request`, or the
    /// `/revalidate` page). Every sign-in answers this until they have.
    /// The application decides what the user may do meanwhile.
    OkRevalidate,
    /// Wrong login ID or password (never says which).
    BadCredentials,
    /// Locked after repeated failures: `locked_until`, or until an
    /// administrator unlocks it when that is null.
    Locked,
    Disabled,
    /// The right password, but the account has no access to this
    /// application's resource.
    NoAccess,
}

impl Outcome {
    pub fn of(outcome: &AuthOutcome) -> Outcome {
        match outcome {
            AuthOutcome::Ok => Outcome::Ok,
            AuthOutcome::OkMustChange { .. } => Outcome::MustChange,
            AuthOutcome::OkRevalidate => Outcome::OkRevalidate,
            AuthOutcome::BadCredentials => Outcome::BadCredentials,
            AuthOutcome::Locked { .. } => Outcome::Locked,
            AuthOutcome::Disabled => Outcome::Disabled,
            AuthOutcome::NoAccess => Outcome::NoAccess,
        }
    }
}

/// The account signed in.
#[derive(Serialize, ToSchema)]
pub struct UserInfo {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub email: String,
    #[schema(value_type = String, example = "staff")]
    pub kind: Kind,
    #[schema(value_type = String, example = "user")]
    pub role: Role,
    /// The account's access level on this application's resource.
    #[schema(value_type = String, example = "standard")]
    pub access: AccessLevel,
}

impl From<SignedInUser> for UserInfo {
    fn from(u: SignedInUser) -> Self {
        UserInfo {
            id: u.id,
            login: u.login,
            name: u.name,
            email: u.email,
            kind: u.kind,
            role: u.role,
            access: u.access,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SignInResponse {
    pub outcome: Outcome,
    /// With `locked`: when the lock ends (null: when an administrator
    /// unlocks the account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<Option<DateTime<Utc>>>,
    /// With `must_change`: why (`flagged`, `expired`, `policy_changed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub must_change_reason: Option<MustChangeReason>,
    /// With `ok`, `ok_revalidate` and `must_change`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    /// With `must_change`: stands in for the current password in
    /// `POST /v1/password/change`, once, until `change_ticket_expires_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_ticket: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_ticket_expires_at: Option<DateTime<Utc>>,
}

impl From<AppSignIn> for SignInResponse {
    fn from(a: AppSignIn) -> Self {
        let (locked_until, must_change_reason) = match &a.outcome {
            AuthOutcome::Locked { until } => (Some(*until), None),
            AuthOutcome::OkMustChange { reason } => (None, Some(*reason)),
            _ => (None, None),
        };
        let (change_ticket, change_ticket_expires_at) = match a.change_ticket {
            Some((ticket, expires)) => (Some(ticket.to_string()), Some(expires)),
            None => (None, None),
        };
        SignInResponse {
            outcome: Outcome::of(&a.outcome),
            locked_until,
            must_change_reason,
            user: a.user.map(UserInfo::from),
            change_ticket,
            change_ticket_expires_at,
        }
    }
}

/// Sign a user in.
///
/// Every outcome answers 200 with `outcome` saying what happened; an
/// unknown login and a wrong password answer alike, in the same time. A
/// wrong password counts towards the account's lock.
#[utoipa::path(
    post,
    path = "/v1/sign-in",
    tag = "sign-in",
    request_body = SignInRequest,
    security(("application_key" = [])),
    responses(
        (status = 200, description = "The sign-in's outcome", body = SignInResponse),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "Missing or revoked application key", body = ErrorBody),
        (status = 503, description = "Busy or database unreachable (see Retry-After)", body = ErrorBody),
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    _room: HashingRoom,
    AppKey(app): AppKey,
    ApiJson(req): ApiJson<SignInRequest>,
) -> Result<Json<SignInResponse>, ApiError> {
    let answer = state
        .service
        .sign_in_app(&app, &req.login, &req.password)
        .await?;
    Ok(Json(answer.into()))
}
