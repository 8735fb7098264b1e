//! Text for people (reasons, error messages) built without `core::fmt`: the collector's
//! WebAssembly then carries none of the formatting machinery (several kilobytes, measured with
//! twiggy), and the server writes the very same words.

use crate::math;
use crate::prelude::*;

/// Appends the decimal digits of `n`.
pub fn push_uint(out: &mut String, mut n: u64) {
    // u64::MAX has 20 digits.
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

/// The decimal digits of `n`.
pub fn uint(n: u64) -> String {
    let mut s = String::new();
    push_uint(&mut s, n);
    s
}

/// `x` with `decimals` digits after the point (at most 6), rounded half away from zero, as
/// `format!("{:.*}", decimals, x)` writes it (but never `-0`): for reasons shown to people.
pub fn fixed_point(x: f64, decimals: u32) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let decimals = decimals.min(6);
    let scale = 10u64.pow(decimals);
    // Rounding through u64: values beyond 2^64 / 10^6 (1.8e13) never reach a reason or a message
    // with decimals, and saturate rather than wrap.
    let n = math::round(x.abs() * scale as f64) as u64;
    let mut s = String::new();
    if x < 0.0 && n != 0 {
        s.push('-');
    }
    push_uint(&mut s, n / scale);
    if decimals > 0 {
        s.push('.');
        let frac = uint(n % scale);
        for _ in frac.len()..decimals as usize {
            s.push('0');
        }
        s.push_str(&frac);
    }
    s
}

/// The pieces joined into one string. `[..].concat()` does the same through std's generic
/// `join`, whose overflow check and copy specialisations cost 0.3 KB gzipped in the collector's
/// WebAssembly (measured); every message and name the page builds goes through here.
pub fn cat(parts: &[&str]) -> String {
    let mut s = String::new();
    for p in parts {
        s.push_str(p);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn uint_is_display(n: u64) {
            prop_assert_eq!(uint(n), n.to_string());
        }

        #[test]
        fn fixed_point_is_printf(x in -1e9f64..1e9, d in 0u32..=6) {
            // printf rounds the binary value half to even, this rounds the scaled value half
            // away from zero: they may differ where the scaled value is within an ulp of a half.
            let scaled = x.abs() * math::powf(10.0, f64::from(d));
            prop_assume!((math::fract(scaled) - 0.5).abs() > 1e-6);
            let printf = format!("{:.*}", d as usize, x);
            let printf = if printf.trim_start_matches('-').bytes().all(|b| b == b'0' || b == b'.') {
                printf.trim_start_matches('-').to_string()
            } else {
                printf
            };
            prop_assert_eq!(fixed_point(x, d), printf);
        }
    }

    #[test]
    fn fixed_point_known_values() {
        for (x, d, want) in [
            (2.71, 2, "2.71"),
            (-0.004, 2, "0.00"),
            (2.6, 0, "3"),
            (38.4, 0, "38"),
            (1234.5678, 1, "1234.6"),
            (-7.0, 1, "-7.0"),
            (0.05, 3, "0.050"),
            (f64::NAN, 2, "NaN"),
            (f64::NEG_INFINITY, 0, "-inf"),
        ] {
            assert_eq!(fixed_point(x, d), want);
        }
    }

    proptest! {
        #[test]
        fn cat_is_concat(parts in proptest::collection::vec(".{0,8}", 0..6)) {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            prop_assert_eq!(cat(&parts), parts.concat());
        }
    }
}
