//! The command line end to end: each test runs the real binary, as a user
//! would (through `common::Interdict`), and checks its output and exit code.
//! One test binary, so the crate is linked once for all of them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

mod author;
mod bad_input;
mod chains;
mod check;
mod compact;
mod conventions;
mod dates;
mod export;
mod inputs;
mod recursion;
mod rule_changes;
mod unfit;
mod whynot;
