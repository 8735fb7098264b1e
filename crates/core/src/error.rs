//! The one error type of telltale-core.

use std::fmt;

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

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFinite { what } => write!(f, "{what} must be a finite number"),
            Error::OutOfRange {
                what,
                value,
                allowed,
            } => write!(
                f,
                "{what} = {} is out of range ({allowed})",
                crate::score::fixed_point(*value, 3)
            ),
            Error::DimensionMismatch { expected, got } => {
                write!(f, "expected a vector of {expected} values, got {got}")
            }
            Error::TooFewSamples { needed, got } => {
                write!(f, "need at least {needed} samples to fit, got {got}")
            }
            Error::InvalidParameter { name, reason } => write!(f, "parameter `{name}`: {reason}"),
            Error::InvalidSummary(why) => write!(f, "invalid summary: {why}"),
            Error::InvalidRecord(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for Error {}

/// Checks that `v` is finite, naming it in the error.
pub(crate) fn finite(what: &'static str, v: f64) -> Result<f64, Error> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::NotFinite { what })
    }
}
