//! Login sessions: `POST /v1/sessions` (the portal's login backend opens one and gets its
//! token), `DELETE /v1/sessions/{id}` (revokes it), and the session row every other route reads.

use std::collections::BTreeSet;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use telltale_core::{Score, SessionTrust};

use crate::auth::{self, Role};
use crate::db::{now_ms, rfc3339, Store};
use crate::error::ApiError;
use crate::json::parse_body;
use crate::state::AppState;
use crate::token;

/// A `sessions` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    /// 128 random bits, hex.
    pub id: String,
    /// The portal's pseudonymous user id.
    pub user_id: String,
    /// Created, ms since the epoch.
    pub created_ms: i64,
    /// Expires, ms since the epoch.
    pub expires_ms: i64,
    /// 1 once revoked.
    pub revoked: i64,
    /// [`SessionTrust`], JSON.
    pub trust: String,
    /// Flag names, JSON array.
    pub flags: String,
    /// The lowest-similarity score, JSON.
    pub worst: Option<String>,
    /// Its similarity.
    pub min_similarity: Option<f64>,
    /// `none`, `open` or `resolved`.
    pub status: String,
    /// When it entered the review queue: first flagged, or reopened by a new flag after a verdict.
    pub flagged_ms: Option<i64>,
    /// The reviewer's verdict.
    pub verdict: Option<String>,
    /// The reviewer's note.
    pub note: Option<String>,
    /// When it was resolved.
    pub resolved_ms: Option<i64>,
    /// Bumped by every write.
    pub version: i64,
}

/// Every flag a session can carry, with its words for a reviewer.
pub const FLAGS: [(&str, &str); 6] = [
    (
        "review",
        "typing or pointer rhythm unlike this user's over several windows",
    ),
    (
        "step_up",
        "typing or pointer rhythm far from this user's over several windows",
    ),
    ("automation", "windows that look driven by a program"),
    (
        "tampering",
        "a summary was sent again with other content under the same id",
    ),
    (
        "forgery",
        "the browser's score differs from the server's re-score of the same summary",
    ),
    (
        "replay",
        "a summary identical to one stored earlier was sent under a new id",
    ),
];

impl SessionRow {
    /// Loads a session (none for an id that is no session id: 32 hex digits, as
    /// [`crate::token::is_session_id`] says, so that no other string reaches the database: a
    /// NUL, which PostgreSQL refuses in text, answered 500 there and 404 on SQLite).
    pub async fn load(store: &Store, id: &str) -> Result<Option<SessionRow>, sqlx::Error> {
        if !crate::token::is_session_id(id) {
            return Ok(None);
        }
        sqlx::query_as("SELECT * FROM sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(&store.pool)
            .await
    }

    /// The flags, parsed.
    pub fn flag_set(&self) -> BTreeSet<String> {
        serde_json::from_str(&self.flags).unwrap_or_default()
    }

    /// The trust state, parsed.
    pub fn trust_state(&self) -> SessionTrust {
        serde_json::from_str(&self.trust).unwrap_or_default()
    }

    /// The lowest-similarity score, parsed.
    pub fn worst_score(&self) -> Option<Score> {
        self.worst
            .as_deref()
            .and_then(|w| serde_json::from_str(w).ok())
    }

    /// The reasons in words: each flag's, then the worst window's.
    pub fn reasons(&self) -> Vec<String> {
        let flags = self.flag_set();
        let mut out: Vec<String> = FLAGS
            .iter()
            .filter(|(name, _)| flags.contains(*name))
            .map(|(_, words)| (*words).to_owned())
            .collect();
        if let Some(w) = self.worst_score() {
            out.extend(w.reasons);
        }
        out
    }
}

/// When a session that a new kind of flag (re)opens takes its place in the review queue: an
/// open session keeps its place; one a reviewer had resolved (or never flagged) enters now, at
/// the front, where a reviewer paging the queue sees it, not at its first flag pages back.
pub fn queued_at(row: &SessionRow, now: i64) -> i64 {
    match row.status.as_str() {
        "open" => row.flagged_ms.unwrap_or(now),
        _ => now,
    }
}

/// Raises `flag` on a session outside a batch (a conflicting resend), retrying on conflicts.
pub async fn raise(st: &AppState, id: &str, flag: &str) -> Result<(), ApiError> {
    st.store
        .retry(|| async {
            let Some(row) = SessionRow::load(&st.store, id).await? else {
                return Ok(Some(()));
            };
            let mut flags = row.flag_set();
            if !flags.insert(flag.to_owned()) {
                return Ok(Some(()));
            }
            let done = sqlx::query(
                "UPDATE sessions SET flags = $1, status = 'open', flagged_ms = $2, \
                 version = version + 1 WHERE id = $3 AND version = $4",
            )
            .bind(serde_json::to_string(&flags).expect("flags serialise"))
            .bind(queued_at(&row, now_ms()))
            .bind(id)
            .bind(row.version)
            .execute(&st.store.pool)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(None);
            }
            st.metrics.flags.with_label_values(&[flag]).inc();
            tracing::info!(session = %id, user = %row.user_id, flag, "session flagged");
            Ok(Some(()))
        })
        .await
}

