//! Serving connections: `axum::serve`'s accept loop and graceful shutdown, with the limits it does
//! not set. Without them a client that connects and sends nothing, or sends a request's head a
//! line at a time, or stalls in its body, held its connection for good, and a few thousand such
//! connections took every file descriptor: `/healthz` no longer answered (a probe of the server
//! did exactly that). A per-client limit (connections per address, requests per second) is a
//! reverse proxy's job; these keep one server up on its own.

use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// `--max-connections`' default: under the 1,024 file descriptors a process is given by default
/// (the soft limit of systemd services and most shells), with room for the database's
/// connections and the static files.
pub const DEFAULT_CONNECTIONS: u32 = 1000;

/// Headers hyper parses in a request head; past them it answers 431 itself, with no body.
/// 256, four times [`crate::MAX_HEADERS`], so that a head over the application's limit but
/// within this one is answered by the application, with a reason (hyper's default is 100).
/// Set at all, hyper keeps a request's header slots on the heap rather than the stack: an
/// allocation per request, small beside the JSON parsing and the database write of an API
/// request.
pub const HYPER_MAX_HEADERS: usize = 256;

/// Limits on each connection.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A request's head (request line and headers) must arrive within this, counted from when
    /// the server waits for it: hyper's own slow-header defence (its default, 30 s, is inert
    /// without a timer, as `axum::serve` leaves it). So a client that connects and sends
    /// nothing, or drips its head, is cut after it, and so is a kept-alive connection idle that
    /// long after an answer (the browser opens another for its next request). 10 s: a browser
    /// sends its head in one packet.
    pub header: Duration,
    /// A connection is closed once it has lasted this long, after the request under way: a
    /// backstop for a client that keeps one busy (HTTP/1.1 clients open a new connection for
    /// the next request, so a collector or dashboard notices nothing). 60 s: four of the
    /// collector's 15 s windows.
    pub max_age: Duration,
    /// After `max_age` (or a shutdown), a request still under way gets this long to finish
    /// before the connection is dropped. Requests themselves end in 30 s (`crate::app`'s
    /// timeout), so this only cuts a client that will not read its answer.
    pub drain: Duration,
    /// Connections open at once; beyond them, new ones wait in the listen backlog
    /// (`--max-connections`, see `crate::config`).
    pub connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header: Duration::from_secs(10),
            max_age: Duration::from_secs(60),
            drain: Duration::from_secs(30),
            connections: DEFAULT_CONNECTIONS as usize,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves; then accepts nothing more, lets the
/// requests under way finish (each connection for at most `limits.drain`) and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.connections));
    // Dropped at shutdown: every connection sees its receiver closed.
    let (stop_tx, stop_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // wait a moment rather than spin (as axum's own listener does).
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(
            router
                .clone()
                .map_request(|req: Request<Incoming>| req.map(axum::body::Body::new)),
        );
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            // HTTP/1.1 only, as `axum::serve`'s default build: the collector, a beacon and the
            // dashboard speak nothing else to it (a proxy in front may speak HTTP/2 to browsers).
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header)
                .max_headers(HYPER_MAX_HEADERS);
            let mut conn = pin!(builder
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades());
            tokio::select! {
                _ = conn.as_mut() => return drop(permit),
                _ = tokio::time::sleep(limits.max_age) => {}
                _ = stop.changed() => {}
            }
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(limits.drain, conn).await;
            drop(permit);
        });
    }
    drop(stop_tx);
    drop(listener);
    // Every permit back: every connection closed.
    let _ = permits
        .acquire_many(u32::try_from(limits.connections).unwrap_or(u32::MAX))
        .await;
    Ok(())
}
