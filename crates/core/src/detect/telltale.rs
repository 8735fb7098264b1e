//! Telltale's fixed-text detector.
//!
//! Five choices, each general rather than fitted to a data set:
//! 1. **Log-like timing scale.** Keystroke times are roughly log-normal (Killourhy and Maxion's data
//!    and most since): a transform `sign(t)·ln(1 + |t|/τ)` makes a hold of 80 vs 100 ms as far apart
//!    as 160 vs 200 ms, and stays defined for negative up-down times (overlapping keys).
//! 2. **Ageing, at the user's own pace.** The profile is an exponentially weighted mean and
//!    variance: typing a memorised text speeds up and settles with practice, so recent entries
//!    describe the user best. How fast to forget differs between people (one still drifts after
//!    hundreds of entries, another is stable), so the profile keeps a ladder of half-lives and uses
//!    the one that has predicted this user's *next* entry best so far (prequential model selection,
//!    Dawid 1984): a choice learned from the user's own enrollment, not a constant.
//! 3. **Robust updates.** Each new entry is clipped to a few standard deviations of the profile
//!    before it updates it, so one distracted entry cannot widen the profile.
//! 4. **Bounded per-feature evidence.** The score is the mean of per-feature z², each capped: one
//!    wildly deviating timing (a hesitation) weighs no more than a few consistent deviations. The
//!    cap is where a genuine entry's |z| becomes implausible under the profile's own uncertainty:
//!    the two-sided 0.1% point of Student's t with `n - 1` degrees of freedom for a profile of `n`
//!    entries (8.6 at 5 entries, 4.8 at 10, 3.9 at 20, 3.3 at 200). A small profile's spread is
//!    an underestimate as often as not, so its genuine entries reach far; on a long-enrolled
//!    profile a deviation beyond 3.3 SD is a hesitation, not more evidence.
//! 5. **Each timing counted once.** A down-down time is the hold of its first key plus the
//!    up-down gap after it (`DD = H + UD`, exactly, in ms), so the score leaves it out
//!    ([`is_scored`]): with it, the mean of z² counted each hold's and each gap's deviation twice,
//!    as if the down-down time were independent evidence, while the holds and up-down gaps alone
//!    already describe every press and release of the entry.
//! 6. **A young profile's location is its median.** Typing times have a long right tail (a
//!    hesitation, a looked-for key), and before clipping starts (choice 3) nothing keeps one slow
//!    entry from pulling a profile's mean: through [`MEDIAN_ENTRIES`] entries a timing's
//!    reference is the weighted median of the entries learned (weights aged as the mean's), after
//!    that the clipped ageing mean.

use crate::math;
use crate::prelude::*;

use serde::{Deserialize, Serialize};

use super::{check_train, Detector, Model};
use crate::error::Error;
use crate::features::stats::Running;
use crate::scorer::Norm;

/// Parameters of [`TelltaleFixed`], checked once by [`TelltaleFixedParams::check`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelltaleFixedParams {
    /// Scale of the log transform in ms. 10 ms is the typing-timing floor: below it, differences
    /// are key-switch bounce and timer resolution (browsers round `timeStamp` to 0.1 ms–1 ms and
    /// some to 16.7 ms), so the transform is near-linear there and logarithmic above.
    pub tau_ms: f64,
    /// Shortest ageing half-life tried, in entries. 10: fewer entries give too noisy a variance
    /// (relative standard error of an SD from n values is about 1/sqrt(2n), 22% at 10).
    pub min_half_life: f64,
    /// Longest half-life tried; the ladder doubles from the shortest to the longest. 10 by
    /// default, a ladder of one rung: with 10 to 640 (seven rungs) the per-user selection picked
    /// the 10-entry rung for every CMU subject, so the ladder gave the same EER as the fixed
    /// half-life at 20 to 200 training entries (and 0.399 instead of 0.393 at 5, where no rung
    /// has been tested yet), and no other fixed-text data set shows it helping. A deployment
    /// that sees users drift at different paces can give a ladder back here.
    pub max_half_life: f64,
    /// Two-sided tail probability of Student's t (`n - 1` degrees of freedom for a profile of
    /// `n` entries) at which a timing's |z| is capped in the score (choice 4). 0.001, chosen on
    /// the CMU development half (even subjects, `telltale-eval keystroke --users dev --train
    /// 5,10,20,50,100,200`: 0.01 gave 0.260 0.246 0.185 0.135 0.079 0.048, 0.001 gave 0.242
    /// 0.215 0.170 0.126 0.073 0.047, 0.0001 gave 0.253 0.208 0.166 0.124 0.074 0.047. 0.001
    /// and 0.0001 tie on the mean over the six sizes (0.145); 0.001 is the conventional 0.1%
    /// point and the better at 5 entries, 0.0001 the better at 10 to 50 by 0.003 to 0.007; the mean
    /// |z| capped at 6 of `telltale-2` gave 0.276 0.238 0.179 0.130 0.077 0.051). `n` counts
    /// entries learned, not the ageing's effective sample (about 15 at a half-life of 10): with
    /// that, the cap stayed near 4.5 and the figures at 100 and 200 entries were worse (0.076,
    /// 0.050).
    pub cap_tail: f64,
    /// Incoming entries are clipped to this many standard deviations before updating. 3, the
    /// 3-sigma rule: a value beyond it is more likely a distraction than the user's typing.
    pub clip: f64,
    /// Entries before clipping starts: the variance of fewer is too unreliable to clip against.
    /// 10, the smallest sample with a usable standard deviation estimate (relative SE ≈ 24%).
    pub warmup: u32,
}

