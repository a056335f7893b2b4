//! `GET /v1/health`: whether this instance can reach its database, for
//! load balancers and monitoring. Needs no key and tells nothing else.

use crate::serve::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `unavailable`.
    pub status: String,
    /// `reachable` or `unreachable`.
    pub database: String,
}

/// Is this instance healthy?
#[utoipa::path(
    get,
    path = "/v1/health",
    tag = "health",
    responses(
        (status = 200, description = "Serving, database reachable", body = Health),
        (status = 503, description = "The database cannot be reached", body = Health),
    )
)]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let ping = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        state.service.store().ping(),
    )
    .await;
    match ping {
        Ok(Ok(())) => (
            StatusCode::OK,
            Json(Health {
                status: "ok".into(),
                database: "reachable".into(),
            }),
        ),
        _ => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "unavailable".into(),
                database: "unreachable".into(),
            }),
        ),
    }
}
