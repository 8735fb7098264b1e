//! The demo portal's stand-in login backend (`--demo` only): `POST /demo/login` checks the
//! demo password and opens a session exactly as a real portal's backend does with
//! `POST /v1/sessions`, then hands the token to the page.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;

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

/// `POST /demo/login`.
pub async fn login(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<Created>, ApiError> {
    let form: Login = parse_body(&headers, &body)?;
    let Some(want) = &st.settings.demo_password else {
        return Err(ApiError::NotFound("the demo login is on only in demo mode"));
    };
    // Equal-length digests: the comparison's time says nothing about the password.
    if crate::token::digest(form.password.as_bytes()) != crate::token::digest(want.as_bytes()) {
        return Err(ApiError::Unauthorized("wrong employee id or password"));
    }
    // The employee id is the user id: the same rule, named as the form names it.
    sessions::open(&st, &form.employee_id)
        .await
        .map(Json)
        .map_err(|e| match e {
            ApiError::Invalid { message, .. } => ApiError::field("employee_id", message),
            e => e,
        })
}
