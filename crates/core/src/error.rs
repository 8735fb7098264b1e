//! The one error type of telltale-core.

use core::fmt;

use crate::prelude::*;
use crate::text::{cat, fixed_point, uint};

/// Everything that can go wrong in the core: bad input or bad parameters. Each variant says what
/// was wrong in words a developer embedding Telltale can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A number that must be finite was NaN or infinite.
    NotFinite {
        /// Which value.
        what: &'static str,
    },
    /// A value outside its allowed range.
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// The value seen.
        value: f64,
        /// The allowed range, in words.
        allowed: &'static str,
    },
    /// Training or scoring vectors of different lengths.
    DimensionMismatch {
        /// Length the model was fitted on.
        expected: usize,
        /// Length received.
        got: usize,
    },
    /// Too few samples to fit a model.
    TooFewSamples {
        /// How many are needed.
        needed: usize,
        /// How many were given.
        got: usize,
    },
    /// A parameter that failed its check.
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// What is required of it.
        reason: &'static str,
    },
    /// A summary that breaks the schema.
    InvalidSummary(String),
    /// A record (a profile handed to the browser, say) that does not have the expected shape.
    InvalidRecord(String),
}

impl Error {
    /// The message, in words (what `Display` writes), built without `core::fmt` so that the
    /// browser's WebAssembly carries no formatting machinery.
    pub fn message(&self) -> String {
        match self {
            Error::NotFinite { what } => cat(&[what, " must be a finite number"]),
            Error::OutOfRange {
                what,
                value,
                allowed,
            } => cat(&[
                what,
                " = ",
                &fixed_point(*value, 3),
                " is out of range (",
                allowed,
                ")",
            ]),
            Error::DimensionMismatch { expected, got } => cat(&[
                "expected a vector of ",
                &uint(*expected as u64),
                " values, got ",
                &uint(*got as u64),
            ]),
            Error::TooFewSamples { needed, got } => cat(&[
                "need at least ",
                &uint(*needed as u64),
                " samples to fit, got ",
                &uint(*got as u64),
            ]),
            Error::InvalidParameter { name, reason } => cat(&["parameter `", name, "`: ", reason]),
            Error::InvalidSummary(why) => cat(&["invalid summary: ", why]),
            Error::InvalidRecord(why) => why.clone(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

/// Checks that `v` is finite, naming it in the error.
pub(crate) fn finite(what: &'static str, v: f64) -> Result<f64, Error> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::NotFinite { what })
    }
}
