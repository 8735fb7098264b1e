//! `POST /v1/summaries`: a batch from a collector, checked, deduplicated, re-scored, stored, and
//! learned from when it is clean — all of the batch or none of it.
//!
//! The order of the checks is the order of their answers: content type (415), size (413), the
//! header token (401), the JSON and every field (400, with the field's path), the tokens in the
//! batch (401, 403), the session's rate (429), ids already stored with other content (409).
//! Only then is anything written, in one transaction ([`Store::retry`]).
//!
//! What the server decides here, each by telltale-core: the score of every summary against the
//! user's current profile (the server's score decides; the browser's is only compared), the
//! session's flag ([`telltale_core::decide`], folded in as [`SessionTrust`]), and whether the
//! profile learns (only from clean summaries of an unflagged session).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use telltale_core::automation::AUTOMATION_VERDICT;
use telltale_core::summary::MAX_SUMMARY_BYTES;
use telltale_core::{Band, Packed, Profile, Score, Scorer, SessionTrust, Summary, MODEL_VERSION};

use crate::auth;
use crate::db::now_ms;
use crate::error::ApiError;
use crate::json::{self, media_type};
use crate::sessions::{self, SessionRow};
use crate::state::AppState;
use crate::token::digest_hex;

/// Largest body: 64 KiB, the most all of a page's beacons in flight may hold (the Beacon
/// spec's keepalive quota, which fetch's `keepalive` shares); the collector's batches stay under.
pub const MAX_BODY: usize = 64 * 1024;
/// Most summaries in a batch: a 64 KiB body of the smallest valid summaries (about 300 bytes)
/// holds about 220.
pub const MAX_BATCH: usize = 256;
/// Largest integer a JSON number holds exactly: a `seq` beyond it was not made by a collector.
const MAX_SEQ: u64 = (1 << 53) - 1;
/// Reasons a score may carry (the core gives three).
const MAX_REASONS: usize = 8;
/// Longest reason, in bytes (the core's are under 100).
const MAX_REASON_LEN: usize = 256;
/// Longest model name a page's score may carry: the core's names are `telltale-N`; 32 leaves
/// room for any scheme of names without storing an essay per summary.
const MAX_MODEL_NAME: usize = 32;
/// Browser and server similarities this close are the same score: both run the same code on
/// the same numbers, so they agree to the last bit; the margin only absorbs a JSON round trip.
const SAME_SIMILARITY: f64 = 1e-6;

/// A similarity that is not there, as bound to a query: `NULLIF($n, -1.0)` turns it into NULL.
/// Why not bind `None`: sqlx 0.8.6's `Any` driver sends a NULL `f64` to PostgreSQL as a `real`
/// (sqlx-core `any/arguments.rs` swaps `Real` and `Double`), the prepared statement keeps that
/// type, and the next non-NULL `f64` in the same statement is refused ("incorrect binary data
/// format"). Similarities are 0-100, so -1 is never a value.
pub const NO_SIMILARITY: f64 = -1.0;

/// `POST /v1/summaries`' answer.
#[derive(Debug, Serialize)]
pub struct Ack {
    /// Summaries stored now.
    pub accepted: usize,
    /// Summaries already stored (a resend), not stored again.
    pub duplicates: usize,
    /// The server's score of every summary of the batch, in its order.
    pub scores: Vec<Answered>,
}

/// A score of the answer, with what the session asks of the page: the collector hands the page
/// each score of the answer (`onScore`) and nothing else of it, so the session's word travels
/// with every score.
#[derive(Debug, Serialize)]
pub struct Answered {
    /// The window's score.
    #[serde(flatten)]
    pub score: Score,
    /// The session, as of this answer.
    pub session: SessionSignal,
}

/// What a session asks of the page. Only this, and it tells no more than the public rule does:
/// a step-up falls due only once the evidence reached the step-up level (which has flagged the
/// session) or a window was automated; the page already reads each window's score.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SessionSignal {
    /// Ask the worker to authenticate again: the core's [`telltale_core::Decision::step_up_due`],
    /// until the portal reports a pass (`POST /v1/sessions/{id}/step-up`).
    pub step_up: bool,
}