impl Default for TelltaleFixedParams {
    fn default() -> Self {
        TelltaleFixedParams {
            tau_ms: 10.0,
            min_half_life: 10.0,
            max_half_life: 10.0,
            cap_tail: 1e-3,
            clip: 3.0,
            warmup: 10,
        }
    }
}

impl TelltaleFixedParams {
    /// Checks every parameter; the result is a valid detector.
    pub fn check(self) -> Result<TelltaleFixed, Error> {
        let positive = |name, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(Error::InvalidParameter {
                    name,
                    reason: "must be a positive number",
                })
            }
        };
        positive("tau_ms", self.tau_ms)?;
        positive("min_half_life", self.min_half_life)?;
        positive("max_half_life", self.max_half_life)?;
        if self.max_half_life < self.min_half_life || self.max_half_life > 1e6 * self.min_half_life
        {
            return Err(Error::InvalidParameter {
                name: "max_half_life",
                reason: "must be at least min_half_life and at most a million times it",
            });
        }
        // 1e-9: a tail no smaller keeps the cap's search inside its bracket at one degree of
        // freedom (t = 6e8); 0.5: a larger tail would cap below the median deviation.
        if !(1e-9..=0.5).contains(&self.cap_tail) {
            return Err(Error::InvalidParameter {
                name: "cap_tail",
                reason: "must be a probability from 1e-9 to 0.5",
            });
        }
        positive("clip", self.clip)?;
        Ok(TelltaleFixed { params: self })
    }
}

/// Telltale's fixed-text detector (see the module docs). Build it with
/// [`TelltaleFixedParams::check`] or take the default.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TelltaleFixed {
    params: TelltaleFixedParams,
}

/// One rung of the half-life ladder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Rung {
    /// Half-life in entries.
    pub half_life: f64,
    /// Per-feature ageing statistics in transformed space.
    pub stats: Vec<Running>,
    /// Log-likelihood of each entry under this rung before it learned the entry, summed over the
    /// scored timings ([`is_scored`]).
    pub prequential: f64,
}

/// A fitted, streaming-updatable fixed-text profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TelltaleFixedModel {
    /// Parameters it was built with.
    pub params: TelltaleFixedParams,
    /// The half-life ladder; scores use the rung that predicts best.
    pub rungs: Vec<Rung>,
    /// Every entry learned, transformed (not clipped), while the profile holds at most
    /// [`MEDIAN_ENTRIES`]: what a young profile's weighted median reads (choice 6). Empty once
    /// the profile is older. Absent in a profile of an earlier model, which then keeps the mean.
    #[serde(default)]
    pub entries: Vec<Vec<f64>>,
}

