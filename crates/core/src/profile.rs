//! Profiles: one per user, built incrementally from that user's clean samples, serialisable so the
//! server can store it (the browser loads its compiled scorer, [`crate::scorer`], for in-page
//! scoring).
//!
//! Every modality (each fixed-text field, free-text, each pointer kind) has its own model and its
//! own calibration. Each sample is scored against the profile *before* the profile learns from it;
//! those honest scores calibrate the similarity scale, so a similarity of 5 means "one in twenty of
//! this user's own samples looked this unusual". A window modality's scale is learned at its
//! enrollment from each enrollment window scored against all the others ([`leave_one_out`]),
//! then from each later window scored before it is learned.

use crate::math;
use crate::prelude::*;
use crate::text::cat;

use serde::{Deserialize, Serialize};

use crate::detect::{
    mean_capped_square, TelltaleFixedModel, TelltaleFixedParams, WindowModel, WindowParams,
};
use crate::error::Error;
use crate::event::PointerKind;
use crate::features::FeatureId;
use crate::features::{Feature, FixedSample};
use crate::map::SortedMap;
use crate::score::{
    Calibration, Score, KEYS_SPREAD, MIN_CALIBRATION, MODEL_VERSION, MOUSE_SPREAD,
    READS_PROFILES_OF,
};
use crate::scorer::{FixedScorer, Scorer, WindowScorer};
use crate::summary::Summary;

/// Fixed-text fields a profile keeps. A portal has one or two (the login id, perhaps a PIN-free
/// customer number); the bound keeps a profile's size fixed however many field names summaries
/// carry (16 per summary at most, [`crate::summary::MAX_FIXED`]).
pub const MAX_FIXED_FIELDS: usize = 16;

/// Profile parameters, checked once by [`ProfileParams::check`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileParams {
    /// Clean entries of a fixed-text field before it is scored. 20: the first entries calibrate
    /// the similarity scale, and keystroke EER stops improving quickly past 20-50 training
    /// samples (Killourhy and Maxion 2009, Table 3).
    pub enroll_fixed: u32,
    /// Windows (of one modality) before it is scored. 20 windows of the default 15 s are 5
    /// minutes of typing or pointing, a morning's work (never overlapping; `telltale-eval
    /// session` enrolls on 10 that overlap, from 400 keystrokes or 3 minutes of pointing).
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

