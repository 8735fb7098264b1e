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
/// least similar decided alone (`scorer::combined`); `telltale-12` draws the spread of the
/// free-text and mouse calibrations toward a typical one ([`KEYS_SPREAD`], [`MOUSE_SPREAD`]).
/// `tests/model_version.rs` pins what each version computes.
pub const MODEL_VERSION: &str = "telltale-12";

/// Older models whose profiles this one learns and reads as its own: models that changed only
/// how a profile is read (its scorer), not what a profile learns, so that an upgrade keeps every
/// worker's enrollment. `telltale-12` reads a calibration's spread with a prior; a profile of
/// `telltale-11` holds the same statistics. A profile of one of these takes this build's
/// version at the first summary it learns ([`crate::Profile::is_current`]).
pub const READS_PROFILES_OF: &[&str] = &["telltale-11"];

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

    /// What scoring reads: the mean and spread (floored) of the log-scores, the spread drawn
    /// toward `prior` when there is one, or `None` before [`MIN_CALIBRATION`] scores.
    pub fn norm(&self, prior: Option<SpreadPrior>) -> Option<Norm> {
        let r = &self.log_scores;
        let var = match prior {
            // The variance pooled with the prior's (the scale of a scaled inverse-χ² posterior):
            // the user's sum of squared deviations (`m2`, over `w - 1` effective degrees of
            // freedom) and the prior's `weight` scores of spread `sd`.
            Some(p) if r.n >= 2 => {
                (r.m2 + p.weight * p.sd * p.sd) / ((r.w - 1.0).max(0.0) + p.weight)
            }
            _ => r.var(),
        }
        .max(0.0);
        (r.n >= MIN_CALIBRATION).then(|| Norm {
            mean: r.mean,
            // Floor: a user whose own scores were all alike would otherwise make every other
            // score infinitely unusual (1e-3 on the log scale is a 0.1% spread).
            sd: math::sqrt(var).max(1e-3),
        })
    }
}

/// The spread a modality's calibration is drawn toward: `sd` of the log anomaly scores, worth
/// `weight` of the user's own scores ([`Calibration::norm`]). A profile's spread comes from the
/// few windows of its enrollment, scored leave-one-out (a server profile from 20, an eval
/// profile's from about 17): by sampling alone its error is a sixth of it, so one worker's
/// scale comes out too narrow (their own windows fall far out: false flags) and another's too
/// wide (an impostor's windows look typical), and the session rule has to be slow enough for
/// the narrowest. Drawn toward the spread typical of the modality, the scales err less either
/// way (empirical Bayes, as in Efron and Morris, JASA 1975).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpreadPrior {
    /// The typical spread, on the log scale of the anomaly scores.
    pub sd: f64,
    /// Its weight, in scores.
    pub weight: f64,
}

/// Free text's prior. The spread: the median of the Aalto development half's 500 calibrations
/// (0.49; tenth and ninetieth percentiles 0.33 and 0.69). Weight 20, a server enrollment's
/// count of windows, and both chosen with [`crate::decision::DRIFT`] on that half by a grid of
/// weights 0, 10, 20, spreads 0.45, 0.5, 0.55 (and the mouse's 0.6, 0.7, 0.8), drifts 2.5,
/// 2.75, 3 (docs/figures.md). Without the priors, the soonest drift that kept typing alone to
/// one false flag in 15.1 genuine hours was 3, which took 68 s to flag a takeover and had 7
/// false flags with typing and pointing at once; with them, drift 2.7 keeps typing to one and
/// typing and pointing to two (in 16.8 h), and takes 64 s.
pub const KEYS_SPREAD: SpreadPrior = SpreadPrior {
    sd: 0.5,
    weight: 20.0,
};

/// The mouse's prior: wider than the median of the SapiMouse development half's calibrations
/// (0.61), which each come from one session and are read on another, where a worker's own
/// windows spread further (a session's task and posture differ). Chosen in the same grid:
/// typing and pointing at once ([`KEYS_SPREAD`], drift 2.75) had 3 false flags in 16.8 genuine
/// hours with 0.6 and 1 with 0.7 and 0.8; 0.7 kept pointing alone at 90 s where 0.8 took 97 s.
/// A touchpad reports as a mouse and shares its prior. Touch and pen keep their own spread: no
/// public data set measures theirs.
pub const MOUSE_SPREAD: SpreadPrior = SpreadPrior {
    sd: 0.7,
    weight: 20.0,
};

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
