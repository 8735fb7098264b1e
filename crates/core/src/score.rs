//! Scores: what a reviewer, the host page and the server see.

use serde::{Deserialize, Serialize};

use crate::features::stats::Running;
use crate::math;
use crate::prelude::*;
use crate::scorer::Norm;

/// Version of the scoring model; a score names the model that made it, so that the server's
/// re-score and the browser's can be compared and old scores read correctly, and the browser
/// refuses a scorer of another model (`Scorer::unpack`). Every change to what the model computes
/// (a transform, a default parameter, a calibration) needs a new version: `telltale-2` put
/// fixed-text up-down times on a near-linear scale, and under the old name a collector built
/// before read the new profiles' up-down references on the log scale (genuine entries scored
/// near 0); `telltale-3` scores a fixed-text entry by its capped z² with a cap that follows the
/// profile's size; `telltale-4` leaves down-down times out of that score (each is a hold plus an
/// up-down gap), so a profile's calibration of `telltale-3` scores does not describe its scores;
/// `telltale-5` lets a free-text window's class-pair medians (down-down and up-down) count half
/// each in its score ([`crate::features::FeatureId::weight`]); `telltale-6` widens the spread of
/// a window statistic of fewer events than the profile usually has (`detect::window::few_events`)
/// and profiles keep each feature's usual count; `telltale-7` learns a window modality's
/// similarity scale at enrollment from each enrollment window scored against all the others
/// ([`crate::profile::leave_one_out`]), keeping those windows in the profile until then;
/// `telltale-8` takes a young fixed-text profile's reference of each timing from the weighted
/// median of its entries (`detect::MEDIAN_ENTRIES`); `telltale-9` weighs each pointer feature by
/// how much further an impostor's window deviates in it than the user's next session does
/// ([`crate::features::FeatureId::weight`]); `telltale-10` weighs a pointer deviation by its
/// window's count of events to the power ⅜, not ¼ (`detect::window::few_events`); `telltale-11`
/// combines a summary's parts (free text, pointer, fixed text) by Fisher's method, where the
/// least similar decided alone (`scorer::combined`).
/// `tests/model_version.rs` pins what each version computes.
pub const MODEL_VERSION: &str = "telltale-11";

/// Whether `version` names a scoring model older than this build's: `telltale-N` with N below
/// this build's number. A profile of an older model is learned again; one of a newer model (a
/// rollback, or replicas of two builds at once) is not this build's to overwrite.
pub fn is_older_model(version: &str) -> bool {
    let number = |v: &str| v.strip_prefix("telltale-")?.parse::<u32>().ok();
    match (number(version), number(MODEL_VERSION)) {
        (Some(theirs), Some(ours)) => theirs < ours,
        _ => false,
    }
}

/// What the portal should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    /// No enrolled profile for what this summary holds yet.
    Enrolling,
    /// Looks like the user.
    Allow,
    /// Unusual: put it in front of a reviewer.
    Review,
    /// Very unusual or automated: ask the user to authenticate again.
    StepUp,
}

impl Band {
    /// Every band.
    pub const ALL: [Band; 4] = [Band::Enrolling, Band::Allow, Band::Review, Band::StepUp];

    /// Stable name (as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            Band::Enrolling => "enrolling",
            Band::Allow => "allow",
            Band::Review => "review",
            Band::StepUp => "step_up",
        }
    }
}

/// Similarity under this is `review`: 5 means one in twenty of the user's own samples would be
/// sent to review, the usual operating point of a second-line monitor.
pub const REVIEW_BELOW: f64 = 5.0;
/// Similarity under this is `step_up`: one in a hundred of the user's own samples.
pub const STEP_UP_BELOW: f64 = 1.0;

/// A score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Score {
    /// 0-100: the share (in percent) of this user's own samples that looked less like the user
    /// than this one did. Genuine samples spread evenly over 0-100; an impostor's sit near 0.
    pub similarity: f64,
    /// What to do.
    pub band: Band,
    /// 0 (human) to 1 (automated).
    pub automation: f64,
    /// The features that deviated most, in words.
    pub reasons: Vec<String>,
    /// [`MODEL_VERSION`].
    pub model_version: String,
}

