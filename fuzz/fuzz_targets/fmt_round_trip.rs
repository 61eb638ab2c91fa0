//! (c) `fmt` round trip: idempotent, and the formatted text means the same.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::fmt_round_trip(data));
