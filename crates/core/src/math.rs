//! The floating-point functions the engine uses, from the `libm` crate on every target.
//!
//! A score computed in the browser and one recomputed on the server from the same summary must be
//! identical (DESIGN.md, "one scorer"). `exp`, `ln`, `powf`, `atan2`, … are not correctly rounded:
//! each maths library rounds some results differently. With std's methods the server (glibc on
//! x86-64) disagreed in the last bit with the browser (`libm`, compiled to WebAssembly) on about
//! one `exp` in ten and one `ln` in thirty over random arguments (measured on 10^6 draws), enough
//! to move a similarity. Taking every function from the same Rust code makes both sides run the
//! same operations: WebAssembly and x86-64 both compute `f64` arithmetic as IEEE 754 prescribes,
//! and Rust never fuses a multiply and an add on its own. `crates/core/clippy.toml` refuses std's
//! methods for these functions in this crate, and `tests/e2e/` compares the scores of the shipped
//! collector with the host's.
//!
//! `sqrt`, `round` and `fract` are exact in every library (IEEE 754 requires a correctly
//! rounded square root); they are here because a `no_std` `f64` has no methods of its own.

/// `e^x`.
pub(crate) fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// The natural logarithm.
pub(crate) fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// `ln(1 + x)` for `x >= 0`. As `ln` of the rounded sum rather than `libm::log1p`: the sum's
/// rounding is an absolute error of at most 1.2e-16 in the result, which matters only where the
/// result itself is that small, and every caller adds it to terms of order 1 (a Student-t
/// surprise, a timing on a log scale). `log1p` was 0.15 KB of the collector's gzipped
/// WebAssembly besides `ln`, which it needs anyway.
pub(crate) fn ln_1p(x: f64) -> f64 {
    libm::log(1.0 + x)
}

/// `x^n`.
pub(crate) fn powf(x: f64, n: f64) -> f64 {
    libm::pow(x, n)
}

/// `sqrt(x² + y²)`, for distances in CSS pixels. Written out rather than `libm::hypot`, whose
/// scaling against overflow (squares beyond 1e308, sides beyond 1e154 px) no screen needs and
/// which was 0.18 KB of the collector's gzipped WebAssembly; `sqrt` is exact everywhere.
pub(crate) fn hypot(x: f64, y: f64) -> f64 {
    libm::sqrt(x * x + y * y)
}

/// The angle of the point `(x, y)`, in `-π..=π`.
pub(crate) fn atan2(y: f64, x: f64) -> f64 {
    libm::atan2(y, x)
}

/// The square root.
pub(crate) fn sqrt(x: f64) -> f64 {
    libm::sqrt(x)
}

/// The nearest whole number, halves away from zero (as std's `f64::round`).
pub(crate) fn round(x: f64) -> f64 {
    libm::round(x)
}

/// The part after the point, with the sign of `x` (as std's `f64::fract`).
pub(crate) fn fract(x: f64) -> f64 {
    x - libm::trunc(x)
}
