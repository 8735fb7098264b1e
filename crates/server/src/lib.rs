//! telltale-server (being built).
