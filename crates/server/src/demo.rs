//! The demo portal's stand-in login backend (`--demo` only): `POST /demo/login` checks the
//! demo password and opens a session exactly as a real portal's backend does with
//! `POST /v1/sessions`, then hands the token to the page; `POST /demo/step-up` checks the
//! password again for the session of the page's token and records the pass, as a real
//! portal's backend does with `POST /v1/sessions/{id}/step-up`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;

use crate::auth;
use crate::error::ApiError;
use crate::json::parse_body;
use crate::sessions::{self, Created};
use crate::state::AppState;

/// The login form.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The employee id: the demo's pseudonymous user id.
    pub employee_id: String,
    /// The demo password.
    pub password: String,
}

/// The step-up form: the password again (the session is the page's token's).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepUp {
    /// The demo password.
    pub password: String,
}

/// The demo password's check: 401 with `wrong` for another password.
fn check_password(st: &AppState, password: &str, wrong: &'static str) -> Result<(), ApiError> {
    let Some(want) = &st.settings.demo_password else {
        return Err(ApiError::NotFound("the demo login is on only in demo mode"));
    };
    // Equal-length digests: the comparison's time says nothing about the password.
    if crate::token::digest(password.as_bytes()) != crate::token::digest(want.as_bytes()) {
        return Err(ApiError::Unauthorized(wrong));
    }
    Ok(())
}

/// `POST /demo/step-up` (the page's session token): 204 once the password is right.
pub async fn step_up(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<StatusCode, ApiError> {
    let form: StepUp = parse_body(&headers, &body)?;
    let token = auth::bearer(&headers)?.ok_or(ApiError::Unauthorized(
        "the session token is required (Authorization: Bearer)",
    ))?;
    let session = auth::session(&st, token).await?;
    check_password(&st, &form.password, "wrong password")?;
    sessions::step_up_passed(&st, &session.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /demo/login`.
pub async fn login(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Created>, ApiError> {
    let form: Login = parse_body(&headers, &body)?;
    check_password(&st, &form.password, "wrong employee id or password")?;
    // The employee id is the user id: the same rule, named as the form names it.
    sessions::open(&st, &form.employee_id)
        .await
        .map(Json)
        .map_err(|e| match e {
            ApiError::Invalid { message, .. } => ApiError::field("employee_id", message),
            e => e,
        })
}