impl Ack {
    fn new(
        accepted: usize,
        duplicates: usize,
        scores: Vec<Option<Score>>,
        t: &SessionTrust,
    ) -> Ack {
        let session = SessionSignal {
            step_up: t.decision().step_up_due,
        };
        Ack {
            accepted,
            duplicates,
            scores: scores
                .into_iter()
                .flatten()
                .map(|score| Answered { score, session })
                .collect(),
        }
    }
}

/// Decodes and checks a batch: a JSON array of 1 to [`MAX_BATCH`] summaries, each valid by
/// telltale-core's checks and the server's own. `Err` names the offending field.
pub fn decode_batch(bytes: &[u8]) -> Result<Vec<Item>, ApiError> {
    let batch = json::array(bytes)?;
    if batch.is_empty() || batch.len() > MAX_BATCH {
        return Err(ApiError::invalid(format!(
            "a batch holds 1 to {MAX_BATCH} summaries, this one {}",
            batch.len()
        )));
    }
    let mut items = Vec::with_capacity(batch.len());
    for (i, raw) in batch.into_iter().enumerate() {
        let s: Summary = json::decode_object(raw.get(), &format!("[{i}]"))?;
        check(&s).map_err(|(field, m)| ApiError::field(format!("[{i}]{field}"), m))?;
        let it = Item::new(s);
        if it.size > MAX_SUMMARY_BYTES {
            return Err(ApiError::field(
                format!("[{i}]"),
                format!(
                    "a summary is at most {MAX_SUMMARY_BYTES} bytes of JSON, this one {}",
                    it.size
                ),
            ));
        }
        items.push(it);
    }
    Ok(items)
}

/// telltale-core's checks ([`Summary::check`]) and the server's own: `Err((field suffix,
/// message))`.
fn check(s: &Summary) -> Result<(), (String, String)> {
    s.check().map_err(|f| {
        let field = if f.field.is_empty() {
            f.field
        } else {
            format!(".{}", f.field)
        };
        (field, format!("invalid summary: {}", f.reason))
    })?;
    if s.seq > MAX_SEQ {
        return Err((".seq".into(), format!("seq must be at most {MAX_SEQ}")));
    }
    let c = &s.counts;
    if c.untrusted > c.events {
        return Err((
            ".counts.untrusted".into(),
            "more untrusted events than events".into(),
        ));
    }
    let mut kinds = BTreeSet::new();
    for (i, w) in s.pointer.iter().enumerate() {
        if !kinds.insert(w.kind.name()) {
            return Err((
                format!(".pointer[{i}].kind"),
                "one pointer window per pointer kind".into(),
            ));
        }
    }
    if let Some(score) = &s.score {
        // Another model's name is accepted (a page loaded before an upgrade keeps the model it
        // was built with until it reloads; its summaries are still the worker's input), but
        // only as a name.
        let name = &score.model_version;
        if !(1..=MAX_MODEL_NAME).contains(&name.len())
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return Err((
                ".score.model_version".into(),
                format!("a model version is 1-{MAX_MODEL_NAME} of [A-Za-z0-9._-]"),
            ));
        }
        if score.reasons.len() > MAX_REASONS
            || score.reasons.iter().any(|r| r.len() > MAX_REASON_LEN)
        {
            return Err((
                ".score.reasons".into(),
                format!("at most {MAX_REASONS} reasons of {MAX_REASON_LEN} bytes"),
            ));
        }
    }
    Ok(())
}

/// One checked summary, ready to store: its JSON and digests computed once.
#[derive(Debug)]
pub struct Item {
    summary: Summary,
    body: String,
    /// Bytes of the summary's JSON as received (with its token): the collector's limit.
    size: usize,
    digest: String,
    content: String,
}

impl Item {
    fn new(summary: Summary) -> Item {
        // Stored without its session token, a credential until it expires (anyone who reads
        // the database, or a reviewer's view of the session, could send as the worker): the
        // session id the token names stands in its place, as in the row's `session_id`.
        let stored = Summary {
            session: crate::token::id_in(&summary.session).to_owned(),
            ..summary.clone()
        };
        let body = serde_json::to_string(&stored).expect("a summary serialises");
        // The digest is of the summary as received, token included, as it always was: a
        // resend compares equal to a row stored before the token was left out (a 409 there
        // would flag the session for tampering).
        let received = serde_json::to_string(&summary).expect("a summary serialises");
        let digest = digest_hex(received.as_bytes());
        // The behaviour alone: what a replay under another session, page or seq repeats.
        let bare = Summary {
            session: String::new(),
            page: String::new(),
            seq: 0,
            score: None,
            ..summary.clone()
        };
        let content = digest_hex(
            serde_json::to_string(&bare)
                .expect("a summary serialises")
                .as_bytes(),
        );
        Item {
            summary,
            body,
            size: received.len(),
            digest,
            content,
        }
    }

