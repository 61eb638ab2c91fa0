//! The crate through its API, without the binary: the fast engine against
//! the reference, properties over generated inputs, the fuzz targets' checks,
//! the formatter, and rule errors and lint warnings as rendered.
//! One test binary, so the crate is linked once for all of them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

mod closures;
mod diagnostics;
mod differential;
mod fmt;
mod fuzz_smoke;
mod overlay;
mod properties;
mod recursion;
