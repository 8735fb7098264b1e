//! # telltale-server
//!
//! The backend of Telltale: it opens a login session for the portal, takes the collector's
//! summaries, re-scores every one of them with telltale-core (a browser can lie), learns each
//! worker's profile from clean summaries only, flags sessions whose rhythm is not the worker's,
//! and puts them in front of a reviewer.
//!
//! ## Parts, one concern each
//! | module | what |
//! |---|---|
//! | [`config`] | flags and environment, checked once into [`config::Settings`] |
//! | [`db`] | the pool (SQLite or PostgreSQL through one `Any` pool), migrations, optimistic retries |
//! | [`token`] | signed session tokens |
//! | [`auth`] | who is calling: portal key, reviewer key, session token |
//! | [`sessions`] | `POST /v1/sessions`, `DELETE /v1/sessions/{id}`, the session row and its flags |
//! | [`ingest`] | `POST /v1/summaries`: checks, dedupe, re-score, flags, learning, storage |
//! | [`profile`] | `GET /v1/profile`: the packed scorer for the page |
//! | [`review`] | the review queue, one session's timeline and features, verdicts |
//! | [`users`] | enrollment progress, reset, erasure |
//! | [`retention`] | the hourly purge |
//! | [`ops`] | health, metrics, the OpenAPI document |
//!
//! [`app`] builds the router from an [`AppState`], so route tests call it with `oneshot`,
//! without a socket.
//!
//! ## Privacy
//! The server stores summaries (aggregates over at least five events; no key, character or
//! coordinate can be in one: telltale-core's schema has no field for them), scores, flags and
//! the pseudonymous user id the portal chose. Logs hold ids, decisions and timings, never a
//! payload.

pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod ingest;
pub mod json;
pub mod metrics;
pub mod ops;
pub mod profile;
pub mod retention;
pub mod review;
pub mod serve;
pub mod sessions;
pub mod state;
pub mod token;
pub mod users;

use std::path::Path;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

pub use error::ApiError;
pub use state::AppState;

/// The policy every answer carries: scripts only from this origin, WebAssembly allowed to
/// compile (the collector), nothing framed, no plugins.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
                       object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The API routes.
pub fn api(state: AppState) -> Router {
    let mut r = Router::new()
        .route("/v1/sessions", post(sessions::create))
        .route(
            "/v1/sessions/{id}",
            delete(sessions::revoke).get(review::session),
        )
        .route("/v1/sessions/{id}/step-up", post(sessions::step_up))
        .route("/v1/summaries", post(ingest::post))
        .route("/v1/profile", get(profile::get))
        .route("/v1/review", get(review::queue))
        .route("/v1/review/{id}", post(review::resolve))
        .route("/v1/users", get(users::list))
        .route("/v1/users/{user}", get(users::get).delete(users::erase))
        .route("/v1/users/{user}/reset", post(users::reset))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        // Any other path under the API is no route, whatever the method (not the static
        // files' "405, only GET" when `www` is served).
        .route("/v1/{*rest}", axum::routing::any(not_found));
    if state.settings.demo_password.is_some() {
        r = r
            .route("/demo/login", post(demo::login))
            .route("/demo/step-up", post(demo::step_up));
    }
    r.route_layer(axum::middleware::from_fn_with_state(
        state.metrics.clone(),
        metrics::track,
    ))
    .with_state(state)
}

