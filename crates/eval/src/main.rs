//! `telltale-eval`: Telltale's detectors on public data sets, with the published protocols.
//!
//! ```text
//! telltale-eval keystroke --data DSL-StrongPasswordData.csv [--detector NAME|all] [--train 200]
//!     [--impostor-reps 5] [--timer-resolution-ms R] [--format table|json] [--plot det.svg]
//! telltale-eval pointer (--manifest FILE.csv | --sapimouse DIR) [--block-seconds 15,30,60]
//!     [--format table|json]
//! ```

mod keystroke;
mod metrics;
mod plot;
mod pointer;

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
        /// '{"tau_ms":10,"min_half_life":10,"max_half_life":640,"cap":3,"clip":3,"warmup":10}'.
        #[arg(long)]
        params: Option<String>,
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
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

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
        Cmd::Pointer {
            manifest,
            sapimouse,
            block_seconds,
            format,
        } => {
            if block_seconds.iter().any(|b| !(b.is_finite() && *b > 0.0)) {
                return Err("--block-seconds must be positive numbers".into());
            }
            let plan = match (manifest, sapimouse) {
                (Some(m), _) => pointer::load_manifest(&m)?,
                (None, Some(d)) => pointer::sapimouse_plan(&d)?,
                (None, None) => pointer::sapimouse_plan(&pointer::default_sapimouse())?,
            };
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
