//! The properties the fuzz targets check, shared with their proptest smoke
//! versions in `tests/library/fuzz_smoke.rs` (included there with `#[path]`), so
//! both run exactly the same code.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use interdict::date::Date;
use interdict::fast::{Evidence, FastEngine, FastStore};
use interdict::syntax::{format_source, parse};
use interdict::{Engine, EvalOptions, Input, RecordStore, RuleSet, SourceFile, report};

/// (a) Parse and check arbitrary rule text: any answer but a panic.
pub fn rule_text(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let src = SourceFile::new("fuzz.rules", text);
    if let Err(errors) = RuleSet::from_sources(vec![src]) {
        // Every error renders (spans inside the text).
        for e in &errors {
            let _ = report::render_diagnostic(e, false, 80);
        }
        assert!(!errors.is_empty());
    }
}

/// The example rule set the record target evaluates against.
pub fn example_rules(root: &str) -> RuleSet {
    RuleSet::load(&[format!("{root}/rules/trade-screening")]).unwrap()
}

/// (b) Load arbitrary record bytes and evaluate them with both engines:
/// one outcome per entry, and the same output byte for byte; `--strict`
/// when the input's length is odd (so both ways are searched), and the
/// first record explained, why-not included.
pub fn records(rules: &RuleSet, data: &[u8]) {
    let program = rules.program();
    let options = EvalOptions { as_of: Date::parse_exact("2023-06-01").unwrap() };
    let input = Input::new("fuzz.jsonl", data.to_vec());
    let strict = data.len() % 2 == 1;

    let store = RecordStore::load([input.clone()]);
    let engine = Engine::new(program, &store, options).strict(strict);
    let outcomes = engine.evaluate();
    explain_first(program, &store, &engine);
    assert_eq!(outcomes.len(), store.entries().len(), "an entry without an outcome");
    let mut reference = Vec::new();
    report::write_json(&mut reference, program, &store, &outcomes).unwrap();
    let mut human = Vec::new();
    report::write_human_outcomes(&mut human, program, &store, &outcomes, false, 80).unwrap();
    assert!(!human.contains(&0x1b), "record content reached the terminal unescaped");

    let inputs = vec![Ok(input)];
    let fast_store = FastStore::load(&inputs, program);
    let fast = FastEngine::new(program, &fast_store, options, Evidence::Full).strict(strict).evaluate();
    assert_eq!(fast.len(), outcomes.len(), "the engines disagree on the number of outcomes");
    let mut fast_json = Vec::new();
    report::write_json(&mut fast_json, program, &fast_store, &fast).unwrap();
    assert_eq!(String::from_utf8_lossy(&fast_json), String::from_utf8_lossy(&reference), "the engines disagree");
}

/// `explain` on the store's first record: it explains or answers with an
/// error, and renders both ways.
fn explain_first(program: &interdict::Program, store: &RecordStore, engine: &Engine) {
    let Some(rec) = store.entries().iter().find_map(|e| match e {
        interdict::records::Entry::Record(rec) => Some(*rec),
        interdict::records::Entry::Error(_) => None,
    }) else {
        return;
    };
    if engine.unfit(rec).is_some() {
        return;
    }
    let Ok(explanation) = engine.explain(rec, None, 8) else { return };
    let as_of = Date::parse_exact("2023-06-01").unwrap();
    report::write_explain_human(&mut Vec::new(), program, store, &explanation, as_of, false, 80).unwrap();
    report::write_explain_json(&mut Vec::new(), program, store, &explanation).unwrap();
}

/// (c) `fmt` round trip: formatting twice changes nothing more, and the
/// formatted text parses to the same program.
pub fn fmt_round_trip(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let src = SourceFile::new("fuzz.rules", text);
    let Ok(original) = parse(&src) else { return };
    let formatted = format_source(&src).expect("a file that parses formats");
    let again = SourceFile::new("fuzz.rules", formatted.clone());
    let reparsed = parse(&again).unwrap_or_else(|e| panic!("formatted text does not parse: {e}\n{formatted}"));
    assert_eq!(original, reparsed, "formatting changed the meaning\n{formatted}");
    assert_eq!(format_source(&again).unwrap(), formatted, "fmt is not idempotent");
}
