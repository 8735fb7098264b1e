//! The server's one error type. Clients see a stable code, a message in words and, when one
//! field of their request is at fault, its path; the log keeps the detail of internal faults
//! (never a payload).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// Everything a request can fail with.
#[derive(Debug)]
pub enum ApiError {
    /// 400: the request breaks the schema; `field` is the path of the offending field.
    Invalid {
        /// Path such as `[2].keys.holds[0].hold.sd`, when one field is at fault.
        field: Option<String>,
        /// What is wrong, in words.
        message: String,
    },
    /// 401: no credentials, or credentials that are not (or no longer) valid.
    Unauthorized(&'static str),
    /// 403: valid credentials that may not do this.
    Forbidden(&'static str),
    /// 404.
    NotFound(&'static str),
    /// 409: a summary id already stored with other content.
    Conflict(String),
    /// 413: a body over the limit.
    TooLarge(usize),
    /// 414: a request URI of this many bytes, over [`crate::MAX_URI_BYTES`].
    UriTooLong(usize),
    /// 431: request headers over [`crate::MAX_HEADERS`] or [`crate::MAX_HEADER_BYTES`]: their
    /// count and bytes.
    HeadersTooLarge(usize, usize),
    /// 415: a content type the route does not take.
    UnsupportedType(String),
    /// 429: a session sending faster than a collector can; retry after this many seconds.
    TooManyRequests(u64),
    /// 503: the database did not answer (retried by the collector).
    Unavailable(String),
    /// 500: a fault of the server's own (logged).
    Internal(String),
}

/// The body of every error answer.
#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

/// The stable code of an error answer, kept in the response's extensions so that the metrics
/// layer can count rejections by reason.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

impl ApiError {
    /// A 400 about one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Invalid {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// A 400 about the request as a whole.
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::Invalid {
            field: None,
            message: message.into(),
        }
    }

    /// The stable code clients and metrics see.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Invalid { .. } => "invalid",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::TooLarge(_) => "too_large",
            ApiError::UriTooLong(_) => "uri_too_long",
            ApiError::HeadersTooLarge(..) => "headers_too_large",
            ApiError::UnsupportedType(_) => "unsupported_media_type",
            ApiError::TooManyRequests(_) => "rate_limited",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::Invalid { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge(..) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                ApiError::Unavailable(e.to_string())
            }
            e => ApiError::Internal(format!("database: {e}")),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let code = self.code();
        let retry_after = match self {
            ApiError::TooManyRequests(s) => Some(s),
            _ => None,
        };
        let (message, field) = match self {
            ApiError::Invalid { field, message } => (message, field),
            ApiError::Unauthorized(m) | ApiError::Forbidden(m) | ApiError::NotFound(m) => {
                (m.to_owned(), None)
            }
            ApiError::Conflict(m) | ApiError::UnsupportedType(m) => (m, None),
            ApiError::TooLarge(limit) => (format!("the body is over {limit} bytes"), None),
            ApiError::UriTooLong(n) => (
                format!(
                    "the request URI is {n} bytes; the server reads at most {} (no route takes a long query: data goes in the body)",
                    crate::MAX_URI_BYTES
                ),
                None,
            ),
            ApiError::HeadersTooLarge(count, bytes) => (
                format!(
                    "the request has {count} headers of {bytes} bytes; the server reads at most {} headers of {} bytes in all",
                    crate::MAX_HEADERS,
                    crate::MAX_HEADER_BYTES
                ),
                None,
            ),
            ApiError::TooManyRequests(s) => (
                format!("this session sends faster than a collector can; retry in {s} s"),
                None,
            ),
            ApiError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                ("the database did not answer; retry later".to_owned(), None)
            }
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                ("internal error".to_owned(), None)
            }
        };
        let mut res = (
            status,
            Json(ErrorBody {
                error: code,
                message,
                field,
            }),
        )
            .into_response();
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res.extensions_mut().insert(ErrorCode(code));
        res
    }
}
