//! `telltale-load`: a load generator for telltale-server, on loopback (`npm run bench:server`).
//!
//! It builds a pool of summary templates once from real recordings ([`data`]: SapiMouse pointer
//! sessions with CMU keystroke repetitions, through telltale-core's windower), opens sessions
//! through `POST /v1/sessions` with the portal key, then for `--seconds` has `--concurrency`
//! workers post batches of `--batch` summaries to `POST /v1/summaries` as a collector does
//! (`application/json`, `Authorization: Bearer <token>`). Each simulated session is one page: its
//! summaries are the templates of its user's source with the session's token, a page id of its
//! own and seq 0, 1, 2..., their times shifted so that no two sessions send the same behaviour
//! (the server flags a repeat as a replay).
//!
//! At the end it prints summaries/s, requests/s, p50 and p99 latency, errors by status, and
//! checks that the summaries the server acknowledged (the sum of `accepted`) are the summaries it
//! stored: the rows added to the `summaries` table (`--sqlite` / `--database-url`) and the
//! server's `telltale_summaries_stored_total` counter (`GET /metrics`). Exit status 1 when they
//! differ (or nothing was acknowledged, or the run could not start), 2 when they agree but a
//! target (`--target-summaries-per-s`, `--target-p99-ms`) is missed.

mod data;

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use serde::Deserialize;
use telltale_core::Summary;

/// The command line.
#[derive(Debug, Parser)]
#[command(
    name = "telltale-load",
    about = "Load generator for telltale-server (loopback only)",
    // A flag given again replaces the earlier value: the driver script sets defaults that
    // `npm run bench:server -- --flag value` can override.
    args_override_self = true
)]
struct Args {
    /// The server's base URL (loopback only: the bench refuses any other host). The default is
    /// the server's own default address (docs/server.md).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// The portal key (opens the sessions).
    #[arg(long, env = "TELLTALE_PORTAL_KEY", hide_env_values = true)]
    portal_key: String,
    /// Seconds of load (30: the run length).
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Summaries per request. 10: a collector's backlog after a short outage; the collector
    /// itself usually sends 1-3.
    #[arg(long, default_value_t = 10)]
    batch: usize,
    /// Simulated sessions (one page each). 2000: at 5,000 summaries/s each sends 150 a minute,
    /// a quarter of the server's default limit of 600 per session per minute.
    #[arg(long, default_value_t = 2000)]
    sessions: usize,
    /// Users the sessions belong to (round robin). 200: ten sessions per user, so profiles are
    /// shared and their optimistic updates meet, as with a team of agents on shifts.
    #[arg(long, default_value_t = 200)]
    users: usize,
    /// Workers, each with one request in flight. 32: at 5,000 summaries/s in batches of 10 each
    /// worker sends every 64 ms, so the open loop keeps its schedule while a request takes up to
    /// that. In a closed loop, more workers than the server needs only add queueing: here 4
    /// already reached its throughput (p50 7.5 ms), 32 the same throughput at p50 112 ms.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Offered load in summaries/s (open loop: requests leave on a schedule and latency counts
    /// from the scheduled time, so a server that falls behind is charged for the backlog). 0:
    /// closed loop, each worker sends as soon as its last answer came (the server's capacity).
    #[arg(long, default_value_t = 0.0)]
    rate: f64,
    /// The server's per-session limit (`--max-summaries-per-minute`): the generator keeps each
    /// session under it, so a 429 means the server's count and ours disagree.
    #[arg(long, default_value_t = 600)]
    max_per_minute: usize,
    /// Threads of the generator's runtime. 1: on a 2-core machine the generator should leave
    /// the server at least one core; one thread posts several thousand requests a second.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// The shared data sets (CMU keystrokes, SapiMouse).
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// The server's SQLite file, opened read-only to count stored summaries.
    #[arg(long, conflicts_with = "database_url")]
    sqlite: Option<PathBuf>,
    /// The server's PostgreSQL URL, to count stored summaries.
    #[arg(long)]
    database_url: Option<String>,
    /// Seconds to wait for the server's `GET /healthz` to answer 200 before starting (a server
    /// just launched is still opening its database).
    #[arg(long, default_value_t = 0)]
    wait: u64,
    /// Name printed with the figures (`sqlite`, `postgres`).
    #[arg(long, default_value = "server")]
    label: String,
    /// Target throughput: below it the run FAILs (exit status 2).
    #[arg(long)]
    target_summaries_per_s: Option<f64>,
    /// Target p99 latency in ms: at or above it the run FAILs (exit status 2).
    #[arg(long)]
    target_p99_ms: Option<f64>,
}

