//! The bad-input suite: malformed requests, each answered with its 4xx and a message a client
//! can act on, the server still up, and nothing stored (every table's rows counted before and
//! after each request).

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};

/// One malformed request.
struct Case {
    name: &'static str,
    method: &'static str,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    status: StatusCode,
}

/// What a case needs to build its request.
struct Ctx {
    token: String,
    other: String,
    expired: String,
    revoked: String,
    base: Value,
}

impl Ctx {
    fn json_auth(&self) -> Vec<(String, String)> {
        vec![
            ("authorization".into(), format!("Bearer {}", self.token)),
            ("content-type".into(), "application/json".into()),
        ]
    }

    /// A batch of the base summary changed by `f`, posted with the session's header.
    fn summary(&self, name: &'static str, f: impl FnOnce(&mut Value)) -> Case {
        let mut v = self.base.clone();
        f(&mut v);
        self.raw(name, format!("[{v}]").into_bytes(), StatusCode::BAD_REQUEST)
    }

    fn raw(&self, name: &'static str, body: Vec<u8>, status: StatusCode) -> Case {
        Case {
            name,
            method: "POST",
            uri: "/v1/summaries".into(),
            headers: self.json_auth(),
            body,
            status,
        }
    }

    fn with_auth(&self, name: &'static str, auth: &str, body: Value, status: StatusCode) -> Case {
        Case {
            name,
            method: "POST",
            uri: "/v1/summaries".into(),
            headers: vec![
                ("authorization".into(), auth.into()),
                ("content-type".into(), "application/json".into()),
            ],
            body: body.to_string().into_bytes(),
            status,
        }
    }

    fn api(
        &self,
        name: &'static str,
        method: &'static str,
        uri: &str,
        key: &str,
        body: &str,
        status: StatusCode,
    ) -> Case {
        Case {
            name,
            method,
            uri: uri.into(),
            headers: vec![
                ("authorization".into(), format!("Bearer {key}")),
                ("content-type".into(), "application/json".into()),
            ],
            body: body.as_bytes().to_vec(),
            status,
        }
    }
}

