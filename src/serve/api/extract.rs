//! What API handlers take from a request: the calling application (its
//! key) and a JSON body, each refusing with the API's error shape.

use crate::serve::error::{ApiError, ErrorCode};
use crate::serve::state::AppState;
use crate::service::Application;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// The application whose key authorised the request (`Authorization:
/// Bearer <key>`). Missing, malformed, unknown and revoked keys are
/// refused alike with 401.
pub struct AppKey(pub Application);

impl FromRequestParts<AppState> for AppKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .ok_or_else(ApiError::unauthorized)?;
        match state.service.application(key).await {
            Ok(app) => Ok(AppKey(app)),
            Err(crate::Error::Unauthenticated(_)) => Err(ApiError::unauthorized()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Room on the hashing threads: a route that checks a password takes it
/// first, so that a saturated server answers 503 with Retry-After at once,
/// before the application key's database look-up or the body.
pub struct HashingRoom;

impl FromRequestParts<AppState> for HashingRoom {
    type Rejection = ApiError;

    async fn from_request_parts(_parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        state.service.refuse_if_hashing_full()?;
        Ok(HashingRoom)
    }
}

/// A JSON body; a bad one answers 400, 413 or 415 with a sentence saying
/// what was wrong.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(&rejection)),
        }
    }
}

fn json_rejection(rejection: &JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            "send the body as JSON, with Content-Type: application/json",
        ),
        JsonRejection::JsonSyntaxError(e) => ApiError::bad_request(format!(
            "the body is not valid JSON: {}",
            detail(e.body_text())
        )),
        JsonRejection::JsonDataError(e) => ApiError::bad_request(format!(
            "the body does not have the expected fields: {}",
            detail(e.body_text())
        )),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            "the body is larger than this server accepts ([web] max_body_bytes)",
        ),
        other => {
            ApiError::bad_request(format!("the body could not be read: {}", other.body_text()))
        }
    }
}

/// serde's part of axum's message, without axum's preamble.
fn detail(text: String) -> String {
    match text.split_once(": ") {
        Some((_, rest)) => rest.to_string(),
        None => text,
    }
}
