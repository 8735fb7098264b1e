//! The scorer: what scoring reads of a profile, and nothing else. docs/design.md's "one scorer": a
//! [`Profile`] scores a summary by compiling its [`Scorer`] ([`Profile::scorer`]) and asking it,
//! and the browser scores with the same [`Scorer`], handed to it packed
//! ([`crate::pack`]). So a score made in the page and the server's re-score run the same code on
//! the same numbers.
//!
//! Why the browser is not handed the profile itself: a profile is a learning state (per
//! fixed-text field a ladder of seven ageing statistics per timing, the prequential record that
//! picks one, parameters, modalities still enrolling), and scoring reads a fraction of it: per
//! timing or feature of each *enrolled and calibrated* modality a mean and a spread, and the
//! calibration's mean and spread, and for window features the words reasons use. Compiling first
//! means the browser downloads and holds only that (two numbers per timing of a fixed-text field
//! where the profile has 28: seven rungs of four), reads a flatter record with less code (the
//! collector's profile reader and its parameter checks were 3.7 KB of its gzipped WebAssembly,
//! the scorer's is 2.8 KB; see the README's size figures), and computes nothing it would throw
//! away. A modality with no similarity yet decides nothing in a [`Score`] (it is left out of the
//! combination), so it is not in the scorer at all.

use crate::prelude::*;

use crate::detect::{deviations, is_scored, mean_capped_square, z_scores, Deviation};
use crate::event::PointerKind;
use crate::features::{stats::order_by_magnitude, Feature, FeatureId, FixedSample};
use crate::map::SortedMap;
use crate::math;
use crate::score::{normal_sf, Band, Score, MODEL_VERSION, SCORE_FLOOR};
use crate::summary::Summary;
use crate::text::{cat, fixed_point, uint};

/// Reasons listed per score: enough to explain, few enough to read.
const MAX_REASONS: usize = 3;

/// A reference value in comparison units: a mean and a spread (already floored, so positive).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Norm {
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub sd: f64,
}

/// A window feature's reference: [`Norm`] and the degrees of freedom of its spread.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FeatureNorm {
    /// Mean.
    pub mean: f64,
    /// Standard deviation (floored).
    pub sd: f64,
    /// Degrees of freedom of the variance estimate (for the Student-t surprise).
    pub dof: f64,
    /// The profile's usual count of events behind the feature (an ageing mean), or 0 when it
    /// has none ([`crate::Feature::events`]).
    pub events: f64,
}

impl Norm {
    /// As a calibration ([`crate::score::Calibration`] compiled: the mean and floored spread of
    /// the logs of the user's own anomaly scores), the similarity 0-100 of an anomaly score: the
    /// share of the user's own scores above it under a log-normal fit: 0 for an infinite score
    /// (nothing is further from the user), `None` for one that is not a number.
    pub fn similarity(&self, score: f64) -> Option<f64> {
        if score.is_nan() {
            return None;
        }
        if score == f64::INFINITY {
            return Some(0.0);
        }
        let z = (math::ln(score.max(SCORE_FLOOR)) - self.mean) / self.sd;
        Some((100.0 * normal_sf(z)).clamp(0.0, 100.0))
    }
}

/// A fixed-text field's scorer: the detector's transform and cap, the reference of each timing
/// (from the half-life rung in use), and the calibration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FixedScorer {
    /// Scale of the log transform, ms.
    pub tau_ms: f64,
    /// |z| cap per timing: the score is the mean of `min(z², cap²)` (the profile's size decides
    /// it, `TelltaleFixedModel::cap`).
    pub cap: f64,
    /// Calibration of the anomaly scores.
    pub calibration: Norm,
    /// Per timing, in transformed units.
    pub timings: Vec<Norm>,
}

/// A window modality's scorer: the reference of each feature compared (those with enough
/// windows in the profile), and the calibration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WindowScorer {
    /// Calibration of the anomaly scores.
    pub calibration: Norm,
    /// Per feature: its reference, and its words for reasons ([`FeatureId::label`], computed
    /// on the server: the page has no words of its own).
    pub features: SortedMap<FeatureId, (FeatureNorm, String)>,
}

