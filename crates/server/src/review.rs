//! The review queue (reviewer key): flagged sessions, one session's scores over time and its
//! features against the profile's normal ranges (what the dashboard plots), and the verdict.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};
use telltale_core::{Band, Profile, Score, Summary};

use crate::auth::{self, Role};
use crate::db::{now_ms, rfc3339};
use crate::error::ApiError;
use crate::ingest::{load_profile, save_profile};
use crate::json::parse_body;
use crate::sessions::SessionRow;
use crate::state::AppState;

/// Longest reviewer note, in characters.
const MAX_NOTE: usize = 2000;
/// Features listed per session: the most deviating ones, as many as a plot shows legibly.
const MAX_FEATURES: usize = 12;
/// Sessions listed per page of the queue.
const QUEUE_LIMIT: i64 = 200;

/// A flagged session as the queue lists it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReviewItem {
    /// Session id.
    pub session: String,
    /// The user.
    pub user: String,
    /// When it entered the queue: first flagged, or reopened by a new kind of flag after a
    /// verdict.
    pub flagged_at: Option<String>,
    /// `open` or `resolved` (`none`: never flagged).
    pub status: String,
    /// The session decision's band.
    pub band: Band,
    /// The lowest server similarity of its windows.
    pub similarity: Option<f64>,
    /// The highest automation score of its windows.
    pub automation: f64,
    /// Every flag raised.
    pub flags: Vec<String>,
    /// Why, in words.
    pub reasons: Vec<String>,
    /// The reviewer's verdict.
    pub verdict: Option<String>,
    /// The reviewer's note.
    pub note: Option<String>,
}

impl From<&SessionRow> for ReviewItem {
    fn from(r: &SessionRow) -> Self {
        let d = r.trust_state().decision();
        ReviewItem {
            session: r.id.clone(),
            user: r.user_id.clone(),
            flagged_at: r.flagged_ms.map(rfc3339),
            status: r.status.clone(),
            band: d.band,
            similarity: r.min_similarity,
            automation: d.max_automation,
            flags: r.flag_set().into_iter().collect(),
            reasons: r.reasons(),
            verdict: r.verdict.clone(),
            note: r.note.clone(),
        }
    }
}

/// The queue's answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct Queue {
    /// Newest first, by when each entered the queue (flagged, or reopened by a new flag).
    pub sessions: Vec<ReviewItem>,
    /// When the page is full, where the next (older) page starts: `?after=` it.
    pub next: Option<String>,
}

/// `?status=&after=`.
#[derive(Debug, Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
    after: Option<String>,
}

/// A queue page's `next`: the last session's queue time (ms: when it was flagged, or reopened
/// by a new kind of flag) and id, `MS.ID`. The next page lists the sessions after it in the
/// queue's order (newest first, then by id), so a session that enters the queue while a
/// reviewer pages is on the first page, and none is listed twice.
fn cursor(row: &SessionRow) -> String {
    format!("{}.{}", row.flagged_ms.unwrap_or(0), row.id)
}

/// Reads `?after=`: `Err` 400 for anything no page's `next` could be (digits, a dot, a
/// session id in lower-case hex as ids are drawn).
fn read_cursor(after: &str) -> Result<(i64, &str), ApiError> {
    after
        .split_once('.')
        .and_then(|(ms, id)| {
            let digits = !ms.is_empty() && ms.bytes().all(|b| b.is_ascii_digit());
            let lower = !id.bytes().any(|b| b.is_ascii_uppercase());
            let ms: i64 = ms.parse().ok().filter(|_| digits)?;
            (lower && crate::token::is_session_id(id)).then_some((ms, id))
        })
        .ok_or_else(|| ApiError::field("after", "after is the `next` of a queue page: MS.SESSION"))
}

