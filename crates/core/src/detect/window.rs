//! The detector for free-text and pointer windows. A window is a set of named features (medians,
//! quartiles and rates of its buckets, see [`crate::features::Feature`]); which ones exist varies
//! from window to window (a bucket under five events is left out), so the profile keeps an ageing
//! mean and variance per feature name and a window is compared on the features it shares with the
//! profile: the mean over them of each deviation's Student-t surprise ([`mean_surprise`]), a
//! class pair's two medians counting once between them ([`FeatureId::weight`]).

use crate::math;
use crate::prelude::*;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::features::stats::{order_by_magnitude, Running};
use crate::features::{Feature, FeatureId};
use crate::map::SortedMap;
use crate::scorer::FeatureNorm;
use crate::text::{cat, fixed_point};

/// Parameters of [`WindowModel`], checked once by [`WindowParams::check`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowParams {
    /// Windows after which an old window weighs half. 200 windows of 15 s are about 50 minutes of
    /// active typing or pointing: a few working days of a worker's input.
    pub half_life: f64,
    /// Incoming windows are clipped to this many standard deviations before updating.
    pub clip: f64,
    /// Windows a feature needs in the profile before it is compared: a standard deviation from
    /// fewer than 3 values is meaningless.
    pub min_windows: u64,
}

impl Default for WindowParams {
    fn default() -> Self {
        WindowParams {
            half_life: 200.0,
            clip: 3.0,
            min_windows: 3,
        }
    }
}

impl WindowParams {
    /// Checks every parameter.
    pub fn check(self) -> Result<WindowParams, Error> {
        for (name, v) in [("half_life", self.half_life), ("clip", self.clip)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::InvalidParameter {
                    name,
                    reason: "must be a positive number",
                });
            }
        }
        if self.min_windows < 2 {
            return Err(Error::InvalidParameter {
                name: "min_windows",
                reason: "must be at least 2",
            });
        }
        Ok(self)
    }
}

/// Smallest standard deviation in comparison units (1% on a log scale).
const MIN_SD: f64 = 0.01;
/// Windows before clipping starts (as in the fixed-text detector).
const WARMUP: u64 = 10;
/// The largest ratio or amount a reason states: a million times, or a million ms, percentage
/// points or counts, is no real deviation (a summary's statistics can reach 1e30, where the
/// number would no longer print exactly), and a larger number says nothing more to a reviewer.
const FAR: f64 = 1e6;

/// One feature's deviation from the profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Deviation {
    /// The feature.
    pub id: FeatureId,
    /// z-score.
    pub z: f64,
    /// The window's value minus the profile's mean, in comparison units.
    pub diff: f64,
    /// Whether the feature is a log (diff reads as a ratio).
    pub log: bool,
    /// Degrees of freedom of the feature's variance estimate.
    pub dof: f64,
}

impl Deviation {
    /// Student-t negative log-likelihood of the deviation (up to a constant).
    pub fn surprise(&self) -> f64 {
        let nu = self.dof.max(1.0);
        (nu + 1.0) / 2.0 * math::ln_1p(self.z * self.z / nu)
    }
}

impl Deviation {
    /// A sentence for a reviewer, from the feature's words (`label`, [`FeatureId::label`]):
    /// "hold times of right-hand letters 38% above usual". A log feature's difference is a ratio:
    /// "… 38% above usual", "… 25% below usual" (`(1 - e^diff)·100`, under 100% however far
    /// below), and from twice or half on "… 2.4 times higher than usual", "… 3.1 times lower
    /// than usual". A linear one's is in its unit ([`FeatureId::linear_unit`]): "… 373 ms above
    /// usual", "… 12 percentage points below usual". Numbers beyond a million read as a million.
    pub fn reason(&self, label: &str) -> String {
        let above = self.diff >= 0.0;
        if self.log {
            // The ratio, taken the way it exceeds 1.
            let f = math::exp(self.diff.abs());
            if f >= 2.0 {
                let dir = if above {
                    " times higher"
                } else {
                    " times lower"
                };
                return cat(&[label, " ", &fixed_point(f.min(FAR), 1), dir, " than usual"]);
            }
            let share = if above { f - 1.0 } else { 1.0 - 1.0 / f };
            let dir = if above {
                "% above usual"
            } else {
                "% below usual"
            };
            return cat(&[label, " ", &fixed_point(share * 100.0, 0), dir]);
        }
        let (scale, decimals, unit) = self.id.linear_unit();
        let dir = if above {
            " above usual"
        } else {
            " below usual"
        };
        let amount = fixed_point((self.diff.abs() * scale).min(FAR), decimals);
        cat(&[label, " ", &amount, unit, dir])
    }
}

