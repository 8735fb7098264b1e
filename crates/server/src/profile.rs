//! `GET /v1/profile`: the packed scorer the collector's `setProfile` takes, for the session
//! token's user. Each scorer handed out is recorded for the session, so that a browser score
//! made against it is never taken for a forgery after the profile has moved on.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::auth;
use crate::db::now_ms;
use crate::error::ApiError;
use crate::ingest::load_profile;
use crate::state::AppState;

/// The header that names the revision handed out.
pub const REVISION_HEADER: &str = "x-telltale-profile-revision";

/// `GET /v1/profile` (session token).
pub async fn get(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let token =
        auth::bearer(&headers)?.ok_or(ApiError::Unauthorized("the session token is required"))?;
    let session = auth::session(&st, token).await?;
    let (profile, revision) = load_profile(&st, &session.user_id).await?;
    let scorer = profile.scorer();
    let enrolled = !scorer.fixed.is_empty() || scorer.keys.is_some() || !scorer.pointer.is_empty();
    let Some(revision) = revision.filter(|_| enrolled) else {
        let body = json!({
            "error": "enrolling",
            "message": "this user's profile is still enrolling",
            "enrollment": profile.enrollment(),
        });
        return Ok((StatusCode::NOT_FOUND, Json(body)).into_response());
    };
    let packed = scorer.pack();
    let text = serde_json::to_string(&packed).expect("a packed scorer serialises");
    // Only while the session exists: a user erased since the session was read (`DELETE
    // /v1/users/{user}` in between) leaves no copy of the profile behind.
    sqlx::query(
        "INSERT INTO handed (session_id, revision, scorer, handed_ms) \
         SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM sessions WHERE id = $1) \
         ON CONFLICT (session_id, revision) DO NOTHING",
    )
    .bind(&session.id)
    .bind(revision)
    .bind(&text)
    .bind(now_ms())
    .execute(&st.store.pool)
    .await?;
    let mut res = (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response();
    res.headers_mut().insert(
        HeaderName::from_static(REVISION_HEADER),
        HeaderValue::from(revision),
    );
    Ok(res)
}
