//! The floating-point functions the engine uses, from the `libm` crate on every target.
//!
//! A score computed in the browser and one recomputed on the server from the same summary must be
//! identical (docs/design.md, "one scorer"). `exp`, `ln`, `powf`, `atan2`, … are not correctly rounded:
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

/// `ln Γ(x)` for `x > 0`.
fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// The regularized incomplete beta function `I_x(a, b)`, by the continued fraction of Numerical
/// Recipes (`betai`/`betacf`, modified Lentz; 3rd ed. §6.4), for `a, b > 0` and `0 <= x <= 1`.
fn beta_inc(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = exp(ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * ln(x) + b * ln(1.0 - x));
    // The fraction converges fast for x < (a+1)/(a+b+2); above, I_x(a,b) = 1 - I_{1-x}(b,a).
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    // Numerical Recipes' constants: FPMIN keeps a denominator off zero, EPS is the relative
    // precision of f64, and 300 terms are far more than the fraction needs for the degrees of
    // freedom a profile has (it converges in O(sqrt(max(a, b))) terms).
    const FPMIN: f64 = 1e-300;
    const EPS: f64 = 1e-15;
    let tiny = |v: f64| if v.abs() < FPMIN { FPMIN } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / tiny(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / tiny(1.0 + aa * d);
        c = tiny(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / tiny(1.0 + aa * d);
        c = tiny(1.0 + aa / c);
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// `P(|T| > t)` for Student's t with `nu` degrees of freedom: `I_{nu/(nu+t²)}(nu/2, 1/2)`.
pub(crate) fn student_t_two_sided(t: f64, nu: f64) -> f64 {
    beta_inc(nu / 2.0, 0.5, nu / (nu + t * t))
}

/// The `t` with `P(|T| > t) = p` for Student's t with `nu` degrees of freedom, to a relative
/// precision of about 1e-12: Newton's method on the tail (whose slope is twice the density), kept
/// inside a bracket that every step narrows and falling back to its midpoint when a step leaves
/// it. The tail is convex for `t > 0`, so from below the root each step stays below it; about
/// six tail evaluations instead of bisection's forty (each is an incomplete beta function).
pub(crate) fn student_t_quantile(p: f64, nu: f64) -> f64 {
    // ln of the density's constant, Γ((ν+1)/2) / (√(νπ) Γ(ν/2)).
    let ln_c =
        ln_gamma(0.5 * (nu + 1.0)) - ln_gamma(0.5 * nu) - 0.5 * ln(nu * core::f64::consts::PI);
    let (mut lo, mut hi) = (0.0, f64::INFINITY);
    let mut t = 1.0;
    // 200 steps: Newton from below at least doubles `t` per step while the tail is far from `p`
    // (for one degree of freedom and p = 1e-9 the root is 6.4e8, about 30 doublings), and
    // converges quadratically near it; the bound only guards against a NaN argument.
    for _ in 0..200 {
        let gap = student_t_two_sided(t, nu) - p;
        if gap > 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        let density = exp(ln_c - 0.5 * (nu + 1.0) * ln_1p(t * t / nu));
        let mut next = t + gap / (2.0 * density);
        if !(next > lo && next < hi) {
            next = if hi.is_finite() {
                0.5 * (lo + hi)
            } else {
                2.0 * t
            };
        }
        if (next - t).abs() <= 1e-12 * next {
            return next;
        }
        t = next;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The quantile is the tail's inverse over the whole range `cap_tail` allows and any
        /// degrees of freedom a profile reaches; it falls as the degrees of freedom grow, towards
        /// the normal's point.
        #[test]
        fn student_t_quantile_inverts_the_tail(lp in -9.0f64..-0.302, nu in 1.0f64..1e5) {
            let p = libm::pow(10.0, lp);
            let q = student_t_quantile(p, nu);
            prop_assert!(q.is_finite() && q > 0.0);
            let back = student_t_two_sided(q, nu);
            prop_assert!((back - p).abs() <= 1e-9 * p, "p {p}, nu {nu}: t {q}, tail {back}");
            prop_assert!(student_t_quantile(p, nu * 2.0) <= q * (1.0 + 1e-12));
        }
    }

    #[test]
    fn student_t_quantiles_match_the_tables() {
        // Two-sided 0.1% points of Student's t (Fisher and Yates' tables; R's qt(0.9995, nu)).
        for (nu, t) in [
            (1.0, 636.619),
            (4.0, 8.610),
            (9.0, 4.781),
            (19.0, 3.883),
            (49.0, 3.500),
            (1e6, 3.291),
        ] {
            let q = student_t_quantile(1e-3, nu);
            assert!((q - t).abs() < 1e-3 * t, "nu {nu}: {q} against {t}");
        }
        // The ends of the range `cap_tail` allows: the tail back from each quantile.
        for (p, nu) in [(1e-9, 1.0), (1e-9, 199.0), (0.5, 1.0), (0.5, 1e6)] {
            let q = student_t_quantile(p, nu);
            let back = student_t_two_sided(q, nu);
            assert!(
                (back - p).abs() < 1e-9 * p,
                "p {p}, nu {nu}: t {q}, tail {back}"
            );
        }
        // The two-sided 5% point at 10 degrees of freedom, and the tail back from it.
        assert!((student_t_quantile(0.05, 10.0) - 2.228).abs() < 1e-3);
        assert!((student_t_two_sided(2.228_138_851_986_52, 10.0) - 0.05).abs() < 1e-9);
    }
}
