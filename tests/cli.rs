//! The command line end to end: every example rule set in `rules/` through
//! the real binary, its JSON and human output snapshotted, its exit codes
//! checked; and a messy input where every record must come out exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AS_OF: &str = "2023-06-01";

mod common;
use common::interdict;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The example rule sets: folders of `rules/` with a `records/` folder.
fn rule_sets() -> Vec<(String, Vec<String>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sets = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("rules")).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    for dir in dirs {
        let records_dir = dir.join("records");
        if !records_dir.is_dir() {
            continue;
        }
        let mut records: Vec<String> = std::fs::read_dir(&records_dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "jsonl"))
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        records.sort();
        sets.push((dir.strip_prefix(root).unwrap().display().to_string(), records));
    }
    sets
}

fn check(set: &str, records: &[String], format: &str) -> Output {
    let mut args = vec!["check", set, "--as-of", AS_OF, "--format", format];
    args.extend(records.iter().map(String::as_str));
    interdict(&args)
}

#[test]
fn example_rule_sets_json() {
    let sets = rule_sets();
    assert!(!sets.is_empty());
    for (set, records) in sets {
        let out = check(&set, &records, "json");
        assert!(stderr(&out).is_empty(), "{set}: {}", stderr(&out));
        let name = set.replace('/', "-");
        insta::assert_snapshot!(format!("{name}.json"), stdout(&out));
    }
}

#[test]
fn example_rule_sets_human() {
    for (set, records) in rule_sets() {
        let out = check(&set, &records, "human");
        let name = set.replace('/', "-");
        insta::assert_snapshot!(format!("{name}.human"), stdout(&out));
        let summary = check(&set, &records, "summary");
        insta::assert_snapshot!(format!("{name}.summary"), stdout(&summary));
    }
}

#[test]
fn example_rule_sets_validate() {
    for (set, _) in rule_sets() {
        let out = interdict(&["validate", &set]);
        assert_eq!(out.status.code(), Some(0), "{set}: {}", stderr(&out));
        assert!(stdout(&out).starts_with("ok: "), "{}", stdout(&out));
    }
}

#[test]
fn every_rule_of_the_trade_screening_set_fires_and_does_not_fire() {
    let (set, records) = rule_sets().into_iter().find(|(s, _)| s.ends_with("trade-screening")).unwrap();
    let out = check(&set, &records, "json");
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let rules = interdict(&["validate", &set]);
    assert_eq!(rules.status.code(), Some(0));
    let mut fired: std::collections::BTreeMap<String, usize> = Default::default();
    let mut by_type: std::collections::BTreeMap<String, usize> = Default::default();
    let mut rule_type: std::collections::BTreeMap<String, String> = Default::default();
    for v in &lines {
        let ty = v["type"].as_str().unwrap_or("").to_string();
        *by_type.entry(ty.clone()).or_default() += 1;
        for key in ["fired", "waived"] {
            for f in v[key].as_array().unwrap() {
                let name = f["rule"].as_str().unwrap().to_string();
                *fired.entry(name.clone()).or_default() += 1;
                rule_type.insert(name, ty.clone());
            }
        }
    }
    let text = std::fs::read_to_string(Path::new(&set).join("goods.rules")).unwrap()
        + &std::fs::read_to_string(Path::new(&set).join("people.rules")).unwrap()
        + &std::fs::read_to_string(Path::new(&set).join("venues.rules")).unwrap()
        + &std::fs::read_to_string(Path::new(&set).join("applications.rules")).unwrap();
    let declared: Vec<&str> =
        text.lines().filter_map(|l| l.strip_prefix("rule ")).filter_map(|l| l.split(' ').next()).collect();
    assert_eq!(declared.len(), 16);
    for rule in declared {
        let n = fired.get(rule).copied().unwrap_or(0);
        assert!(n > 0, "rule {rule} never fires");
        let of_type = by_type[&rule_type[rule]];
        assert!(n < of_type, "rule {rule} fires on every {} record", rule_type[rule]);
    }
}

