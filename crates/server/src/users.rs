//! Users (reviewer key): enrollment progress, reset of a profile, erasure of every row.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use telltale_core::profile::Enrollment;
use telltale_core::{Band, Profile};

use crate::auth::{self, Role};
use crate::db::{now_ms, rfc3339};
use crate::error::ApiError;
use crate::ingest::{load_profile, load_profile_row, parse_profile};
use crate::sessions::{valid_user, SessionRow};
use crate::state::AppState;

/// Users listed per page (`?after=` asks for the next): a reviewer's page of a large portal's
/// workers, each with its profile read, answered well within a second.
const USERS_LIMIT: i64 = 1000;
/// A user's sessions listed at most (newest first).
const SESSIONS_LIMIT: i64 = 100;

/// A user in the list.
#[derive(Debug, Serialize, Deserialize)]
pub struct UserItem {
    /// The user.
    pub user: String,
    /// Sessions kept.
    pub sessions: i64,
    /// Of which flagged.
    pub flagged: i64,
    /// Whether any modality gives scores.
    pub enrolled: bool,
    /// Progress per modality.
    pub enrollment: Vec<Enrollment>,
    /// Set when the stored profile cannot be read by this build (a newer model's, during a
    /// rollback; damage): the list still answers, and the server's log says why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_error: Option<String>,
}

/// `GET /v1/users`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Users {
    /// Users, by id.
    pub users: Vec<UserItem>,
    /// When the page is full, the last user: `?after=` it lists the next page.
    pub next: Option<String>,
}

/// `GET /v1/users?after=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// List the users after this one.
    after: Option<String>,
}

/// A session in a user's view.
#[derive(Debug, Serialize, Deserialize)]
pub struct UserSession {
    /// Session id.
    pub session: String,
    /// Created.
    pub created_at: String,
    /// `none`, `open` or `resolved`.
    pub status: String,
    /// The session decision's band.
    pub band: Band,
}

/// `GET /v1/users/{user}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct UserView {
    /// The user.
    pub user: String,
    /// The profile's revision (0: none yet).
    pub profile_revision: i64,
    /// Whether any modality gives scores.
    pub enrolled: bool,
    /// Progress per modality.
    pub enrollment: Vec<Enrollment>,
    /// Newest first.
    pub sessions: Vec<UserSession>,
}

fn enrolled(p: &Profile) -> bool {
    let s = p.scorer();
    !s.fixed.is_empty() || s.keys.is_some() || !s.pointer.is_empty()
}

fn checked(user: &str) -> Result<(), ApiError> {
    if valid_user(user) {
        Ok(())
    } else {
        Err(ApiError::field(
            "user",
            "a user id is 1-128 characters of [A-Za-z0-9_.@-], not only dots",
        ))
    }
}

/// `GET /v1/users`.
pub async fn list(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Json<Users>, ApiError> {
    auth::require(&st, &headers, Role::Reviewer)?;
    if let Some(after) = &q.after {
        checked(after).map_err(|_| {
            ApiError::field(
                "after",
                "after is a user id: 1-128 of [A-Za-z0-9_.@-], not only dots",
            )
        })?;
    }
    // Every user with a session or a profile: a profile outlives its user's last session
    // (retention deletes sessions, not profiles), and a reviewer must still find it to erase it.
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT u.user_id, COUNT(s.id), COUNT(CASE WHEN s.status <> 'none' THEN 1 END) \
         FROM (SELECT user_id FROM sessions UNION SELECT user_id FROM profiles) u \
         LEFT JOIN sessions s ON s.user_id = u.user_id WHERE u.user_id > $2 \
         GROUP BY u.user_id ORDER BY u.user_id LIMIT $1",
    )
    .bind(USERS_LIMIT)
    // Every user id sorts after the empty string.
    .bind(q.after.as_deref().unwrap_or(""))
    .fetch_all(&st.store.pool)
    .await?;
    let next = (rows.len() as i64 == USERS_LIMIT)
        .then(|| rows.last().map(|r| r.0.clone()))
        .flatten();
    let mut users = Vec::with_capacity(rows.len());
    for (user, sessions, flagged) in rows {
        // One unreadable profile must not hide every user from the reviewers (a database
        // error is the whole answer's, and a retry's).
        let (body, revision) = load_profile_row(&st, &user).await?;
        let (p, profile_error) = match parse_profile(&st, &user, body.as_deref(), revision) {
            Ok((p, _)) => (p, None),
            Err(e) => {
                tracing::error!(%user, error = ?e, "profile not readable");
                (
                    Profile::default(),
                    Some(
                        "the stored profile cannot be read by this build (see the server's log)"
                            .into(),
                    ),
                )
            }
        };
        users.push(UserItem {
            user,
            sessions,
            flagged,
            enrolled: profile_error.is_none() && enrolled(&p),
            enrollment: p.enrollment(),
            profile_error,
        });
    }
    Ok(Json(Users { users, next }))
}