/// Records that the worker of session `id` passed a step-up (the portal checked them again):
/// the answers stop asking for one until the evidence counted from here reaches the step-up
/// level again ([`SessionTrust::step_up_passed`]); the evidence, the flags and the review queue
/// are untouched. A revoked session takes it too (the portal may check a worker while it logs
/// them out). `Err` 404 for no such session.
pub async fn step_up_passed(st: &AppState, id: &str) -> Result<(), ApiError> {
    st.store
        .retry(|| async {
            let Some(row) = SessionRow::load(&st.store, id).await? else {
                return Err(ApiError::NotFound("no such session"));
            };
            let mut trust = row.trust_state();
            trust.step_up_passed();
            let done = sqlx::query(
                "UPDATE sessions SET trust = $1, version = version + 1 WHERE id = $2 AND version = $3",
            )
            .bind(serde_json::to_string(&trust).expect("trust serialises"))
            .bind(id)
            .bind(row.version)
            .execute(&st.store.pool)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(None);
            }
            tracing::info!(session = %id, user = %row.user_id, "step-up passed");
            Ok(Some(()))
        })
        .await
}

/// `POST /v1/sessions/{id}/step-up` (portal key): the worker passed a step-up.
pub async fn step_up(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    auth::require(&st, &headers, Role::Portal)?;
    step_up_passed(&st, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Pseudonymous user ids: 1-128 of `[A-Za-z0-9_.@-]` (no spaces, no markup; an e-mail-like
/// id or a hash fits), and not only dots: `.` and `..` in a URL path (`/v1/users/..`) are
/// removed by browsers and HTTP clients, so such a user could never be reviewed or erased.
pub fn valid_user(user: &str) -> bool {
    (1..=128).contains(&user.len())
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.@-".contains(&b))
        && !user.bytes().all(|b| b == b'.')
}

/// `POST /v1/sessions`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    /// The user's pseudonymous id.
    pub user: String,
}

/// A new session's token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Created {
    /// Session id.
    pub session: String,
    /// The token the page's collector sends.
    pub token: String,
    /// The user.
    pub user: String,
    /// When the token stops working (RFC 3339).
    pub expires_at: String,
}

/// Opens a session for `user` and signs its token.
pub async fn open(st: &AppState, user: &str) -> Result<Created, ApiError> {
    if !valid_user(user) {
        return Err(ApiError::field(
            "user",
            "a user id is 1-128 characters of [A-Za-z0-9_.@-], not only dots",
        ));
    }
    let id = token::random_hex(16);
    let now = now_ms();
    let expires = now + st.settings.session_ms;
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_ms, expires_ms, revoked, trust, flags, \
         status, version) VALUES ($1, $2, $3, $4, 0, $5, '[]', 'none', 0)",
    )
    .bind(&id)
    .bind(user)
    .bind(now)
    .bind(expires)
    .bind(serde_json::to_string(&SessionTrust::default()).expect("trust serialises"))
    .execute(&st.store.pool)
    .await?;
    tracing::info!(session = %id, %user, "session opened");
    Ok(Created {
        token: st.signer.make(&id, expires),
        session: id,
        user: user.to_owned(),
        expires_at: rfc3339(expires),
    })
}

/// `POST /v1/sessions` (portal key).
pub async fn create(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    auth::require(&st, &headers, Role::Portal)?;
    let req: NewSession = parse_body(&headers, &body)?;
    Ok((StatusCode::CREATED, Json(open(&st, &req.user).await?)))
}

/// `DELETE /v1/sessions/{id}` (portal key): the token stops working.
pub async fn revoke(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    auth::require(&st, &headers, Role::Portal)?;
    if !crate::token::is_session_id(&id) {
        return Err(ApiError::NotFound("no such session"));
    }
    let done = sqlx::query("UPDATE sessions SET revoked = 1, version = version + 1 WHERE id = $1")
        .bind(&id)
        .execute(&st.store.pool)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound("no such session"));
    }
    tracing::info!(session = %id, "session revoked");
    Ok(StatusCode::NO_CONTENT)
}
