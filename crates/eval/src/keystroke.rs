//! The CMU keystroke benchmark protocol (Killourhy and Maxion, DSN 2009), on any CSV in its layout.

use std::path::Path;

use rayon::prelude::*;
use telltale_core::detect::{PopulationModel, TelltaleFixed, TelltaleFixedModel};
use telltale_core::{Detector, FixedDetector, Model};

use crate::metrics::{eer, halves, mean_sd};

/// One subject's rows, in file order.
pub struct Subject {
    /// Subject id.
    pub id: String,
    /// Timing vectors in ms.
    pub rows: Vec<Vec<f64>>,
}

/// Reads a CSV in the CMU layout: `subject, sessionIndex, rep`, then timings in seconds.
/// Subjects keep their order of first appearance; times become ms.
pub fn load(path: &Path) -> Result<Vec<Subject>, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let headers = rdr.headers().map_err(|e| e.to_string())?.clone();
    if headers.len() < 4 {
        return Err(format!(
            "{}: expected `subject, sessionIndex, rep` and timing columns",
            path.display()
        ));
    }
    let mut subjects: Vec<Subject> = Vec::new();
    for (line, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
        let id = rec.get(0).unwrap_or_default().to_owned();
        let row = rec
            .iter()
            .skip(3)
            .map(|v| v.parse::<f64>().map(|s| s * 1000.0))
            .collect::<Result<Vec<f64>, _>>()
            .map_err(|e| format!("{} row {}: {e}", path.display(), line + 2))?;
        if row.len() != headers.len() - 3 || row.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "{} row {}: bad timing values",
                path.display(),
                line + 2
            ));
        }
        match subjects.last_mut() {
            Some(s) if s.id == id => s.rows.push(row),
            _ => match subjects.iter_mut().find(|s| s.id == id) {
                Some(s) => s.rows.push(row),
                None => subjects.push(Subject {
                    id,
                    rows: vec![row],
                }),
            },
        }
    }
    Ok(subjects)
}

/// Re-times every row as a browser clock of resolution `r` ms would have seen it: the key events'
/// times are rebuilt from the row (when it is in the H, DD, UD layout), floored to multiples of
/// `r` with a clock phase that differs per row, and the row recomputed. Other layouts have each
/// value rounded to `r`.
pub fn coarsen(subjects: &mut [Subject], r: f64) {
    if r <= 0.0 {
        return;
    }
    let mut k: u64 = 0;
    for s in subjects.iter_mut() {
        for row in s.rows.iter_mut() {
            // Golden-ratio sequence: evenly spread clock phases, reproducible run to run.
            k += 1;
            let phase = ((k as f64) * 0.618_033_988_749_895).fract() * r;
            let q = |t: f64| ((t + phase) / r).floor() * r;
            if row.len() % 3 == 1 {
                let n = row.len().div_ceil(3);
                let mut presses = Vec::with_capacity(n);
                let mut down = 0.0;
                for i in 0..n {
                    if i > 0 {
                        down += row[3 * i - 2];
                    }
                    presses.push((q(down), q(down + row[3 * i])));
                }
                *row = telltale_core::features::timing_vector(&presses);
            } else {
                for v in row.iter_mut() {
                    *v = (*v / r).round() * r;
                }
            }
        }
    }
}

/// The protocol's knobs.
#[derive(Debug, Clone, Copy)]
pub struct Protocol {
    /// Training rows per subject.
    pub train: usize,
    /// Impostor rows taken from each other subject.
    pub impostor_reps: usize,
    /// Take each other subject's *last* `impostor_reps` rows instead of its first: an attacker
    /// who has practised the text.
    pub practised: bool,
    /// Parameters of Telltale's detector (its defaults unless given).
    pub telltale: TelltaleFixed,
}

fn fit(
    det: FixedDetector,
    p: Protocol,
    train: &[Vec<f64>],
) -> Result<telltale_core::detect::BoxedModel, String> {
    match det {
        FixedDetector::Telltale => p
            .telltale
            .fit(train)
            .map(|m| Box::new(m) as telltale_core::detect::BoxedModel),
        other => other.fit(train),
    }
    .map_err(|e| e.to_string())
}

/// Result of one detector.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeystrokeResult {
    /// Detector name (`-population` for population rows).
    pub detector: String,
    /// Mean EER over subjects.
    pub eer_mean: f64,
    /// Standard deviation of the EER over subjects.
    pub eer_sd: f64,
    /// Subjects evaluated.
    pub subjects: usize,
    /// Whether the detector learned from other users' enrollment data.
    pub population: bool,
    /// Clock resolution applied, ms (0 = as recorded).
    pub timer_resolution_ms: f64,
    /// Training rows per subject.
    pub train: usize,
    /// Impostors took their last rows (practised) instead of their first.
    pub practised_impostors: bool,
    /// Per-subject genuine and impostor scores, for DET curves (not printed).
    #[serde(skip)]
    pub scores: crate::metrics::SubjectScores,
}