    /// Whether the summary carries behaviour (an empty window's counts can repeat innocently).
    fn has_behaviour(&self) -> bool {
        let s = &self.summary;
        s.keys.is_some() || !s.pointer.is_empty() || s.fixed.iter().any(|f| !f.edited)
    }
}

/// Why a batch's body could not be read: over [`MAX_BODY`] (413), or a body the connection did
/// not deliver whole (a malformed chunked encoding, a connection cut before the end: 400, with
/// hyper's words for it), which is no size of the client's to change.
fn unreadable_body(e: axum::Error) -> ApiError {
    let e = e.into_inner();
    if e.is::<http_body_util::LengthLimitError>() {
        return ApiError::TooLarge(MAX_BODY);
    }
    // The error and its causes, each said once (hyper's body error repeats its own words).
    let mut why = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let said = s.to_string();
        if !why.ends_with(&said) {
            why = format!("{why}: {said}");
        }
        source = s.source();
    }
    ApiError::invalid(format!("the body could not be read ({why})"))
}

/// `POST /v1/summaries`.
pub async fn post(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<Ack>), ApiError> {
    match media_type(&headers).as_deref() {
        Some("application/json" | "text/plain") => {}
        other => {
            return Err(ApiError::UnsupportedType(format!(
                "summaries come as application/json (fetch) or text/plain (sendBeacon), not {}",
                other.unwrap_or("no content type")
            )))
        }
    }
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(unreadable_body)?;
    // The header's token first: a page with a bad token learns nothing about its body.
    let header = match auth::bearer(&headers)? {
        Some(t) => {
            let ctx = Context::load(&st, &auth::session_id(&st, t)?).await?;
            auth::live(Some(ctx.session.clone()))?;
            Some((t.to_owned(), ctx))
        }
        None => None,
    };
    let items = decode_batch(&bytes)?;
    let token = &items[0].summary.session;
    if items.iter().any(|it| &it.summary.session != token) {
        return Err(ApiError::Forbidden(
            "a batch holds the summaries of one session",
        ));
    }
    let ctx = match header {
        Some((t, ctx)) if &t == token => ctx,
        Some(_) => {
            return Err(ApiError::Forbidden(
                "the summaries' session is not the Authorization header's",
            ))
        }
        None => {
            let ctx = Context::load(&st, &auth::session_id(&st, token)?).await?;
            auth::live(Some(ctx.session.clone()))?;
            ctx
        }
    };
    // The rate limit (429) is `attempt`'s: it counts only the summaries not stored before, so a
    // collector resending a batch whose answer it lost gets its 202 also at the limit. A batch of
    // several pages (no collector sends one: a batch is one page's) is refused here at the
    // limit, before `stored` reads it page by page.
    let max = i64::from(st.settings.max_per_minute);
    if ctx.recent >= max
        && items
            .iter()
            .any(|it| it.summary.page != items[0].summary.page)
    {
        // The window is a minute: after one the count has started again.
        return Err(ApiError::TooManyRequests(60));
    }
    let session = ctx.session.clone();
    let started = std::time::Instant::now();
    let ack = store(&st, ctx, &items).await?;
    tracing::info!(
        session = %session.id,
        user = %session.user_id,
        accepted = ack.accepted,
        duplicates = ack.duplicates,
        ms = started.elapsed().as_secs_f64() * 1e3,
        "batch stored"
    );
    Ok((StatusCode::ACCEPTED, Json(ack)))
}

/// What a batch reads before it is stored, in one query (each statement is a round trip to the
/// database's worker thread; on SQLite those hops were the largest cost of a batch, measured
/// with `perf`): the session, its summaries of the last minute (the rate limit), and the
/// user's profile with its revision.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Context {
    #[sqlx(flatten)]
    session: SessionRow,
    recent: i64,
    profile_body: Option<String>,
    profile_revision: Option<i64>,
}

