//! `POST /check`: the pages' live checklist and strength meter. With a
//! reset link's token, under that account's policy (its holder owns it);
//! otherwise under the staff default, looking nobody up.

use super::csrf;
use crate::domain::{Kind, Password};
use crate::serve::api::CheckResponse;
use crate::serve::error::ApiError;
use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    token: Option<String>,
    login: Option<String>,
    password: Password,
}

pub async fn check(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::serve::api::ApiJson(body): crate::serve::api::ApiJson<CheckBody>,
) -> Result<Json<CheckResponse>, ApiError> {
    let settings = &state.settings;
    let submitted = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !csrf::verify(&headers, submitted, settings.secure(), &settings.public_url) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            crate::serve::error::ErrorCode::InvalidRequest,
            "reload the page",
        ));
    }
    let check = match &body.token {
        Some(token) => state
            .service
            .check_password_for_reset(token, &body.password)
            .await?
            .ok_or_else(|| ApiError::invalid_token("this link cannot be used"))?,
        None => {
            state
                .service
                .anonymous_check(
                    Kind::Staff,
                    body.login.as_deref().unwrap_or(""),
                    &body.password,
                )
                .await?
        }
    };
    Ok(Json(check.into()))
}