/// Everything scoring reads of a profile (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Scorer {
    /// Model that made the profile ([`MODEL_VERSION`]).
    pub model_version: String,
    /// Enrolled fixed-text fields.
    pub fixed: SortedMap<String, FixedScorer>,
    /// Free text, once enrolled.
    pub keys: Option<WindowScorer>,
    /// Enrolled pointer kinds.
    pub pointer: SortedMap<PointerKind, WindowScorer>,
}

impl Default for Scorer {
    /// The scorer of an empty profile: no part of a summary gets a similarity, so the band is
    /// `enrolling` unless the automation evidence alone decides (`step_up`).
    fn default() -> Self {
        Scorer {
            model_version: MODEL_VERSION.to_owned(),
            fixed: SortedMap::new(),
            keys: None,
            pointer: SortedMap::new(),
        }
    }
}

/// One modality's verdict on a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Anomaly score of the detector.
    pub anomaly: f64,
    /// Calibrated similarity (`None` only for an anomaly that is not finite).
    pub similarity: Option<f64>,
    /// Top reasons.
    pub reasons: Vec<String>,
}

impl FixedScorer {
    /// Per-timing z-scores of `x` (transformed space), as the detector computes them.
    pub fn z_scores(&self, x: &[f64]) -> Vec<f64> {
        z_scores(x, self.tau_ms, self.timings.iter().copied())
    }

    /// The verdict on an entry of this field (`None` for an edited entry, or one of another
    /// length: the field's text changed).
    pub fn verdict(&self, s: &FixedSample) -> Option<Verdict> {
        if s.edited || s.timings.len() != self.timings.len() {
            return None;
        }
        let z = self.z_scores(&s.timings);
        let anomaly = mean_capped_square(&z, self.cap);
        // Reasons name only timings the score reads (a down-down time is not one of them).
        let reasons = order_by_magnitude(&z)
            .iter()
            .filter(|&&i| is_scored(i))
            .take(MAX_REASONS)
            .map(|&i| {
                let kind = if i % 3 == 0 {
                    "hold time of key"
                } else {
                    "release-to-press gap after key"
                };
                let dir = if z[i] >= 0.0 { "longer" } else { "shorter" };
                cat(&[
                    &s.field,
                    ": ",
                    kind,
                    " ",
                    &uint((i / 3 + 1) as u64),
                    " ",
                    &fixed_point(z[i].abs(), 1),
                    " standard deviations ",
                    dir,
                    " than usual",
                ])
            })
            .collect();
        Some(Verdict {
            anomaly,
            similarity: self.calibration.similarity(anomaly),
            reasons,
        })
    }
}

impl WindowScorer {
    /// Deviations of the features this window shares with the profile, largest |z| first.
    pub fn deviations(&self, window: &[Feature]) -> Vec<Deviation> {
        deviations(window, |id| self.features.get(&id).map(|(n, _)| *n))
    }

    /// The verdict on a window (`None` when it shares no feature with the profile).
    pub fn verdict(&self, f: &[Feature]) -> Option<Verdict> {
        let d = self.deviations(f);
        let anomaly = crate::detect::mean_surprise(&d)?;
        // Reasons in the order of what each deviation adds to the anomaly (its surprise times
        // its feature's weight), so that the ones a reviewer reads moved the score: by |z|
        // alone, a pointer window's click share (weight 0.1) could lead.
        let adds: Vec<f64> = d.iter().map(|x| x.surprise() * x.id.weight()).collect();
        Some(Verdict {
            anomaly,
            similarity: self.calibration.similarity(anomaly),
            reasons: order_by_magnitude(&adds)
                .into_iter()
                .take(MAX_REASONS)
                .map(|i| {
                    let label = self.features.get(&d[i].id).map_or("", |(_, l)| l.as_str());
                    d[i].reason(label)
                })
                .collect(),
        })
    }
}