/// A profile of windows: ageing statistics per feature name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct WindowModel {
    /// Parameters.
    pub params: WindowParams,
    /// Windows learned.
    pub windows: u64,
    /// Statistics per feature name.
    pub features: SortedMap<String, Running>,
    /// Per feature name, the events behind it ([`Feature::events`]), ageing alike: scoring
    /// reads their mean (a profile without them scores every window at full spread).
    #[serde(default)]
    pub events: SortedMap<String, Running>,
}

impl WindowModel {
    /// An empty profile.
    pub fn new(params: WindowParams) -> Self {
        WindowModel {
            params,
            windows: 0,
            features: SortedMap::new(),
            events: SortedMap::new(),
        }
    }

    /// Learns one window.
    pub fn update(&mut self, window: &[Feature]) {
        let decay = math::powf(0.5, 1.0 / self.params.half_life);
        self.windows += 1;
        for f in window.iter().filter(|f| f.value.is_finite()) {
            let Some(name) = f.id.name() else { continue };
            if f.events > 0 {
                let e = self
                    .events
                    .get_or_insert_with(name.clone(), Running::default);
                e.push(f.events as f64, decay);
            }
            let s = self.features.get_or_insert_with(name, Running::default);
            let mut y = f.value;
            // A finite mean is what `Running::push` keeps; checked here as well because
            // `clamp` panics on NaN bounds (a handler's panic, once, when it did not).
            if s.n >= WARMUP && s.mean.is_finite() {
                let sd = s.sd().max(MIN_SD);
                y = y.clamp(
                    s.mean - self.params.clip * sd,
                    s.mean + self.params.clip * sd,
                );
            }
            s.push(y, decay);
        }
    }

    /// The reference of a feature, once it has `min_windows` windows (its spread floored): what
    /// scoring reads.
    pub fn norm(&self, name: &str) -> Option<FeatureNorm> {
        let s = self.features.get(name)?;
        (s.n >= self.params.min_windows).then(|| FeatureNorm {
            mean: s.mean,
            sd: s.sd().max(MIN_SD),
            dof: s.w - 1.0,
            events: self.events.get(name).map_or(0.0, |e| e.mean),
        })
    }

    /// Every known feature's reference ([`WindowModel::norm`]) with its words (a name this
    /// build does not know is left out).
    pub fn norms(&self) -> SortedMap<FeatureId, (FeatureNorm, String)> {
        self.features
            .iter()
            .filter_map(|(name, _)| {
                let id = FeatureId::from_name(name)?;
                Some((id, (self.norm(name)?, id.label()?)))
            })
            .collect()
    }

    /// Deviations of the features this window shares with the profile, largest |z| first.
    pub fn deviations(&self, window: &[Feature]) -> Vec<Deviation> {
        deviations(window, |id| self.norm(&id.name()?))
    }

    /// Anomaly score: the weighted mean Student-t surprise over shared features
    /// ([`mean_surprise`]); `None` when none is shared.
    pub fn score(&self, window: &[Feature]) -> Option<f64> {
        mean_surprise(&self.deviations(window))
    }
}

/// Deviations of the features of `window` that `norm` has a reference for, largest |z| first.
pub fn deviations(
    window: &[Feature],
    norm: impl Fn(FeatureId) -> Option<FeatureNorm>,
) -> Vec<Deviation> {
    let mut d: Vec<Option<Deviation>> = window
        .iter()
        .filter_map(|f| {
            let n = norm(f.id)?;
            if !f.value.is_finite() {
                return None;
            }
            let diff = f.value - n.mean;
            Some(Some(Deviation {
                id: f.id,
                z: diff / n.sd * few_events(f.id, f.events, n.events),
                diff,
                log: f.log,
                dof: n.dof,
            }))
        })
        .collect();
    let z: Vec<f64> = d.iter().flatten().map(|x| x.z).collect();
    order_by_magnitude(&z)
        .into_iter()
        .filter_map(|i| d[i].take())
        .collect()
}