fn cases(c: &Ctx) -> Vec<Case> {
    use StatusCode as S;
    let bad = S::BAD_REQUEST;
    let batch = |v: Value| json!([v]);
    let mut other_session = c.base.clone();
    other_session["session"] = json!(c.other);
    let mut a = c.base.clone();
    a["seq"] = json!(40);
    let mut b = a.clone();
    b["faults"] = json!(3);
    let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
    let many = format!("[{}]", vec!["1"; 20_000].join(","));
    let small = format!("[{}]", vec!["{}"; 300].join(","));
    vec![
        // The body as a whole.
        c.raw("empty body", vec![], bad),
        c.raw("truncated JSON", br#"[{"schema":2,"session":"#.to_vec(), bad),
        c.raw("an object, not an array", b"{}".to_vec(), bad),
        c.raw("an empty batch", b"[]".to_vec(), bad),
        c.raw("an array of numbers", b"[1,2]".to_vec(), bad),
        c.raw("null", b"null".to_vec(), bad),
        c.raw("a string", br#""hello""#.to_vec(), bad),
        c.raw("invalid UTF-8", vec![b'[', 0xff, 0xfe, b']'], bad),
        c.raw("text after the batch", format!("[{}] x", c.base).into_bytes(), bad),
        c.raw("deep nesting", deep.into_bytes(), bad),
        c.raw("a huge array of numbers", many.into_bytes(), bad),
        c.raw("300 empty objects", small.into_bytes(), bad),
        c.raw("NaN", c.base.to_string().replacen("\"start_ms\":", "\"start_ms\":NaN,\"x\":", 1).into_bytes(), bad),
        c.raw("Infinity", c.base.to_string().replacen("\"start_ms\":", "\"start_ms\":Infinity,\"x\":", 1).into_bytes(), bad),
        c.raw("a number beyond f64", c.base.to_string().replacen("\"start_ms\":", "\"start_ms\":1e999,\"x\":", 1).into_bytes(), bad),
        c.raw("the body over 64 KiB", vec![b' '; 70_000], S::PAYLOAD_TOO_LARGE),
        // Fields of a summary.
        c.summary("negative start", |v| v["start_ms"] = json!(-5.0)),
        c.summary("end before start", |v| v["end_ms"] = json!(0.5)),
        c.summary("negative seq", |v| v["seq"] = json!(-1)),
        c.summary("seq beyond 2^53", |v| v["seq"] = json!(1u64 << 60)),
        c.summary("seq as a string", |v| v["seq"] = json!("3")),
        c.summary("seq as a fraction", |v| v["seq"] = json!(1.5)),
        c.summary("schema 1", |v| v["schema"] = json!(1)),
        c.summary("schema 3", |v| v["schema"] = json!(3)),
        c.summary("schema missing", |v| {
            v.as_object_mut().unwrap().remove("schema");
        }),
        c.summary("an unknown field", |v| v["keystrokes"] = json!("abc")),
        c.summary("an unknown field in counts", |v| v["counts"]["keys_typed"] = json!(1)),
        c.summary("an unknown field in keys", |v| v["keys"]["text"] = json!("hello")),
        c.summary("an empty token", |v| v["session"] = json!("")),
        c.summary("a token with a space", |v| v["session"] = json!("a b")),
        c.summary("an oversized token", |v| v["session"] = json!("t".repeat(600))),
        c.summary("a short page id", |v| v["page"] = json!("abc")),
        c.summary("a page id with markup", |v| v["page"] = json!("<script>alert(1)</script>")),
        c.summary("an oversized page id", |v| v["page"] = json!("p".repeat(100))),
        c.summary("negative event count", |v| v["counts"]["events"] = json!(-1)),
        c.summary("more untrusted than events", |v| v["counts"]["untrusted"] = json!(1_000_000)),
        c.summary("counts as an array", |v| v["counts"] = json!([1, 2])),
        c.summary("automation over 1", |v| v["automation"]["score"] = json!(2.0)),
        c.summary("automation negative", |v| v["automation"]["score"] = json!(-0.5)),
        c.summary("a signal's strength over 1", |v| {
            v["automation"]["signals"] = json!([{"kind": "webdriver", "strength": 5.0}])
        }),
        c.summary("an unknown signal", |v| {
            v["automation"]["signals"] = json!([{"kind": "telepathy", "strength": 0.1}])
        }),
        c.summary("a key window of two keys", |v| v["keys"]["keys"] = json!(2)),
        c.summary("a negative typing speed", |v| v["keys"]["speed_kpm"] = json!(-10.0)),
        c.summary("a correction rate over 1", |v| v["keys"]["correction_rate"] = json!(1.5)),
        c.summary("a bucket of two events", |v| v["keys"]["holds"][0]["hold"]["n"] = json!(2)),
        c.summary("a negative spread", |v| v["keys"]["holds"][0]["hold"]["sd"] = json!(-1.0)),
        c.summary("inverted quartiles", |v| {
            v["keys"]["holds"][0]["hold"]["q25"] = json!(500.0)
        }),
        c.summary("an unknown key class", |v| v["keys"]["holds"][0]["class"] = json!("letter_q")),
        c.summary("a hold quartile of 1e200", |v| v["keys"]["holds"][0]["hold"]["q75"] = json!(1e200)),
        c.summary("a typing speed of 1e300", |v| v["keys"]["speed_kpm"] = json!(1e300)),
        c.summary("a key class twice", |v| {
            let h = v["keys"]["holds"][0].clone();
            v["keys"]["holds"].as_array_mut().unwrap().push(h);
        }),
        c.summary("17 fixed-text entries", |v| {
            let e = v["fixed"][0].clone();
            v["fixed"] = Value::Array(vec![e; 17]);
        }),
        c.summary("a fixed field name with a space", |v| v["fixed"][0]["field"] = json!("employee id")),
        c.summary("fixed timings of length 2", |v| v["fixed"][0]["timings"] = json!([1.0, 2.0])),
        c.summary("a fixed timing of 11 days", |v| v["fixed"][0]["timings"][0] = json!(1e9)),
        c.summary("an edited entry with timings", |v| v["fixed"][0]["edited"] = json!(true)),
        c.summary("a similarity of 150", |v| {
            v["score"] = json!({"similarity": 150.0, "band": "allow", "automation": 0.0, "reasons": [], "model_version": telltale_core::MODEL_VERSION})
        }),
        c.summary("a model name with a space", |v| {
            v["score"] = json!({"similarity": 50.0, "band": "allow", "automation": 0.0, "reasons": [], "model_version": "other 9"})
        }),
        c.summary("an empty model name", |v| {
            v["score"] = json!({"similarity": 50.0, "band": "allow", "automation": 0.0, "reasons": [], "model_version": ""})
        }),
        c.summary("a model name of 33 characters", |v| {
            v["score"] = json!({"similarity": 50.0, "band": "allow", "automation": 0.0, "reasons": [], "model_version": "m".repeat(33)})
        }),
        c.summary("an unknown band", |v| {
            v["score"] = json!({"similarity": 50.0, "band": "maybe", "automation": 0.0, "reasons": [], "model_version": telltale_core::MODEL_VERSION})
        }),
        c.summary("twenty reasons", |v| {
            v["score"] = json!({"similarity": 50.0, "band": "allow", "automation": 0.0, "reasons": vec!["r"; 20], "model_version": telltale_core::MODEL_VERSION})
        }),
        c.summary("negative faults", |v| v["faults"] = json!(-2)),
        c.summary("faults as a fraction", |v| v["faults"] = json!(0.5)),
        // What no collector measures (`Summary::check`).
        c.summary("negative hold times", |v| {
            v["keys"]["holds"][0]["hold"] = json!({"n": 40, "mean": -500.0, "sd": 50.0, "q25": -600.0, "q50": -500.0, "q75": -400.0})
        }),
        c.summary("a down-down time of a pause", |v| v["keys"]["pairs"][0]["dd"]["q75"] = json!(2500.0)),
        c.summary("a pause median under 2 s", |v| {
            v["keys"]["pauses"] = json!(5);
            v["keys"]["pause_median_ms"] = json!(-1e6);
        }),
        c.summary("more presses than a window holds", |v| v["keys"]["keys"] = json!(u32::MAX)),
        c.summary("more holds than presses", |v| v["keys"]["holds"][0]["hold"]["n"] = json!(100_000)),
        c.summary("a burst of more presses than the window's", |v| v["keys"]["burst_mean_keys"] = json!(1e6)),
        c.raw("a summary as an array of its values", {
            let values: Vec<Value> = c.base.as_object().unwrap().values().cloned().collect();
            json!([values]).to_string().into_bytes()
        }, bad),
        // Tokens and sessions.
        c.raw("two sessions in one batch", json!([c.base, other_session]).to_string().into_bytes(), S::FORBIDDEN),
        c.with_auth("the header's token is another user's", &format!("Bearer {}", c.other), batch(c.base.clone()), S::FORBIDDEN),
        c.with_auth("a malformed header token", "Bearer abc", batch(c.base.clone()), S::UNAUTHORIZED),
        c.with_auth("a Basic credential", "Basic dXNlcjpwYXNz", batch(c.base.clone()), S::UNAUTHORIZED),
        c.with_auth("an expired token", &format!("Bearer {}", c.expired), batch(c.base.clone()), S::UNAUTHORIZED),
        c.with_auth("a revoked token", &format!("Bearer {}", c.revoked), batch(c.base.clone()), S::UNAUTHORIZED),
        c.with_auth("a forged token", "Bearer tt1.00000000000000000000000000000000.99999999999999.AAAA", batch(c.base.clone()), S::UNAUTHORIZED),
        Case {
            name: "a beacon with a forged token inside",
            method: "POST",
            uri: "/v1/summaries".into(),
            headers: vec![("content-type".into(), "text/plain".into())],
            body: {
                let mut v = c.base.clone();
                v["session"] = json!("tt1.00000000000000000000000000000000.99999999999999.AAAA");
                json!([v]).to_string().into_bytes()
            },
            status: S::UNAUTHORIZED,
        },
        Case {
            name: "no content type",
            method: "POST",
            uri: "/v1/summaries".into(),
            headers: vec![("authorization".into(), format!("Bearer {}", c.token))],
            body: json!([c.base]).to_string().into_bytes(),
            status: S::UNSUPPORTED_MEDIA_TYPE,
        },
        Case {
            name: "text/html",
            method: "POST",
            uri: "/v1/summaries".into(),
            headers: vec![("content-type".into(), "text/html".into())],
            body: json!([c.base]).to_string().into_bytes(),
            status: S::UNSUPPORTED_MEDIA_TYPE,
        },
        c.raw("one id twice with different content", json!([a, b]).to_string().into_bytes(), S::CONFLICT),
        // The other routes' bodies and parameters.
        c.api("a session without a user", "POST", "/v1/sessions", PORTAL, "{}", bad),
        c.api("a user id of 200 characters", "POST", "/v1/sessions", PORTAL, &json!({"user": "u".repeat(200)}).to_string(), bad),
        c.api("a user id as a number", "POST", "/v1/sessions", PORTAL, r#"{"user": 7}"#, bad),
        c.api("a user id of two dots", "POST", "/v1/sessions", PORTAL, r#"{"user": ".."}"#, bad),
        c.api("an unknown field in a new session", "POST", "/v1/sessions", PORTAL, r#"{"user": "u", "admin": true}"#, bad),
        c.api("a session from the reviewer key", "POST", "/v1/sessions", REVIEWER, r#"{"user": "u"}"#, S::FORBIDDEN),
        c.api("an unknown verdict", "POST", "/v1/review/00000000000000000000000000000000", REVIEWER, r#"{"verdict": "maybe"}"#, bad),
        c.api("a note of 3000 characters", "POST", "/v1/review/00000000000000000000000000000000", REVIEWER, &json!({"verdict": "genuine", "note": "n".repeat(3000)}).to_string(), bad),
        c.api("a verdict on an unknown session", "POST", "/v1/review/00000000000000000000000000000000", REVIEWER, r#"{"verdict": "impostor"}"#, S::NOT_FOUND),
        c.api("a queue of an unknown status", "GET", "/v1/review?status=weird", REVIEWER, "", bad),
        c.api("an unknown session", "GET", "/v1/sessions/nope", REVIEWER, "", S::NOT_FOUND),
        c.api("a user id with a space", "GET", "/v1/users/a%20b", REVIEWER, "", bad),
        c.api("the queue with the portal key", "GET", "/v1/review", PORTAL, "", S::FORBIDDEN),
        c.api("the profile with a reviewer key", "GET", "/v1/profile", REVIEWER, "", S::UNAUTHORIZED),
        c.api("a demo login with broken JSON", "POST", "/demo/login", "x", "{", bad),
        c.api("a new session as an array", "POST", "/v1/sessions", PORTAL, r#"["u"]"#, bad),
        c.api("a verdict as an array", "POST", "/v1/review/00000000000000000000000000000000", REVIEWER, r#"["impostor"]"#, bad),
        c.api("a demo login as an array", "POST", "/demo/login", "x", r#"["E1001", "telltale-demo"]"#, bad),
    ]
}

#[tokio::test]
async fn every_malformed_request_gets_its_4xx_and_stores_nothing() {
    let app = app().await;
    let (_, token) = app.login("alice").await;
    let (_, other) = app.login("bob").await;
    let (rid, revoked) = app.login("alice").await;
    app.call(
        "DELETE",
        &format!("/v1/sessions/{rid}"),
        PORTAL,
        Value::Null,
    )
    .await;
    let (eid, _) = app.login("alice").await;
    let expired = app.state.signer.make(&eid, 1_000);
    let mut base = serde_json::to_value(&ALICE.summaries(&token, &page_id(), 1)[0]).unwrap();
    base["fixed"] = json!([{"field": "employee_id", "edited": false,
        "timings": [90.0, 210.0, 120.0, 85.0, 190.0, 105.0, 99.0]}]);
    // The base itself is valid: stored once here, so that every case below starts from it.
    let ok = app
        .request(
            "POST",
            "/v1/summaries",
            &[
                ("authorization", &format!("Bearer {token}")),
                ("content-type", "application/json"),
            ],
            json!([base]).to_string(),
        )
        .await;
    assert_eq!(ok.status, StatusCode::ACCEPTED, "{}", ok.text);
    base["seq"] = json!(1);
    let ctx = Ctx {
        token,
        other,
        expired,
        revoked,
        base,
    };
    let cases = cases(&ctx);
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let rows = app.rows().await;
    let mut failures = Vec::new();
    for case in &cases {
        let headers: Vec<(&str, &str)> = case
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let a = app
            .request(case.method, &case.uri, &headers, case.body.clone())
            .await;
        let message = a.body["message"].as_str().unwrap_or("");
        if a.status != case.status || message.len() < 8 || a.body["error"].as_str().is_none() {
            failures.push(format!("{}: {} {}", case.name, a.status, a.text));
        }
        if app.rows().await != rows {
            failures.push(format!("{}: stored something", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Still up, and a valid request still works.
    assert_eq!(
        app.request("GET", "/healthz", &[], "").await.status,
        StatusCode::OK
    );
    let later = app
        .post(&ctx.token, &ALICE.summaries(&ctx.token, &page_id(), 1))
        .await;
    assert_eq!(later.status, StatusCode::ACCEPTED);
    println!(
        "{} malformed requests, each refused with its 4xx",
        cases.len()
    );
}

#[tokio::test]
async fn refusals_name_the_field() {
    let app = app().await;
    let (_, token) = app.login("alice").await;
    let mut v = serde_json::to_value(ALICE.summaries(&token, &page_id(), 2)).unwrap();
    v[1]["keys"]["holds"][0]["hold"]["mean"] = json!("slow");
    let a = app.post_text(&token, v.to_string()).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.body["field"], "[1].keys.holds[0].hold.mean", "{}", a.text);
    // The core's checks name their field too.
    let mut v = serde_json::to_value(ALICE.summaries(&token, &page_id(), 2)).unwrap();
    v[1]["keys"]["holds"][0]["hold"]["sd"] = json!(-1.0);
    let a = app.post_text(&token, v.to_string()).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.body["field"], "[1].keys.holds[0].hold", "{}", a.text);
    assert!(
        a.body["message"]
            .as_str()
            .is_some_and(|m| m.contains("inconsistent quartiles or negative spread")),
        "{}",
        a.text
    );
    // JSON that ends early: the field is where it ended, as far as it is known.
    let a = app
        .post_text(&token, r#"[{"schema": 2, "keys": {"keys": 4"#.into())
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.body["field"], "[0]", "{}", a.text);
    let a = app
        .request(
            "POST",
            "/v1/sessions",
            &[
                ("authorization", &format!("Bearer {PORTAL}")),
                ("content-type", "application/json"),
            ],
            r#"{"user": "bob""#,
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.body.get("field").is_none_or(Value::is_null), "{}", a.text);
    assert_eq!(
        app.count("summaries").await,
        0,
        "nothing of the batch is stored"
    );
}
