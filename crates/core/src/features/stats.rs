//! Small statistics helpers shared by every feature: distributions of a window's values and
//! streaming (optionally ageing) mean and variance for profiles.

use crate::math;
use crate::prelude::*;

use serde::{Deserialize, Serialize};

/// Fewest events a bucket may summarise (docs/design.md privacy rule 3): a statistic over fewer than
/// five events is too close to a single event's timing to leave the browser.
pub const MIN_BUCKET: usize = 5;

/// `x` rounded to six significant decimal digits, as every statistic a summary reports is.
/// Six digits are a relative step of at most 5 in a million: 0.001 ms on a 100 ms hold, below
/// the finest clock a page has (High Resolution Time coarsens `event.timeStamp` to 5 µs in a
/// cross-origin isolated page, 100 µs otherwise), 0.01 ms on a 1 s gap; either is far below any
/// detector's spread (people vary by milliseconds). Unrounded, a statistic is printed with
/// 17 digits of arithmetic noise (`162.10698068824544`), which made the largest summary 39.7 KB
/// of JSON (`tests/sizes.rs`) against the 16 KiB a beacon may carry; rounded, it is printed
/// as the six-digit decimal (`162.107`).
///
/// Scaled by an exact power of ten (every `10^k` up to `10^22` is an `f64`), rounded to a whole
/// number, scaled back: each step is one IEEE 754 operation, so the browser and the server
/// get the same bits, and the result is the `f64` nearest a six-digit decimal, which prints as
/// that decimal. Zero, values outside `1e-15..1e21` and non-finite values are returned as they are.
pub fn rounded(x: f64) -> f64 {
    let a = x.abs();
    if !(1e-15..1e21).contains(&a) {
        return x;
    }
    let mut p = 1.0;
    if a < 1e5 {
        while a * p < 1e5 {
            p *= 10.0;
        }
        math::round(x * p) / p
    } else {
        while a / p >= 1e6 {
            p *= 10.0;
        }
        math::round(x / p) * p
    }
}

/// The distribution of one quantity over a window: count, mean, standard deviation and quartiles.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dist {
    /// Number of values (always >= [`MIN_BUCKET`] in a summary).
    pub n: u32,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator).
    pub sd: f64,
    /// First quartile.
    pub q25: f64,
    /// Median.
    pub q50: f64,
    /// Third quartile.
    pub q75: f64,
}

impl Dist {
    /// Summarises `values` (reordered in place), every statistic [`rounded`]. `None` when there
    /// are fewer than [`MIN_BUCKET`] values or any value is not finite.
    pub fn of(values: &mut [f64]) -> Option<Dist> {
        if values.len() < MIN_BUCKET || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        sort(values);
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
        Some(Dist {
            n: values.len() as u32,
            mean: rounded(mean),
            sd: rounded(math::sqrt(var.max(0.0))),
            q25: rounded(quantile_sorted(values, 0.25)),
            q50: rounded(quantile_sorted(values, 0.5)),
            q75: rounded(quantile_sorted(values, 0.75)),
        })
    }
}