impl Context {
    async fn load(st: &AppState, id: &str) -> Result<Context, ApiError> {
        let row: Option<Context> = sqlx::query_as(
            "SELECT s.*, \
             (SELECT COUNT(*) FROM summaries m WHERE m.session_id = s.id AND m.received_ms > $2) \
             AS recent, p.body AS profile_body, p.revision AS profile_revision \
             FROM sessions s LEFT JOIN profiles p ON p.user_id = s.user_id WHERE s.id = $1",
        )
        .bind(id)
        .bind(now_ms() - 60_000)
        .fetch_optional(&st.store.pool)
        .await?;
        row.ok_or(ApiError::Unauthorized(
            "the session does not exist (erased?)",
        ))
    }

    fn profile(&self, st: &AppState) -> Result<(Profile, Option<i64>), ApiError> {
        parse_profile(
            st,
            &self.session.user_id,
            self.profile_body.as_deref(),
            self.profile_revision,
        )
    }
}

/// A browser score and the server's re-score of the same summary against the same scorer.
fn same(a: &Score, b: &Score) -> bool {
    a.band == b.band
        && a.model_version == b.model_version
        && (a.similarity - b.similarity).abs() <= SAME_SIMILARITY
        && (a.automation - b.automation).abs() <= SAME_SIMILARITY
}

/// Whether the profile may learn from a summary: the server scored it as the user (or the
/// modality is still enrolling) and not as automated.
fn clean(score: &Score) -> bool {
    matches!(score.band, Band::Allow | Band::Enrolling) && score.automation < AUTOMATION_VERDICT
}

/// The flags of a decision.
fn decision_flags(t: &SessionTrust, flags: &mut BTreeSet<String>) {
    let d = t.decision();
    match d.band {
        Band::Review => {
            flags.insert("review".into());
        }
        Band::StepUp => {
            flags.insert("step_up".into());
        }
        _ => {}
    }
    if d.automation {
        flags.insert("automation".into());
    }
}

/// The stored summaries among a batch's ids: (page, seq) -> (digest, score JSON). One query
/// per page in the batch (a collector's batch has one), over the batch's range of seq.
async fn stored(
    st: &AppState,
    session: &str,
    items: &[Item],
) -> Result<HashMap<(String, i64), (String, String)>, ApiError> {
    let mut ranges: HashMap<&str, (u64, u64)> = HashMap::new();
    for it in items {
        let r = ranges
            .entry(it.summary.page.as_str())
            .or_insert((it.summary.seq, it.summary.seq));
        r.0 = r.0.min(it.summary.seq);
        r.1 = r.1.max(it.summary.seq);
    }
    let mut out = HashMap::new();
    for (page, (lo, hi)) in ranges {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT seq, digest, score FROM summaries \
             WHERE session_id = $1 AND page = $2 AND seq >= $3 AND seq <= $4",
        )
        .bind(session)
        .bind(page)
        .bind(lo as i64)
        .bind(hi as i64)
        .fetch_all(&st.store.pool)
        .await?;
        for (seq, digest, score) in rows {
            out.insert((page.to_owned(), seq), (digest, score));
        }
    }
    Ok(out)
}

/// The behaviours (content digests) among `contents` already stored for `user`.
async fn seen_before(
    st: &AppState,
    user: &str,
    contents: &[&str],
) -> Result<BTreeSet<String>, ApiError> {
    if contents.is_empty() {
        return Ok(BTreeSet::new());
    }
    // `$2, $3, …`: one placeholder per digest (at most MAX_BATCH), bound below.
    let list: Vec<String> = (0..contents.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT content FROM summaries WHERE user_id = $1 AND content IN ({})",
        list.join(", ")
    );
    let mut q = sqlx::query_scalar(&sql).bind(user);
    for c in contents {
        q = q.bind(*c);
    }
    let rows: Vec<String> = q.fetch_all(&st.store.pool).await?;
    Ok(rows.into_iter().collect())
}