/// Longest wait for one answer. 10 s: far beyond any target, short enough that a stuck server
/// ends the run in bounded time (an unanswered request is counted as a `timeout` error).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the generator keeps a send in its per-session count: the server's minute plus a
/// second, since the server stamps a summary when it stores it, up to a latency after we sent it.
const RATE_WINDOW: Duration = Duration::from_secs(61);
/// Templates are shifted per session by this much times the session's number (ms), and per pass
/// through the source by a stride above every session's shift: so no two sessions, and no two
/// passes of one session, send the same behaviour. A second between sessions' page loads.
const SESSION_SHIFT_MS: f64 = 1_000.0;

/// A simulated session: its token, page, next seq and recent sends.
struct Sim {
    token: String,
    page: String,
    source: usize,
    shift_ms: f64,
    next: u64,
    sent: VecDeque<(Instant, usize)>,
}

/// What a worker saw.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u64>,
    accepted: u64,
    duplicates: u64,
    ok: u64,
    errors: BTreeMap<String, u64>,
    first_error: Option<String>,
    held_back: u64,
}

impl Tally {
    fn merge(&mut self, o: Tally) {
        self.latencies_us.extend(o.latencies_us);
        self.accepted += o.accepted;
        self.duplicates += o.duplicates;
        self.ok += o.ok;
        for (k, v) in o.errors {
            *self.errors.entry(k).or_default() += v;
        }
        if self.first_error.is_none() {
            self.first_error = o.first_error;
        }
        self.held_back += o.held_back;
    }

    fn error(&mut self, kind: String, detail: String) {
        *self.errors.entry(kind).or_default() += 1;
        self.first_error.get_or_insert(detail);
    }
}

/// `POST /v1/summaries`' answer (the scores are not read).
#[derive(Deserialize)]
struct Ack {
    accepted: u64,
    duplicates: u64,
}

/// `POST /v1/sessions`' answer.
#[derive(Deserialize)]
struct Created {
    token: String,
}