/// Entries through which a timing's reference is the weighted median of the profile's entries
/// rather than its ageing mean (choice 6). Timings have a long right tail, and before clipping
/// starts (`warmup`, 10 entries) a single hesitation moves a mean of a few entries by a large
/// part of its spread; the median ignores it. Chosen on the CMU development half
/// (`telltale-eval keystroke --users dev --train 5,10,20,50,100,200`): the mean gave 0.202 0.190
/// 0.154 0.115 0.065 0.045 and 0.175 0.169 0.147 0.128 0.087 0.081 against practised impostors
/// (`--practised-impostors`); the median at every size 0.198 0.179 0.137 0.103 0.059 0.043, but
/// against practised impostors 0.175 0.165 0.143 0.127 0.089 0.084, worse at 100 and 200
/// entries (held-out half 0.114 and 0.095 became 0.116 and 0.098). Through 50 entries the median
/// is better against both kinds of impostor on both halves; by then clipping has had four
/// half-lives to keep the mean from the tail, and the profile stops keeping its entries.
pub const MEDIAN_ENTRIES: u64 = 50;

/// Smallest standard deviation in transformed units: about 1% of a timing, under which a user's
/// spread is below timer resolution and would make every other entry look infinitely far.
const MIN_SD: f64 = 0.01;

impl TelltaleFixedModel {
    /// An empty profile for vectors of `dims` timings.
    pub fn new(params: TelltaleFixedParams, dims: usize) -> Self {
        let mut rungs = Vec::new();
        let mut h = params.min_half_life;
        while h <= params.max_half_life * (1.0 + 1e-9) {
            rungs.push(Rung {
                half_life: h,
                stats: vec![Running::default(); dims],
                prequential: 0.0,
            });
            h *= 2.0;
        }
        TelltaleFixedModel {
            params,
            rungs,
            entries: Vec::new(),
        }
    }

    /// Half-life (entries) of the rung in use.
    pub fn half_life(&self) -> f64 {
        self.best()
            .map_or(self.params.min_half_life, |r| r.half_life)
    }

    /// Per-feature statistics (transformed space) of the rung in use.
    pub fn stats(&self) -> &[Running] {
        self.best().map_or(&[], |r| &r.stats)
    }

    /// Timings per entry.
    pub fn dims(&self) -> usize {
        self.stats().len()
    }

    fn best(&self) -> Option<&Rung> {
        self.rungs
            .iter()
            .max_by(|a, b| a.prequential.total_cmp(&b.prequential))
    }

    /// Entries learned so far.
    pub fn samples(&self) -> u64 {
        self.stats().first().map_or(0, |s| s.n)
    }

    /// `x` in the detector's comparison space.
    pub fn transformed(&self, x: &[f64]) -> Vec<f64> {
        x.iter()
            .enumerate()
            .map(|(i, v)| transform_at(i, *v, self.params.tau_ms))
            .collect()
    }

    /// The reference of each timing in the rung in use (its spread floored; its location the
    /// weighted median while the profile is young, choice 6): what scoring reads.
    pub fn norms(&self) -> Vec<Norm> {
        let mut norms: Vec<Norm> = self.stats().iter().map(norm_of).collect();
        if let Some(medians) = self.medians() {
            for (norm, median) in norms.iter_mut().zip(medians) {
                norm.mean = median;
            }
        }
        norms
    }

    /// Per timing, the weighted median of the entries learned, each weighted as the rung in use
    /// ages it (`0.5^(age / half-life)`), or `None` once the profile holds more than
    /// [`MEDIAN_ENTRIES`] (or it does not hold every entry it learned, each of the profile's
    /// length: a profile of an earlier model, or a stored one damaged).
    fn medians(&self) -> Option<Vec<f64>> {
        let n = self.entries.len();
        if n == 0
            || n as u64 != self.samples()
            || n as u64 > MEDIAN_ENTRIES
            || self.entries.iter().any(|e| e.len() != self.dims())
        {
            return None;
        }
        let decay = math::powf(0.5, 1.0 / self.half_life());
        let mut weights = vec![1.0; n];
        for j in (0..n.saturating_sub(1)).rev() {
            weights[j] = weights[j + 1] * decay;
        }
        let medians = (0..self.dims())
            .map(|i| {
                let mut pairs: Vec<(f64, f64)> = self
                    .entries
                    .iter()
                    .map(|e| e[i])
                    .zip(weights.iter().copied())
                    .collect();
                weighted_median(&mut pairs)
            })
            .collect();
        Some(medians)
    }

