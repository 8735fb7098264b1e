//! Every route through `app()` (no socket), every status code the API names, and the behaviour
//! behind them: enrollment, the profile hand-out, re-scoring, flags, review, users, retention.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};
use telltale_core::{Band, Packed, Scorer};

#[tokio::test]
async fn sessions_need_the_portal_key() {
    let app = app().await;
    let a = app
        .call(
            "POST",
            "/v1/sessions",
            "nope-nope-nope-nope",
            json!({"user": "u"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = app
        .call("POST", "/v1/sessions", REVIEWER, json!({"user": "u"}))
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    let a = app.request("POST", "/v1/sessions", &[], "{}").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = app
        .call("POST", "/v1/sessions", PORTAL, json!({"user": "a b"}))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.body["field"], "user");
    let a = app
        .call("POST", "/v1/sessions", PORTAL, json!({"user": "alice"}))
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let token = a.body["token"].as_str().unwrap();
    assert!(telltale_core::summary::valid_token(token));
    // 128 random bits in the id, hex.
    assert_eq!(a.body["session"].as_str().unwrap().len(), 32);
    assert!(a.body["expires_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn summaries_are_stored_scored_and_deduplicated() {
    let app = app().await;
    let (_, token) = app.login("alice").await;
    let page = page_id();
    let batch = ALICE.summaries(&token, &page, 3);
    let a = app.post(&token, &batch).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
    assert_eq!(a.body["accepted"], 3);
    assert_eq!(a.body["duplicates"], 0);
    let scores = a.body["scores"].as_array().unwrap();
    assert_eq!(scores.len(), 3);
    assert_eq!(scores[0]["band"], "enrolling");
    // The same batch again (a retry whose answer was lost): stored once.
    let a = app.post(&token, &batch).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    assert_eq!(a.body["accepted"], 0);
    assert_eq!(a.body["duplicates"], 3);
    assert_eq!(app.count("summaries").await, 3);
    // A stored one twice in one batch: a score for each, in order.
    let twice = [batch[1].clone(), batch[1].clone()];
    let a = app.post(&token, &twice).await;
    assert_eq!(a.body["duplicates"], 2, "{}", a.text);
    assert_eq!(a.body["scores"].as_array().unwrap().len(), 2);
    // A beacon: text/plain, no header, the token inside.
    let more = ALICE.summaries(&token, &page, 4);
    let a = app
        .request(
            "POST",
            "/v1/summaries",
            &[("content-type", "text/plain;charset=UTF-8")],
            serde_json::to_string(&more[3..]).unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
    assert_eq!(app.count("summaries").await, 4);
}

#[tokio::test]
async fn a_reload_under_one_token_is_not_a_replay() {
    let app = app().await;
    let (id, token) = app.login("alice").await;
    // Two page loads: each collector draws its own page id and counts seq from 0.
    let first = ALICE.summaries(&token, &page_id(), 2);
    let second = Typist { seed: 9, ..ALICE }.summaries(&token, &page_id(), 2);
    assert_eq!(first[0].seq, second[0].seq);
    assert_eq!(app.post(&token, &first).await.status, StatusCode::ACCEPTED);
    let a = app.post(&token, &second).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    assert_eq!(a.body["accepted"], 2);
    let s = app
        .call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
        .await;
    assert_eq!(s.body["flags"], json!([]));
}

#[tokio::test]
async fn tokens_forged_expired_revoked_or_mismatched_are_refused() {
    let app = app().await;
    let (id, token) = app.login("alice").await;
    let (_, other) = app.login("bob").await;
    let page = page_id();
    let batch = ALICE.summaries(&token, &page, 1);
    // Forged: the signature of another secret.
    let forged = telltale_server::token::Signer::new(&[1u8; 32])
        .unwrap()
        .make(&id, i64::MAX / 2);
    assert_eq!(
        app.post(&forged, &batch).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Expired: signed by this server, but past its time.
    let expired = app.state.signer.make(&id, 1_000);
    let a = app.post(&expired, &batch).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.body["message"].as_str().unwrap().contains("expired"));
    // Another user's token in the header: 403.
    let a = app.post(&other, &batch).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    // Revoked.
    let a = app
        .call("DELETE", &format!("/v1/sessions/{id}"), PORTAL, Value::Null)
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let a = app.post(&token, &batch).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert!(a.body["message"].as_str().unwrap().contains("revoked"));
    let a = app
        .call(
            "DELETE",
            "/v1/sessions/00000000000000000000000000000000",
            PORTAL,
            Value::Null,
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("summaries").await, 0);
}

#[tokio::test]
async fn size_type_and_rate_limits() {
    let mut settings = telltale_server::config::Settings::for_tests();
    settings.max_per_minute = 5;
    let app = app_with(settings).await;
    let (_, token) = app.login("alice").await;
    // A POST of `body` as `media` to `path` with the bearer `key`.
    let raw = |path: &'static str, key: String, media: &'static str, body: String| {
        let app = &app;
        async move {
            let auth = format!("Bearer {key}");
            let headers = [("authorization", auth.as_str()), ("content-type", media)];
            app.request("POST", path, &headers, body).await
        }
    };
    let json = "application/json";
    let big = "x".repeat(64 * 1024 + 1);
    let a = raw("/v1/summaries", token.clone(), json, big).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    let a = raw(
        "/v1/summaries",
        token.clone(),
        "application/xml",
        "[]".into(),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let a = raw("/v1/summaries", token.clone(), json, String::new()).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        a.body["message"],
        "the body is empty: expected a JSON value"
    );
    // Over the framework's limit on another route: the answer says so in words.
    let a = raw("/v1/sessions", PORTAL.into(), json, " ".repeat(3 << 20)).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", a.text);
    assert_eq!(
        a.body["message"],
        "the request body is larger than this route accepts"
    );
    let batch = ALICE.summaries(&token, &page_id(), 6);
    assert_eq!(
        app.post(&token, &batch[..4]).await.status,
        StatusCode::ACCEPTED
    );
    let a = app.post(&token, &batch[4..]).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.text);
    assert_eq!(a.headers["retry-after"], "60");
    assert_eq!(app.count("summaries").await, 4);
    // One more reaches the limit.
    assert_eq!(
        app.post(&token, &batch[4..5]).await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(app.count("summaries").await, 5);
    // At the limit, a resend of stored summaries (a collector whose answer was lost) is no new
    // summary: 202 with the stored scores, and counted as duplicates.
    let a = app.post(&token, &batch[..4]).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
    assert_eq!(
        (a.body["accepted"].as_u64(), a.body["duplicates"].as_u64()),
        (Some(0), Some(4))
    );
    assert_eq!(a.body["scores"].as_array().map(Vec::len), Some(4));
    let m = app.request("GET", "/metrics", &[], "").await;
    assert!(
        m.text.contains("telltale_summaries_duplicate_total 4"),
        "{}",
        m.text
    );
    assert_eq!(
        app.post(&token, &batch[5..]).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A batch of several pages (no collector's) at the limit: 429 before any is looked up.
    let mut two = batch[..1].to_vec();
    two.extend(ALICE.summaries(&token, &page_id(), 1));
    let a = app.post(&token, &two).await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.text);
    assert_eq!(app.count("summaries").await, 5);
    // Batches of one session sent at once pass no more than the limit between them: each write
    // that lost the race checks again with the winners counted.
    let (_, token) = app.login("bob").await;
    let page = page_id();
    let batch = Typist { seed: 3, ..ALICE }.summaries(&token, &page, 8);
    let one = |i: usize| app.post(&token, &batch[i..=i]);
    let (a, b, c, d) = tokio::join!(one(0), one(1), one(2), one(3));
    let (e, f, g, h) = tokio::join!(one(4), one(5), one(6), one(7));
    let answers = [a, b, c, d, e, f, g, h];
    let accepted = answers
        .iter()
        .filter(|a| a.status == StatusCode::ACCEPTED)
        .count();
    assert!(answers.iter().all(|a| matches!(
        a.status,
        StatusCode::ACCEPTED | StatusCode::TOO_MANY_REQUESTS
    )));
    assert_eq!(accepted, 5);
    assert_eq!(app.count("summaries").await, 5 + 5);
}

#[tokio::test]
async fn other_content_under_a_stored_id_is_a_conflict_and_flags_tampering() {
    let app = app().await;
    let (id, token) = app.login("alice").await;
    let page = page_id();
    let batch = ALICE.summaries(&token, &page, 2);
    assert_eq!(app.post(&token, &batch).await.status, StatusCode::ACCEPTED);
    let mut changed = batch[1].clone();
    changed.counts.wheels += 1;
    let a = app.post(&token, &[changed]).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text);
    assert_eq!(app.count("summaries").await, 2);
    let q = app
        .call("GET", "/v1/review?status=open", REVIEWER, Value::Null)
        .await;
    let item = &q.body["sessions"][0];
    assert_eq!(item["session"], id.as_str());
    assert_eq!(item["flags"], json!(["tampering"]));
}

#[tokio::test]
async fn profile_is_handed_out_after_enrollment() {
    let app = app().await;
    let (_, token) = app.login("alice").await;
    let a = app.call("GET", "/v1/profile", &token, Value::Null).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.body["error"], "enrolling");
    let (_, token) = enrolled(&app, "alice").await;
    let a = app.call("GET", "/v1/profile", &token, Value::Null).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert!(a.headers.contains_key("x-telltale-profile-revision"));
    let packed: Packed = serde_json::from_value(a.body).unwrap();
    let scorer = Scorer::unpack(&packed.names, &packed.nums).unwrap();
    assert!(scorer.keys.is_some());
    assert_eq!(app.count("handed").await, 1);
    let u = app
        .call("GET", "/v1/users/alice", REVIEWER, Value::Null)
        .await;
    assert_eq!(u.body["enrolled"], true);
    assert_eq!(u.body["enrollment"][0]["modality"], "keys");
}

/// The one stored profile's body, as the database holds it.
async fn stored_profile(app: &TestApp) -> String {
    let (body,): (String,) = sqlx::query_as("SELECT body FROM profiles")
        .fetch_one(&app.state.store.pool)
        .await
        .unwrap();
    body
}

/// Replaces the one stored profile's body, as another build (or damage) would have left it.
async fn store_profile(app: &TestApp, body: &str) {
    sqlx::query("UPDATE profiles SET body = $1")
        .bind(body)
        .execute(&app.state.store.pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_profile_stored_by_a_model_this_one_reads_keeps_its_enrollment() {
    let app = app().await;
    let (_, token) = enrolled(&app, "alice").await;
    let body = stored_profile(&app).await;
    let before = app.call("GET", "/v1/profile", &token, Value::Null).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    // As the model before this one stored it: the same statistics under its version.
    let kept = telltale_core::score::READS_PROFILES_OF[0];
    let old = body.replace(telltale_core::MODEL_VERSION, kept);
    assert_ne!(old, body);
    store_profile(&app, &old).await;
    // The page gets the same scorer, of this build's model, and the next summary is scored,
    // not enrolled again; the profile is then stored under this build's version.
    let a = app.call("GET", "/v1/profile", &token, Value::Null).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body, before.body);
    assert_eq!(a.body["names"][0], telltale_core::MODEL_VERSION);
    let next = Typist { seed: 9, ..ALICE }.summaries(&token, &page_id(), 1);
    let a = app.post(&token, &next).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
    assert_ne!(a.body["scores"][0]["band"], "enrolling", "{}", a.text);
    let body = stored_profile(&app).await;
    assert!(body.contains(telltale_core::MODEL_VERSION), "{body}");
    assert!(!body.contains(kept), "{body}");
}

#[tokio::test]
async fn a_profile_stored_by_an_older_model_starts_again() {
    let app = app().await;
    let (_, token) = enrolled(&app, "alice").await;
    // Rewrite the stored profile as an older model wrote it: another version, and a parameter
    // under a name this build no longer reads (telltale-2 kept a fixed |z| cap, `cap`).
    let body = stored_profile(&app).await;
    let old = body
        .replace(telltale_core::MODEL_VERSION, "telltale-2")
        .replace("\"cap_tail\":0.001", "\"cap\":6.0");
    assert_ne!(old, body);
    store_profile(&app, &old).await;
    // The profile is enrolling again rather than an internal error, and the next summary starts
    // it under this build's model.
    let a = app.call("GET", "/v1/profile", &token, Value::Null).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
    assert_eq!(a.body["error"], "enrolling");
    let fresh = Typist { seed: 7, ..ALICE }.summaries(&token, &page_id(), 1);
    let a = app.post(&token, &fresh).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
    assert_eq!(a.body["scores"][0]["band"], "enrolling");
    let body = stored_profile(&app).await;
    assert!(body.contains(telltale_core::MODEL_VERSION), "{body}");
    // Neither stored content of this model that is no profile at all nor a newer model's profile
    // (a rollback), whether its layout is one this build reads or not, starts again: each is an
    // error, when read and when a summary would teach it, and nothing is overwritten.
    let damaged = format!("{{\"model_version\":\"{}\"}}", telltale_core::MODEL_VERSION);
    let newer_layout = old.replace("telltale-2", "telltale-99");
    let newer = body.replace(telltale_core::MODEL_VERSION, "telltale-99");
    assert!(serde_json::from_str::<telltale_core::Profile>(&newer).is_ok());
    for (seed, body) in [damaged, newer_layout, newer].into_iter().enumerate() {
        store_profile(&app, &body).await;
        let a = app.call("GET", "/v1/profile", &token, Value::Null).await;
        assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", a.text);
        let more = Typist {
            seed: 8 + seed as u64,
            ..ALICE
        }
        .summaries(&token, &page_id(), 1);
        let a = app.post(&token, &more).await;
        assert_eq!(a.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", a.text);
        assert_eq!(stored_profile(&app).await, body);
        // The reviewers' list still answers, naming the profile it cannot read.
        let a = app.call("GET", "/v1/users", REVIEWER, Value::Null).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert_eq!(a.body["users"][0]["user"], "alice");
        assert_eq!(a.body["users"][0]["enrolled"], false);
        assert!(
            a.body["users"][0]["profile_error"].is_string(),
            "{}",
            a.text
        );
    }
    // A reviewer's reset is the way out: the user enrolls under this build's model.
    let a = app
        .call("POST", "/v1/users/alice/reset", REVIEWER, Value::Null)
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text);
    let a = app.call("GET", "/v1/profile", &token, Value::Null).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
}

#[tokio::test]
async fn an_impostor_is_flagged_and_does_not_teach_the_profile() {
    let app = app().await;
    let (_, _) = enrolled(&app, "alice").await;
    let before = app
        .call("GET", "/v1/users/alice", REVIEWER, Value::Null)
        .await;
    let (id, token) = app.login("alice").await;
    let batch = MALLORY.summaries(&token, &page_id(), 6);
    let a = app.post(&token, &batch).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
    let bands: Vec<&str> = a.body["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["band"].as_str().unwrap())
        .collect();
    assert!(
        bands.iter().all(|b| *b == "step_up" || *b == "review"),
        "{bands:?}"
    );
    let q = app
        .call("GET", "/v1/review?status=open", REVIEWER, Value::Null)
        .await;
    let item = &q.body["sessions"][0];
    assert_eq!(item["session"], id.as_str());
    assert!(item["flags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "review" || f == "step_up"));
    assert!(!item["reasons"].as_array().unwrap().is_empty());
    let after = app
        .call("GET", "/v1/users/alice", REVIEWER, Value::Null)
        .await;
    assert_eq!(
        before.body["enrollment"], after.body["enrollment"],
        "nothing learned"
    );
    // The session view has what a dashboard plots.
    let s = app
        .call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
        .await;
    assert_eq!(s.status, StatusCode::OK);
    assert_eq!(s.body["timeline"].as_array().unwrap().len(), 6);
    assert!(!s.body["features"].as_array().unwrap().is_empty());
    assert!(
        s.body["decision"]["peak"].as_f64().unwrap() >= telltale_core::decision::REVIEW_EVIDENCE
    );
    // A genuine verdict (a false alarm): the profile learns the session.
    let v = app
        .call(
            "POST",
            &format!("/v1/review/{id}"),
            REVIEWER,
            json!({"verdict": "genuine", "note": "it was her"}),
        )
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    assert_eq!(v.body["status"], "resolved");
    let learned = app
        .call("GET", "/v1/users/alice", REVIEWER, Value::Null)
        .await;
    let n = |v: &Value| v["enrollment"][0]["samples"].as_u64().unwrap();
    assert_eq!(n(&learned.body), n(&after.body) + 6);
    let q = app
        .call("GET", "/v1/review?status=resolved", REVIEWER, Value::Null)
        .await;
    assert_eq!(q.body["sessions"][0]["verdict"], "genuine");
    // The profile holds what the genuine verdict taught it: no other verdict now, or the
    // impostor's rhythm would stay in the profile as the worker's. A reset undoes it.
    let review = format!("/v1/review/{id}");
    let other = app
        .call("POST", &review, REVIEWER, json!({"verdict": "impostor"}))
        .await;
    assert_eq!(other.status, StatusCode::CONFLICT, "{}", other.text);
    assert_eq!(other.body["error"], "conflict");
    let reset = app
        .call("POST", "/v1/users/alice/reset", REVIEWER, Value::Null)
        .await;
    assert_eq!(reset.status, StatusCode::NO_CONTENT, "{}", reset.text);
    let other = app
        .call("POST", &review, REVIEWER, json!({"verdict": "impostor"}))
        .await;
    assert_eq!(other.status, StatusCode::OK, "{}", other.text);
    assert_eq!(other.body["verdict"], "impostor");
    assert_eq!(other.body["note"], Value::Null);
    // The audit trail keeps each verdict given, with its note (the refused one is none).
    let trail = app
        .call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
        .await;
    let verdicts = trail.body["verdicts"].as_array().unwrap();
    let given: Vec<(&str, &Value)> = verdicts
        .iter()
        .map(|v| (v["verdict"].as_str().unwrap(), &v["note"]))
        .collect();
    assert_eq!(
        given,
        [
            ("genuine", &json!("it was her")),
            ("impostor", &Value::Null)
        ],
        "{}",
        trail.text
    );
    assert!(verdicts
        .iter()
        .all(|v| v["at"].as_str().unwrap().ends_with('Z')));
    // Stored without the session token (a credential until it expires): the session id.
    let bodies: Vec<(String,)> = sqlx::query_as("SELECT body FROM summaries WHERE session_id = $1")
        .bind(&id)
        .fetch_all(&app.state.store.pool)
        .await
        .unwrap();
    assert_eq!(bodies.len(), 6);
    for (b,) in &bodies {
        assert!(!b.contains(&token), "{b}");
        assert!(b.contains(&format!("\"session\":\"{id}\"")), "{b}");
    }
    assert_eq!(s.body["omitted"], 0);
    let bad = app
        .call(
            "POST",
            &format!("/v1/review/{id}"),
            REVIEWER,
            json!({"verdict": "maybe"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_genuine_user_is_not_flagged() {
    let app = app().await;
    enrolled(&app, "alice").await;
    let (id, token) = app.login("alice").await;
    let batch = Typist { seed: 5, ..ALICE }.summaries(&token, &page_id(), 8);
    let a = app.post(&token, &batch).await;
    assert_eq!(a.status, StatusCode::ACCEPTED);
    assert!(a.body["scores"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["band"] != "enrolling" && s["session"]["step_up"] == false));
    let s = app
        .call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
        .await;
    assert_eq!(s.body["status"], "none", "{}", s.text);
    assert_eq!(s.body["decision"]["band"], "allow");
    assert_eq!(s.body["decision"]["step_up_due"], false);
}

/// The answer's `session.step_up` of each window of `batch`, posted one at a time.
async fn asked(app: &TestApp, token: &str, batch: &[telltale_core::Summary]) -> Vec<bool> {
    let mut out = Vec::new();
    for s in batch {
        let a = app.post(token, std::slice::from_ref(s)).await;
        assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
        out.push(a.body["scores"][0]["session"]["step_up"].as_bool().unwrap());
    }
    out
}

#[tokio::test]
async fn the_session_asks_for_a_step_up_and_a_pass_is_recorded() {
    let app = app().await;
    enrolled(&app, "alice").await;
    let (id, token) = app.login("alice").await;
    let page = page_id();
    let batch = MALLORY.summaries(&token, &page, 12);
    // One window, however far out, asks nothing (its band may be step_up); a run of them asks.
    let first = asked(&app, &token, &batch[..6]).await;
    assert!(!first[0], "{first:?}");
    let at = first
        .iter()
        .position(|&a| a)
        .expect("asked within 6 windows");
    assert!(
        first[at..].iter().all(|&a| a),
        "asked until passed: {first:?}"
    );
    // Only the portal's backend reports a pass.
    let path = format!("/v1/sessions/{id}/step-up");
    for (key, status) in [
        ("", StatusCode::UNAUTHORIZED),
        (REVIEWER, StatusCode::FORBIDDEN),
        (token.as_str(), StatusCode::UNAUTHORIZED),
    ] {
        let a = app.call("POST", &path, key, Value::Null).await;
        assert_eq!(a.status, status, "{key}: {}", a.text);
    }
    let a = app
        .call(
            "POST",
            &format!("/v1/sessions/{}/step-up", "0".repeat(32)),
            PORTAL,
            Value::Null,
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
    let a = app.call("POST", &path, PORTAL, Value::Null).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text);
    // A resend is answered with the session as it is now.
    let a = app.post(&token, &batch[..1]).await;
    assert_eq!(a.body["duplicates"], 1);
    assert_eq!(a.body["scores"][0]["session"]["step_up"], false);
    // After the pass: asked again only after a run of its own.
    let again = asked(&app, &token, &batch[6..]).await;
    assert!(!again[0], "{again:?}");
    assert!(again.iter().any(|&a| a), "{again:?}");
    // The reviewer sees the pass, and the flags stay.
    let s = app
        .call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
        .await;
    assert_eq!(s.body["decision"]["step_ups_passed"], 1, "{}", s.text);
    assert_eq!(s.body["decision"]["step_up_due"], true);
    assert_eq!(s.body["flags"], json!(["review", "step_up"]));
    // The demo's backend: the page's token and the password again.
    for (bearer, password, status) in [
        ("", "telltale-demo", StatusCode::UNAUTHORIZED),
        (token.as_str(), "wrong", StatusCode::UNAUTHORIZED),
        (token.as_str(), "telltale-demo", StatusCode::NO_CONTENT),
    ] {
        let body = json!({ "password": password });
        let a = app.call("POST", "/demo/step-up", bearer, body).await;
        assert_eq!(a.status, status, "{password}: {}", a.text);
    }
    let s = app
        .call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
        .await;
    assert_eq!(s.body["decision"]["step_ups_passed"], 2);
    assert_eq!(s.body["decision"]["step_up_due"], false);
}

/// Alice enrolled, a new session of hers, and the scorer its page was handed:
/// (session id, token, scorer).
async fn handed_to_a_new_session(app: &TestApp) -> (String, String, Scorer) {
    enrolled(app, "alice").await;
    let (id, token) = app.login("alice").await;
    let a = app.call("GET", "/v1/profile", &token, Value::Null).await;
    let packed: Packed = serde_json::from_value(a.body).unwrap();
    let handed = Scorer::unpack(&packed.names, &packed.nums).unwrap();
    (id, token, handed)
}

#[tokio::test]
async fn forgery_is_flagged_but_an_older_profile_revision_is_not() {
    let app = app().await;
    let (id, token, handed) = handed_to_a_new_session(&app).await;
    let page = page_id();
    let genuine = Typist { seed: 11, ..ALICE };
    let batch = genuine.summaries(&token, &page, 4);
    // The page scores with the profile it was given (as the collector does)...
    let mut first: Vec<_> = batch[..2].to_vec();
    for s in &mut first {
        s.score = Some(handed.score(s));
    }
    assert_eq!(app.post(&token, &first).await.status, StatusCode::ACCEPTED);
    // ...the profile has learned since (a revision the page was not given), and the page goes
    // on scoring with the old one: no forgery.
    let mut second: Vec<_> = batch[2..3].to_vec();
    for s in &mut second {
        s.score = Some(handed.score(s));
    }
    assert_eq!(app.post(&token, &second).await.status, StatusCode::ACCEPTED);
    let s = app
        .call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
        .await;
    assert_eq!(s.body["flags"], json!([]), "{}", s.text);
    assert!(s.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["page_score_matches"] == true));
    // A page that claims a better score than it got: forgery.
    let mut lie = batch[3].clone();
    let mut score = handed.score(&lie);
    score.similarity = 99.0;
    score.band = Band::Allow;
    lie.score = Some(score);
    assert_eq!(app.post(&token, &[lie]).await.status, StatusCode::ACCEPTED);
    let s = app
        .call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
        .await;
    assert_eq!(s.body["flags"], json!(["forgery"]));
    assert_eq!(s.body["status"], "open");
}

#[tokio::test]
async fn a_page_of_an_earlier_model_is_heard_and_its_score_not_judged() {
    let app = app().await;
    let (id, token, handed) = handed_to_a_new_session(&app).await;
    // A page loaded before an upgrade scores with the model it was built with: its summaries are
    // the worker's input all the same. Its score (here a flattering one) is kept, not compared:
    // no other model's score matches this build's, and a page may send none at all.
    let mut batch = Typist { seed: 13, ..ALICE }.summaries(&token, &page_id(), 2);
    for s in &mut batch {
        let mut score = handed.score(s);
        score.model_version = "telltale-9".into();
        score.similarity = 99.0;
        score.band = Band::Allow;
        s.score = Some(score);
    }
    let r = app.post(&token, &batch).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert_eq!(r.body["accepted"], 2, "{}", r.text);
    let s = app
        .call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
        .await;
    let timeline = s.body["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 2, "{}", s.text);
    assert!(
        timeline.iter().all(|p| p["page_score_matches"].is_null()),
        "{}",
        s.text
    );
    assert_eq!(s.body["flags"], json!([]), "{}", s.text);
}

#[tokio::test]
async fn a_stored_scorer_this_build_cannot_read_is_left_out_and_batches_go_on() {
    let app = app().await;
    let (id, token, handed) = handed_to_a_new_session(&app).await;
    // Beside the scorer the page was handed, one as a build of an earlier scoring model stored
    // it (before an upgrade) and a row that is no packed scorer at all.
    for (revision, scorer) in [
        (98, r#"{"names":["telltale-0"],"nums":[]}"#),
        (99, "not json"),
    ] {
        sqlx::query(
            "INSERT INTO handed (session_id, revision, scorer, handed_ms) VALUES ($1, $2, $3, 0)",
        )
        .bind(&id)
        .bind(revision)
        .bind(scorer)
        .execute(&app.state.store.pool)
        .await
        .unwrap();
    }
    let mut batch = Typist { seed: 12, ..ALICE }.summaries(&token, &page_id(), 2);
    for s in &mut batch {
        s.score = Some(handed.score(s));
    }
    let r = app.post(&token, &batch).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let s = app
        .call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
        .await;
    assert_eq!(s.status, StatusCode::OK, "{}", s.text);
    // The readable scorer is still read: the page's scores match it, no forgery.
    let timeline = s.body["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 2, "{}", s.text);
    assert!(
        timeline.iter().all(|p| p["page_score_matches"] == true),
        "{}",
        s.text
    );
    assert_eq!(s.body["flags"], json!([]), "{}", s.text);
}

#[tokio::test]
async fn a_replayed_summary_is_flagged() {
    let app = app().await;
    let (_, token) = app.login("alice").await;
    let batch = ALICE.summaries(&token, &page_id(), 2);
    assert_eq!(app.post(&token, &batch).await.status, StatusCode::ACCEPTED);
    // Captured and sent again under a new session and page.
    let (id, token2) = app.login("alice").await;
    let page = page_id();
    let replayed: Vec<_> = batch
        .iter()
        .map(|s| telltale_core::Summary {
            session: token2.clone(),
            page: page.clone(),
            ..s.clone()
        })
        .collect();
    assert_eq!(
        app.post(&token2, &replayed).await.status,
        StatusCode::ACCEPTED
    );
    let s = app
        .call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
        .await;
    assert_eq!(s.body["flags"], json!(["replay"]));
}

#[tokio::test]
async fn the_users_list_pages_past_a_thousand() {
    let app = app().await;
    for i in 0..=1000 {
        app.login(&format!("u{i:04}")).await;
    }
    let list = |q: &str| {
        let app = &app;
        let uri = format!("/v1/users{q}");
        async move { app.call("GET", &uri, REVIEWER, Value::Null).await }
    };
    let first = list("").await;
    let users = first.body["users"].as_array().unwrap();
    assert_eq!(users.len(), 1000);
    assert_eq!(users[0]["user"], "u0000");
    assert_eq!(first.body["next"], "u0999");
    let rest = list("?after=u0999").await;
    assert_eq!(rest.status, StatusCode::OK, "{}", rest.text);
    assert_eq!(rest.body["users"][0]["user"], "u1000");
    assert_eq!(rest.body["users"].as_array().unwrap().len(), 1);
    assert_eq!(rest.body["next"], Value::Null);
    let bad = list("?after=a%20b").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["field"], "after", "{}", bad.text);
    assert_eq!(list("?limit=5").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_review_queue_pages_past_two_hundred() {
    let app = app().await;
    // 250 flagged sessions, flagged at three moments: pages must split ties by id.
    let mut ids = Vec::new();
    for i in 0..250i64 {
        let (id, _) = app.login(&format!("q{i:03}")).await;
        sqlx::query("UPDATE sessions SET status = 'open', flags = '[\"review\"]', flagged_ms = $1 WHERE id = $2")
            .bind(1_000 + i / 100)
            .bind(&id)
            .execute(&app.state.store.pool)
            .await
            .unwrap();
        ids.push((1_000 + i / 100, id));
    }
    // The queue's order: newest flag first, then by id.
    ids.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let page = |q: String| {
        let app = &app;
        async move {
            app.call(
                "GET",
                &format!("/v1/review?status=open{q}"),
                REVIEWER,
                Value::Null,
            )
            .await
        }
    };
    let first = page(String::new()).await;
    let listed = |a: &Value| -> Vec<String> {
        a["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["session"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut seen = listed(&first.body);
    assert_eq!(seen.len(), 200);
    let next = first.body["next"].as_str().unwrap().to_owned();
    assert_eq!(next, format!("{}.{}", ids[199].0, ids[199].1));
    let rest = page(format!("&after={next}")).await;
    assert_eq!(rest.status, StatusCode::OK, "{}", rest.text);
    seen.extend(listed(&rest.body));
    assert_eq!(rest.body["next"], Value::Null);
    let want: Vec<String> = ids.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(
        seen, want,
        "every flagged session once, in the queue's order"
    );
    let upper = format!("1000.{}", ids[0].1.to_uppercase());
    for bad in [
        "x",
        "1000",
        "-1.abc",
        "+5.abc",
        "1000.nothex",
        "1.2.3",
        &upper,
    ] {
        let a = page(format!("&after={bad}")).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad}: {}", a.text);
        assert_eq!(a.body["field"], "after", "{bad}");
    }
    // A resolved session that a new kind of flag reopens enters the queue again at the front,
    // where a reviewer paging from the start sees it (not at its first flag, pages behind).
    let oldest = ids.last().unwrap().1.clone();
    assert_eq!(app.verdict(&oldest, "genuine").await.status, StatusCode::OK);
    telltale_server::sessions::raise(&app.state, &oldest, "tampering")
        .await
        .unwrap();
    let first = page(String::new()).await;
    assert_eq!(first.body["sessions"][0]["session"], oldest.as_str());
    assert_eq!(first.body["sessions"][0]["status"], "open");
}

#[tokio::test]
async fn users_reset_and_erase() {
    let app = app().await;
    let (id, token) = enrolled(&app, "alice").await;
    enrolled(&app, "bob").await;
    let a = app.call("GET", "/v1/users", REVIEWER, Value::Null).await;
    assert_eq!(a.body["users"].as_array().unwrap().len(), 2);
    let a = app
        .call("POST", "/v1/users/alice/reset", REVIEWER, Value::Null)
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let a = app.call("GET", "/v1/profile", &token, Value::Null).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "enrolling again");
    // Her session flagged (the same input again: a replay) and given a verdict.
    let again = app
        .post(&token, &ALICE.summaries(&token, &page_id(), 1))
        .await;
    assert_eq!(again.status, StatusCode::ACCEPTED, "{}", again.text);
    let v = app.verdict(&id, "impostor").await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    assert_eq!(app.count("verdicts").await, 1);
    let a = app
        .call("DELETE", "/v1/users/alice", PORTAL, Value::Null)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = app
        .call("DELETE", "/v1/users/alice", REVIEWER, Value::Null)
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let a = app
        .call("GET", "/v1/users/alice", REVIEWER, Value::Null)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    // Idempotent (openapi.json): a retried erasure, or one of a user never seen, is a 204.
    for user in ["alice", "nobody"] {
        let a = app
            .call(
                "DELETE",
                &format!("/v1/users/{user}"),
                REVIEWER,
                Value::Null,
            )
            .await;
        assert_eq!(a.status, StatusCode::NO_CONTENT, "{user}");
    }
    let a = app
        .call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    // Every row of alice gone; bob's kept.
    assert_eq!(app.count("sessions").await, 1);
    assert_eq!(app.count("profiles").await, 1);
    assert_eq!(app.count("summaries").await, 14);
    assert_eq!(app.count("verdicts").await, 0);
    let a = app
        .post(&token, &ALICE.summaries(&token, &page_id(), 1))
        .await;
    assert_eq!(
        a.status,
        StatusCode::UNAUTHORIZED,
        "an erased user's token stops working"
    );
}

#[tokio::test]
async fn retention_deletes_old_summaries() {
    let app = app().await;
    let (_, token) = app.login("alice").await;
    app.post(&token, &ALICE.summaries(&token, &page_id(), 3))
        .await;
    let now = telltale_server::db::now_ms();
    let p = telltale_server::retention::purge(&app.state, now)
        .await
        .unwrap();
    assert_eq!(p.summaries, 0);
    let later = now + app.state.settings.retention_ms + 1;
    let p = telltale_server::retention::purge(&app.state, later)
        .await
        .unwrap();
    assert_eq!(p.summaries, 3);
    assert_eq!(app.count("summaries").await, 0);
}

#[tokio::test]
async fn retention_keeps_an_open_flag_until_a_reviewer_resolves_it() {
    let app = app().await;
    // A flagged session (tampering) and one that was never flagged.
    let (flagged, token) = app.login("alice").await;
    let batch = ALICE.summaries(&token, &page_id(), 2);
    assert_eq!(app.post(&token, &batch).await.status, StatusCode::ACCEPTED);
    let mut changed = batch[1].clone();
    changed.counts.wheels += 1;
    assert_eq!(
        app.post(&token, &[changed]).await.status,
        StatusCode::CONFLICT
    );
    // (Another seed: the same input again would be a replay, and flagged.)
    let (quiet, token) = app.login("alice").await;
    let other = Typist { seed: 21, ..ALICE }.summaries(&token, &page_id(), 1);
    assert_eq!(app.post(&token, &other).await.status, StatusCode::ACCEPTED);
    let s = &app.state.settings;
    let later = telltale_server::db::now_ms() + s.session_ms + s.retention_ms + 1;
    let p = telltale_server::retention::purge(&app.state, later)
        .await
        .unwrap();
    assert_eq!((p.summaries, p.sessions), (3, 1));
    let get = |id: String| {
        let app = &app;
        async move {
            app.call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
                .await
        }
    };
    assert_eq!(get(quiet).await.status, StatusCode::NOT_FOUND);
    let open = get(flagged.clone()).await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.text);
    assert_eq!(open.body["status"], "open");
    assert_eq!(open.body["flags"], json!(["tampering"]));
    // Resolved, it goes at the next purge.
    let v = app.verdict(&flagged, "impostor").await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    let p = telltale_server::retention::purge(&app.state, later)
        .await
        .unwrap();
    assert_eq!(p.sessions, 1);
    assert_eq!(get(flagged).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("verdicts").await, 0, "its verdicts go with it");
}

#[tokio::test]
async fn operations_routes() {
    let app = app().await;
    let a = app.request("GET", "/healthz", &[], "").await;
    assert_eq!(a.status, StatusCode::OK);
    let (_, token) = app.login("alice").await;
    app.post(&token, &ALICE.summaries(&token, &page_id(), 2))
        .await;
    app.request(
        "POST",
        "/v1/summaries",
        &[("content-type", "application/json")],
        "[",
    )
    .await;
    let m = app.request("GET", "/metrics", &[], "").await;
    assert!(
        m.text.contains("telltale_summaries_stored_total 2"),
        "{}",
        m.text
    );
    assert!(m
        .text
        .contains("telltale_rejections_total{reason=\"invalid\"} 1"));
    assert!(m.text.contains("route=\"/v1/summaries\",status=\"202\""));
    assert!(m
        .text
        .contains("telltale_http_request_duration_seconds_bucket"));
    let a = app.request("GET", "/nowhere", &[], "").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.headers["content-security-policy"], telltale_server::CSP);
    let a = app.request("PUT", "/v1/summaries", &[], "").await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        a.body["error"], "method_not_allowed",
        "every error in one form"
    );
    assert_eq!(
        a.body["message"],
        "PUT is not allowed at this path (GET /openapi.json lists every route's methods)",
        "the framework's words name what to change"
    );
    assert_eq!(a.headers["allow"], "POST");
    let a = app
        .request("GET", "/v1/review?status=open&status=open", &[], "")
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.body["error"], "invalid", "{}", a.text);
    // With the static files served too, an unknown API path is still no route (not the
    // files' "405, only GET"), while a known one with another method is 405.
    let www = std::env::temp_dir().join(format!("telltale-www-{}", std::process::id()));
    std::fs::create_dir_all(&www).unwrap();
    let served = TestApp {
        state: app.state.clone(),
        router: telltale_server::app(app.state.clone(), Some(&www), None),
    };
    let a = served.request("POST", "/v1/nothing", &[], "").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
    assert_eq!(a.body["error"], "not_found");
    let a = served.request("DELETE", "/v1/users", &[], "").await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{}", a.text);
    let a = served.request("GET", "/nowhere.html", &[], "").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
    // Outside the API too, a method the files do not take is named, with where to look.
    let a = served.request("POST", "/nowhere", &[], "").await;
    assert!(
        a.body["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("POST is not allowed at this path")),
        "{}",
        a.text
    );
    std::fs::remove_dir_all(&www).unwrap();
}

#[tokio::test]
async fn the_openapi_document_names_every_route() {
    let app = app().await;
    let a = app.request("GET", "/openapi.json", &[], "").await;
    assert_eq!(a.status, StatusCode::OK);
    let paths = a.body["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/v1/sessions", &["post"][..]),
        ("/v1/sessions/{id}", &["get", "delete"]),
        ("/v1/sessions/{id}/step-up", &["post"]),
        ("/v1/summaries", &["post"]),
        ("/v1/profile", &["get"]),
        ("/v1/review", &["get"]),
        ("/v1/review/{id}", &["post"]),
        ("/v1/users", &["get"]),
        ("/v1/users/{user}", &["get", "delete"]),
        ("/v1/users/{user}/reset", &["post"]),
        ("/healthz", &["get"]),
        ("/metrics", &["get"]),
        ("/openapi.json", &["get"]),
        ("/demo/login", &["post"]),
        ("/demo/step-up", &["post"]),
    ] {
        for m in methods {
            assert!(paths[path][m].is_object(), "{m} {path} is documented");
        }
    }
}

#[tokio::test]
async fn the_demo_login_opens_a_session() {
    let app = app().await;
    let a = app
        .call(
            "POST",
            "/demo/login",
            "x",
            json!({"employee_id": "E1001", "password": "wrong"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = app
        .call(
            "POST",
            "/demo/login",
            "x",
            json!({"employee_id": "E1001", "password": "telltale-demo"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["user"], "E1001");
}

/// A recorded session's pointer movements (varied point counts and durations), from `skip`
/// ms into the recording, windowed by the core under `token`.
fn recording(token: &str, page: &str, skip: f64) -> Vec<telltale_core::Summary> {
    use telltale_core::{PointerEvent, PointerKind, PointerPhase, WindowConfig, Windower};
    let mut w = Windower::new(WindowConfig::default(), token, page);
    let mut out = Vec::new();
    let mut t = 0.0;
    for m in 0..150u32 {
        let points = 8 + (m * 7) % 23;
        for p in 0..points {
            let ev = PointerEvent {
                t,
                phase: PointerPhase::Move,
                kind: PointerKind::Mouse,
                x: f64::from(p * (3 + m % 5)),
                y: f64::from((p * p) % 40),
                buttons: 0,
                movement: None,
                trusted: true,
            };
            if t >= skip {
                out.extend(w.push(telltale_core::InputEvent::Pointer(PointerEvent {
                    t: t - skip,
                    ..ev
                })));
            }
            t += f64::from(9 + (m * 13 + p * 5) % 17);
        }
        // A pause ends the movement (600 ms: over the 500 ms that ends an action).
        t += 600.0 + f64::from((m * 37) % 400);
    }
    out.extend(w.flush(t - skip));
    out
}

#[tokio::test]
async fn a_recording_played_again_is_flagged_by_its_fingerprint() {
    let app = app().await;
    let (first, token) = app.login("alice").await;
    let original = recording(&token, &page_id(), 0.0);
    assert!(original
        .iter()
        .all(|s| !s.automation.fingerprint.is_empty()));
    assert_eq!(
        app.post(&token, &original).await.status,
        StatusCode::ACCEPTED
    );
    let s = app
        .call(
            "GET",
            &format!("/v1/sessions/{first}"),
            REVIEWER,
            Value::Null,
        )
        .await;
    let replay_flag = |b: &Value| b["flags"].as_array().unwrap().contains(&json!("replay"));
    assert!(
        !replay_flag(&s.body),
        "the original is no replay: {}",
        s.body
    );
    // The same recording played into a new page 20 s in: no window is the same summary, the
    // content digests differ, the fingerprints do not.
    let (id, token2) = app.login("alice").await;
    let replay = recording(&token2, &page_id(), 20_000.0);
    assert_eq!(
        app.post(&token2, &replay).await.status,
        StatusCode::ACCEPTED
    );
    let s = app
        .call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
        .await;
    assert!(replay_flag(&s.body), "{}", s.body);
    // Another user's memory is not alice's.
    let (other, token3) = app.login("bob").await;
    let replay = recording(&token3, &page_id(), 20_000.0);
    assert_eq!(
        app.post(&token3, &replay).await.status,
        StatusCode::ACCEPTED
    );
    let s = app
        .call(
            "GET",
            &format!("/v1/sessions/{other}"),
            REVIEWER,
            Value::Null,
        )
        .await;
    assert!(!replay_flag(&s.body), "{}", s.body);
}

#[tokio::test]
async fn ids_that_are_no_session_id_notes_with_control_characters_and_unknown_users() {
    let app = app().await;
    // A NUL (PostgreSQL refuses one in text: it answered 500 there) or any other string that is
    // not 32 hex digits is no session: 404 on every route, the same on both databases.
    for (method, uri, bearer, body) in [
        ("GET", "/v1/sessions/a%00b", REVIEWER, Value::Null),
        ("DELETE", "/v1/sessions/a%00b", PORTAL, Value::Null),
        (
            "POST",
            "/v1/review/a%00b",
            REVIEWER,
            json!({"verdict": "impostor"}),
        ),
    ] {
        let a = app.call(method, uri, bearer, body).await;
        assert_eq!(
            a.status,
            StatusCode::NOT_FOUND,
            "{method} {uri}: {}",
            a.text
        );
    }
    let a = app
        .call(
            "POST",
            "/v1/review/0123456789abcdef0123456789abcdef",
            REVIEWER,
            json!({"verdict": "impostor", "note": "a\u{0}b"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    assert_eq!(a.body["field"], "note");
    // Reset: a user with sessions and no profile yet has nothing to reset (204); one the
    // server never saw is none (404).
    app.login("dave").await;
    let a = app
        .call("POST", "/v1/users/dave/reset", REVIEWER, Value::Null)
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text);
    let a = app
        .call("POST", "/v1/users/nobody/reset", REVIEWER, Value::Null)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
}

#[tokio::test]
async fn a_scorer_whose_session_is_gone_is_purged() {
    let app = app().await;
    let (_, token) = enrolled(&app, "alice").await;
    // A user erased between the hand-out's reading its session and its insert left a copy of
    // the profile: the insert now needs the session, and the purge takes any such row.
    sqlx::query("INSERT INTO handed (session_id, revision, scorer, handed_ms) VALUES ('00000000000000000000000000000000', 1, '{}', 0)")
        .execute(&app.state.store.pool)
        .await
        .unwrap();
    let a = app.call("GET", "/v1/profile", &token, Value::Null).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(app.count("handed").await, 2);
    telltale_server::retention::purge(&app.state, telltale_server::db::now_ms())
        .await
        .unwrap();
    assert_eq!(
        app.count("handed").await,
        1,
        "the orphan is purged, the live one kept"
    );
}

#[tokio::test]
async fn a_profile_whose_sessions_are_gone_is_still_listed() {
    let app = app().await;
    enrolled(&app, "alice").await;
    // Retention deletes sessions, never profiles: the reviewers must still find the profile.
    sqlx::query("DELETE FROM sessions")
        .execute(&app.state.store.pool)
        .await
        .unwrap();
    let a = app.call("GET", "/v1/users", REVIEWER, Value::Null).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let users = a.body["users"].as_array().unwrap();
    assert_eq!(users.len(), 1, "{}", a.text);
    assert_eq!(users[0]["user"], "alice");
    assert_eq!(users[0]["sessions"], 0);
}

#[tokio::test]
async fn a_flooded_session_shows_its_first_and_last_windows_and_is_not_learned() {
    let app = app().await;
    enrolled(&app, "alice").await;
    let (id, token) = app.login("alice").await;
    let a = app
        .post(
            &token,
            &Typist { seed: 5, ..ALICE }.summaries(&token, &page_id(), 1),
        )
        .await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
    // 6,000 more windows, copies of the first (a token allows 600 a minute for 12 hours).
    let mut tx = app.state.store.pool.begin().await.unwrap();
    for k in 1..=6000i64 {
        sqlx::query(
            "INSERT INTO summaries (session_id, page, seq, user_id, received_ms, body, digest, \
             content, score, similarity, band, automation, page_match, learned) \
             SELECT session_id, page, $1, user_id, received_ms + $1, body, digest, content, \
             score, similarity, band, automation, page_match, 0 FROM summaries \
             WHERE session_id = $2 AND seq = 0",
        )
        .bind(k)
        .bind(&id)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    // In the middle of the flood, one window unlike the user and one like a script.
    for (seq, column, value) in [(3000, "similarity", 0.0), (3100, "automation", 1.0)] {
        sqlx::query(&format!(
            "UPDATE summaries SET {column} = $1 WHERE session_id = $2 AND seq = $3"
        ))
        .bind(value)
        .bind(&id)
        .bind(seq as i64)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let v = app
        .call("GET", &format!("/v1/sessions/{id}"), REVIEWER, Value::Null)
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text);
    let timeline = v.body["timeline"].as_array().unwrap();
    let seqs: Vec<i64> = timeline
        .iter()
        .map(|p| p["seq"].as_i64().unwrap())
        .collect();
    assert!(seqs.len() <= 4000, "{}", seqs.len());
    assert_eq!(v.body["omitted"], 6001 - seqs.len() as i64);
    // In order: the first 1,900, the middle's most deviating windows (these two among them),
    // the last 1,900.
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(&seqs[..1900], &(0..1900).collect::<Vec<_>>()[..]);
    assert_eq!(
        &seqs[seqs.len() - 1900..],
        &(4101..=6000).collect::<Vec<_>>()[..]
    );
    assert!(
        seqs.contains(&3000) && seqs.contains(&3100),
        "the worst windows are shown"
    );
    // More windows than a reviewer can have seen: no genuine verdict teaches them.
    sqlx::query("UPDATE sessions SET status = 'open' WHERE id = $1")
        .bind(&id)
        .execute(&app.state.store.pool)
        .await
        .unwrap();
    let r = app
        .call(
            "POST",
            &format!("/v1/review/{id}"),
            REVIEWER,
            json!({"verdict": "genuine"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
}