/// Everything the workers share.
struct Shared {
    args: Args,
    client: reqwest::Client,
    sources: Vec<data::Source>,
    /// Above every session's shift: the stride of a session's passes through its source.
    pass_stride_ms: f64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("telltale-load: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(args)) {
        Ok(Verdict {
            consistent: false, ..
        }) => ExitCode::FAILURE,
        Ok(Verdict {
            target_met: Some(false),
            ..
        }) => ExitCode::from(2),
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("telltale-load: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Only loopback: a load test sends nothing off this machine.
fn check_loopback(server: &str) -> Result<(), String> {
    let rest = server
        .strip_prefix("http://")
        .ok_or("--server must be an http:// URL")?;
    let host = rest.split('/').next().unwrap_or_default();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let loopback =
        host == "localhost" || std::net::IpAddr::from_str(host).is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(format!(
            "--server {server}: only loopback addresses (127.0.0.0/8, [::1], localhost)"
        ))
    }
}

/// How a run ended.
struct Verdict {
    /// Something was acknowledged, and acknowledged equals stored wherever it was counted.
    consistent: bool,
    /// Whether the targets were met (`None`: no target given).
    target_met: Option<bool>,
}

async fn run(args: Args) -> Result<Verdict, String> {
    check_loopback(&args.server)?;
    if args.batch == 0 || args.sessions == 0 || args.users == 0 || args.concurrency == 0 {
        return Err("--batch, --sessions, --users and --concurrency must be at least 1".into());
    }
    if args.batch > args.max_per_minute {
        return Err("--batch is above --max-summaries-per-minute".into());
    }
    let server = args.server.trim_end_matches('/').to_owned();

    let t = Instant::now();
    let sources = data::load(&args.data, 0)?;
    let templates: usize = sources.iter().map(|s| s.summaries.len()).sum();
    let mean_bytes = sources
        .iter()
        .flat_map(|s| &s.summaries)
        .map(|s| serde_json::to_string(s).map_or(0, |j| j.len()))
        .sum::<usize>()
        / templates.max(1);
    println!(
        "telltale-load: {templates} summary templates from {} sources (SapiMouse + CMU), {mean_bytes} bytes of JSON on average, built in {:.1} s",
        sources.len(),
        t.elapsed().as_secs_f64()
    );
    let max_span = sources.iter().map(|s| s.span_ms).fold(0.0, f64::max);
    let pass_stride_ms = max_span + SESSION_SHIFT_MS * (args.sessions as f64 + 1.0);

    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(args.concurrency)
        .build()
        .map_err(|e| e.to_string())?;

    wait_healthy(&client, &server, Duration::from_secs(args.wait)).await?;

    // Counts before the load: the database may hold earlier runs' summaries.
    let db = match (&args.sqlite, &args.database_url) {
        (Some(path), _) => Some(format!("sqlite://{}?mode=ro", path.display())),
        (None, Some(url)) => Some(url.clone()),
        (None, None) => None,
    };
    let db_pool = match &db {
        Some(url) => {
            sqlx::any::install_default_drivers();
            Some(
                sqlx::any::AnyPoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await
                    .map_err(|e| format!("connecting to the database to count: {e}"))?,
            )
        }
        None => None,
    };
    let db_before = match &db_pool {
        Some(p) => Some(count_rows(p).await?),
        None => None,
    };
    let metrics_before = stored_metric(&client, &server).await?;

    let shared = Arc::new(Shared {
        args,
        client,
        sources,
        pass_stride_ms,
    });
    let a = &shared.args;

    // Sessions, opened concurrently.
    let t = Instant::now();
    let run_tag = run_tag();
    let mut opening = Vec::new();
    for w in 0..a.concurrency {
        let sh = shared.clone();
        let server = server.clone();
        let run_tag = run_tag.clone();
        opening.push(tokio::spawn(async move {
            let a = &sh.args;
            let mut out = Vec::new();
            for i in (w..a.sessions).step_by(a.concurrency) {
                let user = i % a.users;
                let body = serde_json::json!({ "user": format!("bench-{run_tag}-u{user:04}") });
                let resp = sh
                    .client
                    .post(format!("{server}/v1/sessions"))
                    .bearer_auth(&a.portal_key)
                    .header("content-type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await
                    .map_err(|e| format!("POST /v1/sessions: {e}"))?;
                let status = resp.status();
                let text = resp.text().await.map_err(|e| e.to_string())?;
                if status.as_u16() != 201 {
                    // 201 Created is the API's only success here (docs/server.md).
                    return Err(format!("POST /v1/sessions: {status}: {text}"));
                }
                let c: Created = serde_json::from_str(&text)
                    .map_err(|e| format!("POST /v1/sessions answer: {e}: {text}"))?;
                out.push((
                    i,
                    Sim {
                        token: c.token,
                        page: format!("{run_tag}{i:016x}"),
                        source: user % sh.sources.len(),
                        shift_ms: SESSION_SHIFT_MS * i as f64,
                        next: 0,
                        sent: VecDeque::new(),
                    },
                ));
            }
            Ok::<_, String>(out)
        }));
    }
    let mut per_worker: Vec<Vec<Sim>> = (0..a.concurrency).map(|_| Vec::new()).collect();
    for h in opening {
        for (i, sim) in h.await.map_err(|e| e.to_string())?? {
            per_worker[i % a.concurrency].push(sim);
        }
    }
    println!(
        "telltale-load: {} sessions of {} users opened in {:.1} s",
        a.sessions,
        a.users.min(a.sessions),
        t.elapsed().as_secs_f64()
    );

    // The load.
    println!(
        "telltale-load: {}: {} s, batches of {}, {} in flight, {}",
        a.label,
        a.seconds,
        a.batch,
        a.concurrency,
        if a.rate > 0.0 {
            format!("open loop at {} summaries/s", a.rate)
        } else {
            "closed loop".to_owned()
        }
    );
    let start = Instant::now();
    let end = start + Duration::from_secs(a.seconds);
    let mut workers = Vec::new();
    for (w, sims) in per_worker.into_iter().enumerate() {
        let sh = shared.clone();
        let server = server.clone();
        workers.push(tokio::spawn(async move {
            worker(sh, server, sims, w, start, end).await
        }));
    }
    let mut tally = Tally::default();
    for h in workers {
        tally.merge(h.await.map_err(|e| e.to_string())?);
    }
    let elapsed = start.elapsed().as_secs_f64();

    // What the server stored.
    let db_after = match &db_pool {
        Some(p) => Some(count_rows(p).await?),
        None => None,
    };
    let metrics_after = stored_metric(&shared.client, &server).await?;

    Ok(report(
        a,
        &mut tally,
        elapsed,
        db_before.zip(db_after).map(|(b, a)| a - b),
        metrics_before.zip(metrics_after).map(|(b, a)| a - b),
    ))
}

/// Prints the figures and the verdict.
fn report(
    a: &Args,
    tally: &mut Tally,
    elapsed: f64,
    db_stored: Option<i64>,
    metric_stored: Option<i64>,
) -> Verdict {
    tally.latencies_us.sort_unstable();
    let pct = |p: f64| -> f64 {
        let v = &tally.latencies_us;
        if v.is_empty() {
            return f64::NAN;
        }
        // Nearest rank: the smallest latency with at least p of the requests at or below it.
        let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v[rank - 1] as f64 / 1000.0
    };
    let (p50, p99) = (pct(0.50), pct(0.99));
    let max = tally
        .latencies_us
        .last()
        .map_or(f64::NAN, |&m| m as f64 / 1000.0);
    let errors: u64 = tally.errors.values().sum();
    let sps = tally.accepted as f64 / elapsed;
    let rps = tally.ok as f64 / elapsed;
    let l = &a.label;
    if a.rate > 0.0 {
        println!("{l}: summaries/s   {sps:.0} (offered {:.0})", a.rate);
    } else {
        println!("{l}: summaries/s   {sps:.0}");
    }
    println!("{l}: requests/s    {rps:.0}");
    println!(
        "{l}: latency ms    p50 {p50:.1}  p99 {p99:.1}  max {max:.1}  ({} requests)",
        tally.latencies_us.len()
    );
    if errors == 0 {
        println!("{l}: errors        0");
    } else {
        let by: Vec<String> = tally
            .errors
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        println!("{l}: errors        {errors} ({})", by.join(", "));
        if let Some(e) = &tally.first_error {
            println!("{l}: first error   {e}");
        }
    }
    if tally.held_back > 0 {
        println!(
            "{l}: note          {} times every session of a worker was at the per-session limit: more --sessions would offer more load",
            tally.held_back
        );
    }
    if tally.duplicates > 0 {
        println!(
            "{l}: duplicates    {} (none expected: every id is new)",
            tally.duplicates
        );
    }
    let mut ok = true;
    let mut stored = Vec::new();
    for (what, n) in [("database rows", db_stored), ("metrics", metric_stored)] {
        if let Some(n) = n {
            stored.push(format!("{n} ({what})"));
            ok &= n == tally.accepted as i64;
        }
    }
    if stored.is_empty() {
        println!(
            "{l}: acknowledged  {} (stored: not checked: no --sqlite / --database-url and no metrics)",
            tally.accepted
        );
    } else {
        println!(
            "{l}: acknowledged  {}, stored {}: {}",
            tally.accepted,
            stored.join(", "),
            if ok { "equal" } else { "DIFFERENT" }
        );
    }
    let mut target_met = None;
    if a.target_summaries_per_s.is_some() || a.target_p99_ms.is_some() {
        let mut words = Vec::new();
        let mut met = true;
        if let Some(t) = a.target_summaries_per_s {
            words.push(format!(">= {t:.0} summaries/s"));
            met &= sps >= t;
        }
        if let Some(t) = a.target_p99_ms {
            words.push(format!("p99 < {t:.0} ms"));
            met &= p99 < t;
        }
        println!(
            "{l}: target        {}: {}",
            words.join(", "),
            if met { "PASS" } else { "FAIL" }
        );
        target_met = Some(met);
    }
    Verdict {
        consistent: ok && tally.ok > 0,
        target_met,
    }
}

/// A short tag that sets this run's user names and page ids apart from earlier runs' (the
/// clock's nanoseconds: not secret, only distinct).
fn run_tag() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:016x}", nanos as u64)
}

/// Polls `GET /healthz` until it answers 200, at most `limit` (one try when `limit` is 0).
async fn wait_healthy(
    client: &reqwest::Client,
    server: &str,
    limit: Duration,
) -> Result<(), String> {
    let until = Instant::now() + limit;
    loop {
        let last = match client.get(format!("{server}/healthz")).send().await {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) => format!("status {}", r.status()),
            Err(e) => e.to_string(),
        };
        if Instant::now() >= until {
            return Err(format!("{server}/healthz: {last}"));
        }
        // A tenth of a second between tries: a server starts in well under a second.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Rows in `summaries`.
async fn count_rows(pool: &sqlx::AnyPool) -> Result<i64, String> {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM summaries")
        .fetch_one(pool)
        .await
        .map_err(|e| format!("counting summaries: {e}"))
}

/// `telltale_summaries_stored_total` from `GET /metrics` (`None` if the server has none).
async fn stored_metric(client: &reqwest::Client, server: &str) -> Result<Option<i64>, String> {
    let resp = client
        .get(format!("{server}/metrics"))
        .send()
        .await
        .map_err(|e| format!("GET /metrics: {e}"))?;
    if !resp.status().is_success() {
        return Ok(None);
    }
    let text = resp.text().await.map_err(|e| e.to_string())?;
    Ok(text.lines().find_map(|l| {
        l.strip_prefix("telltale_summaries_stored_total ")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map(|v| v as i64)
    }))
}

/// The next batch of a session: its source's templates in order with its token, page, seq and
/// time shift.
fn batch_of(sh: &Shared, sim: &mut Sim) -> Vec<Summary> {
    let src = &sh.sources[sim.source];
    let n = src.summaries.len() as u64;
    (0..sh.args.batch)
        .map(|_| {
            let k = sim.next;
            sim.next += 1;
            let shift = sim.shift_ms + (k / n) as f64 * sh.pass_stride_ms;
            let mut s = src.summaries[(k % n) as usize].clone();
            s.session.clone_from(&sim.token);
            s.page.clone_from(&sim.page);
            s.seq = k;
            s.start_ms += shift;
            s.end_ms += shift;
            s
        })
        .collect()
}

/// One worker: its sessions in turn, one request at a time, until `end`.
/// How a request failed without an answer, as the run's error table names it.
fn failure_kind(e: &reqwest::Error) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else {
        "transport"
    }
}

async fn worker(
    sh: Arc<Shared>,
    server: String,
    mut sims: Vec<Sim>,
    w: usize,
    start: Instant,
    end: Instant,
) -> Tally {
    let a = &sh.args;
    let url = format!("{server}/v1/summaries");
    let mut tally = Tally::default();
    if sims.is_empty() {
        return tally;
    }
    // Open loop: this worker's share of the rate, its first send staggered within one interval
    // so the workers do not fire together.
    let interval = (a.rate > 0.0)
        .then(|| Duration::from_secs_f64(a.batch as f64 * a.concurrency as f64 / a.rate));
    let mut due = start + interval.map_or(Duration::ZERO, |i| i * w as u32 / a.concurrency as u32);
    let mut turn = 0;
    loop {
        if let Some(i) = interval {
            tokio::time::sleep_until(due.into()).await;
            if Instant::now() >= end {
                break;
            }
            due += i;
        } else if Instant::now() >= end {
            break;
        }
        // The next session with room under the per-session limit.
        let now = Instant::now();
        let mut pick = None;
        for k in 0..sims.len() {
            let j = (turn + k) % sims.len();
            let sim = &mut sims[j];
            while sim
                .sent
                .front()
                .is_some_and(|(t, _)| now.duration_since(*t) >= RATE_WINDOW)
            {
                sim.sent.pop_front();
            }
            let recent: usize = sim.sent.iter().map(|(_, n)| n).sum();
            if recent + a.batch <= a.max_per_minute {
                pick = Some(j);
                break;
            }
        }
        let Some(j) = pick else {
            // Every session of this worker is at its limit: wait for the oldest send to age out.
            tally.held_back += 1;
            let oldest = sims
                .iter()
                .filter_map(|s| s.sent.front().map(|(t, _)| *t))
                .min()
                .unwrap_or(now);
            let until = (oldest + RATE_WINDOW).min(end);
            tokio::time::sleep_until(until.into()).await;
            continue;
        };
        turn = j + 1;
        let batch = batch_of(&sh, &mut sims[j]);
        let body = match serde_json::to_vec(&batch) {
            Ok(b) => b,
            Err(e) => {
                tally.error("serialise".into(), e.to_string());
                continue;
            }
        };
        // Open loop: latency counts from when the request was due, so a server that falls
        // behind is charged for the wait it caused.
        let t0 = match interval {
            Some(i) => due - i,
            None => Instant::now(),
        };
        sims[j].sent.push_back((Instant::now(), a.batch));
        let resp = sh
            .client
            .post(&url)
            .bearer_auth(&sims[j].token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await;
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                tally.error(failure_kind(&e).into(), e.to_string());
                continue;
            }
        };
        let status = resp.status().as_u16();
        let text = match resp.text().await {
            Ok(t) => t,
            Err(e) => {
                tally.error(failure_kind(&e).into(), e.to_string());
                continue;
            }
        };
        let elapsed = t0.elapsed();
        if status == 202 {
            // 202 Accepted: the API's only success for a batch (docs/server.md).
            match serde_json::from_str::<Ack>(&text) {
                Ok(ack) => {
                    tally.ok += 1;
                    tally.accepted += ack.accepted;
                    tally.duplicates += ack.duplicates;
                    tally.latencies_us.push(elapsed.as_micros() as u64);
                }
                Err(e) => tally.error("bad 202 body".into(), format!("{e}: {text}")),
            }
        } else {
            // The session's next request would repeat none of this batch's ids with other
            // content, but a refused batch's seqs are skipped: the server sees a gap, as after
            // a page whose batch was lost.
            // The start of the error's JSON: its code and message fit in 300 characters.
            let snippet: String = text.chars().take(300).collect();
            tally.error(status.to_string(), format!("{status}: {snippet}"));
        }
    }
    tally
}
