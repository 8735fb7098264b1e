//! Operations: `GET /healthz`, `GET /metrics`, `GET /openapi.json`.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;

use crate::error::ApiError;
use crate::state::AppState;

/// The OpenAPI document of every route, body and error.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// `GET /healthz`: 200 when the database answers.
pub async fn healthz(State(st): State<AppState>) -> Result<&'static str, ApiError> {
    sqlx::query("SELECT 1").execute(&st.store.pool).await?;
    Ok("ok\n")
}

/// `GET /metrics`: Prometheus text.
pub async fn metrics(State(st): State<AppState>) -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        st.metrics.render(),
    )
}

/// `GET /openapi.json`.
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}
