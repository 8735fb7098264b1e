//! Anomaly detectors behind one small trait (linfa's fit / predict): fit on a user's enrollment
//! samples, then score a new sample; a higher score means less like the user.
//!
//! The classic detectors of Killourhy and Maxion (DSN 2009) are here so that the paper can be
//! reproduced; Telltale's own detectors are [`TelltaleFixed`] for fixed text and
//! [`WindowModel`] for free-text and pointer windows.

use crate::prelude::*;

mod classic;
#[cfg(feature = "std")]
mod mahalanobis;
mod population;
mod telltale;
mod window;

pub use classic::{Euclidean, Manhattan, ManhattanScaled, OutlierCount};
#[cfg(feature = "std")]
pub use mahalanobis::{Mahalanobis, NearestNeighborMahalanobis};
pub use population::{PopulationModel, WindowPopulationModel};
pub use telltale::{
    is_scored, mean_capped_square, transform, z_scores, Rung, TelltaleFixed, TelltaleFixedModel,
    TelltaleFixedParams,
};
pub use window::{deviations, mean_surprise, weighted_mean, Deviation, WindowModel, WindowParams};

use crate::error::Error;

/// A fitted model: scores one sample.
pub trait Model {
    /// Anomaly score of `x`: higher means less like the training samples.
    fn score(&self, x: &[f64]) -> f64;
}

/// A one-class detector: learns a model from one user's samples only.
pub trait Detector {
    /// What `fit` returns.
    type Model: Model;
    /// Fits on `train` (rows of equal length, finite).
    fn fit(&self, train: &[Vec<f64>]) -> Result<Self::Model, Error>;
}

/// Checks a training set: at least `min` rows, all of one length, all finite. Returns the length.
pub fn check_train(train: &[Vec<f64>], min: usize) -> Result<usize, Error> {
    if train.len() < min {
        return Err(Error::TooFewSamples {
            needed: min,
            got: train.len(),
        });
    }
    let d = train[0].len();
    for row in train {
        if row.len() != d {
            return Err(Error::DimensionMismatch {
                expected: d,
                got: row.len(),
            });
        }
        if row.iter().any(|v| !v.is_finite()) {
            return Err(Error::NotFinite {
                what: "training value",
            });
        }
    }
    Ok(d)
}

/// Column means of `train`.
pub(crate) fn column_means(train: &[Vec<f64>], d: usize) -> Vec<f64> {
    let mut m = vec![0.0; d];
    for row in train {
        for (a, b) in m.iter_mut().zip(row) {
            *a += b;
        }
    }
    let n = train.len() as f64;
    m.iter_mut().for_each(|a| *a /= n);
    m
}

/// The fixed-text detectors by name, for command lines and configuration (eval's registry of
/// the published detectors; the Mahalanobis ones need std).
#[cfg(feature = "std")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixedDetector {
    /// Scaled Manhattan (Araújo et al. 2004).
    ManhattanScaled,
    /// z-score outlier count (Haider et al. 2000).
    OutlierCount,
    /// Nearest neighbour in Mahalanobis distance (Cho et al. 2000).
    NearestNeighborMahalanobis,
    /// Mahalanobis distance to the mean.
    Mahalanobis,
    /// Manhattan distance to the mean.
    Manhattan,
    /// Euclidean distance to the mean.
    Euclidean,
    /// Telltale's default.
    Telltale,
}

/// A fitted model of any fixed-text detector.
#[cfg(feature = "std")]
pub type BoxedModel = Box<dyn Model + Send + Sync>;

#[cfg(feature = "std")]
impl FixedDetector {
    /// Every detector, Telltale's first.
    pub const ALL: [FixedDetector; 7] = [
        FixedDetector::Telltale,
        FixedDetector::ManhattanScaled,
        FixedDetector::NearestNeighborMahalanobis,
        FixedDetector::OutlierCount,
        FixedDetector::Mahalanobis,
        FixedDetector::Manhattan,
        FixedDetector::Euclidean,
    ];

    /// Stable name (`manhattan-scaled`).
    pub fn name(self) -> &'static str {
        match self {
            FixedDetector::ManhattanScaled => "manhattan-scaled",
            FixedDetector::OutlierCount => "outlier-count",
            FixedDetector::NearestNeighborMahalanobis => "nn-mahalanobis",
            FixedDetector::Mahalanobis => "mahalanobis",
            FixedDetector::Manhattan => "manhattan",
            FixedDetector::Euclidean => "euclidean",
            FixedDetector::Telltale => "telltale",
        }
    }

    /// Looks a detector up by [`FixedDetector::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Fits the detector with its default parameters.
    pub fn fit(self, train: &[Vec<f64>]) -> Result<BoxedModel, Error> {
        Ok(match self {
            FixedDetector::ManhattanScaled => Box::new(ManhattanScaled.fit(train)?),
            FixedDetector::OutlierCount => Box::new(OutlierCount::default().fit(train)?),
            FixedDetector::NearestNeighborMahalanobis => {
                Box::new(NearestNeighborMahalanobis.fit(train)?)
            }
            FixedDetector::Mahalanobis => Box::new(Mahalanobis.fit(train)?),
            FixedDetector::Manhattan => Box::new(Manhattan.fit(train)?),
            FixedDetector::Euclidean => Box::new(Euclidean.fit(train)?),
            FixedDetector::Telltale => Box::new(TelltaleFixed::default().fit(train)?),
        })
    }
}
