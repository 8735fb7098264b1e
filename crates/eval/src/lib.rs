//! The readers of the public data sets' files, shared by `telltale-eval` and the server's load
//! generator (`crates/bench`), so both read a file the same way.

pub mod data;
