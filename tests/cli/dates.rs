//! Partial dates (FtM's `2019`, `2019-03`) in rules, end to end: both
//! engines give the same output, and each comparison holds only when it
//! holds for every day of the year or month (see docs/language.md, Dates).

use crate::common::interdict;

/// `id: rule rule…` per record, and the raw JSON output, from one engine.
fn fired(rules: &str, records: &str, engine: &str) -> (Vec<String>, String) {
    let args = ["check", rules, records, "--as-of", "2024-03-15", "--format", "json", "--engine", engine];
    let out = interdict(&args);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{engine}: {}", String::from_utf8_lossy(&out.stderr));
    let lines = text
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let rules: Vec<&str> = v["fired"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
            format!("{}: {}", v["id"].as_str().unwrap(), rules.join(" ")).trim_end().to_string()
        })
        .collect();
    (lines, text)
}

#[track_caller]
fn both_engines(rules: &str, records: &str, expect: &str) {
    let (fast, fast_text) = fired(rules, records, "fast");
    let (_, reference_text) = fired(rules, records, "reference");
    assert!(fast_text == reference_text, "the engines disagree on {records}");
    let want: Vec<&str> = expect.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    assert_eq!(fast, want);
}

#[test]
fn ftm_partial_dates_stand_for_their_days() {
    both_engines(
        "tests/fixtures/dates/partial.rules",
        "tests/fixtures/dates/partial.ftm.json",
        "year: born_2019_or_later born_by_2019 same_birth_date
         year-too: born_2019_or_later born_by_2019
         march: born_2019_or_later born_by_2019 not_born_on_may_day
         february: born_2019_or_later born_by_2019 born_by_february not_born_on_may_day
         day: born_2019_or_later born_by_2019 born_on_may_day
         time: born_2019_or_later born_by_2019 born_after_june_2019 not_born_on_may_day
         earlier: born_before_2019 born_by_2019 born_by_february not_born_on_may_day
         not-a-date:
         s-ended: ended
         s-this-year:
         s-next-year: not_started",
    );
}

#[test]
fn declared_date_fields_compare_partial_dates() {
    both_engines(
        "tests/fixtures/dates/typed.rules",
        "tests/fixtures/dates/companies.jsonl",
        "same-year: same_period young
         month-in-year: young
         year-after-month: dissolved_first young
         same-day: same_period",
    );
}

/// `as_of - 1 year` moves with `--as-of`: the same visit is in the window
/// on 2026-03-01 and out of it on 2026-06-01, and the evidence shows the
/// day the window starts, in human and JSON.
#[test]
fn a_window_moves_with_the_as_of_day() {
    let run = |as_of: &str, format: &str| {
        let rules = "tests/fixtures/dates/window.rules";
        let out =
            interdict(&["check", rules, "tests/fixtures/dates/window.jsonl", "--as-of", as_of, "--format", format]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let inside = run("2026-03-01", "human");
    assert!(inside.contains("flag  visit v-1"), "{inside}");
    assert!(inside.contains(r#"visit v-1 → date "2025-03-10" >= as_of - 1 year = "2025-03-01""#), "{inside}");
    assert!(inside.contains(r#"lower(visit v-1 → visitor p-1 "Kim" → origin "KR") = "kr" == "kr""#), "{inside}");
    assert!(run("2026-06-01", "human").contains("allow visit v-1"));
    let json = run("2026-03-01", "json");
    let computed =
        r#""value":"2025-03-01","computed":{"text":"as_of - 1 year","from":{"chain":[],"value":"2026-03-01"}}"#;
    assert!(json.contains(computed), "{json}");
    let why_not = interdict(&[
        "explain",
        "tests/fixtures/dates/window.rules",
        "tests/fixtures/dates/window.jsonl",
        "--as-of",
        "2026-06-01",
        "--id",
        "v-1",
    ]);
    let text = String::from_utf8(why_not.stdout).unwrap();
    assert!(text.contains(r#">= as_of - 1 year = "2025-06-01" (false)"#), "{text}");
}