/// The most windows a window modality may need to enroll ([`ProfileParams::check`]).
const MAX_ENROLL_WINDOWS: u64 = 200;

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
        // A window modality keeps its enrollment windows in the stored profile until it enrolls
        // (a few KB each) and scores each against the others then: ten times the default.
        if windows > MAX_ENROLL_WINDOWS {
            return Err(Error::InvalidParameter {
                name: "enroll_windows",
                reason: "must be at most 200 (each is kept in the profile until it enrolls)",
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
    /// The enrollment windows' features (name, value, events), kept only until the modality
    /// enrolls:
    /// then each is scored against a model of all the others ([`leave_one_out`]) and they are
    /// dropped. Class-level timings and movement statistics, as the summaries the server
    /// received; never key identity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enrolling: Vec<Vec<(String, f64, u32)>>,
}

/// The similarity scale learned from enrollment windows, each scored against a model of every
/// other window `apart` from it (`apart(i, j)`: window `j` may judge window `i`; the server's
/// windows never overlap, so every other one; `telltale-eval`'s enrollment windows overlap, and
/// only those that share no moment do), in order.
///
/// Why not each window against the earlier ones only (as the profile learns afterwards): a
/// model of 3 to 12 windows judges a window more harshly than the enrolled model of all of them
/// will (a Student-t surprise of few degrees of freedom is larger, and the mean and spread are
/// further off), so the scale learned that way sat above the scores a genuine window gets later
/// (`telltale-eval session`, Aalto development half: calibration log-anomaly 0.46 on average, a
/// held-out genuine window's 0.08) and an impostor's window scored as less unusual than it was.
/// Leave-one-out models are as close in size to the enrolled model as the windows allow.
pub fn leave_one_out(
    params: WindowParams,
    windows: &[Vec<Feature>],
    apart: impl Fn(usize, usize) -> bool,
) -> Calibration {
    let decay = decay(params.half_life);
    let mut calibration = Calibration::default();
    for (i, w) in windows.iter().enumerate() {
        let mut m = WindowModel::new(params);
        for (j, other) in windows.iter().enumerate() {
            if j != i && apart(i, j) {
                m.update(other);
            }
        }
        if let Some(score) = m.score(w) {
            calibration.push(score, decay);
        }
    }
    calibration
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

fn decay(half_life: f64) -> f64 {
    math::powf(0.5, 1.0 / half_life)
}

impl WindowProfile {
    fn new(params: WindowParams) -> Self {
        WindowProfile {
            model: WindowModel::new(params),
            calibration: Calibration::default(),
            enrolling: Vec::new(),
        }
    }

    /// Learns one window; `enroll` is the count of windows that enrolls the modality. Until
    /// then each window is also kept, and the window that enrolls it learns the similarity
    /// scale again from all of them ([`leave_one_out`]); from then on each window is scored
    /// before it is learned, by the model of every window before it.
    fn learn(&mut self, f: &[Feature], enroll: u64) {
        if let Some(s) = self.model.score(f) {
            self.calibration.push(s, decay(self.model.params.half_life));
        }
        self.model.update(f);
        let windows = self.model.windows;
        if windows > enroll {
            self.enrolling = Vec::new();
            return;
        }
        let pairs = f
            .iter()
            .filter(|x| x.value.is_finite())
            .filter_map(|x| Some((x.id.name()?, x.value, x.events)))
            .collect();
        self.enrolling.push(pairs);
        // Only a complete list (a stored profile damaged or edited by hand may hold more or
        // fewer windows than it learned): otherwise the scale learned window by window stays.
        if windows == enroll && self.enrolling.len() as u64 == windows {
            let kept: Vec<Vec<Feature>> = core::mem::take(&mut self.enrolling)
                .into_iter()
                .map(|w| {
                    w.into_iter()
                        .filter_map(|(name, value, events)| {
                            Some(Feature {
                                id: FeatureId::from_name(&name)?,
                                value,
                                // Read by reasons only, never by a score.
                                log: false,
                                events,
                            })
                        })
                        .collect()
                })
                .collect();
            self.calibration = leave_one_out(self.model.params, &kept, |_, _| true);
        } else if windows == enroll {
            self.enrolling = Vec::new();
        }
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

    /// Whether this profile was learned by this build's scoring model ([`MODEL_VERSION`]). One
    /// learned by another holds its references in that model's units (`telltale-1` kept up-down
    /// times on a log scale, `telltale-2` on a near-linear one), which this build would misread:
    /// such a profile scores nothing (its scorer is empty, every summary is `enrolling`). One of
    /// an older model ([`crate::is_older_model`]) starts again at the first summary it learns,
    /// with its parameters: the user enrolls anew rather than being flagged on every entry. One
    /// of a newer model (a rollback, or replicas of two builds at once) is not this build's to
    /// overwrite: learning refuses it.
    /// A profile of a model this one reads as its own ([`READS_PROFILES_OF`]: the model changed
    /// only how a profile is read) is current too, and takes this build's version at the first
    /// summary it learns.
    pub fn is_current(&self) -> bool {
        self.model_version == MODEL_VERSION
            || READS_PROFILES_OF.contains(&self.model_version.as_str())
    }

    /// Enrollment progress of every modality seen so far (none for a profile of another
    /// model, which starts again: [`Profile::is_current`]).
    pub fn enrollment(&self) -> Vec<Enrollment> {
        if !self.is_current() {
            return Vec::new();
        }
        let mut v: Vec<Enrollment> = self
            .fixed
            .iter()
            .map(|(name, p)| Enrollment {
                modality: cat(&["fixed:", name]),
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
                modality: cat(&["pointer:", kind.name()]),
                samples: p.model.windows,
                needed: self.params.enroll_windows as u64,
            });
        }
        v
    }

    /// Learns one clean fixed-text entry.
    pub fn learn_fixed(&mut self, s: &FixedSample) -> Result<(), Error> {
        self.restart_if_older()?;
        if s.edited {
            return Ok(());
        }
        let params = self.params.fixed;
        if self.fixed.get(s.field.as_str()).is_none() {
            // Full: a field still enrolling makes room (the one learned from the fewest entries,
            // the first by name among equals), so names that came once take turns; an enrolled
            // field never does, so no run of made-up names can replace the login field a
            // profile scores. With every field enrolled, the new name is not learned.
            let enrolled = u64::from(self.params.enroll_fixed);
            let fields = self.fixed.entries_mut();
            while fields.len() >= MAX_FIXED_FIELDS {
                let enrolling = (0..fields.len())
                    .filter(|&i| fields[i].1.model.samples() < enrolled)
                    .min_by_key(|&i| fields[i].1.model.samples());
                match enrolling {
                    Some(i) => {
                        fields.remove(i);
                    }
                    None => return Ok(()),
                }
            }
        }
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
        let samples = p.model.samples();
        if samples >= params.warmup as u64 {
            // Scored with the cap the served scorer will have (at least `enroll_fixed` entries),
            // not the larger cap of the profile so far: the calibration describes the scores the
            // scorer gives.
            let cap = p.model.cap_at(samples.max(self.params.enroll_fixed as u64));
            let score = mean_capped_square(&p.model.z_scores(&s.timings), cap);
            p.calibration.push(score, decay(p.model.half_life()));
        }
        p.model.update(&s.timings)
    }

    /// A profile of an older model starts again (one of a model this one reads as its own takes
    /// this build's version); one of a newer model is an error, and stays as it is
    /// ([`Profile::is_current`]).
    fn restart_if_older(&mut self) -> Result<(), Error> {
        if self.is_newer() {
            return Err(Error::InvalidRecord(cat(&[
                "a profile of model ",
                &self.model_version,
                " is not learned by ",
                MODEL_VERSION,
            ])));
        }
        if !self.is_current() {
            *self = Profile::new(self.params);
        }
        MODEL_VERSION.clone_into(&mut self.model_version);
        Ok(())
    }

    /// Whether this profile was learned by a model newer than this build's (a rollback, or
    /// replicas of two builds at once): neither learned nor overwritten here
    /// ([`Profile::is_current`]).
    pub fn is_newer(&self) -> bool {
        !self.is_current() && !crate::is_older_model(&self.model_version)
    }

    /// What scoring reads of this profile ([`crate::scorer`]): every modality that gives a
    /// similarity (enrolled, and calibrated by [`MIN_CALIBRATION`] honest scores), reduced to
    /// its references.
    pub fn scorer(&self) -> Scorer {
        if !self.is_current() {
            return Scorer::default();
        }
        let enrolled = |samples: u64, needed: u32| samples >= u64::from(needed);
        let window = |p: &WindowProfile, prior| {
            let calibration = p.calibration.norm(prior)?;
            enrolled(p.model.windows, self.params.enroll_windows).then(|| WindowScorer {
                calibration,
                features: p.model.norms(),
            })
        };
        Scorer {
            // The model this code scores with: the browser refuses a scorer of another.
            model_version: MODEL_VERSION.to_owned(),
            fixed: self
                .fixed
                .iter()
                .filter_map(|(name, p)| {
                    let calibration = p.calibration.norm(None)?;
                    // Two entries at least: a spread needs two.
                    let samples = p.model.samples();
                    let ok = samples >= 2 && enrolled(samples, self.params.enroll_fixed);
                    ok.then(|| {
                        let scorer = FixedScorer {
                            tau_ms: p.model.params.tau_ms,
                            cap: p.model.cap(),
                            calibration,
                            timings: p.model.norms(),
                        };
                        (name.clone(), scorer)
                    })
                })
                .collect(),
            keys: self
                .keys
                .as_ref()
                .and_then(|p| window(p, Some(KEYS_SPREAD))),
            pointer: self
                .pointer
                .iter()
                .filter_map(|(kind, p)| {
                    let prior = (*kind == PointerKind::Mouse).then_some(MOUSE_SPREAD);
                    Some((*kind, window(p, prior)?))
                })
                .collect(),
        }
    }

    /// The score of a summary: its enrolled parts' similarities combined, automation can force a
    /// step-up on its own ([`Scorer::score`], which the browser runs too).
    pub fn score(&self, summary: &Summary) -> Score {
        self.scorer().score(summary)
    }

    /// Learns from a summary judged genuine (never from one that was flagged: no poisoning).
    pub fn learn(&mut self, summary: &Summary) -> Result<(), Error> {
        self.restart_if_older()?;
        for s in &summary.fixed {
            self.learn_fixed(s)?;
        }
        let wp = self.params.window;
        let enroll = u64::from(self.params.enroll_windows);
        if let Some(k) = &summary.keys {
            self.keys
                .get_or_insert_with(|| WindowProfile::new(wp))
                .learn(&k.features(), enroll);
        }
        for w in &summary.pointer {
            self.pointer
                .get_or_insert_with(w.kind, || WindowProfile::new(wp))
                .learn(&w.features(), enroll);
        }
        Ok(())
    }
}