impl Score {
    /// The similarity as evidence of who is typing: `None` while enrolling, and for a window
    /// that reached the automation verdict (its band is `step_up` whatever the profile says,
    /// and its `similarity` may be the placeholder 100 of a window nothing scored).
    pub fn identity_similarity(&self) -> Option<f64> {
        let automated = self.automation >= crate::automation::AUTOMATION_VERDICT;
        (self.band != Band::Enrolling && !automated && self.similarity.is_finite())
            .then_some(self.similarity)
    }

    /// The band for a similarity and an automation score.
    pub fn band_for(similarity: Option<f64>, automation: f64) -> Band {
        if automation >= crate::automation::AUTOMATION_VERDICT {
            return Band::StepUp;
        }
        match similarity {
            None => Band::Enrolling,
            Some(s) if s < STEP_UP_BELOW => Band::StepUp,
            Some(s) if s < REVIEW_BELOW => Band::Review,
            Some(_) => Band::Allow,
        }
    }
}

/// Genuine scores needed before a similarity is given: with fewer, the spread of the user's own
/// scores is unknown.
pub const MIN_CALIBRATION: u64 = 5;

/// Calibration of anomaly scores into similarities: the running mean and spread of the logs of
/// the user's own scores (each sample scored against the profile before it learned from it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// Statistics of ln(score) of the user's own samples.
    pub log_scores: Running,
}

/// Floor of anomaly scores before the log (a perfect match scores 0).
pub(crate) const SCORE_FLOOR: f64 = 1e-6;

impl Calibration {
    /// Learns one genuine score.
    pub fn push(&mut self, score: f64, decay: f64) {
        if score.is_finite() {
            self.log_scores
                .push(math::ln(score.max(SCORE_FLOOR)), decay);
        }
    }

    /// What scoring reads: the mean and spread (floored) of the log-scores, or `None` before
    /// [`MIN_CALIBRATION`] scores.
    pub fn norm(&self) -> Option<Norm> {
        (self.log_scores.n >= MIN_CALIBRATION).then(|| Norm {
            mean: self.log_scores.mean,
            // Floor: a user whose own scores were all alike would otherwise make every other
            // score infinitely unusual (1e-3 on the log scale is a 0.1% spread).
            sd: self.log_scores.sd().max(1e-3),
        })
    }
}

/// Upper tail of the standard normal, `P(Z > z)`, from the complementary error function of
/// Numerical Recipes (`erfcc`, fractional error under 1.2e-7 everywhere).
pub fn normal_sf(z: f64) -> f64 {
    0.5 * erfc(z / core::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    // Chebyshev fit coefficients from Numerical Recipes in C, 2nd ed., section 6.2.
    let r = t * math::exp(
        -z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))),
    );
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_models_are_told_from_newer_and_foreign_ones() {
        assert!(is_older_model("telltale-1"));
        assert!(is_older_model("telltale-2"));
        assert!(!is_older_model(MODEL_VERSION));
        assert!(!is_older_model("telltale-99"));
        assert!(!is_older_model("telltale-x"));
        assert!(!is_older_model("other-1"));
    }

    #[test]
    fn an_infinite_anomaly_is_no_similarity_at_all_and_never_enrolling() {
        let norm = crate::scorer::Norm { mean: 0.0, sd: 1.0 };
        assert_eq!(norm.similarity(f64::INFINITY), Some(0.0));
        assert_eq!(norm.similarity(f64::NAN), None);
        assert!(norm.similarity(1.0).unwrap() > 0.0);
    }

    #[test]
    fn normal_tail_known_values() {
        assert!((normal_sf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_sf(1.959_964) - 0.025).abs() < 1e-6);
        assert!((normal_sf(-1.0) - 0.841_344_75).abs() < 1e-6);
    }

    #[test]
    fn bands() {
        assert_eq!(Score::band_for(None, 0.0), Band::Enrolling);
        assert_eq!(Score::band_for(Some(50.0), 0.0), Band::Allow);
        assert_eq!(Score::band_for(Some(3.0), 0.0), Band::Review);
        assert_eq!(Score::band_for(Some(0.5), 0.0), Band::StepUp);
        assert_eq!(Score::band_for(Some(50.0), 0.7), Band::StepUp);
    }
}