/// How much of a deviation counts when the window's statistic of pointer feature `id`
/// summarises `events` movements or presses and the profile's usually summarise `usual`:
/// `(events / usual)^⅜` (within ½ and 2), 1 when either is unknown and for free text: fewer
/// than usual widen the spread, more narrow it. A quartile of fewer
/// movements than usual varies more from window to window: by sampling alone its variance is
/// ∝ 1 / events (z would scale by the square root, an exponent of ½), but a window's movements
/// also differ by the task, which no count shrinks (an exponent of 0). The exponent between was
/// chosen on SapiMouse's development half (`telltale-eval pointer --users dev`, one-class AUC at
/// 15 / 30 / 60 s). With every feature at weight 1: 0.904 0.947 0.968 without it, 0.911 0.952
/// 0.974 with ¼, 0.909 0.949 0.969 with ½. With the feature weights ([`FeatureId::weight`]):
/// 0.924 0.964 0.977 without it, ¼ 0.930 0.967 0.980, ⅓ 0.931 0.968 0.979, ⅜ 0.932 0.968 0.977,
/// ½ 0.931 0.966 0.974: ⅜ is the best at 15 s (the accuracy aim's block, now the page's window)
/// and at 30 s (the page's window then). The held-out half moved 0.929 0.955 0.971 (¼) to 0.932 0.958 0.971.
///
/// Free text does not take it: with the scale learned leave-one-out
/// ([`crate::profile::leave_one_out`]) the session rule with it needed 91 s instead of 74 s to
/// keep to one false flag on Aalto's development half (docs/figures.md), for 0.003 of EER on
/// whole windows of 50 keystrokes.
pub(crate) fn few_events(id: FeatureId, events: u32, usual: f64) -> f64 {
    if !id.is_pointer() || events == 0 || !usual.is_finite() || usual < 1.0 {
        return 1.0;
    }
    // x^⅜ = x^¼ · x^⅛ by square roots (one instruction each in WebAssembly; `powf` would add
    // libm's `pow`, about 0.8 KB to the gzipped package). Halving or doubling z at most (from
    // about a sixth and six times the usual count, as 6.35^⅜ = 2): SapiMouse's 15 s windows
    // range over a third to twice their user's usual, and no count, however far off (a profile
    // learned from forged summaries), makes a deviation vanish.
    let quarter = math::sqrt(math::sqrt(events as f64 / usual));
    (quarter * math::sqrt(quarter)).clamp(0.5, 2.0)
}

/// The window detector's anomaly score: the mean Student-t surprise of the deviations, each
/// weighted by its feature's [`FeatureId::weight`] (a class pair's two medians count once, a
/// pointer feature by how well it told users apart on SapiMouse); `None` for none.
pub fn mean_surprise(d: &[Deviation]) -> Option<f64> {
    weighted_mean(d.iter().map(|x| (x.id, x.surprise())))
}

/// The mean of per-feature terms, each weighted by its feature's [`FeatureId::weight`]; `None`
/// for none.
pub fn weighted_mean(terms: impl Iterator<Item = (FeatureId, f64)>) -> Option<f64> {
    let (sum, weights) = terms.fold((0.0, 0.0), |(sum, weights), (id, v)| {
        let w = id.weight();
        (sum + w * v, weights + w)
    });
    (weights > 0.0).then(|| sum / weights)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{KeyClass, PointerKind};

    /// A profile of ten windows of `id` around 0 (spread 1), each a statistic of 20 events.
    fn profile(id: FeatureId) -> WindowModel {
        let mut m = WindowModel::new(WindowParams::default());
        for i in 0..10 {
            let v = if i % 2 == 0 { 1.0 } else { -1.0 };
            m.update(&[Feature::linear(id, v).of(20)]);
        }
        m
    }

    #[test]
    fn a_statistic_of_fewer_events_deviates_less_per_unit() {
        // Free text does not weigh by count.
        let key = FeatureId::key_hold(KeyClass::LetterLeft, false);
        let m = profile(key);
        let z = |f: Feature| m.deviations(&[f])[0].z;
        assert_eq!(
            z(Feature::linear(key, 3.0).of(5)),
            z(Feature::linear(key, 3.0))
        );
        let id = FeatureId::pointer_click_share(PointerKind::Mouse);
        let m = profile(id);
        let z = |f: Feature| m.deviations(&[f])[0].z;
        let usual = z(Feature::linear(id, 3.0).of(20));
        // A quarter of the movements: z times ¼^⅜ = 2^(-¾).
        assert!((z(Feature::linear(id, 3.0).of(5)) / usual - math::powf(2.0, -0.75)).abs() < 1e-12);
        // Under a sixth (3 of 20; 0.15^⅜ = 0.49, 0.15^¼ = 0.62): z halved at most.
        assert_eq!(z(Feature::linear(id, 3.0).of(3)), usual * 0.5);
        // More events than usual count more; an unknown count, as usual.
        assert!(z(Feature::linear(id, 3.0).of(80)) > usual);
        assert_eq!(z(Feature::linear(id, 3.0)), usual);
        // A profile stored before it kept counts scores every window at full spread.
        let mut old = m.clone();
        old.events = SortedMap::new();
        assert_eq!(
            old.deviations(&[Feature::linear(id, 3.0).of(5)])[0].z,
            usual
        );
    }
}
