//! Prometheus metrics (`GET /metrics`): requests by route and status, rejections by reason,
//! summaries stored, flags raised, request latency. Each process counts its own; Prometheus
//! adds replicas up.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry, TextEncoder,
};

use crate::error::ErrorCode;

/// The server's metrics, in their own registry (tests build several apps in one process).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    rejections: IntCounterVec,
    /// Summaries stored (duplicates not counted).
    pub stored: IntCounter,
    /// Summaries that were duplicates of stored ones.
    pub duplicates: IntCounter,
    /// Flags raised, by kind.
    pub flags: IntCounterVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics(..)")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every family.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "telltale_http_requests_total",
                "HTTP requests by route and status",
            ),
            &["route", "status"],
        )
        .expect("valid metric");
        // Buckets from 1 ms to 2.5 s: a batch is stored in a few ms; the target is a
        // p99 under 50 ms, so the buckets are finest there.
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "telltale_http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["route"],
        )
        .expect("valid metric");
        let rejections = IntCounterVec::new(
            Opts::new("telltale_rejections_total", "Requests refused, by reason"),
            &["reason"],
        )
        .expect("valid metric");
        let stored = IntCounter::new("telltale_summaries_stored_total", "Summaries stored")
            .expect("valid metric");
        let duplicates = IntCounter::new(
            "telltale_summaries_duplicate_total",
            "Summaries received again (stored once)",
        )
        .expect("valid metric");
        let flags = IntCounterVec::new(
            Opts::new(
                "telltale_flags_raised_total",
                "Session flags raised, by kind",
            ),
            &["flag"],
        )
        .expect("valid metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(rejections.clone()),
            Box::new(stored.clone()),
            Box::new(duplicates.clone()),
            Box::new(flags.clone()),
        ] {
            registry.register(c).expect("registered once");
        }
        Metrics {
            registry,
            requests,
            latency,
            rejections,
            stored,
            duplicates,
            flags,
        }
    }

    /// Counts an answer made before routing (a request head over the limits, `crate::app`):
    /// its status under the route `head`, its error code as a rejection.
    pub fn refused_head(&self, res: &Response) {
        self.requests
            .with_label_values(&["head", res.status().as_str()])
            .inc();
        if let Some(ErrorCode(code)) = res.extensions().get::<ErrorCode>() {
            self.rejections.with_label_values(&[code]).inc();
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding");
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Middleware: counts and times every request by its route pattern (never its path: ids stay
/// out of the labels).
pub async fn track(State(m): State<Metrics>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "static".to_owned());
    let started = Instant::now();
    let res = next.run(req).await;
    let secs = started.elapsed().as_secs_f64();
    m.latency.with_label_values(&[&route]).observe(secs);
    m.requests
        .with_label_values(&[&route, res.status().as_str()])
        .inc();
    if let Some(ErrorCode(code)) = res.extensions().get::<ErrorCode>() {
        m.rejections.with_label_values(&[code]).inc();
    }
    res
}