impl Scorer {
    /// Verdicts on every part of a summary that an enrolled modality covers.
    pub fn judge(&self, summary: &Summary) -> Vec<Verdict> {
        let mut v: Vec<Verdict> = summary
            .fixed
            .iter()
            .filter_map(|s| self.fixed.get(&s.field)?.verdict(s))
            .collect();
        if let (Some(k), Some(p)) = (&summary.keys, &self.keys) {
            v.extend(p.verdict(&k.features()));
        }
        for w in &summary.pointer {
            if let Some(p) = self.pointer.get(&w.kind) {
                v.extend(p.verdict(&w.features()));
            }
        }
        v
    }

    /// The score of a summary: its enrolled parts' similarities together ([`combined`]; the
    /// least similar part gives the reasons), automation can force a step-up on its own.
    pub fn score(&self, summary: &Summary) -> Score {
        let verdicts = self.judge(summary);
        let worst = verdicts
            .iter()
            .filter(|v| v.similarity.is_some())
            .min_by(|a, b| {
                a.similarity
                    .unwrap_or(100.0)
                    .total_cmp(&b.similarity.unwrap_or(100.0))
            });
        let similarity = combined(verdicts.iter().filter_map(|v| v.similarity));
        let automation = summary.automation.checked_score();
        let band = Score::band_for(similarity, automation);
        let mut reasons: Vec<String> = if automation >= crate::automation::AUTOMATION_VERDICT {
            summary
                .automation
                .signals
                .iter()
                .map(|s| {
                    cat(&[
                        "automation signal: ",
                        s.kind.name(),
                        " (",
                        &fixed_point(s.strength, 2),
                        ")",
                    ])
                })
                .collect()
        } else {
            Vec::new()
        };
        if band != Band::Allow {
            if let Some(w) = worst {
                reasons.extend(w.reasons.iter().cloned());
            }
        }
        Score {
            similarity: similarity.unwrap_or(100.0),
            band,
            automation,
            reasons,
            model_version: MODEL_VERSION.to_owned(),
        }
    }
}

/// The similarity of a summary from its parts' (each a calibrated p-value, in percent: a window's
/// free text and pointer, a fixed-text entry): one part's as it is; several by Fisher's method
/// (Statistical Methods for Research Workers, 1925, §21.1). For the user's own summary each
/// part's p-value is uniform, and taken as independent, `-2 Σ ln p` of `k` parts is χ² with `2k`
/// degrees of freedom, whose tail at `2t` (`t = -Σ ln p`) is `e^-t Σ_{j<k} t^j / j!`: again a
/// p-value, so the session decision reads it as it reads one part's.
///
/// Until `telltale-10` the least similar part decided alone: a worker's window of typing and
/// pointing fell under similarity 1 about twice as often as a window of one, and the other
/// part's evidence counted for nothing. On typing and pointing together (`telltale-eval
/// session`, row `both`) the combination gave fewer false flags (development half 8 against 9,
/// held-out 3 against 5) and more impostor windows under similarity 0.01 (46% against 38%; 53%
/// against 43%). Parts of one person's window may drift together (tiredness, another desk),
/// which the data sets, each of one modality, cannot show; that would make the combined
/// p-value smaller than it should be. The other way, one part far out beside a typical one
/// counts less than alone (0.2 and 100 combine to 1.4), which is what cut the false flags; the
/// session rule's constants were chosen on windows of one part.
fn combined(parts: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut k, mut t, mut last) = (0u32, 0.0, 0.0);
    for s in parts {
        k += 1;
        t -= math::ln(s / 100.0);
        last = s;
    }
    match k {
        0 => None,
        1 => Some(last),
        _ => {
            let (mut term, mut sum) = (1.0, 1.0);
            for j in 1..k {
                term *= t / f64::from(j);
                sum += term;
            }
            // A part at similarity 0 makes `t` infinite and the product NaN: nothing is further.
            let p = 100.0 * math::exp(-t) * sum;
            Some(if p.is_nan() { 0.0 } else { p.min(100.0) })
        }
    }
}
