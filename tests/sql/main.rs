//! SQL: `interdict compile` in every dialect, and (with the `sql` feature)
//! the compiled SQL run on the embedded DataFusion, from the library and
//! from the command line, against the reference evaluator.
//! One test binary, so the crate is linked once for all of them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

mod compile;

#[cfg(feature = "sql")]
mod cli;
#[cfg(feature = "sql")]
mod differential;
#[cfg(feature = "sql")]
mod runner;
