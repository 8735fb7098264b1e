//! Who is calling: the portal's login backend (portal key), a reviewer (reviewer key) or a page
//! (its session token), each as `Authorization: Bearer …`.

use axum::http::{header, HeaderMap};

use crate::db::now_ms;
use crate::error::ApiError;
use crate::sessions::SessionRow;
use crate::state::AppState;
use crate::token;

/// The bearer credential, if the request has one. `Err` for an `Authorization` header that is
/// not a bearer credential.
pub fn bearer(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not visible ASCII"))?;
    match value.split_once(' ') {
        Some((scheme, cred)) if scheme.eq_ignore_ascii_case("bearer") && !cred.is_empty() => {
            Ok(Some(cred.trim()))
        }
        _ => Err(ApiError::Unauthorized(
            "the Authorization header must be `Bearer <credential>`",
        )),
    }
}

/// Which key a route needs.
#[derive(Debug, Clone, Copy)]
pub enum Role {
    /// The portal's login backend.
    Portal,
    /// A reviewer.
    Reviewer,
}

/// Requires the key of `role`: 401 without a valid key, 403 for the other role's key.
pub fn require(st: &AppState, headers: &HeaderMap, role: Role) -> Result<(), ApiError> {
    let cred = bearer(headers)?.ok_or(ApiError::Unauthorized("a bearer key is required"))?;
    // Keys are compared by their SHA-256: equal digests or not, the time taken says nothing
    // about the key.
    let d = token::digest(cred.as_bytes());
    let (want, other) = match role {
        Role::Portal => (st.settings.portal_key, st.settings.reviewer_key),
        Role::Reviewer => (st.settings.reviewer_key, st.settings.portal_key),
    };
    if d == want {
        Ok(())
    } else if d == other {
        Err(ApiError::Forbidden("this key may not use this route"))
    } else {
        Err(ApiError::Unauthorized("the key is not valid"))
    }
}

/// The session id of a token that is signed and unexpired (no database read); 401 otherwise.
pub fn session_id(st: &AppState, token: &str) -> Result<String, ApiError> {
    st.signer
        .verify(token, now_ms())
        .map_err(|e| ApiError::Unauthorized(e.message()))
}

/// A session row that exists and is not revoked; 401 otherwise.
pub fn live(row: Option<SessionRow>) -> Result<SessionRow, ApiError> {
    let row = row.ok_or(ApiError::Unauthorized(
        "the session does not exist (erased?)",
    ))?;
    if row.revoked != 0 {
        return Err(ApiError::Unauthorized("the session was revoked"));
    }
    Ok(row)
}

/// The live session of a token: signed, unexpired, known and not revoked; 401 otherwise.
pub async fn session(st: &AppState, token: &str) -> Result<SessionRow, ApiError> {
    let id = session_id(st, token)?;
    live(SessionRow::load(&st.store, &id).await?)
}
