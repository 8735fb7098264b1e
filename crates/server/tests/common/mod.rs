//! Shared by the server's tests: a fresh database per test (SQLite file, or a new PostgreSQL
//! database when `TELLTALE_TEST_POSTGRES` names a server), the app, requests through
//! `oneshot`, and typists that make real summaries through telltale-core's windower.

#![allow(dead_code, missing_docs)]

use std::sync::atomic::{AtomicU32, Ordering};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use telltale_core::event::{KeyClass, KeyEvent};
use telltale_core::{InputEvent, Summary, WindowConfig, Windower};
use telltale_server::config::Settings;
use telltale_server::AppState;
use tower::ServiceExt;

pub const PORTAL: &str = "portal-key-0123456789";
pub const REVIEWER: &str = "reviewer-key-0123456789";

static N: AtomicU32 = AtomicU32::new(0);

/// A database URL no other test uses.
pub async fn fresh_database() -> String {
    let n = N.fetch_add(1, Ordering::SeqCst);
    let tag = format!(
        "{}_{}_{n}",
        std::process::id(),
        telltale_server::token::random_hex(4)
    );
    match std::env::var("TELLTALE_TEST_POSTGRES") {
        Ok(admin) if !admin.is_empty() => {
            use sqlx::Executor;
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&admin)
                .await
                .expect("admin connection");
            pool.execute(format!("CREATE DATABASE t_{tag}").as_str())
                .await
                .expect("create database");
            pool.close().await;
            let (base, _) = admin.rsplit_once('/').expect("a URL with a database");
            format!("{base}/t_{tag}")
        }
        _ => {
            let dir = std::env::temp_dir().join("telltale-server-tests");
            std::fs::create_dir_all(&dir).unwrap();
            dir.join(format!("t_{tag}.db")).display().to_string()
        }
    }
}

pub fn on_postgres() -> bool {
    std::env::var("TELLTALE_TEST_POSTGRES").is_ok_and(|v| !v.is_empty())
}

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
}

pub async fn app_with(settings: Settings) -> TestApp {
    let db = fresh_database().await;
    let state = AppState::new(&db, Some(4), settings, None)
        .await
        .expect("app state");
    let router = telltale_server::app(state.clone(), None, None);
    TestApp { state, router }
}

pub async fn app() -> TestApp {
    app_with(Settings::for_tests()).await
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl TestApp {
    pub async fn request(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: impl Into<Body>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = self
            .router
            .clone()
            .oneshot(req.body(body.into()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    /// A reviewer's verdict (`impostor`, …) on a session, without a note.
    pub async fn verdict(&self, session: &str, verdict: &str) -> Answer {
        let uri = format!("/v1/review/{session}");
        let body = serde_json::json!({ "verdict": verdict });
        self.call("POST", &uri, REVIEWER, body).await
    }

    /// A JSON call with a bearer credential.
    pub async fn call(&self, method: &str, uri: &str, bearer: &str, body: Value) -> Answer {
        let auth = format!("Bearer {bearer}");
        let text = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        self.request(
            method,
            uri,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            text,
        )
        .await
    }

    /// Opens a session: (session id, token).
    pub async fn login(&self, user: &str) -> (String, String) {
        let a = self
            .call(
                "POST",
                "/v1/sessions",
                PORTAL,
                serde_json::json!({ "user": user }),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        (
            a.body["session"].as_str().unwrap().to_owned(),
            a.body["token"].as_str().unwrap().to_owned(),
        )
    }

    /// Posts summaries as `fetch` does.
    pub async fn post(&self, token: &str, batch: &[Summary]) -> Answer {
        self.post_text(token, serde_json::to_string(batch).unwrap())
            .await
    }

    /// Posts a body of summaries as `fetch` does, whatever it holds.
    pub async fn post_text(&self, token: &str, body: String) -> Answer {
        self.request(
            "POST",
            "/v1/summaries",
            &[
                ("authorization", &format!("Bearer {token}")),
                ("content-type", "application/json"),
            ],
            body,
        )
        .await
    }

    pub async fn count(&self, table: &str) -> i64 {
        self.state.store.count(table).await.unwrap()
    }

    /// Rows of every table, to show that a refused request stored nothing.
    pub async fn rows(&self) -> [i64; 4] {
        [
            self.count("sessions").await,
            self.count("summaries").await,
            self.count("profiles").await,
            self.count("handed").await,
        ]
    }
}

/// A typist with a rhythm of their own: mean hold and gap in ms, and a deterministic jitter.
#[derive(Clone, Copy, Debug)]
pub struct Typist {
    pub hold_ms: f64,
    pub gap_ms: f64,
    pub seed: u64,
}

pub const ALICE: Typist = Typist {
    hold_ms: 95.0,
    gap_ms: 170.0,
    seed: 1,
};
pub const MALLORY: Typist = Typist {
    hold_ms: 150.0,
    gap_ms: 330.0,
    seed: 2,
};

impl Typist {
    /// `windows` summaries of free typing (100 presses each) under `token` and `page`.
    pub fn summaries(&self, token: &str, page: &str, windows: usize) -> Vec<Summary> {
        let mut w = Windower::new(WindowConfig::default(), token, page);
        let mut rng = self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = || {
            // xorshift64*: a deterministic jitter in 0..1.
            rng ^= rng >> 12;
            rng ^= rng << 25;
            rng ^= rng >> 27;
            (rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
        };
        let classes = [
            KeyClass::LetterLeft,
            KeyClass::LetterRight,
            KeyClass::LetterLeft,
            KeyClass::Space,
            KeyClass::LetterRight,
        ];
        let mut out = Vec::new();
        let mut t = 1_000.0;
        let mut press = 0u32;
        while out.len() < windows {
            let class = classes[(press as usize) % classes.len()];
            let hold = self.hold_ms * (0.7 + 0.6 * next());
            for (down, at) in [(true, t), (false, t + hold)] {
                if let Some(s) = w.push(InputEvent::Key(KeyEvent {
                    t: at,
                    down,
                    class,
                    press,
                    trusted: true,
                })) {
                    out.push(s);
                }
            }
            press += 1;
            t += self.gap_ms * (0.6 + 0.8 * next());
        }
        out.truncate(windows);
        out
    }
}

/// A page id (32 hex digits, as the collector draws).
pub fn page_id() -> String {
    telltale_server::token::random_hex(16)
}

/// Enrolls `user` with ALICE's rhythm (the test settings enroll after 10 windows): returns the
/// session's (id, token) and the page used.
pub async fn enrolled(app: &TestApp, user: &str) -> (String, String) {
    let (id, token) = app.login(user).await;
    let page = page_id();
    let batch = ALICE.summaries(&token, &page, 14);
    let a = app.post(&token, &batch).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text);
    (id, token)
}