    /// The |z| cap of the score for this profile's size (choice 4): the two-sided `cap_tail`
    /// point of Student's t with `n - 1` degrees of freedom (at least one).
    pub fn cap(&self) -> f64 {
        self.cap_at(self.samples())
    }

    /// The |z| cap of a profile of `entries` entries ([`Self::cap`]).
    pub fn cap_at(&self, entries: u64) -> f64 {
        let dof = (entries as f64 - 1.0).max(1.0);
        math::student_t_quantile(self.params.cap_tail, dof)
    }

    /// Per-feature z-scores of `x` (transformed space).
    pub fn z_scores(&self, x: &[f64]) -> Vec<f64> {
        z_scores(x, self.params.tau_ms, self.norms())
    }

    /// Learns one entry (clipped once past warm-up).
    pub fn update(&mut self, x: &[f64]) -> Result<(), Error> {
        if x.len() != self.dims() {
            return Err(Error::DimensionMismatch {
                expected: self.dims(),
                got: x.len(),
            });
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Error::NotFinite { what: "timing" });
        }
        let y = self.transformed(x);
        let warm = self.samples() >= self.params.warmup as u64;
        let (cap, clip) = (self.cap(), self.params.clip);
        for rung in &mut self.rungs {
            let decay = math::powf(0.5, 1.0 / rung.half_life);
            for (i, (y, s)) in y.iter().zip(rung.stats.iter_mut()).enumerate() {
                let mut y = *y;
                if warm {
                    let sd = s.sd().max(MIN_SD);
                    let z = (y - s.mean) / sd;
                    if is_scored(i) {
                        // Gaussian log-density with the same cap as the score, over the timings
                        // the score reads: robust to outliers.
                        let c = z.abs().min(cap);
                        rung.prequential += -0.5 * c * c - math::ln(sd);
                    }
                    y = y.clamp(s.mean - clip * sd, s.mean + clip * sd);
                }
                s.push(y, decay);
            }
        }
        if self.samples() <= MEDIAN_ENTRIES {
            self.entries.push(y);
        } else {
            self.entries = Vec::new();
        }
        Ok(())
    }
}

/// The weighted median of `(value, weight)` pairs (reordered in place; weights positive, at
/// least one pair): the smallest value at which the cumulative weight reaches half the total, or
/// the midpoint of it and the next value when it reaches exactly half. An insertion sort (at
/// most [`MEDIAN_ENTRIES`] pairs), as [`crate::features::stats::sort`] keeps std's sorts out of
/// the WebAssembly.
fn weighted_median(pairs: &mut [(f64, f64)]) -> f64 {
    for k in 1..pairs.len() {
        let mut j = k;
        while j > 0 && pairs[j - 1].0 > pairs[j].0 {
            pairs.swap(j - 1, j);
            j -= 1;
        }
    }
    let half = 0.5 * pairs.iter().map(|p| p.1).sum::<f64>();
    let mut acc = 0.0;
    for (k, (v, w)) in pairs.iter().enumerate() {
        acc += w;
        if acc > half {
            return *v;
        }
        if acc == half {
            return pairs.get(k + 1).map_or(*v, |next| 0.5 * (v + next.0));
        }
    }
    pairs.last().map_or(0.0, |p| p.0)
}

/// The log-like timing scale of choice 1: `sign(t)·ln(1 + |t|/τ)`.
pub fn transform(t: f64, tau_ms: f64) -> f64 {
    t.signum() * math::ln_1p(t.abs() / tau_ms)
}

/// Scale of the transform of up-down timings, in ms. Up-down times straddle zero (a key pressed
/// before the previous one is released gives a negative time, and typists roll over some pairs
/// and not others), so they are no log-normal quantity: with τ = 1000 ms the transform is within
/// 15% of linear over the whole range of up-down times (|t| < 300 ms). On a log scale (τ = 10 ms,
/// as hold and down-down times) a gap of +5 ms and one of -5 ms were as far apart as 30 ms and
/// 150 ms, and the CMU benchmark's EER was 0.052 instead of 0.047 at 200 training entries and
/// 0.39 instead of 0.28 at five (`telltale-eval keystroke --train 5,200`, README).
pub const UD_TAU_MS: f64 = 1000.0;

