//! Population detectors: a user's profile judged against a background of other users' profiles
//! (the GMM-UBM idea of speaker verification, Reynolds et al. 2000, with one Gaussian per user and
//! feature). Per feature, the log-likelihood ratio of "this user" against "some other user of the
//! population" says how much that timing points to the user; features that everybody shares count
//! little, features where the user is distinctive count a lot. Each feature's ratio is capped so
//! that no single timing decides.
//!
//! While the profiles are young the fixed-text score adds the user's one-class score to the
//! ratio at a weight that fades with the enrollment's size ([`ONE_CLASS_PRIOR`]).
//!
//! Strictly one-class use never needs this: it is for deployments that have a population, and
//! an evaluation must keep every impostor out of its target's background.

use crate::math;
use crate::prelude::*;

use alloc::collections::BTreeMap;

use super::window::few_events;
use super::{
    is_scored, mean_capped_square, weighted_mean, z_scores, Model, TelltaleFixedModel, WindowModel,
};
use crate::features::stats::Running;
use crate::features::Feature;
use crate::scorer::Norm;

/// Cap of one feature's log-likelihood ratio, in nats: e³ ≈ 20 to 1, a strong but not
/// overwhelming piece of evidence.
const LLR_CAP: f64 = 3.0;
/// Smallest standard deviation in comparison units (as in the one-class detectors).
const MIN_SD: f64 = 0.01;

/// Weight of the one-class score in the fixed-text population score, in entries: a profile of
/// `n` entries adds its one-class score (half its mean capped z², [`TelltaleFixedModel`]'s score
/// on the scale of a log-density) at weight `k / (k + n)`, as a prior worth `k` entries against
/// `n` entries of data. The ratio's background side is a mixture of other users' densities each
/// estimated from as few entries as the user's own (the evaluation enrolls everyone alike), so at
/// 5 entries the nearest background density is luck as much as likeness; the one-class term keeps
/// the user's own density counting, and by 50 entries (weight 0.04) the ratio decides. 2, chosen
/// on the CMU development half (`telltale-eval keystroke --detector population --users dev
/// --train 5,10,20,50,100,200`): without the term 0.2094 0.1705 0.1164 0.0927 0.0549 0.0357;
/// k = 1, 0.1921 0.1659 0.1156 0.0930 0.0547 0.0356; k = 2, 0.1898 0.1642 0.1153 0.0925 0.0542
/// 0.0356; k = 3, 0.1889 0.1657 0.1155 0.0921 0.0544 0.0357; k = 5, 0.1905 0.1681 0.1151 0.0924
/// 0.0543 0.0353; a constant weight of 0.2, 0.1904 0.1645 0.1151 0.0913 0.0548 0.0363. Against
/// practised impostors (`--practised-impostors`) k = 2 moved 0.1935 0.1645 0.1255 0.1096 0.0729
/// 0.0667 to 0.1707 0.1604 0.1247 0.1103 0.0723 0.0665.
const ONE_CLASS_PRIOR: f64 = 2.0;

/// A Student-t density per user and feature: the distribution of a new value when mean and
/// variance are estimated from the user's own `w` samples (ν = w - 1), heavy-tailed while the
/// profile is young (see [`super::window`]).
#[derive(Debug, Clone, Copy)]
struct Gauss {
    mean: f64,
    sd: f64,
    nu: f64,
}

impl Gauss {
    fn of(r: &Running) -> Self {
        Gauss::at(r, r.mean)
    }

    /// The density of a fixed-text timing: its reference's location (`mean`: the ageing mean,
    /// or a young profile's weighted median, [`TelltaleFixedModel::norms`]), its ageing spread.
    fn at(r: &Running, mean: f64) -> Self {
        Gauss {
            mean,
            sd: r.sd().max(MIN_SD),
            nu: (r.w - 1.0).max(1.0),
        }
    }

    /// The log-density of `y`, the spread widened `widen` times.
    fn log_pdf(&self, y: f64, widen: f64) -> f64 {
        let sd = self.sd * widen;
        let z = (y - self.mean) / sd;
        -(self.nu + 1.0) / 2.0 * math::ln_1p(z * z / self.nu) - math::ln(sd)
    }
}

fn log_mean_exp(v: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = v.collect();
    let m = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + math::ln(v.iter().map(|x| math::exp(x - m)).sum::<f64>() / v.len() as f64)
}

