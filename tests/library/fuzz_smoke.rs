//! The fuzz targets of `fuzz/` as proptest smoke tests, so `cargo test`
//! runs the same properties (`fuzz/checks.rs`) on every change; the fuzzers
//! run them for longer (see docs/fuzzing.md).

use std::sync::OnceLock;

use proptest::prelude::*;

use crate::common::{proptest_config, root};

#[path = "../../fuzz/checks.rs"]
mod checks;

static RULES: OnceLock<interdict::RuleSet> = OnceLock::new();

fn example_rules() -> &'static interdict::RuleSet {
    RULES.get_or_init(|| checks::example_rules(env!("CARGO_MANIFEST_DIR")))
}

/// Rule-language fragments, so generated text often parses.
const RULE_TEXT: &str = "(rule|entity|def|let|exempt|waive|deny|flag|any|all|none|not|and|or|in|when|where|is|denied|by|severity|high|effective|from|to|exists|matches|count|person|p|c|x|v|[a-z]{1,3}|\\.|[ (){}\\[\\],.:=<>!\"#0-9-]|2021-01-01|\"[a-zA-Z^$*+]{0,4}\"|\n){0,80}";

/// Record-ish bytes: JSON fragments of the example's records.
const RECORD_TEXT: &str = "(\\{|\\}|\\[|\\]|,|:|\"id\"|\"type\"|\"person\"|\"venue\"|\"purchase\"|\"product\"|\"p-00[1-9]\"|\"v-0[1-3]\"|\"g-0[1-3]\"|\"operator\"|\"nationality\"|\"KR\"|\"contacts\"|\"spouse\"|\"buyer\"|\"date\"|\"2021-0[1-9]-[0-3][0-9]\"|[0-9]{1,3}|null|true|\n|\\xef\\xbb\\xbf|[ -~]){0,120}";

proptest! {
    #![proptest_config(proptest_config(256))]

    #[test]
    fn rule_text(text in RULE_TEXT) {
        checks::rule_text(text.as_bytes());
    }

    #[test]
    fn fmt_round_trip(text in RULE_TEXT) {
        checks::fmt_round_trip(text.as_bytes());
    }

    #[test]
    fn records(text in RECORD_TEXT, bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        checks::records(example_rules(), text.as_bytes());
        checks::records(example_rules(), &bytes);
    }
}

/// A valid rule set formats round trip too (the generated text rarely parses).
#[test]
fn the_example_rules_round_trip() {
    let dir = root().join("rules/trade-screening");
    for f in std::fs::read_dir(dir).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|e| e == "rules") {
            checks::fmt_round_trip(&std::fs::read(&p).unwrap());
            checks::rule_text(&std::fs::read(&p).unwrap());
        }
    }
    let records = root().join("rules/trade-screening/records/people.jsonl");
    checks::records(example_rules(), &std::fs::read(records).unwrap());
}

// ------------------------------------------------------------------ found by fuzzing

/// `records`, in its first minute: a byte that is not UTF-8 inside a field
/// no rule reads. The reference loader rejected the line; the fast store
/// skipped the field unchecked and judged the record.
#[test]
fn invalid_utf8_in_a_field_no_rule_reads() {
    let path = root().join("tests/fixtures/fuzz/records/invalid_utf8_in_a_field_no_rule_reads.jsonl");
    checks::records(example_rules(), &std::fs::read(path).unwrap());
    checks::records(
        example_rules(),
        b"{\"id\":\"p1\",\"type\":\"person\",\"occupation\":\"trade\x9d\"}\n{\"id\":\"p2\",\"type\":\"person\"}\n",
    );
}

/// `records`, after 7 minutes: a control character inside a string of a
/// field no rule reads. Both engines rejected the line, but the fast store,
/// skipping the field, placed the error one column earlier.
#[test]
fn control_character_in_a_field_no_rule_reads() {
    let path = root().join("tests/fixtures/fuzz/records/control_character_in_a_field_no_rule_reads.jsonl");
    checks::records(example_rules(), &std::fs::read(path).unwrap());
    checks::records(example_rules(), b"{\"id\":\"p1\",\"type\":\"person\",\"occupation\":\"shop\x10\x00 \"}\n");
}

/// Every input a fuzzer crashed on (saved in `tests/fixtures/fuzz/TARGET/`,
/// named after what it found) passes its target's checks now.
#[test]
fn every_saved_fuzz_crash() {
    let saved = root().join("tests/fixtures/fuzz");
    let mut n = 0;
    for (target, check) in [
        ("records", (|b: &[u8]| checks::records(example_rules(), b)) as fn(&[u8])),
        ("rule_text", checks::rule_text),
        ("fmt_round_trip", checks::fmt_round_trip),
    ] {
        let Ok(files) = std::fs::read_dir(saved.join(target)) else { continue };
        for f in files {
            check(&std::fs::read(f.unwrap().path()).unwrap());
            n += 1;
        }
    }
    assert!(n >= 4);
}
