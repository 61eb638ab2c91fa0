//! CSV and YAML records from the command line: the same verdicts as the JSON
//! they were converted from, the same output from both engines, and located
//! errors for bad rows and documents.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use interdict::date::Date;
use interdict::fast::{FastEngine, FastStore};
use interdict::records::convert::{ConvertOptions, InputFormat, convert};
use interdict::{Engine, EvalOptions, Input, RecordStore, RuleSet, report};

const AS_OF: &str = "2023-06-01";
const RULES: &str = "rules/trade-screening";
const R: &str = "rules/trade-screening/records";

fn interdict(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interdict"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .unwrap_or_else(|e| panic!("cannot run interdict: {e}"))
}

/// JSON verdicts without their `source` positions.
fn verdicts(records: &[&str], engine: &str) -> String {
    let mut args = vec!["check", RULES, "--as-of", AS_OF, "--format", "json", "--engine", engine];
    args.extend(records);
    let out = interdict(&args);
    let text = String::from_utf8(out.stdout).unwrap();
    let source = regex::Regex::new(r#""source":\{[^}]*\}"#).unwrap();
    source.replace_all(&text, "").into_owned()
}

#[test]
fn csv_and_yaml_give_the_verdicts_of_the_json_they_hold() {
    let people_jsonl = format!("{R}/people.jsonl");
    let goods_jsonl = format!("{R}/goods.jsonl");
    let businesses = format!("{R}/businesses.json");
    let activity = format!("{R}/activity.jsonl");
    let json = verdicts(&[&people_jsonl, &businesses, &goods_jsonl, &activity], "fast");
    for engine in ["fast", "reference"] {
        let converted = verdicts(
            &["tests/fixtures/inputs/people.csv", &businesses, "tests/fixtures/inputs/goods.yaml", &activity],
            engine,
        );
        assert!(json == converted, "{engine}: CSV/YAML verdicts differ from JSON");
    }
    assert_eq!(json.lines().count(), 470);
}

#[test]
fn both_engines_agree_on_converted_inputs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let rules = RuleSet::load(&[root.join(RULES)]).unwrap();
    let mut options = ConvertOptions { record_type: Some("person".into()), ..ConvertOptions::default() };
    options.columns.insert(
        "person".into(),
        [(
            "contacts".to_string(),
            interdict::records::convert::Column { scalar: interdict::records::convert::Scalar::Str, list: true },
        )]
        .into(),
    );
    let files = ["people.csv", "goods.yaml", "bad.csv", "bad.yaml", "broken.yaml", "applications.csv"];
    let inputs: Vec<Input> = files
        .iter()
        .map(|f| {
            let path = root.join("tests/fixtures/inputs").join(f);
            let input = Input::new(format!("tests/fixtures/inputs/{f}"), std::fs::read(path).unwrap());
            convert(input, InputFormat::from_name(f), &options)
        })
        .collect();
    let eval = EvalOptions { as_of: Date::parse_exact(AS_OF).unwrap() };
    let mut reference = Vec::new();
    let store = RecordStore::load(inputs.clone());
    report::write_json(&mut reference, rules.program(), &store, &Engine::new(rules.program(), &store, eval).evaluate())
        .unwrap();
    let sources: Vec<_> = inputs.into_iter().map(Ok).collect();
    let fast_store = FastStore::load(&sources, rules.program());
    let mut fast = Vec::new();
    let outcomes = FastEngine::new(rules.program(), &fast_store, eval, true).evaluate();
    report::write_json(&mut fast, rules.program(), &fast_store, &outcomes).unwrap();
    assert!(reference == fast, "the engines disagree on converted inputs");
    assert!(String::from_utf8(fast).unwrap().contains("interdict::records::csv"));
}

#[test]
fn bad_rows_and_documents_are_located_errors() {
    let out = interdict(&[
        "check",
        RULES,
        "--as-of",
        AS_OF,
        "--type",
        "person",
        "tests/fixtures/inputs/bad.csv",
        "tests/fixtures/inputs/bad.yaml",
        "tests/fixtures/inputs/broken.yaml",
        "tests/fixtures/inputs/applications.csv",
    ]);
    assert_eq!(out.status.code(), Some(3));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn input_format_can_be_forced() {
    // A CSV file under another name, and a missing `type` column.
    let out = interdict(&[
        "check",
        RULES,
        "--as-of",
        AS_OF,
        "--input",
        "csv",
        "--format",
        "json",
        "tests/fixtures/inputs/bad.csv",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("the header row has no `type` column"), "{text}");
}