/// `GET /v1/review?status=open|resolved`.
pub async fn queue(
    State(st): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> Result<Json<Queue>, ApiError> {
    auth::require(&st, &headers, Role::Reviewer)?;
    let status = q.status.as_deref().unwrap_or("open");
    if !["open", "resolved"].contains(&status) {
        return Err(ApiError::field("status", "status is open or resolved"));
    }
    // The first page starts after every flag time (a flag time is never i64::MAX).
    let (ms, id) = match &q.after {
        Some(after) => read_cursor(after)?,
        None => (i64::MAX, ""),
    };
    // Every open or resolved session has its queue time (a session is resolved only once
    // flagged), so no NULL is sorted; `flagged_ms <= $2` bounds the scan of the
    // (status, flagged_ms) index, and the rest splits the ties by id.
    let rows: Vec<SessionRow> = sqlx::query_as(
        "SELECT * FROM sessions WHERE status = $1 AND flagged_ms <= $2 \
         AND (flagged_ms < $2 OR id > $3) ORDER BY flagged_ms DESC, id LIMIT $4",
    )
    .bind(status)
    .bind(ms)
    .bind(id)
    .bind(QUEUE_LIMIT)
    .fetch_all(&st.store.pool)
    .await?;
    let next = (rows.len() as i64 == QUEUE_LIMIT)
        .then(|| rows.last().map(cursor))
        .flatten();
    Ok(Json(Queue {
        sessions: rows.iter().map(ReviewItem::from).collect(),
        next,
    }))
}

/// One window of a session, for the timeline.
#[derive(Debug, Serialize, Deserialize)]
pub struct Point {
    /// The collector instance.
    pub page: String,
    /// Its sequence number.
    pub seq: i64,
    /// When the server received it.
    pub received_at: String,
    /// Window start, ms since the page loaded.
    pub start_ms: f64,
    /// Window end.
    pub end_ms: f64,
    /// The server's similarity (`null` while enrolling).
    pub similarity: Option<f64>,
    /// The server's band.
    pub band: Band,
    /// Automation score.
    pub automation: f64,
    /// The score's reasons.
    pub reasons: Vec<String>,
    /// Whether the browser's own score matched (null: it sent none, or one of another model,
    /// from a page loaded before an upgrade, which is not compared).
    pub page_score_matches: Option<bool>,
}

/// A feature of the session against the profile's normal range.
#[derive(Debug, Serialize, Deserialize)]
pub struct FeatureView {
    /// `keys` or `pointer:KIND`.
    pub modality: String,
    /// In words.
    pub feature: String,
    /// Whether values are natural logs of a magnitude (the dashboard shows `exp`).
    pub log: bool,
    /// The profile's mean.
    pub mean: f64,
    /// The profile's spread.
    pub sd: f64,
    /// The session's value in each window that had it.
    pub values: Vec<f64>,
}

/// `GET /v1/sessions/{id}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct SessionView {
    /// The queue's view of it.
    #[serde(flatten)]
    pub item: ReviewItem,
    /// Created.
    pub created_at: String,
    /// Expires.
    pub expires_at: String,
    /// Revoked by the portal.
    pub revoked: bool,
    /// The core's session decision.
    pub decision: telltale_core::Decision,
    /// Every window, in the order received; of a session with more than [`MAX_TIMELINE`], the
    /// first and the last ones and, from between them, the [`MIDDLE_WORST`] that deviated most.
    pub timeline: Vec<Point>,
    /// Windows left out (0: none).
    pub omitted: u64,
    /// Windows of the session the profile learned: while it was not flagged, or by a `genuine`
    /// verdict. If the session was not the worker's, only a reset takes them out.
    pub learned: i64,
    /// The most deviating features.
    pub features: Vec<FeatureView>,
    /// Every verdict given, oldest first (the last is `verdict`): a changed verdict keeps the
    /// ones before it, with their notes.
    pub verdicts: Vec<VerdictGiven>,
}

/// One verdict, as given.
#[derive(Debug, Serialize, Deserialize, sqlx::FromRow)]
pub struct VerdictGiven {
    /// `genuine`, `impostor` or `automation`.
    pub verdict: String,
    /// The reviewer's note with it.
    pub note: Option<String>,
    /// When (RFC 3339).
    #[sqlx(skip)]
    pub at: String,
    #[serde(skip)]
    given_ms: i64,
}

#[derive(sqlx::FromRow)]
struct StoredSummary {
    page: String,
    seq: i64,
    received_ms: i64,
    body: String,
    score: String,
    page_match: Option<i64>,
    learned: i64,
}

async fn summaries_of(st: &AppState, id: &str) -> Result<Vec<StoredSummary>, ApiError> {
    first_summaries(st, id, "ASC", i64::MAX).await
}

