//! `interdict lsp` driven as an editor drives it: the binary started, and
//! JSON-RPC written to its stdin and read from its stdout (`client.rs`).
//! One test binary, so the crate is linked once for all of them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

mod client;
mod fuzz_smoke;
mod large;
mod reparse;
mod robust;
mod session;
