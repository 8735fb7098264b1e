//! Reading request bodies: the content type checked, the JSON decoded with the path of the
//! field at fault in the 400 answer.

use axum::http::{header, HeaderMap};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The media type of a request without its parameters, lower-cased (`text/plain;charset=UTF-8`
/// is `text/plain`).
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(v.split(';').next()?.trim().to_ascii_lowercase())
}

/// Decodes JSON text into `T`, naming the field at fault.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        ApiError::invalid(format!(
            "the body is not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    if text.trim().is_empty() {
        return Err(ApiError::invalid(
            "the body is empty: expected a JSON value",
        ));
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        ApiError::Invalid {
            field: (path != ".").then_some(path),
            message,
        }
    })?;
    de.end()
        .map_err(|e| ApiError::invalid(format!("text after the JSON value: {e}")))?;
    Ok(value)
}

/// A small JSON body of an API call: `application/json` (415 otherwise), decoded.
pub fn parse_body<T: DeserializeOwned>(headers: &HeaderMap, bytes: &[u8]) -> Result<T, ApiError> {
    match media_type(headers).as_deref() {
        Some("application/json") => decode(bytes),
        other => Err(ApiError::UnsupportedType(format!(
            "expected application/json, got {}",
            other.unwrap_or("no content type")
        ))),
    }
}