/// At most `limit` of a session's summaries, in the order received (`ASC`) or the reverse.
async fn first_summaries(
    st: &AppState,
    id: &str,
    order: &str,
    limit: i64,
) -> Result<Vec<StoredSummary>, ApiError> {
    let sql = format!(
        "SELECT page, seq, received_ms, body, score, page_match, learned FROM summaries \
         WHERE session_id = $1 ORDER BY received_ms {order}, page {order}, seq {order} LIMIT $2"
    );
    Ok(sqlx::query_as(&sql)
        .bind(id)
        .bind(limit)
        .fetch_all(&st.store.pool)
        .await?)
}

/// A session's summaries, or only those the profile learned.
async fn count_summaries(st: &AppState, id: &str, learned: bool) -> Result<i64, ApiError> {
    let sql = if learned {
        "SELECT COUNT(*) FROM summaries WHERE session_id = $1 AND learned = 1"
    } else {
        "SELECT COUNT(*) FROM summaries WHERE session_id = $1"
    };
    let (n,): (i64,) = sqlx::query_as(sql)
        .bind(id)
        .fetch_one(&st.store.pool)
        .await?;
    Ok(n)
}

/// Windows a session's view holds at most. An eight-hour shift of 15 s windows is 1,920 per
/// page, so a real session fits whole; a session flooded with summaries (a token allows 600 a
/// minute for 12 hours, over 400,000) would make a view of hundreds of megabytes that no
/// reviewer could open. It shows its first and last windows (where it was flagged, what it does
/// now) and, from between them, the [`MIDDLE_WORST`] that deviated most.
pub const MAX_TIMELINE: usize = 4000;

/// Windows from between a capped view's first and last ones, the most deviating: half the
/// lowest similarity, half the highest automation. A flood of ordinary windows cannot push the
/// one that flagged the session out of its view. (200: every window of a flagged stretch of fifty
/// minutes of 15 s windows, a twentieth of the view.)
pub const MIDDLE_WORST: usize = 200;

/// The summaries a session's view shows ([`MAX_TIMELINE`]), in the order received, and how many
/// were left out.
async fn view_summaries(st: &AppState, id: &str) -> Result<(Vec<StoredSummary>, u64), ApiError> {
    let count = count_summaries(st, id, false).await?;
    if count <= MAX_TIMELINE as i64 {
        return Ok((summaries_of(st, id).await?, 0));
    }
    let edge = ((MAX_TIMELINE - MIDDLE_WORST) / 2) as i64;
    let mut shown = first_summaries(st, id, "ASC", edge).await?;
    let mut last = first_summaries(st, id, "DESC", edge).await?;
    last.reverse();
    // The middle: after the first ones and before the last ones, in the view's order.
    let (Some(a), Some(b)) = (shown.last(), last.first()) else {
        return Err(ApiError::Internal("a capped view without edges".into()));
    };
    let (a, b) = (
        (a.received_ms, a.page.clone(), a.seq),
        (b.received_ms, b.page.clone(), b.seq),
    );
    // Ranked on the keys alone (a flood's bodies are not read), ties in the order received;
    // then the picked rows, read by key.
    let mut picked: Vec<(i64, String, i64)> = Vec::with_capacity(MIDDLE_WORST);
    for (by, only) in [
        ("similarity ASC", "AND similarity IS NOT NULL"),
        ("automation DESC", ""),
    ] {
        let sql = format!(
            "SELECT received_ms, page, seq FROM summaries \
             WHERE session_id = $1 AND (received_ms, page, seq) > ($2, $3, $4) \
             AND (received_ms, page, seq) < ($5, $6, $7) {only} \
             ORDER BY {by}, received_ms, page, seq LIMIT $8"
        );
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(&sql)
            .bind(id)
            .bind(a.0)
            .bind(&a.1)
            .bind(a.2)
            .bind(b.0)
            .bind(&b.1)
            .bind(b.2)
            .bind((MIDDLE_WORST / 2) as i64)
            .fetch_all(&st.store.pool)
            .await?;
        picked.extend(rows);
    }
    picked.sort();
    picked.dedup();
    for (_, page, seq) in picked {
        // Gone since it was ranked (retention, an erase): left out.
        let row: Option<StoredSummary> = sqlx::query_as(
            "SELECT page, seq, received_ms, body, score, page_match, learned FROM summaries \
             WHERE session_id = $1 AND page = $2 AND seq = $3",
        )
        .bind(id)
        .bind(&page)
        .bind(seq)
        .fetch_optional(&st.store.pool)
        .await?;
        shown.extend(row);
    }
    shown.append(&mut last);
    let omitted = count as u64 - shown.len() as u64;
    Ok((shown, omitted))
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::Internal(format!("stored {what}: {e}")))
}

