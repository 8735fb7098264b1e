//! `telltale-eval`: Telltale's detectors on public data sets, with the published protocols.
//!
//! ```text
//! telltale-eval keystroke --data DSL-StrongPasswordData.csv [--detector NAME|all] [--train 200]
//!     [--impostor-reps 5] [--timer-resolution-ms R] [--format table|json] [--plot det.svg]
//! telltale-eval pointer (--manifest FILE.csv | --sapimouse DIR) [--block-seconds 15,30,60]
//!     [--format table|json]
//! telltale-eval bots --streams FILE.ndjson [--format table|json] [--sessions]
//! ```

mod bots;
mod freetext;
mod keystroke;
mod metrics;
mod plot;
mod pointer;
mod session;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use telltale_core::FixedDetector;

/// Evaluate Telltale's detectors on public keystroke and mouse data sets.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Table,
    Json,
}

#[derive(Subcommand)]
enum Cmd {
    /// The CMU keystroke benchmark protocol (Killourhy and Maxion, DSN 2009) on a CSV in its layout.
    Keystroke {
        /// CSV: `subject, sessionIndex, rep`, then timing columns in seconds.
        #[arg(long, default_value_os_t = keystroke::default_data())]
        data: PathBuf,
        /// A detector name, `all` (every one-class detector), or `population` (Telltale's
        /// population detector only). `all` also runs the population row.
        #[arg(long, default_value = "all")]
        detector: String,
        /// Training rows per subject; a list (`5,10,20,50,100,200`) prints one row per size.
        #[arg(long, value_delimiter = ',', default_value = "200")]
        train: Vec<usize>,
        /// Impostor rows taken from each other subject.
        #[arg(long, default_value_t = 5)]
        impostor_reps: usize,
        /// Take each other subject's last `--impostor-reps` rows instead of its first: an
        /// attacker who has practised the text.
        #[arg(long)]
        practised_impostors: bool,
        /// Users evaluated (impostors and backgrounds come from the same users): all, the
        /// development half (even positions) or the held-out half (odd positions).
        #[arg(long, value_enum, default_value_t = keystroke::Users::All)]
        users: keystroke::Users,
        /// Re-time the data as a browser clock of this resolution (ms) would see it.
        #[arg(long, default_value_t = 0.0)]
        timer_resolution_ms: f64,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Draw DET curves to this SVG file.
        #[arg(long)]
        plot: Option<PathBuf>,
        /// Parameters of Telltale's detector as JSON, for sensitivity studies, e.g.
        /// '{"tau_ms":10,"min_half_life":10,"max_half_life":640,"cap_tail":0.001,"clip":3,"warmup":10}'.
        #[arg(long)]
        params: Option<String>,
    },
    /// Free-text windows on keystroke logs in the Aalto layout (`user,sentence,press_ms,
    /// release_ms,keycode`): key classes only, windowed by telltale-core's windower.
    Freetext {
        /// The CSV.
        #[arg(long, default_value_os_t = freetext::default_data())]
        data: PathBuf,
        /// Keystrokes per window.
        #[arg(long, value_delimiter = ',', default_value = "50,100,200")]
        window_keys: Vec<usize>,
        /// Keystrokes of each user's enrollment (its first ones); the rest is its test data.
        #[arg(long, default_value_t = FREETEXT_ENROLL_KEYS)]
        enroll_keys: usize,
        /// Users evaluated (impostors and backgrounds come from the same users).
        #[arg(long, value_enum, default_value_t = keystroke::Users::All)]
        users: keystroke::Users,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Whole sessions: false flags per genuine hour and time from a takeover to the flag, with
    /// the server's session decision, on free text (Aalto layout), pointer (SapiMouse) and both
    /// at once.
    Session {
        /// Free-text CSV (Aalto layout).
        #[arg(long, default_value_os_t = freetext::default_data())]
        freetext: PathBuf,
        /// SapiMouse folder.
        #[arg(long, default_value_os_t = session::default_sapimouse())]
        sapimouse: PathBuf,
        /// Keystrokes of each user's free-text enrollment.
        #[arg(long, default_value_t = FREETEXT_ENROLL_KEYS)]
        enroll_keys: usize,
        /// Users evaluated.
        #[arg(long, value_enum, default_value_t = keystroke::Users::All)]
        users: keystroke::Users,
        /// Also measure these rules (drift, review evidence and, optionally, the p-value floor)
        /// beside the core's, e.g. `1.5:10:1e-4,2:8:3e-3`: the grid behind the core's constants.
        #[arg(long, value_delimiter = ',')]
        rules: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Automation against bots that imitate people: the share of sessions (30, 60, 120 s) that
    /// reach the automation verdict, per kind, from the streams `scripts/bots/write.mjs` writes.
    Bots {
        /// The streams file (one JSON session per line).
        #[arg(long)]
        streams: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Print each session's outcome at each length (JSON lines) instead of the table.
        #[arg(long)]
        sessions: bool,
    },
    /// Pointer windows on sessions in the SapiMouse format.
    Pointer {
        /// Manifest CSV with columns `user,path,role` (role: enroll, genuine, impostor).
        #[arg(long, conflicts_with = "sapimouse")]
        manifest: Option<PathBuf>,
        /// A SapiMouse folder: builds the data README's protocol (enroll on 3 min, test on 1 min).
        #[arg(long)]
        sapimouse: Option<PathBuf>,
        /// Block lengths in seconds.
        #[arg(long, value_delimiter = ',', default_value = "15,30,60")]
        block_seconds: Vec<f64>,
        /// Users evaluated (by position in name order; impostors come from the same users).
        #[arg(long, value_enum, default_value_t = keystroke::Users::All)]
        users: keystroke::Users,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// Default enrollment of `telltale-eval freetext`, in keystrokes: see the README ("Free text").
const FREETEXT_ENROLL_KEYS: usize = 400;

/// The workspace root (where Cargo.toml of the collector is), for default data paths.
pub(crate) fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn progress(len: usize, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len as u64);
    pb.set_style(
        ProgressStyle::with_template("{msg:>28} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_owned());
    pb
}

/// One JSON object per line.
fn print_json<T: serde::Serialize>(rows: &[T]) -> Result<(), String> {
    for r in rows {
        println!("{}", serde_json::to_string(r).map_err(|e| e.to_string())?);
    }
    Ok(())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("telltale-eval: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.cmd {
        Cmd::Keystroke {
            data,
            detector,
            train,
            impostor_reps,
            practised_impostors,
            users,
            timer_resolution_ms,
            format,
            plot,
            params,
        } => {
            let telltale = match params {
                None => telltale_core::detect::TelltaleFixed::default(),
                Some(json) => {
                    serde_json::from_str::<telltale_core::detect::TelltaleFixedParams>(&json)
                        .map_err(|e| format!("--params: {e}"))?
                        .check()
                        .map_err(|e| format!("--params: {e}"))?
                }
            };
            if !(timer_resolution_ms.is_finite() && timer_resolution_ms >= 0.0) {
                return Err("--timer-resolution-ms must be a number >= 0".into());
            }
            if train.iter().any(|&t| t < 2) || impostor_reps < 1 {
                return Err("--train must be at least 2 and --impostor-reps at least 1".into());
            }
            let mut subjects = users.pick(keystroke::load(&data)?);
            keystroke::coarsen(&mut subjects, timer_resolution_ms);
            let (dets, population): (Vec<FixedDetector>, bool) = match detector.as_str() {
                "all" => (FixedDetector::ALL.to_vec(), true),
                "population" => (Vec::new(), true),
                name => (
                    vec![FixedDetector::from_name(name).ok_or_else(|| {
                        let names: Vec<&str> =
                            FixedDetector::ALL.iter().map(|d| d.name()).collect();
                        format!(
                            "unknown detector `{name}` (one of: all, population, {})",
                            names.join(", ")
                        )
                    })?],
                    false,
                ),
            };
            let runs = (dets.len() + usize::from(population)) * train.len();
            let pb = progress(runs * subjects.len(), "subjects x detectors");
            let tick = || pb.inc(1);
            let mut results = Vec::new();
            for &t in &train {
                let p = keystroke::Protocol {
                    train: t,
                    impostor_reps,
                    practised: practised_impostors,
                    telltale,
                };
                for &d in &dets {
                    results.push(keystroke::run(&subjects, p, d, timer_resolution_ms, &tick)?);
                }
                if population {
                    results.push(keystroke::run_population(
                        &subjects,
                        p,
                        timer_resolution_ms,
                        &tick,
                    )?);
                }
            }
            pb.finish_and_clear();
            let header = format!(
                "CMU protocol: {} subjects ({}), impostor reps {impostor_reps} ({}), clock {} ms",
                subjects.len(),
                match users {
                    keystroke::Users::All => "all",
                    keystroke::Users::Dev => "development half",
                    keystroke::Users::HeldOut => "held-out half",
                },
                if practised_impostors {
                    "their last: practised"
                } else {
                    "their first"
                },
                if timer_resolution_ms > 0.0 {
                    format!("{timer_resolution_ms}")
                } else {
                    "as recorded".into()
                }
            );
            match format {
                Format::Json => print_json(&results)?,
                Format::Table if train.len() > 1 => {
                    println!("{header}; mean EER by training rows per subject");
                    let names: Vec<&str> = results
                        .iter()
                        .filter(|r| r.train == train[0])
                        .map(|r| r.detector.as_str())
                        .collect();
                    print!("{:>6}", "train");
                    for n in &names {
                        print!(" {:>w$}", n, w = n.len().max(8));
                    }
                    println!();
                    for &t in &train {
                        print!("{t:>6}");
                        for n in &names {
                            let r = results.iter().find(|r| r.train == t && r.detector == *n);
                            print!(
                                " {:>w$.4}",
                                r.map_or(f64::NAN, |r| r.eer_mean),
                                w = n.len().max(8)
                            );
                        }
                        println!();
                    }
                }
                Format::Table => {
                    println!("{header}, train {}", train[0]);
                    println!(
                        "{:<24} {:>10} {:>10}  kind",
                        "detector", "EER mean", "EER sd"
                    );
                    let mut sorted: Vec<&keystroke::KeystrokeResult> = results.iter().collect();
                    sorted.sort_by(|a, b| a.eer_mean.total_cmp(&b.eer_mean));
                    for r in sorted {
                        println!(
                            "{:<24} {:>10.4} {:>10.4}  {}",
                            r.detector,
                            r.eer_mean,
                            r.eer_sd,
                            if r.population {
                                "population"
                            } else {
                                "one-class"
                            }
                        );
                    }
                }
            }
            if let Some(path) = plot {
                let curves: Vec<(String, metrics::SubjectScores)> = results
                    .iter()
                    .map(|r| {
                        let name = if train.len() > 1 {
                            format!("{} (train {})", r.detector, r.train)
                        } else {
                            r.detector.clone()
                        };
                        (name, r.scores.clone())
                    })
                    .collect();
                plot::det(&path, "DET curves, CMU keystroke benchmark", &curves)?;
                eprintln!("DET curves written to {}", path.display());
            }
            Ok(())
        }
        Cmd::Freetext {
            data,
            window_keys,
            enroll_keys,
            users,
            format,
        } => {
            if window_keys.iter().any(|&k| !(5..=5000).contains(&k)) {
                return Err("--window-keys must be 5 to 5000 keystrokes".into());
            }
            if enroll_keys < 10 {
                return Err("--enroll-keys must be at least 10".into());
            }
            let all = users.pick(freetext::load(&data)?);
            let pb = progress(all.len() * window_keys.len(), "users x window lengths");
            let tick = || pb.inc(1);
            let mut results = Vec::new();
            for &k in &window_keys {
                let p = freetext::Protocol {
                    enroll_keys,
                    window_keys: k,
                };
                results.extend(freetext::run(&all, p, &tick));
            }
            pb.finish_and_clear();
            match format {
                Format::Json => print_json(&results)?,
                Format::Table => {
                    println!(
                        "{} users in the file's half taken; enrollment: first {enroll_keys} keystrokes",
                        all.len()
                    );
                    println!(
                        "{:<32} {:>6} {:>6} {:>9} {:>8}  kind",
                        "detector", "keys", "users", "EER mean", "EER sd"
                    );
                    for r in &results {
                        println!(
                            "{:<32} {:>6} {:>6} {:>9.4} {:>8.4}  {}",
                            r.detector,
                            r.window_keys,
                            r.users,
                            r.eer_mean,
                            r.eer_sd,
                            if r.key_identity {
                                "reference: key identity"
                            } else if r.population {
                                "population"
                            } else {
                                "one-class"
                            }
                        );
                    }
                }
            }
            Ok(())
        }
        Cmd::Session {
            freetext,
            sapimouse,
            enroll_keys,
            users,
            rules,
            format,
        } => {
            let mut all = vec![session::Rule::CORE];
            for r in &rules {
                let parts: Vec<&str> = r.split(':').collect();
                let (d, e, f) = match parts[..] {
                    [d, e] => (d, e, None),
                    [d, e, f] => (d, e, Some(f)),
                    _ => return Err(format!("--rules: `{r}` is not DRIFT:EVIDENCE[:P_FLOOR]")),
                };
                let parse = |v: &str| {
                    v.parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite() && *x > 0.0)
                        .ok_or_else(|| format!("--rules: `{r}`: positive numbers"))
                };
                all.push(session::Rule {
                    drift: parse(d)?,
                    review: parse(e)?,
                    p_floor: f
                        .map(parse)
                        .transpose()?
                        .unwrap_or(session::Rule::CORE.p_floor),
                });
            }
            let results = session::run(&freetext, &sapimouse, users, enroll_keys, &all)?;
            match format {
                Format::Json => print_json(&results)?,
                Format::Table => {
                    let opt = |v: Option<f64>| v.map_or("never".to_owned(), |x| format!("{x:.0}"));
                    let keys_opt = |r: &session::SessionResult, v| {
                        if r.modality != "pointer" {
                            opt(v)
                        } else {
                            "-".to_owned()
                        }
                    };
                    println!(
                        "{:<8} {:>5} {:>6} {:>6} {:>5} {:>7} {:>8} {:>7} {:>8} {:>6} {:>7} {:>7} {:>7} {:>7}",
                        "modality", "drift", "review", "users", "hours", "flags", "per 8 h", "chained", "per 8 h",
                        "takeov", "flagged", "keys50", "keys90", "s50/s90"
                    );
                    eprintln!("(genuine windows under similarity 5 / 1, impostor windows under 5 / 1 / 0.01, per row below)");
                    for r in &results {
                        println!(
                            "{:<8} {:>5} {:>6} {:>6} {:>5.1} {:>7} {:>8.2} {:>7} {:>8.2} {:>6} {:>6.1}% {:>7} {:>7} {:>3}/{}",
                            r.modality,
                            r.rule.drift,
                            r.rule.review,
                            r.users,
                            r.genuine_hours,
                            r.false_flags,
                            8.0 * r.false_flags_per_hour,
                            r.chained_false_flags,
                            8.0 * r.chained_false_flags as f64 / r.genuine_hours.max(1e-9),
                            r.takeovers,
                            100.0 * r.takeovers_flagged,
                            keys_opt(r, r.keys_to_flag_median),
                            keys_opt(r, r.keys_to_flag_p90),
                            opt(r.seconds_to_flag_median),
                            opt(r.seconds_to_flag_p90),
                        );
                        eprintln!(
                            "    genuine {:.3} {:.3}; impostor {:.3} {:.3} {:.3}; p floor {}",
                            r.genuine_below[0],
                            r.genuine_below[1],
                            r.impostor_below[0],
                            r.impostor_below[1],
                            r.impostor_below[2],
                            r.rule.p_floor
                        );
                        eprintln!(
                            "    takeovers flagged at the impostor's window 1 / 2 / 3: {:.1}% {:.1}% {:.1}%; within {} s: {:.1}% (second window ended by then: {:.1}%)",
                            100.0 * r.flagged_at_window[0],
                            100.0 * r.flagged_at_window[1],
                            100.0 * r.flagged_at_window[2],
                            session::AIM_SECONDS,
                            100.0 * r.flagged_within_aim,
                            100.0 * r.second_window_within_aim,
                        );
                    }
                }
            }
            Ok(())
        }
        Cmd::Bots {
            streams,
            format,
            sessions,
        } => {
            let streams = bots::load(&streams)?;
            if sessions {
                return print_json(&bots::outcomes(&streams)?);
            }
            let rows = bots::run(&streams)?;
            let (compared, others, own) = bots::false_replays(&streams)?;
            match format {
                Format::Json => print_json(&rows)?,
                Format::Table => {
                    println!(
                        "{:<14} {:<5} {:>4} {:>8} {:>10} {:>9}  signals (windows)",
                        "kind", "users", "s", "sessions", "automated", "replayed"
                    );
                    for r in &rows {
                        let sig: Vec<String> =
                            r.signals.iter().map(|(k, v)| format!("{k} {v}")).collect();
                        println!(
                            "{:<14} {:<5} {:>4} {:>8} {:>9.1}% {:>9}  {}",
                            r.kind,
                            r.group,
                            r.seconds,
                            r.sessions,
                            100.0 * r.automated as f64 / r.sessions.max(1) as f64,
                            r.replayed.map_or("-".to_owned(), |n| format!(
                                "{:.1}%",
                                100.0 * n as f64 / r.sessions.max(1) as f64
                            )),
                            sig.join(", ")
                        );
                    }
                    println!(
                        "replay memory: of {compared} human sessions (120 s), {others} share a window's fingerprint with another person's session, {own} with another session of the same person"
                    );
                }
            }
            Ok(())
        }
        Cmd::Pointer {
            manifest,
            sapimouse,
            block_seconds,
            users,
            format,
        } => {
            if block_seconds.iter().any(|b| !(b.is_finite() && *b > 0.0)) {
                return Err("--block-seconds must be positive numbers".into());
            }
            let plan = match (manifest, sapimouse) {
                (Some(m), _) => pointer::load_manifest(&m)?,
                (None, Some(d)) => pointer::sapimouse_plan(&d)?,
                (None, None) => pointer::sapimouse_plan(&pointer::default_sapimouse())?,
            }
            .pick(users);
            let pb = progress(
                plan.users.len() * block_seconds.len(),
                "users x block lengths",
            );
            let tick = || pb.inc(1);
            let mut results = Vec::new();
            for &b in &block_seconds {
                results.extend(pointer::run(&plan, b, &tick)?);
            }
            pb.finish_and_clear();
            match format {
                Format::Json => print_json(&results)?,
                Format::Table => {
                    println!("{} users", plan.users.len());
                    println!(
                        "{:<28} {:>7} {:>9} {:>8} {:>9} {:>8}  kind",
                        "detector", "block s", "AUC mean", "AUC sd", "EER mean", "EER sd"
                    );
                    for r in &results {
                        println!(
                            "{:<28} {:>7} {:>9.4} {:>8.4} {:>9.4} {:>8.4}  {}",
                            r.detector,
                            r.block_seconds,
                            r.auc_mean,
                            r.auc_sd,
                            r.eer_mean,
                            r.eer_sd,
                            if r.population {
                                "population"
                            } else {
                                "one-class"
                            }
                        );
                    }
                }
            }
            Ok(())
        }
    }
}