/// The windows among `fresh` (index, fingerprint) that replay a window stored for `user`: their
/// fingerprints share [`replayed`](telltale_core::automation::replayed) hashes (the replay
/// memory: a recording played into the page again, wherever its windows now fall).
async fn fingerprint_replays(
    st: &AppState,
    user: &str,
    fresh: &[(usize, &[u32])],
) -> Result<BTreeSet<usize>, ApiError> {
    let hashes: BTreeSet<i64> = fresh
        .iter()
        .flat_map(|(_, f)| f.iter().map(|&h| i64::from(h)))
        .collect();
    if hashes.is_empty() {
        return Ok(BTreeSet::new());
    }
    // `$2, $3, …`: one placeholder per hash (at most FINGERPRINT_LEN × MAX_BATCH).
    let list: Vec<String> = (0..hashes.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT session_id, page, seq, hash FROM fingerprints WHERE user_id = $1 AND hash IN ({})",
        list.join(", ")
    );
    let mut q = sqlx::query_as(&sql).bind(user);
    for h in &hashes {
        q = q.bind(*h);
    }
    let rows: Vec<(String, String, i64, i64)> = q.fetch_all(&st.store.pool).await?;
    // Each stored window's hashes among the batch's.
    let mut stored: BTreeMap<(String, String, i64), Vec<u32>> = BTreeMap::new();
    for (session, page, seq, hash) in rows {
        if let Ok(h) = u32::try_from(hash) {
            stored.entry((session, page, seq)).or_default().push(h);
        }
    }
    Ok(fresh
        .iter()
        .filter(|(_, f)| {
            stored
                .values()
                .any(|b| telltale_core::automation::replayed(f, b))
        })
        .map(|(i, _)| *i)
        .collect())
}

/// A user's profile and its revision (`None` before the first).
pub async fn load_profile(st: &AppState, user: &str) -> Result<(Profile, Option<i64>), ApiError> {
    let (body, rev) = load_profile_row(st, user).await?;
    parse_profile(st, user, body.as_deref(), rev)
}

/// A user's stored profile as text, and its revision (`None`, `None` before the first).
pub async fn load_profile_row(
    st: &AppState,
    user: &str,
) -> Result<(Option<String>, Option<i64>), ApiError> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT body, revision FROM profiles WHERE user_id = $1")
            .bind(user)
            .fetch_optional(&st.store.pool)
            .await?;
    Ok(row.unzip())
}

/// The one field every stored profile has had, read without the rest of its layout.
#[derive(Deserialize)]
struct StoredModel {
    model_version: String,
}

/// A stored profile read, or a new one when there is none. A profile stored by an older scoring
/// model whose layout this build no longer reads (a parameter renamed) starts again, as one it
/// can read does (`Profile::is_current`): the user enrolls anew. Its revision is kept, so the
/// first save replaces it. A newer model's profile (during a rollback, whether or not its layout
/// parses) and one that does not parse for any other reason (damage) are errors, never
/// overwritten.
pub fn parse_profile(
    st: &AppState,
    user: &str,
    body: Option<&str>,
    revision: Option<i64>,
) -> Result<(Profile, Option<i64>), ApiError> {
    match (body, revision) {
        (Some(body), Some(rev)) => match serde_json::from_str::<Profile>(body) {
            Ok(p) if !p.is_newer() => Ok((p, Some(rev))),
            Ok(p) => Err(ApiError::Internal(format!(
                "stored profile of {user} is of model {}, newer than this build's {}",
                p.model_version,
                telltale_core::MODEL_VERSION
            ))),
            Err(e) => match serde_json::from_str::<StoredModel>(body) {
                Ok(old) if telltale_core::is_older_model(&old.model_version) => {
                    tracing::warn!(
                        user,
                        model = %old.model_version,
                        error = %e,
                        "stored profile of an older model starts again"
                    );
                    Ok((Profile::new(st.settings.params), Some(rev)))
                }
                _ => Err(ApiError::Internal(format!("stored profile of {user}: {e}"))),
            },
        },
        _ => Ok((Profile::new(st.settings.params), None)),
    }
}

/// Writes a profile that was read at `revision`; `false` when another request changed it since.
pub async fn save_profile(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user: &str,
    profile: &Profile,
    revision: Option<i64>,
) -> Result<bool, ApiError> {
    let body = serde_json::to_string(profile).expect("a profile serialises");
    let now = now_ms();
    let done = match revision {
        Some(r) => {
            sqlx::query(
                "UPDATE profiles SET body = $1, revision = revision + 1, updated_ms = $2 \
                 WHERE user_id = $3 AND revision = $4",
            )
            .bind(body)
            .bind(now)
            .bind(user)
            .bind(r)
            .execute(&mut **tx)
            .await?
        }
        None => sqlx::query(
            "INSERT INTO profiles (user_id, body, revision, updated_ms) VALUES ($1, $2, 1, $3) \
                 ON CONFLICT (user_id) DO NOTHING",
        )
        .bind(user)
        .bind(body)
        .bind(now)
        .execute(&mut **tx)
        .await?,
    };
    Ok(done.rows_affected() == 1)
}