/// The session's window features next to the profile's normal ranges.
fn features(profile: &Profile, summaries: &[Summary]) -> Vec<FeatureView> {
    let scorer = profile.scorer();
    let mut views: BTreeMap<(String, u32), FeatureView> = BTreeMap::new();
    for s in summaries {
        let mut windows = Vec::new();
        if let (Some(k), Some(ws)) = (&s.keys, &scorer.keys) {
            windows.push(("keys".to_owned(), k.features(), ws));
        }
        for w in &s.pointer {
            if let Some(ws) = scorer.pointer.get(&w.kind) {
                windows.push((format!("pointer:{}", w.kind.name()), w.features(), ws));
            }
        }
        for (modality, feats, ws) in windows {
            for f in feats {
                let Some((norm, label)) = ws.features.get(&f.id) else {
                    continue;
                };
                views
                    .entry((modality.clone(), f.id.0))
                    .or_insert_with(|| FeatureView {
                        modality: modality.clone(),
                        feature: label.clone(),
                        log: f.log,
                        mean: norm.mean,
                        sd: norm.sd,
                        values: Vec::new(),
                    })
                    .values
                    .push(f.value);
            }
        }
    }
    let deviation = |v: &FeatureView| {
        let m = v.values.iter().sum::<f64>() / v.values.len().max(1) as f64;
        ((m - v.mean) / v.sd).abs()
    };
    let mut out: Vec<FeatureView> = views.into_values().collect();
    out.sort_by(|a, b| deviation(b).total_cmp(&deviation(a)));
    out.truncate(MAX_FEATURES);
    out
}

async fn session_row(st: &AppState, id: &str) -> Result<SessionRow, ApiError> {
    SessionRow::load(&st.store, id)
        .await?
        .ok_or(ApiError::NotFound("no such session"))
}

