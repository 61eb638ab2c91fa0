//! (b) Load and evaluate arbitrary record bytes against `rules/trade-screening`.
#![no_main]

use std::sync::OnceLock;

#[path = "../checks.rs"]
mod checks;

static RULES: OnceLock<interdict::RuleSet> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let rules = RULES.get_or_init(|| checks::example_rules(concat!(env!("CARGO_MANIFEST_DIR"), "/..")));
    checks::records(rules, data);
});