/// The page's score of a summary, if the server compares it: one of this model. One of another
/// model (a page loaded before an upgrade) is kept, unjudged, as a page may send no score at all.
fn comparable(s: &Summary) -> Option<&Score> {
    s.score
        .as_ref()
        .filter(|b| b.model_version == MODEL_VERSION)
}

/// The scorers handed to a session's pages. One that this build cannot read (handed by a build
/// of an earlier scoring model, before an upgrade) is left out with a warning: a browser score
/// of another model never matches this build's anyway, and the session's batches go on.
async fn handed(st: &AppState, session: &str) -> Result<Vec<Scorer>, ApiError> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT scorer FROM handed WHERE session_id = $1")
        .bind(session)
        .fetch_all(&st.store.pool)
        .await?;
    let mut out = vec![Scorer::default()];
    for (text,) in rows {
        let scorer = serde_json::from_str::<Packed>(&text)
            .map_err(|e| e.to_string())
            .and_then(|p| Scorer::unpack(&p.names, &p.nums).map_err(|e| e.to_string()));
        match scorer {
            Ok(s) => out.push(s),
            Err(e) => tracing::warn!(session, error = %e, "a stored scorer left out"),
        }
    }
    Ok(out)
}

/// Stores a checked batch of one session (retrying on write conflicts).
async fn store(st: &AppState, ctx: Context, items: &[Item]) -> Result<Ack, ApiError> {
    let session = ctx.session.clone();
    // The first try uses what the token check just read; a retry reads it again.
    let mut first = Some(ctx);
    let outcome = st
        .store
        .retry(|| attempt(st, &session.id, items, first.take()))
        .await?;
    match outcome {
        Outcome::Done(ack) => {
            // Counted once the batch is done (a try that lost a race counts nothing).
            st.metrics.stored.inc_by(ack.accepted as u64);
            st.metrics.duplicates.inc_by(ack.duplicates as u64);
            Ok(ack)
        }
        Outcome::Conflict(msg) => {
            sessions::raise(st, &session.id, "tampering").await?;
            Err(ApiError::Conflict(msg))
        }
    }
}

enum Outcome {
    Done(Ack),
    Conflict(String),
}

/// Duplicates within a batch share their first occurrence's score.
fn share_scores(items: &[Item], seen: &HashMap<(&str, u64), usize>, scores: &mut [Option<Score>]) {
    for (i, it) in items.iter().enumerate() {
        if scores[i].is_none() {
            let j = seen[&(it.summary.page.as_str(), it.summary.seq)];
            scores[i] = scores[j].clone();
        }
    }
}