/// `GET /v1/sessions/{id}` (reviewer key).
pub async fn session(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<SessionView>, ApiError> {
    auth::require(&st, &headers, Role::Reviewer)?;
    let row = session_row(&st, &id).await?;
    let (stored, omitted) = view_summaries(&st, &id).await?;
    let mut timeline = Vec::with_capacity(stored.len());
    let mut summaries = Vec::with_capacity(stored.len());
    for r in &stored {
        let s: Summary = parse("summary", &r.body)?;
        let score: Score = parse("score", &r.score)?;
        timeline.push(Point {
            page: r.page.clone(),
            seq: r.seq,
            received_at: rfc3339(r.received_ms),
            start_ms: s.start_ms,
            end_ms: s.end_ms,
            similarity: score.identity_similarity(),
            band: score.band,
            automation: score.automation,
            reasons: score.reasons,
            page_score_matches: r.page_match.map(|m| m != 0),
        });
        summaries.push(s);
    }
    let (profile, _) = load_profile(&st, &row.user_id).await?;
    Ok(Json(SessionView {
        item: ReviewItem::from(&row),
        created_at: rfc3339(row.created_ms),
        expires_at: rfc3339(row.expires_ms),
        revoked: row.revoked != 0,
        decision: row.trust_state().decision(),
        timeline,
        omitted,
        learned: count_summaries(&st, &id, true).await?,
        features: features(&profile, &summaries),
        verdicts: verdicts_of(&st, &id).await?,
    }))
}

async fn verdicts_of(st: &AppState, id: &str) -> Result<Vec<VerdictGiven>, ApiError> {
    let mut v: Vec<VerdictGiven> = sqlx::query_as(
        "SELECT verdict, note, given_ms FROM verdicts WHERE session_id = $1 \
         ORDER BY session_version",
    )
    .bind(id)
    .fetch_all(&st.store.pool)
    .await?;
    for g in &mut v {
        g.at = rfc3339(g.given_ms);
    }
    Ok(v)
}

/// `POST /v1/review/{id}`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    /// `genuine` (a false alarm: the profile learns from the session), `impostor` or
    /// `automation`.
    pub verdict: String,
    /// The reviewer's note.
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /v1/review/{id}` (reviewer key).
pub async fn resolve(
    State(st): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<ReviewItem>, ApiError> {
    auth::require(&st, &headers, Role::Reviewer)?;
    let v: Verdict = parse_body(&headers, &body)?;
    if !["genuine", "impostor", "automation"].contains(&v.verdict.as_str()) {
        return Err(ApiError::field(
            "verdict",
            "verdict is genuine, impostor or automation",
        ));
    }
    if v.note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE)
    {
        return Err(ApiError::field(
            "note",
            format!("a note is at most {MAX_NOTE} characters"),
        ));
    }
    // Control characters other than line breaks and tabs are no part of a note (PostgreSQL
    // refuses a NUL in text: a 500 there, stored on SQLite).
    if v.note.as_ref().is_some_and(|n| {
        n.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    }) {
        return Err(ApiError::field(
            "note",
            "a note has no control characters other than line breaks and tabs",
        ));
    }
    let row = session_row(&st, &id).await?;
    if row.status == "none" {
        return Err(ApiError::NotFound("this session was never flagged"));
    }
    let genuine = v.verdict == "genuine";
    // A session of more windows than a view shows: the reviewer has not seen them all, and
    // learning them all would outlast the request (a flooded session holds hundreds of
    // thousands).
    if genuine && count_summaries(&st, &id, false).await? > MAX_TIMELINE as i64 {
        return Err(ApiError::Conflict(format!(
            "this session has more than {MAX_TIMELINE} windows, more than a reviewer can \
             have seen: the profile does not learn it; give another verdict"
        )));
    }
    st.store
        .retry(|| async {
            let row = session_row(&st, &id).await?;
            // A `genuine` verdict taught the profile the session's windows, and nothing takes
            // one window back out of a profile: another verdict now would leave that rhythm in
            // it, where it passes as the worker's. The way back is a reset (re-enrollment),
            // which marks every summary of the user unlearned; then the verdict may change.
            // Checked on the row read in this attempt: the write below happens only if the row
            // is still at this version (a concurrent verdict, or windows learned since, retry).
            if row.verdict.as_deref() == Some("genuine")
                && !genuine
                && count_summaries(&st, &id, true).await? > 0
            {
                return Err(ApiError::Conflict(format!(
                    "this session was resolved as genuine and the profile of {} learned from \
                     it; reset that profile (POST /v1/users/{{user}}/reset) to undo what it \
                     learned",
                    row.user_id
                )));
            }
            let (mut profile, revision) = load_profile(&st, &row.user_id).await?;
            // A false alarm: the profile learns what it did not learn from the session.
            let mut learned = Vec::new();
            if genuine {
                for r in summaries_of(&st, &id).await?.iter().filter(|r| r.learned == 0) {
                    let s: Summary = parse("summary", &r.body)?;
                    let score: Score = parse("score", &r.score)?;
                    if score.automation < telltale_core::automation::AUTOMATION_VERDICT {
                        profile
                            .learn(&s)
                            .map_err(|e| ApiError::Internal(format!("learning: {e}")))?;
                        learned.push((r.page.clone(), r.seq));
                    }
                }
            }
            let mut w = st.store.write().await?;
            let now = now_ms();
            if !learned.is_empty()
                && !save_profile(&mut w.tx, &row.user_id, &profile, revision).await?
            {
                return Ok(None);
            }
            let done = sqlx::query(
                "UPDATE sessions SET status = 'resolved', verdict = $1, note = $2, \
                 resolved_ms = $3, version = version + 1 WHERE id = $4 AND version = $5",
            )
            .bind(&v.verdict)
            .bind(&v.note)
            .bind(now)
            .bind(&id)
            .bind(row.version)
            .execute(&mut *w.tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(None);
            }
            sqlx::query(
                "INSERT INTO verdicts (session_id, session_version, verdict, note, given_ms) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&id)
            .bind(row.version + 1)
            .bind(&v.verdict)
            .bind(&v.note)
            .bind(now)
            .execute(&mut *w.tx)
            .await?;
            for (page, seq) in &learned {
                sqlx::query(
                    "UPDATE summaries SET learned = 1 WHERE session_id = $1 AND page = $2 AND seq = $3",
                )
                .bind(&id)
                .bind(page)
                .bind(seq)
                .execute(&mut *w.tx)
                .await?;
            }
            w.commit().await?;
            tracing::info!(session = %id, verdict = %v.verdict, learned = learned.len(), "session resolved");
            Ok(Some(()))
        })
        .await?;
    Ok(Json(ReviewItem::from(&session_row(&st, &id).await?)))
}