#[test]
fn exit_codes() {
    let (set, records) = rule_sets().into_iter().find(|(s, _)| s.ends_with("trade-screening")).unwrap();
    // Some record is denied: 1; never: 0.
    assert_eq!(check(&set, &records, "summary").status.code(), Some(1));
    let mut args = vec!["check", &set, "--as-of", AS_OF, "--format", "summary", "--fail-on", "never"];
    args.extend(records.iter().map(String::as_str));
    assert_eq!(interdict(&args).status.code(), Some(0));
    // Only people (flags, no denies): 0 by default, 1 with --fail-on flag.
    let people: Vec<&str> = records.iter().filter(|r| r.contains("people")).map(String::as_str).collect();
    let mut args = vec!["check", &set, "--as-of", AS_OF, "--format", "summary"];
    args.extend(&people);
    assert_eq!(interdict(&args).status.code(), Some(0));
    args.extend(["--fail-on", "flag"]);
    assert_eq!(interdict(&args).status.code(), Some(1));
    // Rule errors: 2, diagnostics on stderr, nothing on stdout.
    let broken = interdict(&["check", "tests/fixtures/rule_errors/unknown_field.rules", "tests/fixtures/messy.jsonl"]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(stdout(&broken).is_empty());
    assert!(stderr(&broken).contains("did you mean `nationality`?"), "{}", stderr(&broken));
    assert_eq!(interdict(&["validate", "tests/fixtures/rule_errors/type_errors.rules"]).status.code(), Some(2));
    assert_eq!(interdict(&["validate", "no/such/rules"]).status.code(), Some(2));
    // Bad usage: 2.
    assert_eq!(interdict(&["check"]).status.code(), Some(2));
    assert_eq!(interdict(&["check", &set, "x.json", "--as-of", "2021-02-30"]).status.code(), Some(2));
    // Input data errors: 3, even when records are denied.
    let messy = interdict(&["check", "tests/fixtures/messy.rules", "tests/fixtures/messy.jsonl", "--as-of", AS_OF]);
    assert_eq!(messy.status.code(), Some(3));
    let missing = interdict(&["check", "tests/fixtures/messy.rules", "no-such-file.jsonl"]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(stdout(&missing).contains("cannot read `no-such-file.jsonl`"), "{}", stdout(&missing));
}

#[test]
fn stdin_is_read_for_dash() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_interdict"))
        .args(["check", "tests/fixtures/messy.rules", "-", "--format", "json", "--as-of", AS_OF])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(b"{\"id\":\"p\",\"type\":\"person\",\"nationality\":\"KR\"}\n{\"id\":\"v\",\"type\":\"venue\",\"operator\":\"p\"}\n")
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2);
    assert!(text.contains(r#""file":"<stdin>","line":2"#), "{text}");
    assert!(text.contains(r#""decision":"deny""#), "{text}");
}

/// Malformed lines, a duplicate id, a non-object, records without id or type
/// and dangling links, in the middle of a file: every non-blank input line
/// comes out exactly once, in order, and the good records are still judged.
#[test]
fn messy_input_loses_nothing() {
    let out = interdict(&[
        "check",
        "tests/fixtures/messy.rules",
        "tests/fixtures/messy.jsonl",
        "--format",
        "json",
        "--as-of",
        AS_OF,
    ]);
    let input =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/messy.jsonl")).unwrap();
    let input_lines: Vec<usize> =
        input.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(i, _)| i + 1).collect();
    let output: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let output_lines: Vec<usize> = output.iter().map(|v| v["source"]["line"].as_u64().unwrap() as usize).collect();
    assert_eq!(output_lines, input_lines);
    let summary: Vec<String> = output
        .iter()
        .map(|v| match v["kind"].as_str() {
            Some("verdict") => format!(
                "{} {}{}",
                v["id"].as_str().unwrap(),
                v["decision"].as_str().unwrap(),
                if v["warnings"].as_array().unwrap().is_empty() { "" } else { " (warning)" }
            ),
            _ => format!("error {}", v["error"]["code"].as_str().unwrap()),
        })
        .collect();
    assert_eq!(
        summary,
        [
            "p-1 allow",
            "p-2 allow",
            "v-1 deny",
            "error interdict::records::json",
            "v-3 allow (warning)",
            "error interdict::records::not_an_object",
            "error interdict::records::duplicate_id",
            "error interdict::records::bad_id",
            "error interdict::records::bad_type",
            "error interdict::records::bad_id",
            "v-5 deny",
            "error interdict::records::json",
            "x-2 deny (warning)",
            "x-3 deny",
        ]
    );
    insta::assert_snapshot!("messy.json", stdout(&out));
    let human = interdict(&["check", "tests/fixtures/messy.rules", "tests/fixtures/messy.jsonl", "--as-of", AS_OF]);
    insta::assert_snapshot!("messy.human", stdout(&human));
}

/// The language's founding example (tests/fixtures/design.rules), on a small graph that makes every
/// one of its rules and its exemption fire.
#[test]
fn design_example() {
    let out = interdict(&["check", "tests/fixtures/design.rules", "tests/fixtures/design.jsonl", "--as-of", AS_OF]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    insta::assert_snapshot!("design.human", stdout(&out));
    let summary = interdict(&[
        "check",
        "tests/fixtures/design.rules",
        "tests/fixtures/design.jsonl",
        "--as-of",
        AS_OF,
        "--format",
        "summary",
    ]);
    insta::assert_snapshot!("design.summary", stdout(&summary));
}
