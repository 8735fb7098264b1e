//! Mahalanobis detectors. The CMU benchmark's up-down columns are exact differences of other
//! columns (UD = DD - H), so the covariance matrix is singular and a pseudo-inverse is needed.

use crate::math;
use crate::prelude::*;

use nalgebra::{DMatrix, SymmetricEigen};

use super::{check_train, column_means, Detector, Model};
use crate::error::Error;

/// Eigenvalues below this share of the largest count as zero in the pseudo-inverse: the tolerance
/// of R's `MASS::ginv` (sqrt of machine epsilon), which the CMU paper's R code used.
const PINV_RTOL: f64 = 1.490_116_119_384_765_6e-8;

/// Mahalanobis distance to the mean vector, with the pseudo-inverse covariance.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mahalanobis;

/// Mahalanobis distance to the nearest training vector (Cho et al. 2000).
#[derive(Debug, Clone, Copy, Default)]
pub struct NearestNeighborMahalanobis;

/// `W` with `Wᵀ W = S⁺`: squared Mahalanobis distance is a squared Euclidean distance after `W`.
#[derive(Debug, Clone)]
pub struct Whitener {
    rows: Vec<Vec<f64>>,
}

impl Whitener {
    /// From the training rows' covariance (n - 1 in the denominator).
    pub fn fit(train: &[Vec<f64>], mean: &[f64]) -> Self {
        let d = mean.len();
        let n = train.len();
        let mut cov = DMatrix::<f64>::zeros(d, d);
        for row in train {
            for i in 0..d {
                let di = row[i] - mean[i];
                for j in i..d {
                    cov[(i, j)] += di * (row[j] - mean[j]);
                }
            }
        }
        let denom = (n as f64 - 1.0).max(1.0);
        for i in 0..d {
            for j in i..d {
                let v = cov[(i, j)] / denom;
                cov[(i, j)] = v;
                cov[(j, i)] = v;
            }
        }
        let eig = SymmetricEigen::new(cov);
        let max = eig.eigenvalues.iter().cloned().fold(0.0, f64::max);
        let rows = (0..d)
            .filter(|&k| eig.eigenvalues[k] > max * PINV_RTOL)
            .map(|k| {
                let s = math::sqrt(eig.eigenvalues[k]);
                (0..d).map(|i| eig.eigenvectors[(i, k)] / s).collect()
            })
            .collect();
        Whitener { rows }
    }

    /// `W x`.
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        self.rows
            .iter()
            .map(|r| r.iter().zip(x).map(|(a, b)| a * b).sum())
            .collect()
    }
}

fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Model of [`Mahalanobis`].
#[derive(Debug, Clone)]
pub struct MahalanobisModel {
    w: Whitener,
    center: Vec<f64>,
}

impl Model for MahalanobisModel {
    fn score(&self, x: &[f64]) -> f64 {
        sq_dist(&self.w.apply(x), &self.center)
    }
}

impl Detector for Mahalanobis {
    type Model = MahalanobisModel;
    fn fit(&self, train: &[Vec<f64>]) -> Result<MahalanobisModel, Error> {
        let d = check_train(train, 2)?;
        let mean = column_means(train, d);
        let w = Whitener::fit(train, &mean);
        let center = w.apply(&mean);
        Ok(MahalanobisModel { w, center })
    }
}

/// Model of [`NearestNeighborMahalanobis`]: the whitened training vectors.
#[derive(Debug, Clone)]
pub struct NearestModel {
    w: Whitener,
    train: Vec<Vec<f64>>,
}

impl Model for NearestModel {
    fn score(&self, x: &[f64]) -> f64 {
        let z = self.w.apply(x);
        self.train
            .iter()
            .map(|t| sq_dist(&z, t))
            .fold(f64::INFINITY, f64::min)
    }
}

impl Detector for NearestNeighborMahalanobis {
    type Model = NearestModel;
    fn fit(&self, train: &[Vec<f64>]) -> Result<NearestModel, Error> {
        let d = check_train(train, 2)?;
        let mean = column_means(train, d);
        let w = Whitener::fit(train, &mean);
        let train = train.iter().map(|t| w.apply(t)).collect();
        Ok(NearestModel { w, train })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // Test data only: any smooth values do (clippy.toml keeps std's sin/cos out of scoring).
    #[allow(clippy::disallowed_methods)]
    fn singular_covariance_is_handled() {
        // third column = first + second: covariance of rank 2
        let train: Vec<Vec<f64>> = (0..20)
            .map(|i| {
                let a = (i as f64 * 0.7).sin();
                let b = (i as f64 * 1.3).cos();
                vec![a, b, a + b]
            })
            .collect();
        let m = Mahalanobis.fit(&train).unwrap();
        let mean = column_means(&train, 3);
        assert!(m.score(&mean) < 1e-9);
        let far = [mean[0] + 3.0, mean[1], mean[2] + 3.0];
        assert!(m.score(&far).is_finite() && m.score(&far) > 1.0);
        let nn = NearestNeighborMahalanobis.fit(&train).unwrap();
        assert!(nn.score(&train[3]) < 1e-9);
    }

    #[test]
    fn whitening_matches_diagonal_variance() {
        let train = vec![
            vec![0.0, 0.0],
            vec![2.0, 0.0],
            vec![0.0, 4.0],
            vec![2.0, 4.0],
        ];
        let m = Mahalanobis.fit(&train).unwrap();
        // variances 4/3 and 16/3, independent
        let s = m.score(&[3.0, 2.0]);
        assert!((s - (4.0 / (4.0 / 3.0))).abs() < 1e-9, "{s}");
    }
}