fn finish(
    detector: String,
    population: bool,
    res: f64,
    p: Protocol,
    scores: crate::metrics::SubjectScores,
) -> KeystrokeResult {
    let eers: Vec<f64> = scores.iter().map(|(g, i)| eer(g, i)).collect();
    let (m, sd) = mean_sd(&eers);
    KeystrokeResult {
        detector,
        eer_mean: m,
        eer_sd: sd,
        subjects: eers.len(),
        population,
        timer_resolution_ms: res,
        train: p.train,
        practised_impostors: p.practised,
        scores,
    }
}

fn check(subjects: &[Subject], p: Protocol) -> Result<(), String> {
    for s in subjects {
        if s.rows.len() <= p.train || s.rows.len() < p.impostor_reps {
            return Err(format!(
                "subject {} has {} rows: needs more than --train {} and at least --impostor-reps {}",
                s.id,
                s.rows.len(),
                p.train,
                p.impostor_reps
            ));
        }
    }
    if subjects.len() < 2 {
        return Err("need at least two subjects".into());
    }
    Ok(())
}

/// The impostor rows of subject `o` under the protocol: its first `impostor_reps` rows, or its
/// last with `practised`.
fn impostor_rows(o: &Subject, p: Protocol) -> &[Vec<f64>] {
    let k = p.impostor_reps.min(o.rows.len());
    if p.practised {
        &o.rows[o.rows.len() - k..]
    } else {
        &o.rows[..k]
    }
}

/// Which users an evaluation takes: every one, the development half (tune on it) or the
/// held-out half (report it beside). Halves alternate in the data set's order of users, so both
/// draw from the whole recording period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Users {
    /// Every user.
    All,
    /// Users at even positions (0, 2, …): constants are tuned on these.
    Dev,
    /// Users at odd positions: never looked at while tuning.
    HeldOut,
}

impl Users {
    /// Whether the user at position `i` (in the data set's order) is taken.
    pub fn takes(self, i: usize) -> bool {
        match self {
            Users::All => true,
            Users::Dev => i % 2 == 0,
            Users::HeldOut => i % 2 == 1,
        }
    }

    /// The users taken, in order.
    pub fn pick<T>(self, v: Vec<T>) -> Vec<T> {
        v.into_iter()
            .enumerate()
            .filter(|(i, _)| self.takes(*i))
            .map(|(_, x)| x)
            .collect()
    }
}

/// Runs one one-class detector under the protocol.
pub fn run(
    subjects: &[Subject],
    p: Protocol,
    det: FixedDetector,
    res: f64,
    tick: &(dyn Fn() + Sync),
) -> Result<KeystrokeResult, String> {
    check(subjects, p)?;
    let scores = subjects
        .par_iter()
        .enumerate()
        .map(|(u, s)| {
            let model = fit(det, p, &s.rows[..p.train])?;
            let genuine = s.rows[p.train..].iter().map(|x| model.score(x)).collect();
            let impostor = subjects
                .iter()
                .enumerate()
                .filter(|(o, _)| *o != u)
                .flat_map(|(_, o)| impostor_rows(o, p))
                .map(|x| model.score(x))
                .collect();
            tick();
            Ok((genuine, impostor))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(finish(det.name().to_owned(), false, res, p, scores))
}

/// Runs Telltale's population detector: for each user the other subjects are split into two
/// disjoint halves; one half's enrollment rows are the background while the other half provides
/// the impostors, then the halves swap. No impostor is ever in its target's background.
pub fn run_population(
    subjects: &[Subject],
    p: Protocol,
    res: f64,
    tick: &(dyn Fn() + Sync),
) -> Result<KeystrokeResult, String> {
    check(subjects, p)?;
    let fixed = p.telltale;
    // Each subject's enrollment profile, fitted once.
    let profiles: Vec<TelltaleFixedModel> = subjects
        .par_iter()
        .map(|s| fixed.fit(&s.rows[..p.train]).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let scores = subjects
        .par_iter()
        .enumerate()
        .map(|(u, s)| {
            let others: Vec<usize> = (0..subjects.len()).filter(|&o| o != u).collect();
            let halves = halves(&others);
            let mut genuine = vec![0.0; s.rows.len() - p.train];
            let mut impostor = Vec::new();
            for h in 0..2 {
                let background: Vec<&TelltaleFixedModel> =
                    halves[h].iter().map(|&o| &profiles[o]).collect();
                let model = PopulationModel::new(&profiles[u], &background);
                for (g, x) in genuine.iter_mut().zip(&s.rows[p.train..]) {
                    *g += model.score(x) / 2.0;
                }
                for &o in &halves[1 - h] {
                    impostor.extend(
                        impostor_rows(&subjects[o], p)
                            .iter()
                            .map(|x| model.score(x)),
                    );
                }
            }
            tick();
            (genuine, impostor)
        })
        .collect();
    Ok(finish("telltale-population".into(), true, res, p, scores))
}

/// Finds the CMU data set where the README says it is, relative to the project root.
pub fn default_data() -> std::path::PathBuf {
    crate::project_root().join("../shared/data/keystroke/DSL-StrongPasswordData.csv")
}