/// One try at storing a batch: reads, decides, then writes in one transaction that names the
/// versions it read. `Ok(None)`: another request wrote first; run again.
async fn attempt(
    st: &AppState,
    id: &str,
    items: &[Item],
    read: Option<Context>,
) -> Result<Option<Outcome>, ApiError> {
    let ctx = match read {
        Some(ctx) => ctx,
        None => Context::load(st, id).await?,
    };
    let sess = &ctx.session;
    // Resends: an id already stored (or earlier in this batch) with the same content is a
    // duplicate, stored once; with other content the batch is refused.
    let mut scores: Vec<Option<Score>> = vec![None; items.len()];
    let mut fresh = Vec::new();
    let known = stored(st, id, items).await?;
    let mut seen: HashMap<(&str, u64), usize> = HashMap::new();
    let mut duplicates = 0;
    for (i, it) in items.iter().enumerate() {
        let key = (it.summary.page.as_str(), it.summary.seq);
        if let Some(&j) = seen.get(&key) {
            if items[j].digest != it.digest {
                return Ok(Some(Outcome::Conflict(format!(
                    "[{i}]: page {} seq {} appears twice in the batch with different content",
                    key.0, key.1
                ))));
            }
            duplicates += 1;
            continue;
        }
        seen.insert(key, i);
        match known.get(&(key.0.to_owned(), key.1 as i64)) {
            Some((digest, _)) if *digest != it.digest => {
                return Ok(Some(Outcome::Conflict(format!(
                    "[{i}]: page {} seq {} was stored before with different content",
                    key.0, key.1
                ))));
            }
            Some((_, score)) => {
                duplicates += 1;
                scores[i] = Some(
                    serde_json::from_str(score)
                        .map_err(|e| ApiError::Internal(format!("stored score of {id}: {e}")))?,
                );
            }
            None => fresh.push(i),
        }
    }

    // The rate limit: 429 when the summaries not stored before would take the session past its
    // summaries per minute. A collector closes a window at most every few seconds (200 key
    // events, or 15 s), plus a flush when the page is hidden. Counted on what this try read:
    // batches of one session sent at once each see the others once their writes won the race
    // (`Ok(None)` below, and the try runs again). The window is a minute: after one the count
    // has started again.
    if ctx.recent + fresh.len() as i64 > i64::from(st.settings.max_per_minute) {
        return Err(ApiError::TooManyRequests(60));
    }
    if fresh.is_empty() {
        // A resend of stored summaries: nothing to write.
        share_scores(items, &seen, &mut scores);
        return Ok(Some(Outcome::Done(Ack::new(
            0,
            duplicates,
            scores,
            &sess.trust_state(),
        ))));
    }

    let (mut profile, revision) = ctx.profile(st)?;
    let given = if fresh
        .iter()
        .any(|&i| comparable(&items[i].summary).is_some())
    {
        handed(st, id).await?
    } else {
        Vec::new()
    };
    // `Profile::score` compiles the scorer each time; once per batch (and after each learning)
    // is enough.
    let mut scorer = profile.scorer();
    let mut trust = sess.trust_state();
    let mut flags = sess.flag_set();
    let before = flags.clone();
    let mut worst = (sess.min_similarity, sess.worst.clone());
    let mut learned_any = false;
    let mut rows = Vec::with_capacity(fresh.len());
    // Replays: a behaviour stored before for the user, or twice in this batch.
    let behaviours: Vec<&str> = fresh
        .iter()
        .map(|&i| &items[i])
        .filter(|it| it.has_behaviour())
        .map(|it| it.content.as_str())
        .collect();
    let earlier = seen_before(st, &sess.user_id, &behaviours).await?;
    let prints: Vec<(usize, &[u32])> = fresh
        .iter()
        .map(|&i| (i, items[i].summary.automation.fingerprint.as_slice()))
        .filter(|(_, f)| !f.is_empty())
        .collect();
    let replays = fingerprint_replays(st, &sess.user_id, &prints).await?;
    let mut contents: BTreeSet<&str> = BTreeSet::new();
    for &i in &fresh {
        let it = &items[i];
        let s = &it.summary;
        if replays.contains(&i)
            || it.has_behaviour()
                && (earlier.contains(&it.content) || !contents.insert(&it.content))
        {
            flags.insert("replay".into());
        }
        let score = scorer.score(s);
        let page_match = comparable(s).map(|b| given.iter().any(|sc| same(&sc.score(s), b)));
        if page_match == Some(false) {
            flags.insert("forgery".into());
        }
        trust.push(&score);
        decision_flags(&trust, &mut flags);
        if let Some(sim) = score
            .identity_similarity()
            .filter(|&sim| worst.0.is_none_or(|w| sim < w))
        {
            worst = (
                Some(sim),
                Some(serde_json::to_string(&score).expect("a score serialises")),
            );
        }
        // An unflagged session teaches the profile; so does one a reviewer found genuine.
        let trusted = flags.is_empty() || sess.verdict.as_deref() == Some("genuine");
        let learn = trusted && clean(&score);
        if learn {
            profile
                .learn(s)
                .map_err(|e| ApiError::field(format!("[{i}]"), e.to_string()))?;
            learned_any = true;
            // What scoring reads changed: compile it again for the next summary.
            scorer = profile.scorer();
        }
        rows.push((i, score.clone(), page_match, learn));
        scores[i] = Some(score);
    }
    share_scores(items, &seen, &mut scores);

    let now = now_ms();
    let raised: Vec<&String> = flags.difference(&before).collect();
    let (status, flagged_ms) = if raised.is_empty() {
        (sess.status.clone(), sess.flagged_ms)
    } else {
        // A new kind of flag (re)opens the session in the review queue: one entry per session.
        ("open".to_owned(), Some(sessions::queued_at(sess, now)))
    };

    let mut w = st.store.write().await?;
    if learned_any && !save_profile(&mut w.tx, &sess.user_id, &profile, revision).await? {
        return Ok(None);
    }
    let done = sqlx::query(
        "UPDATE sessions SET trust = $1, flags = $2, worst = $3, min_similarity = NULLIF($4, -1.0), \
         status = $5, flagged_ms = $6, version = version + 1 WHERE id = $7 AND version = $8",
    )
    .bind(serde_json::to_string(&trust).expect("trust serialises"))
    .bind(serde_json::to_string(&flags).expect("flags serialise"))
    .bind(worst.1)
    .bind(worst.0.unwrap_or(NO_SIMILARITY))
    .bind(&status)
    .bind(flagged_ms)
    .bind(id)
    .bind(sess.version)
    .execute(&mut *w.tx)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    // One statement for the batch's rows: each statement is a round trip to the database's
    // worker, and the write lock is held until COMMIT.
    const COLUMNS: usize = 14;
    let values: Vec<String> = (0..rows.len())
        .map(|r| {
            let p: Vec<String> = (1..=COLUMNS)
                .map(|c| match c {
                    // The similarity column: see NO_SIMILARITY.
                    10 => format!("NULLIF(${}, -1.0)", r * COLUMNS + c),
                    c => format!("${}", r * COLUMNS + c),
                })
                .collect();
            format!("({})", p.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO summaries (session_id, page, seq, user_id, received_ms, body, digest, \
         content, score, similarity, band, automation, page_match, learned) VALUES {} \
         ON CONFLICT (session_id, page, seq) DO NOTHING",
        values.join(", ")
    );
    let mut insert = sqlx::query(&sql);
    for (i, score, page_match, learn) in &rows {
        let it = &items[*i];
        insert = insert
            .bind(id)
            .bind(&it.summary.page)
            .bind(it.summary.seq as i64)
            .bind(&sess.user_id)
            .bind(now)
            .bind(&it.body)
            .bind(&it.digest)
            .bind(&it.content)
            .bind(serde_json::to_string(score).expect("a score serialises"))
            .bind(score.identity_similarity().unwrap_or(NO_SIMILARITY))
            .bind(score.band.name())
            .bind(score.automation)
            .bind(page_match.map(i64::from))
            .bind(i64::from(*learn));
    }
    if !rows.is_empty() && insert.execute(&mut *w.tx).await?.rows_affected() != rows.len() as u64 {
        // Stored by a concurrent request since we looked: the next try sees duplicates.
        return Ok(None);
    }
    // The replay memory: the new windows' fingerprints, a row per hash, in one statement.
    let hashes: Vec<(&Item, u32)> = rows
        .iter()
        .flat_map(|(i, ..)| {
            let it = &items[*i];
            it.summary
                .automation
                .fingerprint
                .iter()
                .map(move |&h| (it, h))
        })
        .collect();
    if !hashes.is_empty() {
        const FP_COLUMNS: usize = 6;
        let values: Vec<String> = (0..hashes.len())
            .map(|r| {
                let p: Vec<String> = (1..=FP_COLUMNS)
                    .map(|c| format!("${}", r * FP_COLUMNS + c))
                    .collect();
                format!("({})", p.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO fingerprints (user_id, hash, session_id, page, seq, received_ms) VALUES {}",
            values.join(", ")
        );
        let mut insert = sqlx::query(&sql);
        for (it, h) in &hashes {
            insert = insert
                .bind(&sess.user_id)
                .bind(i64::from(*h))
                .bind(id)
                .bind(&it.summary.page)
                .bind(it.summary.seq as i64)
                .bind(now);
        }
        insert.execute(&mut *w.tx).await?;
    }
    w.commit().await?;

    for f in &raised {
        st.metrics.flags.with_label_values(&[f.as_str()]).inc();
        tracing::info!(session = %id, user = %sess.user_id, flag = %f, "session flagged");
    }
    Ok(Some(Outcome::Done(Ack::new(
        fresh.len(),
        duplicates,
        scores,
        &trust,
    ))))
}
