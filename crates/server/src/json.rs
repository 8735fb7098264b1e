//! Reading request bodies: the content type checked, the JSON decoded with the path of the
//! field at fault in the 400 answer.

use axum::http::{header, HeaderMap};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_path_to_error::Segment;

use crate::error::ApiError;

/// The media type of a request without its parameters, lower-cased (`text/plain;charset=UTF-8`
/// is `text/plain`).
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(v.split(';').next()?.trim().to_ascii_lowercase())
}

/// The body as text: UTF-8 and not empty.
fn text(bytes: &[u8]) -> Result<&str, ApiError> {
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
    Ok(text)
}

/// Decodes JSON text into `T`, naming the field at fault: its path from the value decoded,
/// after `prefix` (a batch's `[3]`). Where the text ends early, the path is where it ended
/// (serde_path_to_error's "?" segments are left out).
fn decode_at<'a, T: Deserialize<'a>>(text: &'a str, prefix: &str) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let mut field = prefix.to_owned();
        for segment in e.path() {
            match segment {
                Segment::Seq { index } => field.push_str(&format!("[{index}]")),
                Segment::Map { key } | Segment::Enum { variant: key } => {
                    if !field.is_empty() {
                        field.push('.');
                    }
                    field.push_str(key);
                }
                Segment::Unknown => break,
            }
        }
        ApiError::Invalid {
            field: (!field.is_empty()).then_some(field),
            message: e.into_inner().to_string(),
        }
    })?;
    de.end()
        .map_err(|e| ApiError::invalid(format!("text after the JSON value: {e}")))?;
    Ok(value)
}

/// Whether a JSON text is an object. serde's derived decoding also takes a struct as the array
/// of its fields' values in order (for formats without field names); the API's bodies are
/// objects (openapi.json), and a client sending an array has a bug worth a 400.
fn is_object(text: &str) -> bool {
    text.trim_start().starts_with('{')
}

/// Decodes JSON text that must be an object into `T`, naming the field at fault.
pub fn decode_object<T: DeserializeOwned>(text: &str, prefix: &str) -> Result<T, ApiError> {
    if !is_object(text) {
        return Err(ApiError::Invalid {
            field: (!prefix.is_empty()).then(|| prefix.to_owned()),
            message: "expected a JSON object".into(),
        });
    }
    decode_at(text, prefix)
}

/// The elements of a JSON array, each still JSON text (for [`decode_object`] with its index).
pub fn array(bytes: &[u8]) -> Result<Vec<&RawValue>, ApiError> {
    decode_at(text(bytes)?, "")
}

/// A small JSON body of an API call: `application/json` (415 otherwise), decoded.
pub fn parse_body<T: DeserializeOwned>(headers: &HeaderMap, bytes: &[u8]) -> Result<T, ApiError> {
    match media_type(headers).as_deref() {
        Some("application/json") => decode_object(text(bytes)?, ""),
        other => Err(ApiError::UnsupportedType(format!(
            "expected application/json, got {}",
            other.unwrap_or("no content type")
        ))),
    }
}