/// The whole application: the API, and the static files (`www` at `/`, the collector package
/// at `/pkg/`) when given, every answer with [`CSP`] and `nosniff`.
pub fn app(state: AppState, www: Option<&Path>, pkg: Option<&Path>) -> Router {
    let metrics = state.metrics.clone();
    let mut r = api(state).fallback(not_found);
    if let Some(pkg) = pkg {
        r = r.nest_service("/pkg", ServeDir::new(pkg));
    }
    if let Some(www) = www {
        r = r.fallback_service(ServeDir::new(www).fallback(axum::routing::any(not_found)));
    }
    // A request, its body read, is answered within 30 s or gets a 408: the largest batch is
    // 64 KiB (seconds on the poorest uplink) and no handler takes more than milliseconds, so
    // only a client stalling its body meets it, and it holds a connection no longer.
    r.layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        std::time::Duration::from_secs(30),
    ))
    .layer(axum::middleware::from_fn(json_errors))
    .layer(axum::middleware::from_fn_with_state(metrics, head_limits))
    .layer(SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    ))
    .layer(SetResponseHeaderLayer::overriding(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ))
    .layer(SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache"),
    ))
}

/// The longest request URI the server reads: 8 KiB, the usual limit of servers and proxies
/// (Apache's `LimitRequestLine`, nginx's header buffers). The API's longest URIs name a user
/// (`/v1/users/{user}/reset`, `/v1/users?after=`): under 400 bytes with a 128-character id
/// percent-encoded.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most request headers the server reads: 64. A browser's request carries about 15, and
/// a proxy in front adds a few.
pub const MAX_HEADERS: usize = 64;
/// The most bytes of request headers (names and values) the server reads: 32 KiB, room for a
/// portal's cookies (browsers keep up to about 4 KiB a cookie, 180 cookies a domain, but send
/// a few) beside the bearer token.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// A request head over the limits above gets a 414 or a 431 that says which limit and by how
/// much. hyper answers heads past its own, larger limits ([`serve::HYPER_MAX_HEADERS`] headers,
/// its 400 KiB read buffer, a 64 KiB URI) itself, with the status alone: those never reach
/// the application. Counted in the metrics under the route `head`.
async fn head_limits(
    axum::extract::State(metrics): axum::extract::State<metrics::Metrics>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    // The request target's length as sent: its path and query (origin form), with the scheme
    // and authority when a client sent them (absolute form).
    let u = req.uri();
    let uri = u.scheme_str().map_or(0, |s| s.len() + 3)
        + u.authority().map_or(0, |a| a.as_str().len())
        + u.path_and_query().map_or(0, |p| p.as_str().len());
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    let refused = if uri > MAX_URI_BYTES {
        ApiError::UriTooLong(uri)
    } else if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        ApiError::HeadersTooLarge(headers.len(), bytes)
    } else {
        return next.run(req).await;
    };
    let res = refused.into_response();
    metrics.refused_head(&res);
    res
}

/// Every error answer in the API's form: the framework's own (a 405 for a method a route does
/// not take, a 413 past the default body limit, a 400 for a query string that does not decode)
/// and the static files' come as plain text or empty; they get `{error, message}` here.
async fn json_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let method = req.method().clone();
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.as_u16() < 400 || is_json || res.extensions().get::<error::ErrorCode>().is_some() {
        return res;
    }
    let (parts, body) = res.into_parts();
    // The framework's messages are a line; anything longer is not worth echoing.
    let text = axum::body::to_bytes(body, 1024).await.unwrap_or_default();
    let message = match (status, String::from_utf8_lossy(&text).trim()) {
        // The framework's own words ("Method Not Allowed", "Failed to buffer the request body")
        // do not say what to change.
        (StatusCode::METHOD_NOT_ALLOWED, _) => {
            format!("{method} is not allowed at this path (GET /openapi.json lists every route's methods)")
        }
        (StatusCode::PAYLOAD_TOO_LARGE, _) => {
            "the request body is larger than this route accepts".to_owned()
        }
        (_, "") => status.canonical_reason().unwrap_or("error").to_owned(),
        (_, t) => t.to_owned(),
    };
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_client_error() => "invalid",
        _ => "internal",
    };
    let mut out = (
        status,
        axum::Json(serde_json::json!({"error": code, "message": message})),
    )
        .into_response();
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name, value.clone());
        }
    }
    out
}

async fn not_found() -> (StatusCode, axum::Json<serde_json::Value>) {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({"error": "not_found", "message": "no such route"})),
    )
}
