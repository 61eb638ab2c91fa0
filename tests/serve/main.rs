//! `interdict serve` end to end: the real binary on a loopback port the
//! system picks, spoken to over plain HTTP/1.1 sockets, as a client would.
//! Each test starts its own server and stops it (SIGTERM, then kill).

#![cfg(feature = "serve")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;

mod client;
mod desk;
mod service;
mod stress;
mod writes;

use client::{Answer, Server, request};
