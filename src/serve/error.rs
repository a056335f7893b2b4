//! The API's one error shape, `{code, message, violations?}`, and how every
//! failure becomes one: the service's errors, bad bodies, unknown routes.
//! A message never carries a secret; an internal failure says only that it
//! happened (the log has the rest, under the response's X-Request-Id).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// What went wrong, for programs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body or a field is malformed or missing.
    InvalidRequest,
    /// No application key, or one that is unknown or revoked.
    Unauthorized,
    /// This client may not read this (`/metrics` from elsewhere).
    Forbidden,
    NotFound,
    MethodNotAllowed,
    PayloadTooLarge,
    UnsupportedMediaType,
    /// The new password breaks the policy: see `violations`.
    PolicyViolation,
    /// A reset link or change ticket that was used, replaced or expired.
    InvalidToken,
    Conflict,
    /// Too many requests from this client: see Retry-After.
    RateLimited,
    /// Too many password checks at once: see Retry-After.
    Busy,
    /// The database cannot be reached.
    Unavailable,
    /// The request took longer than the server allows.
    Timeout,
    Internal,
}

/// The body of every error answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    pub code: ErrorCode,
    /// One plain sentence for people.
    pub message: String,
    /// Each rule the password broke, when `code` is `policy_violation`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<String>,
}

/// An error answer: status, body and, where it helps, Retry-After.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                code,
                message: message.into(),
                violations: Vec::new(),
            },
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidRequest, message)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "a valid application key is required: send Authorization: Bearer <key> \
             (keys are issued with `keyward resource key issue`)",
        )
    }

    pub fn invalid_token(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidToken, message)
    }

    pub fn rate_limited(retry_after: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                "too many requests from this address; try again later",
            )
        }
    }

    pub fn timeout() -> ApiError {
        ApiError {
            retry_after: Some(1),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Timeout,
                "the request took too long; try again",
            )
        }
    }
}

impl From<crate::Error> for ApiError {
    fn from(e: crate::Error) -> ApiError {
        use crate::Error as E;
        match e {
            E::Policy(violations) => ApiError {
                body: ErrorBody {
                    code: ErrorCode::PolicyViolation,
                    message: "the new password does not meet the policy".into(),
                    violations,
                },
                status: StatusCode::UNPROCESSABLE_ENTITY,
                retry_after: None,
            },
            E::Invalid(m) => ApiError::bad_request(m),
            E::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, m),
            E::Conflict(m) => ApiError::new(StatusCode::CONFLICT, ErrorCode::Conflict, m),
            E::Unauthenticated(_) | E::Forbidden(_) | E::StepUpRequired(_) => {
                ApiError::unauthorized()
            }
            E::Busy(_) => ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    ErrorCode::Busy,
                    "too many passwords are being checked right now; try again in a moment",
                )
            },
            E::Unavailable(_) => {
                tracing::warn!(error = %e, "the database cannot be reached");
                ApiError {
                    retry_after: Some(5),
                    ..ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        ErrorCode::Unavailable,
                        "the account database cannot be reached; try again shortly",
                    )
                }
            }
            E::Cancelled | E::Schema(_) | E::Database(_) | E::Internal(_) => {
                tracing::error!(error = %e, "request failed");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::Internal,
                    "something went wrong on the server; its log has the details under this \
                     answer's X-Request-Id",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        let headers = response.headers_mut();
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"keyward\""),
            );
        }
        response
    }
}

/// Unknown paths: the API's error shape under /v1, a short page elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/v1") {
        ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "no such route; see /v1/openapi.json",
        )
        .into_response()
    } else {
        super::pages::not_found_page()
    }
}

/// A known path asked with a method it does not take.
pub async fn method_not_allowed(uri: Uri) -> Response {
    if uri.path().starts_with("/v1") {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::MethodNotAllowed,
            "this route does not take that method; see /v1/openapi.json",
        )
        .into_response()
    } else {
        (StatusCode::METHOD_NOT_ALLOWED, "method not allowed").into_response()
    }
}