/// Per-feature likelihood ratio of a user against a background (see the module docs).
#[derive(Debug, Clone)]
struct Llr {
    user: Gauss,
    background: Vec<Gauss>,
}

impl Llr {
    /// Evidence against the user (the negative capped log-likelihood ratio), every spread
    /// widened `widen` times.
    fn against(&self, y: f64, widen: f64) -> f64 {
        if self.background.is_empty() {
            return 0.0;
        }
        let bg = log_mean_exp(self.background.iter().map(|g| g.log_pdf(y, widen)));
        -(self.user.log_pdf(y, widen) - bg).clamp(-LLR_CAP, LLR_CAP)
    }
}

/// Population model for fixed text.
#[derive(Debug, Clone)]
pub struct PopulationModel {
    user: TelltaleFixedModel,
    features: Vec<Llr>,
    /// The user's references, what its one-class score reads.
    norms: Vec<Norm>,
    /// The one-class score's |z| cap for the user's profile.
    cap: f64,
    /// Weight of the one-class score ([`ONE_CLASS_PRIOR`]).
    one_class: f64,
}

impl PopulationModel {
    /// The user's model against the background models (same text, so the same length).
    pub fn new(user: &TelltaleFixedModel, background: &[&TelltaleFixedModel]) -> Self {
        let user_norms = user.norms();
        let background_norms: Vec<_> = background.iter().map(|b| b.norms()).collect();
        let features = user
            .stats()
            .iter()
            .zip(&user_norms)
            .enumerate()
            .map(|(j, (s, n))| Llr {
                user: Gauss::at(s, n.mean),
                background: background
                    .iter()
                    .zip(&background_norms)
                    .filter_map(|(b, norms)| Some(Gauss::at(b.stats().get(j)?, norms.get(j)?.mean)))
                    .collect(),
            })
            .collect();
        let n = user.samples() as f64;
        PopulationModel {
            user: user.clone(),
            features,
            norms: user_norms,
            cap: user.cap(),
            one_class: ONE_CLASS_PRIOR / (ONE_CLASS_PRIOR + n),
        }
    }
}

impl Model for PopulationModel {
    fn score(&self, x: &[f64]) -> f64 {
        // Over the timings the one-class score reads ([`is_scored`]: a down-down time is a hold
        // plus an up-down gap, evidence counted already).
        let y = self.user.transformed(x);
        let (sum, n) = y
            .iter()
            .zip(&self.features)
            .enumerate()
            .filter(|(j, _)| is_scored(*j))
            .fold((0.0, 0usize), |(sum, n), (_, (y, f))| {
                (sum + f.against(*y, 1.0), n + 1)
            });
        // Plus the one-class score at a weight that fades with the enrollment's size.
        let z = z_scores(x, self.user.params.tau_ms, self.norms.iter().copied());
        sum / n.max(1) as f64 + self.one_class * 0.5 * mean_capped_square(&z, self.cap)
    }
}

/// Population model for windows (free text or pointer).
#[derive(Debug, Clone)]
pub struct WindowPopulationModel {
    /// Per feature name: the ratio, and the user's usual count of events behind it.
    features: BTreeMap<String, (Llr, f64)>,
}

impl WindowPopulationModel {
    /// The user's window model against background window models.
    pub fn new(user: &WindowModel, background: &[&WindowModel]) -> Self {
        let min_windows = user.params.min_windows;
        let features = user
            .features
            .iter()
            .filter(|(_, s)| s.n >= min_windows)
            .map(|(name, s)| {
                let llr = Llr {
                    user: Gauss::of(s),
                    background: background
                        .iter()
                        .filter_map(|b| b.features.get(name))
                        .filter(|s| s.n >= min_windows)
                        .map(Gauss::of)
                        .collect(),
                };
                let usual = user.events.get(name).map_or(0.0, |e| e.mean);
                (name.clone(), (llr, usual))
            })
            .collect();
        WindowPopulationModel { features }
    }

    /// Evidence against the user, averaged over shared features; `None` when none is shared.
    pub fn score(&self, window: &[Feature]) -> Option<f64> {
        // Weighted as the one-class score weighs its terms ([`FeatureId::weight`]).
        weighted_mean(window.iter().filter_map(|f| {
            let (llr, usual) = self.features.get(&f.id.name()?)?;
            // A statistic of fewer events than usual is wider for everyone, as the
            // one-class score reads it.
            let widen = 1.0 / few_events(f.id, f.events, *usual);
            Some((f.id, llr.against(f.value, widen)))
        }))
    }
}
