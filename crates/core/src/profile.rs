//! Profiles: one per user, built incrementally from that user's clean samples, serialisable so the
//! server can store it and the browser can load it for in-page scoring.
//!
//! Every modality (each fixed-text field, free-text, each pointer kind) has its own model and its
//! own calibration. Each sample is scored against the profile *before* the profile learns from it;
//! those honest scores calibrate the similarity scale, so a similarity of 5 means "one in twenty of
//! this user's own samples looked this unusual".

use crate::math;
use crate::prelude::*;

use serde::{Deserialize, Serialize};

use crate::detect::{
    Deviation, Model, TelltaleFixedModel, TelltaleFixedParams, WindowModel, WindowParams,
};
use crate::error::Error;
use crate::event::PointerKind;
use crate::features::{Feature, FixedSample};
use crate::map::SortedMap;
use crate::score::{Band, Calibration, Score, MIN_CALIBRATION, MODEL_VERSION};
use crate::summary::Summary;
use crate::text::{fixed_point, uint};

/// Reasons listed per score: enough to explain, few enough to read.
const MAX_REASONS: usize = 3;

/// Profile parameters, checked once by [`ProfileParams::check`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileParams {
    /// Clean entries of a fixed-text field before it is scored. 20: the first entries calibrate
    /// the similarity scale, and keystroke EER stops improving quickly past 20-50 training
    /// samples (Killourhy and Maxion 2009, Table 3).
    pub enroll_fixed: u32,
    /// Windows (of one modality) before it is scored. 20 windows of 30 s are 10 minutes of
    /// typing or pointing, a morning's work.
    pub enroll_windows: u32,
    /// Fixed-text detector parameters.
    pub fixed: TelltaleFixedParams,
    /// Window detector parameters.
    pub window: WindowParams,
}

impl Default for ProfileParams {
    fn default() -> Self {
        ProfileParams {
            enroll_fixed: 20,
            enroll_windows: 20,
            fixed: TelltaleFixedParams::default(),
            window: WindowParams::default(),
        }
    }
}

impl ProfileParams {
    /// Checks every parameter.
    pub fn check(self) -> Result<Self, Error> {
        self.fixed.check()?;
        self.window.check()?;
        // Calibration needs MIN_CALIBRATION honest scores, taken after each detector's warm-up
        // (`learn_fixed`; a window model scores from `min_windows` on): fewer by the end of
        // enrollment would leave the modality `enrolling` past its count.
        let (fixed, windows) = (self.enroll_fixed as u64, self.enroll_windows as u64);
        if fixed < 10
            || windows < 10
            || fixed < self.fixed.warmup as u64 + MIN_CALIBRATION
            || windows < self.window.min_windows + MIN_CALIBRATION
        {
            return Err(Error::InvalidParameter {
                name: "enroll_fixed / enroll_windows",
                reason: "must be at least 10, and 5 more than fixed.warmup / window.min_windows",
            });
        }
        Ok(self)
    }
}

/// A fixed-text field's model and calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FixedProfile {
    /// The detector's model.
    pub model: TelltaleFixedModel,
    /// Calibration of its scores.
    pub calibration: Calibration,
}

/// A window modality's model and calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct WindowProfile {
    /// The detector's model.
    pub model: WindowModel,
    /// Calibration of its scores.
    pub calibration: Calibration,
}

/// Enrollment progress of one modality.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enrollment {
    /// `fixed:NAME`, `keys` or `pointer:KIND`.
    pub modality: String,
    /// Samples learned.
    pub samples: u64,
    /// Samples needed.
    pub needed: u64,
}

/// A user's profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Model that built it ([`MODEL_VERSION`]).
    pub model_version: String,
    /// Parameters.
    pub params: ProfileParams,
    /// Per fixed-text field.
    pub fixed: SortedMap<String, FixedProfile>,
    /// Free text.
    pub keys: Option<WindowProfile>,
    /// Per pointer kind.
    pub pointer: SortedMap<PointerKind, WindowProfile>,
}

impl Default for Profile {
    fn default() -> Self {
        Profile::new(ProfileParams::default())
    }
}

/// One modality's verdict on a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Anomaly score of the detector.
    pub anomaly: f64,
    /// Calibrated similarity, once enrolled.
    pub similarity: Option<f64>,
    /// Top reasons.
    pub reasons: Vec<String>,
}

fn decay(half_life: f64) -> f64 {
    math::powf(0.5, 1.0 / half_life)
}

impl WindowProfile {
    fn new(params: WindowParams) -> Self {
        WindowProfile {
            model: WindowModel::new(params),
            calibration: Calibration::default(),
        }
    }

    fn verdict(&self, f: &[Feature], needed: u64) -> Option<Verdict> {
        let anomaly = self.model.score(f)?;
        let reasons = self
            .model
            .deviations(f)
            .iter()
            .take(MAX_REASONS)
            .map(Deviation::reason)
            .collect();
        let similarity = self
            .calibration
            .similarity_once(self.model.windows >= needed, anomaly);
        Some(Verdict {
            anomaly,
            similarity,
            reasons,
        })
    }

    fn learn(&mut self, f: &[Feature]) {
        if let Some(s) = self.model.score(f) {
            self.calibration.push(s, decay(self.model.params.half_life));
        }
        self.model.update(f);
    }
}