/// `GET /v1/users/{user}`.
pub async fn get(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> Result<Json<UserView>, ApiError> {
    auth::require(&st, &headers, Role::Reviewer)?;
    checked(&user)?;
    let (p, revision) = load_profile(&st, &user).await?;
    let rows: Vec<SessionRow> = sqlx::query_as(
        "SELECT * FROM sessions WHERE user_id = $1 ORDER BY created_ms DESC LIMIT $2",
    )
    .bind(&user)
    .bind(SESSIONS_LIMIT)
    .fetch_all(&st.store.pool)
    .await?;
    if revision.is_none() && rows.is_empty() {
        return Err(ApiError::NotFound("no such user"));
    }
    Ok(Json(UserView {
        enrolled: enrolled(&p),
        enrollment: p.enrollment(),
        profile_revision: revision.unwrap_or(0),
        sessions: rows
            .iter()
            .map(|r| UserSession {
                session: r.id.clone(),
                created_at: rfc3339(r.created_ms),
                status: r.status.clone(),
                band: r.trust_state().decision().band,
            })
            .collect(),
        user,
    }))
}

/// `POST /v1/users/{user}/reset`: the profile starts again (enrollment anew). Its revision
/// keeps counting, so scorers handed out before stay told apart.
pub async fn reset(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> Result<StatusCode, ApiError> {
    auth::require(&st, &headers, Role::Reviewer)?;
    checked(&user)?;
    let empty = serde_json::to_string(&Profile::new(st.settings.params)).expect("serialises");
    let mut w = st.store.write().await?;
    let done = sqlx::query(
        "UPDATE profiles SET body = $1, revision = revision + 1, updated_ms = $2 WHERE user_id = $3",
    )
    .bind(empty)
    .bind(now_ms())
    .bind(&user)
    .execute(&mut *w.tx)
    .await?;
    if done.rows_affected() == 0 {
        // A user with sessions and no profile yet has nothing to reset.
        let (sessions,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
                .bind(&user)
                .fetch_one(&mut *w.tx)
                .await?;
        return if sessions > 0 {
            Ok(StatusCode::NO_CONTENT)
        } else {
            Err(ApiError::NotFound("no such user"))
        };
    }
    // The profile has learned none of the user's summaries now: a session resolved as genuine
    // may be given another verdict (`review::resolve`), and one resolved genuine again teaches
    // the new profile.
    sqlx::query("UPDATE summaries SET learned = 0 WHERE user_id = $1")
        .bind(&user)
        .execute(&mut *w.tx)
        .await?;
    w.commit().await?;
    tracing::info!(%user, "profile reset");
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v1/users/{user}`: every row of the user, in one transaction (their tokens stop
/// working with their sessions). Idempotent, as the API document says: an unknown user (or one
/// erased by an earlier try whose answer was lost) also answers 204, so an erasure request can
/// be retried until it is acknowledged.
pub async fn erase(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(user): Path<String>,
) -> Result<StatusCode, ApiError> {
    auth::require(&st, &headers, Role::Reviewer)?;
    checked(&user)?;
    let mut w = st.store.write().await?;
    let mut erased = 0;
    for q in [
        "DELETE FROM handed WHERE session_id IN (SELECT id FROM sessions WHERE user_id = $1)",
        "DELETE FROM summaries WHERE user_id = $1",
        "DELETE FROM fingerprints WHERE user_id = $1",
        "DELETE FROM verdicts WHERE session_id IN (SELECT id FROM sessions WHERE user_id = $1)",
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM profiles WHERE user_id = $1",
    ] {
        erased += sqlx::query(q)
            .bind(&user)
            .execute(&mut *w.tx)
            .await?
            .rows_affected();
    }
    w.commit().await?;
    tracing::info!(%user, rows = erased, "user erased");
    Ok(StatusCode::NO_CONTENT)
}
