//! Feature extraction: fixed-text samples, free-text windows and pointer windows.

use crate::math;

pub mod fixed;
pub mod id;
pub mod keys;
pub mod pointer;
pub mod stats;

pub use fixed::{timing_vector, FixedEntry, FixedSample};
pub use id::FeatureId;
pub use keys::{KeyWindow, KeyWindowBuilder};
pub use pointer::{ActionFeatures, ActionType, PointerWindow, PointerWindowBuilder};
pub use stats::{Dist, Running};

/// One named feature of a window, in the space the detector compares it in.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Which feature ([`FeatureId::name`] is the key of the profile's statistics,
    /// [`FeatureId::label`] its words for a reviewer).
    pub id: FeatureId,
    /// Value in comparison space: the natural log of a positive magnitude, or the raw value.
    pub value: f64,
    /// Whether `value` is a log (so differences read as ratios in reasons).
    pub log: bool,
    /// Events the statistic summarises (a pointer window's movements or presses), or 0 when it
    /// is no sample statistic or the count is not weighed; scoring widens the spread of a
    /// statistic of fewer events than the profile's usual and narrows it for more
    /// ([`crate::detect::deviations`]).
    pub events: u32,
}

/// Smallest magnitude taken before a log: 1e-3 of the unit keeps a zero (a speed of 0, an IQR of
/// 0 from identical timings) finite without changing any realistic value.
const LOG_FLOOR: f64 = 1e-3;

impl Feature {
    /// A positive magnitude, compared on a log scale.
    pub fn log(id: FeatureId, raw: f64) -> Self {
        Feature {
            id,
            value: math::ln(raw.max(LOG_FLOOR)),
            log: true,
            events: 0,
        }
    }

    /// A value compared as it is.
    pub fn linear(id: FeatureId, raw: f64) -> Self {
        Feature {
            id,
            value: raw,
            log: false,
            events: 0,
        }
    }

    /// The same feature, a statistic of `events` events.
    pub fn of(self, events: u32) -> Self {
        Feature { events, ..self }
    }
}