impl Profile {
    /// An empty profile.
    pub fn new(params: ProfileParams) -> Self {
        Profile {
            model_version: MODEL_VERSION.to_owned(),
            params,
            fixed: SortedMap::new(),
            keys: None,
            pointer: SortedMap::new(),
        }
    }

    /// Enrollment progress of every modality seen so far.
    pub fn enrollment(&self) -> Vec<Enrollment> {
        let mut v: Vec<Enrollment> = self
            .fixed
            .iter()
            .map(|(name, p)| Enrollment {
                modality: ["fixed:", name].concat(),
                samples: p.model.samples(),
                needed: self.params.enroll_fixed as u64,
            })
            .collect();
        if let Some(k) = &self.keys {
            v.push(Enrollment {
                modality: "keys".into(),
                samples: k.model.windows,
                needed: self.params.enroll_windows as u64,
            });
        }
        for (kind, p) in &self.pointer {
            v.push(Enrollment {
                modality: ["pointer:", kind.name()].concat(),
                samples: p.model.windows,
                needed: self.params.enroll_windows as u64,
            });
        }
        v
    }

    /// Verdict on one fixed-text entry (`None` for edited entries or an unknown field).
    pub fn judge_fixed(&self, s: &FixedSample) -> Option<Verdict> {
        let p = self.fixed.get(&s.field)?;
        if s.edited || s.timings.len() != p.model.dims() || p.model.samples() < 2 {
            return None;
        }
        let anomaly = p.model.score(&s.timings);
        let z = p.model.z_scores(&s.timings);
        let reasons = crate::features::stats::order_by_magnitude(&z)
            .iter()
            .take(MAX_REASONS)
            .map(|&i| {
                let (kind, pos) = match i % 3 {
                    0 => ("hold time of key", i / 3 + 1),
                    1 => ("time between keys", i / 3 + 1),
                    _ => ("release-to-press gap after key", i / 3 + 1),
                };
                let dir = if z[i] >= 0.0 { "longer" } else { "shorter" };
                [
                    &s.field,
                    ": ",
                    kind,
                    " ",
                    &uint(pos as u64),
                    " ",
                    &fixed_point(z[i].abs(), 1),
                    " standard deviations ",
                    dir,
                    " than usual",
                ]
                .concat()
            })
            .collect();
        let similarity = p.calibration.similarity_once(
            p.model.samples() >= self.params.enroll_fixed as u64,
            anomaly,
        );
        Some(Verdict {
            anomaly,
            similarity,
            reasons,
        })
    }

    /// Learns one clean fixed-text entry.
    pub fn learn_fixed(&mut self, s: &FixedSample) -> Result<(), Error> {
        if s.edited {
            return Ok(());
        }
        let params = self.params.fixed;
        let p = self
            .fixed
            .get_or_insert_with(s.field.clone(), || FixedProfile {
                model: TelltaleFixedModel::new(params, s.timings.len()),
                calibration: Calibration::default(),
            });
        if p.model.dims() != s.timings.len() {
            // The field's text changed length (a new id): start its profile again.
            p.model = TelltaleFixedModel::new(params, s.timings.len());
            p.calibration = Calibration::default();
        }
        if p.model.samples() >= params.warmup as u64 {
            p.calibration
                .push(p.model.score(&s.timings), decay(p.model.half_life()));
        }
        p.model.update(&s.timings)
    }

    /// Verdicts on every part of a summary.
    pub fn judge(&self, summary: &Summary) -> Vec<Verdict> {
        let mut v: Vec<Verdict> = summary
            .fixed
            .iter()
            .filter_map(|s| self.judge_fixed(s))
            .collect();
        let needed = self.params.enroll_windows as u64;
        if let (Some(k), Some(p)) = (&summary.keys, &self.keys) {
            v.extend(p.verdict(&k.features(), needed));
        }
        for w in &summary.pointer {
            if let Some(p) = self.pointer.get(&w.kind) {
                v.extend(p.verdict(&w.features(), needed));
            }
        }
        v
    }

    /// The score of a summary: the least similar enrolled part decides, automation can force a
    /// step-up on its own.
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
        let similarity = worst.and_then(|w| w.similarity);
        let automation = summary.automation.score;
        let band = Score::band_for(similarity, automation);
        let mut reasons: Vec<String> = if automation >= crate::automation::AUTOMATION_VERDICT {
            summary
                .automation
                .signals
                .iter()
                .map(|s| {
                    [
                        "automation signal: ",
                        s.kind.name(),
                        " (",
                        &fixed_point(s.strength, 2),
                        ")",
                    ]
                    .concat()
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

    /// Learns from a summary judged genuine (never from one that was flagged: no poisoning).
    pub fn learn(&mut self, summary: &Summary) -> Result<(), Error> {
        for s in &summary.fixed {
            self.learn_fixed(s)?;
        }
        let wp = self.params.window;
        if let Some(k) = &summary.keys {
            self.keys
                .get_or_insert_with(|| WindowProfile::new(wp))
                .learn(&k.features());
        }
        for w in &summary.pointer {
            self.pointer
                .get_or_insert_with(w.kind, || WindowProfile::new(wp))
                .learn(&w.features());
        }
        Ok(())
    }
}
