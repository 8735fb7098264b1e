//! The connection loop's limits (`telltale_server::serve`), on a real socket with short limits:
//! a client that sends nothing, or a request's head a line at a time, loses its connection at the
//! header timeout (well before the connection's age limit); at the connection cap a new client
//! waits for a free one; a shutdown closes an open connection and returns; a request head over
//! the limits gets a 414 or 431 with a reason, the server still up.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use common::app;
use telltale_server::serve::{serve, Limits};

const LIMITS: Limits = Limits {
    header: Duration::from_millis(500),
    max_age: Duration::from_secs(2),
    drain: Duration::from_secs(1),
    connections: 2,
};

/// Starts the loop on a free port; the sender ends it.
async fn start(
    limits: Limits,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = app().await.router;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        serve(listener, router, limits, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (addr, tx, task)
}

/// Ends the loop and waits for it to return.
async fn shut(stop: tokio::sync::oneshot::Sender<()>, task: tokio::task::JoinHandle<()>) {
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the loop returns after a shutdown")
        .unwrap();
}

/// Runs `f`, a client's blocking socket work, against a server with [`LIMITS`], then shuts the
/// server down.
async fn against_server(f: impl FnOnce(SocketAddr) + Send + 'static) {
    let (addr, stop, task) = start(LIMITS).await;
    tokio::task::spawn_blocking(move || f(addr)).await.unwrap();
    shut(stop, task).await;
}

/// Seconds until the server closes `s` (reading until end of stream), at most `limit`.
fn closed_after(mut s: TcpStream, limit: Duration) -> Option<f64> {
    let t = Instant::now();
    s.set_read_timeout(Some(limit)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return Some(t.elapsed().as_secs_f64()),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
}

/// Sends `head` (ending in an empty line) and reads the answer until the server closes.
fn exchange(addr: SocketAddr, head: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

fn healthz(addr: SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_silent_clients_lose_their_connections() {
    against_server(|addr| {
        // Connected, nothing sent: closed at the connection's age limit.
        let silent = TcpStream::connect(addr).unwrap();
        // A head a line at a time, one line every 100 ms: closed at the header timeout.
        let mut slow = TcpStream::connect(addr).unwrap();
        let t = Instant::now();
        slow.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
        let dripping = std::thread::spawn(move || {
            let mut probe = slow.try_clone().unwrap();
            probe
                .set_read_timeout(Some(Duration::from_millis(100)))
                .unwrap();
            let mut buf = [0u8; 256];
            while t.elapsed() < Duration::from_secs(5) {
                // End of stream, or a reset: the server closed it.
                match probe.read(&mut buf) {
                    Ok(0) => return t.elapsed().as_secs_f64(),
                    Err(e)
                        if e.kind() != std::io::ErrorKind::WouldBlock
                            && e.kind() != std::io::ErrorKind::TimedOut =>
                    {
                        return t.elapsed().as_secs_f64()
                    }
                    _ => {}
                }
                if slow.write_all(b"X-A: b\r\n").is_err() {
                    return t.elapsed().as_secs_f64();
                }
            }
            f64::INFINITY
        });
        let silent_closed = closed_after(silent, Duration::from_secs(10)).expect("closed");
        // The header timeout (0.5 s), not the age limit (2 s).
        assert!(silent_closed < 1.5, "{silent_closed}");
        let dripping_closed = dripping.join().unwrap();
        assert!(dripping_closed < 1.5, "{dripping_closed}");
        // Both slots are free again: a request is answered.
        assert!(healthz(addr).starts_with("HTTP/1.1 200"), "answered");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_connection_cap_a_new_client_waits_for_a_free_slot() {
    // Idle connections that hold their slots for 3 s (the header timeout).
    let (addr, stop, task) = start(Limits {
        header: Duration::from_secs(3),
        max_age: Duration::from_secs(5),
        ..LIMITS
    })
    .await;
    tokio::task::spawn_blocking(move || {
        // Two idle connections take both slots until the header timeout (3 s).
        let held = [
            TcpStream::connect(addr).unwrap(),
            TcpStream::connect(addr).unwrap(),
        ];
        std::thread::sleep(Duration::from_millis(200));
        let t = Instant::now();
        let answer = healthz(addr);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let waited = t.elapsed().as_secs_f64();
        assert!(
            waited > 1.0,
            "answered after {waited} s: the cap did not hold"
        );
        drop(held);
    })
    .await
    .unwrap();
    shut(stop, task).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_closes_an_open_connection_and_returns() {
    let (addr, stop, task) = start(LIMITS).await;
    let held = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        // Half a head: the connection is open and waiting for the rest.
        s.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
        s
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let t = Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(3), task)
        .await
        .expect("the loop returns after a shutdown")
        .unwrap();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    let closed = tokio::task::spawn_blocking(move || closed_after(held, Duration::from_secs(2)))
        .await
        .unwrap();
    assert!(closed.is_some(), "the connection was closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_head_is_answered_with_its_reason() {
    against_server(|addr| {
        let get = |target: &str, headers: &str| {
            exchange(
                addr,
                &format!("GET {target} HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n"),
            )
        };
        // A URI over 8 KiB (and under hyper's own limit); more headers than the application
        // reads, and more than hyper's default of 100; headers of 40 KiB in all.
        let long = format!("/healthz?{}", "a".repeat(20_000));
        let many: String = (0..150).map(|i| format!("X-H{i}: v\r\n")).collect();
        let big = format!("Cookie: {}\r\n", "c".repeat(40_000));
        for (target, headers, status, code, words) in [
            (long.as_str(), "", "414", "uri_too_long", "at most 8192"),
            (
                "/healthz",
                &many,
                "431",
                "headers_too_large",
                "at most 64 headers",
            ),
            ("/healthz", &big, "431", "headers_too_large", "32768 bytes"),
        ] {
            let out = get(target, headers);
            assert!(out.starts_with(&format!("HTTP/1.1 {status}")), "{out}");
            assert!(out.contains("application/json"), "{out}");
            assert!(out.contains(&format!("\"error\":\"{code}\"")), "{out}");
            assert!(out.contains(words), "{out}");
        }
        // Within the limits, and the server still up.
        let fine = format!("/healthz?{}", "a".repeat(4_000));
        let cookie = format!("Cookie: {}\r\n", "c".repeat(4_000));
        let out = get(&fine, &cookie);
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        assert!(healthz(addr).starts_with("HTTP/1.1 200"));
        // Counted: the refusals by their codes, under the route `head`.
        let metrics = get("/metrics", "");
        for line in [
            "telltale_rejections_total{reason=\"uri_too_long\"} 1",
            "telltale_rejections_total{reason=\"headers_too_large\"} 2",
            "telltale_http_requests_total{route=\"head\",status=\"431\"} 2",
        ] {
            assert!(metrics.contains(line), "{line} in {metrics}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_not_delivered_whole_is_a_400_not_a_size() {
    against_server(|addr| {
        let post = |body: &str| {
            exchange(
                addr,
                &format!(
                    "POST /v1/summaries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{body}"
                ),
            )
        };
        // A chunk size that is no number: the body cannot be read, whatever its size.
        let out = post("ZZ\r\n[]\r\n0\r\n\r\n");
        assert!(out.starts_with("HTTP/1.1 400"), "{out}");
        assert!(out.contains("the body could not be read"), "{out}");
        // Chunks over the 64 KiB limit: a 413.
        let chunk = "a".repeat(40_000);
        let out = post(&format!("9c40\r\n{chunk}\r\n9c40\r\n{chunk}\r\n0\r\n\r\n"));
        assert!(out.starts_with("HTTP/1.1 413"), "{out}");
        assert!(out.contains("\"error\":\"too_large\""), "{out}");
        assert!(healthz(addr).starts_with("HTTP/1.1 200"));
    })
    .await;
}
