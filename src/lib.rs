//! # telltale — the collector
//!
//! The WebAssembly module a portal page loads. In this release it re-exports the engine,
//! [`telltale_core`], which it compiles for `wasm32-unknown-unknown`; the DOM listeners, transport
//! and the JavaScript API follow in the collector issue.

pub use telltale_core as core;
