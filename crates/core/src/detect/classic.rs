//! The mean-vector detectors of Killourhy and Maxion (DSN 2009), exactly as the paper describes.

use crate::math;
use crate::prelude::*;

use super::{check_train, column_means, Detector, Model};
use crate::error::Error;

/// Euclidean distance to the mean vector (squared, as in the paper; the order is the same).
#[derive(Debug, Clone, Copy, Default)]
pub struct Euclidean;

/// Manhattan (city-block) distance to the mean vector.
#[derive(Debug, Clone, Copy, Default)]
pub struct Manhattan;

/// Manhattan distance with each feature divided by its mean absolute deviation in training
/// (Araújo et al. 2004).
#[derive(Debug, Clone, Copy, Default)]
pub struct ManhattanScaled;

/// Counts features whose z-score exceeds a threshold (Haider et al. 2000).
#[derive(Debug, Clone, Copy)]
pub struct OutlierCount {
    /// |z| above this is an outlier: 1.96, the two-sided 5% point of the normal, as in the paper.
    pub threshold: f64,
}

impl Default for OutlierCount {
    fn default() -> Self {
        OutlierCount { threshold: 1.96 }
    }
}

/// A mean vector with per-feature weights: the model of every detector in this file.
#[derive(Debug, Clone)]
pub struct MeanModel {
    mean: Vec<f64>,
    scale: Vec<f64>,
    norm: Norm,
}

#[derive(Debug, Clone, Copy)]
enum Norm {
    L1,
    L2Squared,
    Count(f64),
}

impl Model for MeanModel {
    fn score(&self, x: &[f64]) -> f64 {
        let terms = x
            .iter()
            .zip(&self.mean)
            .zip(&self.scale)
            .map(|((x, m), s)| (x - m).abs() / s);
        match self.norm {
            Norm::L1 => terms.sum(),
            Norm::L2Squared => terms.map(|t| t * t).sum(),
            Norm::Count(th) => terms.filter(|t| *t > th).count() as f64,
        }
    }
}

/// Scale floor: a feature constant in training (all values equal) gets this scale instead of 0,
/// so it still counts without dividing by zero. 1e-9 is far below any timing resolution.
const MIN_SCALE: f64 = 1e-9;

fn fit_mean(
    train: &[Vec<f64>],
    norm: Norm,
    scale: impl Fn(&[Vec<f64>], usize, f64) -> f64,
) -> Result<MeanModel, Error> {
    let d = check_train(train, 1)?;
    let mean = column_means(train, d);
    let scale = (0..d)
        .map(|j| scale(train, j, mean[j]).max(MIN_SCALE))
        .collect();
    Ok(MeanModel { mean, scale, norm })
}

fn unit(_: &[Vec<f64>], _: usize, _: f64) -> f64 {
    1.0
}

fn mean_abs_dev(train: &[Vec<f64>], j: usize, m: f64) -> f64 {
    train.iter().map(|r| (r[j] - m).abs()).sum::<f64>() / train.len() as f64
}

fn std_dev(train: &[Vec<f64>], j: usize, m: f64) -> f64 {
    let n = train.len() as f64;
    math::sqrt(train.iter().map(|r| (r[j] - m) * (r[j] - m)).sum::<f64>() / (n - 1.0).max(1.0))
}

impl Detector for Euclidean {
    type Model = MeanModel;
    fn fit(&self, train: &[Vec<f64>]) -> Result<MeanModel, Error> {
        fit_mean(train, Norm::L2Squared, unit)
    }
}

impl Detector for Manhattan {
    type Model = MeanModel;
    fn fit(&self, train: &[Vec<f64>]) -> Result<MeanModel, Error> {
        fit_mean(train, Norm::L1, unit)
    }
}

impl Detector for ManhattanScaled {
    type Model = MeanModel;
    fn fit(&self, train: &[Vec<f64>]) -> Result<MeanModel, Error> {
        fit_mean(train, Norm::L1, mean_abs_dev)
    }
}

impl OutlierCount {
    /// Checks the parameters.
    pub fn check(self) -> Result<Self, Error> {
        if self.threshold.is_finite() && self.threshold > 0.0 {
            Ok(self)
        } else {
            Err(Error::InvalidParameter {
                name: "threshold",
                reason: "must be a positive number",
            })
        }
    }
}

impl Detector for OutlierCount {
    type Model = MeanModel;
    fn fit(&self, train: &[Vec<f64>]) -> Result<MeanModel, Error> {
        let p = self.check()?;
        check_train(train, 2)?;
        fit_mean(train, Norm::Count(p.threshold), std_dev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_on_a_toy_set() {
        let train = vec![vec![0.0, 0.0], vec![2.0, 4.0]];
        let x = [4.0, 2.0];
        assert_eq!(Manhattan.fit(&train).unwrap().score(&x), 3.0 + 0.0);
        assert_eq!(Euclidean.fit(&train).unwrap().score(&x), 9.0);
        // mean abs dev = 1 and 2
        assert_eq!(ManhattanScaled.fit(&train).unwrap().score(&x), 3.0);
        // sd = sqrt(2), sqrt(8): z = 3/1.414 = 2.12 > 1.96, 0
        assert_eq!(OutlierCount::default().fit(&train).unwrap().score(&x), 1.0);
    }

    #[test]
    fn bad_training_sets_are_rejected() {
        assert!(Manhattan.fit(&[]).is_err());
        assert!(Manhattan.fit(&[vec![1.0], vec![1.0, 2.0]]).is_err());
        assert!(Manhattan.fit(&[vec![f64::NAN]]).is_err());
        assert!(OutlierCount { threshold: -1.0 }
            .fit(&[vec![1.0], vec![2.0]])
            .is_err());
    }
}
