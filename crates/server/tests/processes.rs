//! The server as a process: SIGKILLed in the middle of a load, restarted, and every summary it
//! had acknowledged is there; and two processes on one database under concurrent load for one
//! user, whose profile learns every summary exactly once. Each runs on SQLite, and on
//! PostgreSQL when `TELLTALE_TEST_POSTGRES` names a server (as `npm test` does).

mod common;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{fresh_database, Typist, ALICE, PORTAL, REVIEWER};
use serde_json::{json, Value};

/// A server process on a free loopback port.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &str, secret: &str, env: &[(&str, &str)]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_telltale-server"));
        cmd.args(["--listen", &format!("127.0.0.1:{port}"), "--db", db])
            .env("TELLTALE_PORTAL_KEY", PORTAL)
            .env("TELLTALE_REVIEWER_KEY", REVIEWER)
            .env("TELLTALE_TOKEN_SECRET", secret)
            .env("TELLTALE_MAX_SUMMARIES_PER_MINUTE", "100000")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("the server binary");
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while ureq::get(&format!("{base}/healthz")).call().is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "server did not start"
            );
            thread::sleep(Duration::from_millis(50));
        }
        Server { child, base }
    }

    fn kill(&mut self) {
        // SIGKILL: no shutdown, no flush; what the database had committed is all there is.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SECRET: &str = "test-secret-0123456789abcdef0123456789";

fn login(base: &str, user: &str) -> (String, String) {
    let v: Value = ureq::post(&format!("{base}/v1/sessions"))
        .set("authorization", &format!("Bearer {PORTAL}"))
        .send_json(json!({ "user": user }))
        .unwrap()
        .into_json()
        .unwrap();
    (
        v["session"].as_str().unwrap().to_owned(),
        v["token"].as_str().unwrap().to_owned(),
    )
}

/// Posts a batch: `Some(accepted)` on 202, `None` when the server did not answer.
fn post(base: &str, token: &str, batch: &[telltale_core::Summary]) -> Option<i64> {
    match ureq::post(&format!("{base}/v1/summaries"))
        .set("authorization", &format!("Bearer {token}"))
        .set("content-type", "application/json")
        .timeout(Duration::from_secs(10))
        .send_string(&serde_json::to_string(batch).unwrap())
    {
        Ok(r) => {
            assert_eq!(r.status(), 202);
            let v: Value = r.into_json().unwrap();
            Some(v["accepted"].as_i64().unwrap() + v["duplicates"].as_i64().unwrap())
        }
        Err(ureq::Error::Status(code, r)) => {
            panic!("{code}: {}", r.into_string().unwrap_or_default())
        }
        Err(_) => None,
    }
}

fn stored(base: &str, session: &str) -> BTreeSet<(String, i64)> {
    let v: Value = ureq::get(&format!("{base}/v1/sessions/{session}"))
        .set("authorization", &format!("Bearer {REVIEWER}"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["page"].as_str().unwrap().to_owned(),
                p["seq"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn nothing_acknowledged_is_lost_when_the_server_is_killed() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(fresh_database());
    let mut server = Server::start(&db, SECRET, &[]);
    let base = server.base.clone();
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for w in 0..4u64 {
        let (session, token) = login(&base, &format!("worker{w}"));
        let (base, stop, acked) = (base.clone(), stop.clone(), acked.clone());
        workers.push(thread::spawn(move || {
            let page = common::page_id();
            let typist = Typist {
                seed: 100 + w,
                ..ALICE
            };
            let summaries = typist.summaries(&token, &page, 400);
            for chunk in summaries.chunks(4) {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                match post(&base, &token, chunk) {
                    Some(n) => {
                        assert_eq!(n, chunk.len() as i64);
                        let mut a = acked.lock().unwrap();
                        a.extend(
                            chunk
                                .iter()
                                .map(|s| (session.clone(), s.page.clone(), s.seq as i64)),
                        );
                    }
                    None => break,
                }
            }
        }));
    }
    // Let the load run, then kill the server while requests are in flight.
    let started = Instant::now();
    while acked.lock().unwrap().len() < 200 && started.elapsed() < Duration::from_secs(60) {
        thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 200, "load ran: {} acknowledged", acked.len());
    let server = Server::start(&db, SECRET, &[]);
    let sessions: BTreeSet<&String> = acked.iter().map(|(s, _, _)| s).collect();
    let mut have = BTreeSet::new();
    for s in sessions {
        for (page, seq) in stored(&server.base, s) {
            have.insert((s.clone(), page, seq));
        }
    }
    let lost: Vec<_> = acked.iter().filter(|a| !have.contains(*a)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged summaries lost",
        lost.len(),
        acked.len()
    );
    println!(
        "killed under load: {} acknowledged, all stored ({} stored)",
        acked.len(),
        have.len()
    );
}

#[test]
fn two_processes_learn_every_summary_of_one_user_once() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(fresh_database());
    // Enrollment longer than the load: every summary is learned, so the profile's count of
    // windows must equal the summaries stored.
    // (200, the most `ProfileParams::check` accepts: 6 workers × 30 summaries stay under it.)
    let env = [("TELLTALE_ENROLL_WINDOWS", "200")];
    let a = Server::start(&db, SECRET, &env);
    let b = Server::start(&db, SECRET, &env);
    let bases = [a.base.clone(), b.base.clone()];
    let mut workers = Vec::new();
    for w in 0..6u64 {
        let bases = bases.clone();
        workers.push(thread::spawn(move || {
            // A token from one process works on the other: the secret is shared.
            let (_, token) = login(&bases[(w % 2) as usize], "shared-user");
            let page = common::page_id();
            let typist = Typist {
                seed: 200 + w,
                ..ALICE
            };
            let mut n = 0;
            for (i, chunk) in typist.summaries(&token, &page, 30).chunks(3).enumerate() {
                n += post(&bases[(i + w as usize) % 2], &token, chunk).expect("server up");
            }
            n
        }));
    }
    let total: i64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(total, 6 * 30);
    let user: Value = ureq::get(&format!("{}/v1/users/shared-user", bases[1]))
        .set("authorization", &format!("Bearer {REVIEWER}"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    let keys = user["enrollment"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["modality"] == "keys")
        .expect("keys modality");
    assert_eq!(keys["samples"], total, "every summary learned exactly once");
    assert_eq!(user["sessions"].as_array().unwrap().len(), 6);
    println!(
        "two processes on {}: {total} summaries, profile learned {}",
        if common::on_postgres() {
            "postgres"
        } else {
            "sqlite"
        },
        keys["samples"]
    );
}

#[test]
fn sigterm_finishes_requests_in_flight_and_exits_cleanly() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = rt.block_on(fresh_database());
    let mut server = Server::start(&db, SECRET, &[]);
    let base = server.base.clone();
    let (session, token) = login(&base, "leaving");
    let page = common::page_id();
    let batches: Vec<Vec<telltale_core::Summary>> = Typist { seed: 300, ..ALICE }
        .summaries(&token, &page, 40)
        .chunks(4)
        .map(<[_]>::to_vec)
        .collect();
    // Batches go out back to back while the server is told to stop.
    let sender = {
        let (base, token) = (base.clone(), token.clone());
        thread::spawn(move || {
            let mut acked = 0;
            for b in &batches {
                match post(&base, &token, b) {
                    Some(n) => acked += n,
                    None => break,
                }
            }
            acked
        })
    };
    thread::sleep(Duration::from_millis(30));
    let pid = server.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "a clean exit on SIGTERM: {status:?}");
    let acked = sender.join().unwrap();
    // Whatever was acknowledged before the stop is stored (the database was closed cleanly).
    let again = Server::start(&db, SECRET, &[]);
    assert_eq!(stored(&again.base, &session).len() as i64, acked);
}