/// The transform of timing `i` of an entry in the fixed-text layout (`H, DD, UD` per position,
/// [`crate::features::FixedSample`]): hold and down-down times with `tau_ms`, up-down times with
/// [`UD_TAU_MS`].
pub fn transform_at(i: usize, t: f64, tau_ms: f64) -> f64 {
    transform(t, if i % 3 == 2 { UD_TAU_MS } else { tau_ms })
}

/// A timing's reference: its ageing mean and floored spread.
fn norm_of(s: &Running) -> Norm {
    Norm {
        mean: s.mean,
        sd: s.sd().max(MIN_SD),
    }
}

/// Per-timing z-scores of `x` against `norms`, in transformed space (the profile's and the
/// scorer's: one computation).
pub fn z_scores(x: &[f64], tau_ms: f64, norms: impl IntoIterator<Item = Norm>) -> Vec<f64> {
    x.iter()
        .zip(norms)
        .enumerate()
        .map(|(i, (v, n))| (transform_at(i, *v, tau_ms) - n.mean) / n.sd)
        .collect()
}

/// Whether timing `i` of the fixed-text layout (`H, DD, UD` per position) counts in the score
/// (choice 5): hold and up-down times do, down-down times do not (each is a hold plus an up-down
/// gap). Chosen on the CMU development half (`telltale-eval keystroke --users dev --train
/// 5,10,20,50,100,200`): every timing gave 0.242 0.215 0.170 0.126 0.073 0.047; holds and
/// up-down gaps 0.202 0.190 0.154 0.115 0.065 0.045; holds and down-down times (the other
/// non-redundant pair) 0.246 0.222 0.175 0.130 0.079 0.047 on the log scale and 0.200 0.186
/// 0.148 0.110 0.068 0.047 on the near-linear one, which lost at 100 and 200 entries and to
/// practised impostors (0.085 against 0.081 at 200); down-down times at half weight 0.225 0.204
/// 0.161 0.119 0.067 0.044.
pub fn is_scored(i: usize) -> bool {
    i % 3 != 1
}

/// The score of choices 4 and 5: the mean over the scored timings ([`is_scored`]) of their z²,
/// each capped at `cap²`. `z` is in the fixed-text layout ([`z_scores`]).
pub fn mean_capped_square(z: &[f64], cap: f64) -> f64 {
    let (sum, n) = z
        .iter()
        .enumerate()
        .filter(|(i, _)| is_scored(*i))
        .fold((0.0, 0usize), |(sum, n), (_, z)| {
            (sum + (z * z).min(cap * cap), n + 1)
        });
    sum / n.max(1) as f64
}

impl Model for TelltaleFixedModel {
    fn score(&self, x: &[f64]) -> f64 {
        mean_capped_square(&self.z_scores(x), self.cap())
    }
}

impl Detector for TelltaleFixed {
    type Model = TelltaleFixedModel;
    fn fit(&self, train: &[Vec<f64>]) -> Result<TelltaleFixedModel, Error> {
        let d = check_train(train, 2)?;
        let mut m = TelltaleFixedModel::new(self.params, d);
        for row in train {
            m.update(row)?;
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_median_takes_half_the_weight() {
        assert_eq!(
            weighted_median(&mut [(3.0, 1.0), (1.0, 1.0), (2.0, 1.0)]),
            2.0
        );
        assert_eq!(weighted_median(&mut [(1.0, 1.0), (2.0, 1.0)]), 1.5);
        assert_eq!(weighted_median(&mut [(1.0, 1.0), (5.0, 3.0)]), 5.0);
    }

    #[test]
    fn a_young_profile_is_centred_on_its_median_until_it_is_older() {
        let mut m = TelltaleFixedModel::new(TelltaleFixedParams::default(), 1);
        for hold in [100.0, 102.0, 98.0, 101.0, 400.0] {
            m.update(&[hold]).unwrap();
        }
        // One slow entry pulls the mean, not the median.
        let t = |ms: f64| transform(ms, 10.0);
        assert_eq!(m.norms()[0].mean, t(101.0));
        assert!(m.stats()[0].mean > t(120.0));
        for _ in 5..MEDIAN_ENTRIES {
            m.update(&[100.0]).unwrap();
        }
        assert_eq!(m.entries.len() as u64, MEDIAN_ENTRIES);
        m.update(&[100.0]).unwrap();
        assert!(m.entries.is_empty());
        assert_eq!(m.norms()[0].mean, m.stats()[0].mean);
    }
}
