//! # telltale-core
//!
//! The engine of Telltale: it notices when the person at a keyboard is not the person who logged
//! in, from the **rhythm** of their typing and pointer movement, never from **what** they type.
//! The browser collector and the server both compile this crate, so a score computed in the page
//! and one recomputed on the server from the same summary are identical.
//!
//! It is pure Rust: no DOM, no I/O, no clock. Time arrives inside each [`InputEvent`].
//!
//! ## Data flow
//! ```text
//! InputEvent ─► Windower ─► Summary ─► Profile::score ─► Score
//!   (key class,    (free-text, pointer    (aggregates only,   (similarity 0-100, band,
//!    press no.,     windows, automation)   ≥ 5 events each)    automation, reasons)
//!    positions)
//! ```
//!
//! ## Example
//! ```
//! use telltale_core::{InputEvent, KeyClass, KeyEvent, Profile, WindowConfig, Windower};
//!
//! let mut w = Windower::new(WindowConfig::default(), "session-token", "page-id-0123456789");
//! let mut profile = Profile::default();
//! // A person types: hold times and gaps vary.
//! let mut t = 0.0;
//! for i in 0..60u32 {
//!     let class = if i % 3 == 0 { KeyClass::LetterLeft } else { KeyClass::LetterRight };
//!     let jitter = ((i * 37) % 23) as f64;
//!     for down in [true, false] {
//!         let at = if down { t } else { t + 80.0 + jitter };
//!         w.push(InputEvent::Key(KeyEvent { t: at, down, class, press: i, trusted: true }));
//!     }
//!     t += 150.0 + 3.0 * jitter;
//! }
//! let summary = w.flush(t).expect("a window with 60 key presses");
//! summary.validate().unwrap();
//! let json = serde_json::to_string(&summary).unwrap();
//! assert!(json.len() < telltale_core::summary::MAX_SUMMARY_BYTES);
//! profile.learn(&summary).unwrap();
//! let score = profile.score(&summary);
//! assert_eq!(score.band, telltale_core::Band::Enrolling); // one window is not a profile
//! ```
//!
//! ## The privacy contract
//! 1. [`KeyEvent`] has no field for a key identity or a character: only a coarse [`KeyClass`]
//!    and an opaque press number used to pair keydown with keyup.
//! 2. Positions enter with pointer events and are only differenced; a [`Summary`] has no
//!    field that could hold a coordinate.
//! 3. Every timing statistic in a summary is over at least [`features::stats::MIN_BUCKET`] (5)
//!    events.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod automation;
pub mod decision;
pub mod detect;
pub mod error;
pub mod event;
pub mod features;
pub mod json;
pub mod map;
mod math;
pub mod motion;
pub mod pack;
pub mod profile;
pub mod score;
pub mod scorer;
pub mod session;
pub mod summary;
pub mod text;

/// What every module uses from `alloc` (std's prelude has it; `no_std` builds do not). Not every
/// build uses every item (`Box` is only for eval's detector registry).
#[allow(unused_imports)]
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::format;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

pub use automation::{AutomationReport, Signal, SignalKind};
pub use decision::{decide, Decision, SessionTrust};
#[cfg(feature = "std")]
pub use detect::FixedDetector;
pub use detect::{Detector, Model};
pub use error::Error;
pub use event::{
    InputEvent, KeyClass, KeyEvent, PointerEvent, PointerKind, PointerPhase, WheelEvent,
};
pub use features::{Feature, FixedEntry, FixedSample, KeyWindow, PointerWindow};
pub use json::{Json, ToJson};
pub use pack::{Pack, Packed};
pub use profile::{Profile, ProfileParams};
pub use score::{is_older_model, Band, Score, MODEL_VERSION};
pub use scorer::Scorer;
pub use session::{WindowConfig, Windower};
pub use summary::{Counts, Summary, SCHEMA_VERSION};