/// Sorts finite values ascending, in place, in O(n log n) (heapsort). Written out because each
/// instantiation of std's sorts costs the browser's WebAssembly 3-8 KB (twiggy), and the engine
/// needs only this one; `tests/properties.rs` checks it against `slice::sort_by`.
pub fn sort(v: &mut [f64]) {
    fn sift_down(v: &mut [f64], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && v[child] < v[child + 1] {
                child += 1;
            }
            if v[root] >= v[child] {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    let n = v.len();
    for root in (0..n / 2).rev() {
        sift_down(v, root, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

/// Indices of `keys` by descending magnitude, ties in index order (a stable insertion sort: the
/// lists ordered here, a window's features or a fixed text's timings, have at most a few
/// hundred entries, and it keeps std's sort machinery out of the WebAssembly, as [`sort`] does).
pub fn order_by_magnitude(keys: &[f64]) -> Vec<usize> {
    let mut idx: Vec<usize> = Vec::with_capacity(keys.len());
    for i in 0..keys.len() {
        let m = keys[i].abs();
        let at = idx
            .iter()
            .position(|&j| keys[j].abs() < m)
            .unwrap_or(idx.len());
        idx.insert(at, i);
    }
    idx
}

/// Quantile `q` of sorted `values`, linear interpolation between order statistics (Hyndman and
/// Fan type 7, the default of R and numpy). `NaN` for an empty slice.
pub fn quantile_sorted(values: &[f64], q: f64) -> f64 {
    match values.len() {
        0 => f64::NAN,
        1 => values[0],
        n => {
            let h = q.clamp(0.0, 1.0) * (n - 1) as f64;
            // `h` is not negative, so the cast's truncation is its floor.
            let lo = h as usize;
            let hi = (lo + 1).min(n - 1);
            values[lo] + (h - lo as f64) * (values[hi] - values[lo])
        }
    }
}

/// Mean of a slice (`NaN` when empty).
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Streaming weighted mean and variance (West 1979), with optional exponential ageing: each new
/// value first multiplies the weight of everything seen before by `decay` (1 = no ageing).
/// Serialisable so that profiles can be stored and shipped to the browser.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Running {
    /// Values seen (not aged).
    pub n: u64,
    /// Total weight after ageing.
    pub w: f64,
    /// Weighted mean.
    pub mean: f64,
    /// Weighted sum of squared deviations.
    pub m2: f64,
}

impl Running {
    /// Adds `x` with weight 1 after ageing the past by `decay` (0 < decay <= 1). A value whose
    /// update would not be finite (a NaN, or one so large that its square overflows) is left
    /// out: one such value would otherwise end the statistics for good.
    pub fn push(&mut self, x: f64, decay: f64) {
        let w = self.w * decay + 1.0;
        let d = x - self.mean;
        let mean = self.mean + d / w;
        let m2 = self.m2 * decay + d * (x - mean);
        if !(mean.is_finite() && m2.is_finite()) {
            return;
        }
        self.n += 1;
        (self.w, self.mean, self.m2) = (w, mean, m2);
    }

    /// Variance with the weighted analogue of Bessel's correction (effective sample size), or 0
    /// with fewer than two values.
    pub fn var(&self) -> f64 {
        if self.n < 2 || self.w <= 1.0 {
            return 0.0;
        }
        (self.m2 / (self.w - 1.0).max(1e-12)).max(0.0)
    }

    /// Standard deviation.
    pub fn sd(&self) -> f64 {
        math::sqrt(self.var())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_leaves_out_what_would_not_be_finite() {
        let mut r = Running::default();
        for x in [1.0, 2.0, 3.0] {
            r.push(x, 1.0);
        }
        let before = r;
        for x in [f64::NAN, f64::INFINITY, 1e300, -1e300] {
            r.push(x, 0.9);
            assert_eq!(r, before, "{x}");
        }
        r.push(4.0, 1.0);
        assert_eq!((r.n, r.mean), (4, 2.5));
    }

    #[test]
    fn quantiles_match_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&v, 0.25), 1.75);
        assert_eq!(quantile_sorted(&v, 0.5), 2.5);
        assert_eq!(quantile_sorted(&v, 0.75), 3.25);
        assert!(quantile_sorted(&[], 0.5).is_nan());
    }

    #[test]
    fn dist_needs_five_finite_values() {
        assert!(Dist::of(&mut [1.0, 2.0, 3.0, 4.0]).is_none());
        assert!(Dist::of(&mut [1.0, 2.0, 3.0, 4.0, f64::NAN]).is_none());
        let d = Dist::of(&mut [5.0, 1.0, 4.0, 2.0, 3.0]).unwrap();
        assert_eq!((d.n, d.mean, d.q50), (5, 3.0, 3.0));
        assert_eq!(d.sd, 1.58114, "the square root of 2.5, to six digits");
    }

    /// Significant digits of `x` as Rust prints it (the shortest decimal that reads back as `x`,
    /// as JavaScript prints it too).
    fn digits(x: f64) -> usize {
        let s = format!("{}", x.abs());
        let d: String = s.chars().filter(char::is_ascii_digit).collect();
        d.trim_start_matches('0').trim_end_matches('0').len().max(1)
    }

    #[test]
    fn rounded_keeps_six_digits() {
        for (x, r) in [
            (162.10698068824544, 162.107),
            (-0.001_345_499_9, -0.001_345_5),
            (120015143.6728821, 120015000.0),
            (999_999.7, 1_000_000.0),
            (87.30000001192093, 87.3),
            (0.0, 0.0),
            (5e-300, 5e-300),
        ] {
            assert_eq!(rounded(x), r, "{x}");
        }
        assert!(rounded(f64::NAN).is_nan());
        assert_eq!(rounded(f64::INFINITY), f64::INFINITY);
        // Against std's correctly rounded formatting to six significant digits, over
        // magnitudes from 1e-15 to 1e21: the same to the last digit but for exact ties in the
        // scaled value, which the two break differently, and never more than half a unit of
        // the sixth digit away.
        let mut x: f64 = 1.234_567_890_123e-15;
        while x < 1e21 {
            for s in [x, -x, x * 1.618_033_988_749_895, x * 9.99] {
                if s.abs() >= 1e21 {
                    continue;
                }
                let r = rounded(s);
                assert!(digits(r) <= 6, "{s} -> {r}");
                let naive: f64 = format!("{s:.5e}").parse().unwrap();
                assert!(
                    (r - naive).abs() <= 1e-5 * naive.abs(),
                    "{s}: {r} vs {naive}"
                );
                assert!((r - s).abs() <= 5.000_001e-6 * s.abs(), "{s} -> {r}");
            }
            x *= 3.7;
        }
    }

    #[test]
    fn running_without_ageing_is_sample_variance() {
        let mut r = Running::default();
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            r.push(x, 1.0);
        }
        assert!((r.mean - 5.0).abs() < 1e-12);
        assert!((r.var() - 32.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn ageing_follows_drift() {
        let mut r = Running::default();
        for _ in 0..100 {
            r.push(0.0, 0.9);
        }
        for _ in 0..100 {
            r.push(10.0, 0.9);
        }
        assert!(r.mean > 9.9);
    }
}
