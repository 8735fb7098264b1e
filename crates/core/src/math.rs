//! The floating-point functions the engine uses, for `no_std` builds (the browser collector),
//! where `f64` has no `sqrt`, `ln`, … of its own. With `std` the inherent methods are used and this
//! trait is not imported. Both end in the same code on wasm32: std's wasm32 build takes these
//! functions from compiler-builtins, which carries a copy of the `libm` crate.

/// `f64` methods from `libm`, named as std names them.
#[cfg(not(feature = "std"))]
pub(crate) trait F64Math {
    fn sqrt(self) -> f64;
    fn ln(self) -> f64;
    fn ln_1p(self) -> f64;
    fn exp(self) -> f64;
    fn powf(self, n: f64) -> f64;
    fn floor(self) -> f64;
    fn round(self) -> f64;
    fn fract(self) -> f64;
    fn hypot(self, other: f64) -> f64;
    fn atan2(self, other: f64) -> f64;
}

#[cfg(not(feature = "std"))]
impl F64Math for f64 {
    fn sqrt(self) -> f64 {
        libm::sqrt(self)
    }
    fn ln(self) -> f64 {
        libm::log(self)
    }
    fn ln_1p(self) -> f64 {
        libm::log1p(self)
    }
    fn exp(self) -> f64 {
        libm::exp(self)
    }
    fn powf(self, n: f64) -> f64 {
        libm::pow(self, n)
    }
    fn floor(self) -> f64 {
        libm::floor(self)
    }
    fn round(self) -> f64 {
        libm::round(self)
    }
    fn fract(self) -> f64 {
        self - libm::trunc(self)
    }
    fn hypot(self, other: f64) -> f64 {
        libm::hypot(self, other)
    }
    fn atan2(self, other: f64) -> f64 {
        libm::atan2(self, other)
    }
}
