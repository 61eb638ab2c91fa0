//! `interdict compile --run` (the `sql` feature): the CLI path from records
//! to verdicts on the embedded DataFusion — export, compile, run — and its
//! errors. The rows must be `check`'s verdicts; `differential.rs` compares
//! them through the library, this file through the binary.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Output;

use crate::common::{Interdict, example, interdict, scratch, shown_in as shown};

fn out_dir(name: &str) -> PathBuf {
    scratch(&format!("sql-cli-{name}"))
}

/// `interdict compile rules/trade-screening --target datafusion --as-of 2024-02-01 ARGS`,
/// unwrapped: its errors name the scratch folder.
fn compile_on_datafusion(args: &[&str]) -> Output {
    let mut all = vec!["compile", "rules/trade-screening", "--target", "datafusion", "--as-of", "2024-02-01"];
    all.extend(args);
    Interdict::new(&all).unwrapped().run()
}

fn trade_screening_records() -> Vec<String> {
    example("trade-screening").records
}

/// Per record id: its decision and the fired rules, from `check --format json`.
fn check_verdicts(files: &[String], as_of: &str) -> BTreeMap<String, (String, Vec<String>)> {
    let mut args = vec!["check", "rules/trade-screening"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--format", "json", "--as-of", as_of, "--fail-on", "never"]);
    let out = interdict(&args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut verdicts = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let Some(id) = v["id"].as_str() else { continue };
        let mut rules: Vec<String> = ["fired", "waived"]
            .iter()
            .flat_map(|k| v[k].as_array().cloned().unwrap_or_default())
            .map(|r| r["rule"].as_str().unwrap().to_string())
            .collect();
        rules.sort();
        verdicts.insert(id.to_string(), (v["decision"].as_str().unwrap().to_string(), rules));
    }
    verdicts
}

#[test]
fn export_compile_run_gives_checks_verdicts() {
    let dir = out_dir("trade");
    let parquet = dir.join("parquet");
    let files = trade_screening_records();
    let mut args = vec!["export"];
    args.extend(files.iter().map(String::as_str));
    let p = parquet.display().to_string();
    args.extend(["--rules", "rules/trade-screening", "--parquet", &p]);
    let out = interdict(&args);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out, &dir));

    let sql = dir.join("sql").display().to_string();
    let out = compile_on_datafusion(&["--out", &sql, "--run", &p]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out, &dir));
    assert!(dir.join("sql/manifest.json").is_file(), "--out writes the steps as well");
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();

    let mut got: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let entry = got
            .entry(v["id"].as_str().unwrap().to_string())
            .or_insert_with(|| (v["decision"].as_str().unwrap().to_string(), Vec::new()));
        if let Some(rule) = v["rule"].as_str() {
            entry.1.push(rule.to_string());
        }
    }
    for (_, rules) in got.values_mut() {
        rules.sort();
    }
    let want = check_verdicts(&files, "2024-02-01");
    assert_eq!(got, want);
    assert!(want.values().any(|(d, _)| d == "deny") && want.values().any(|(d, _)| d == "allow"));

    // The denied and flagged rows, as a user reads them.
    let fired: String = stdout.lines().filter(|l| !l.contains("\"rule\":null")).map(|l| format!("{l}\n")).collect();
    insta::assert_snapshot!("trade-screening-fired-rows", fired);
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "DIR");
    insta::assert_snapshot!("trade-screening-stderr", stderr);
}

#[test]
fn run_needs_the_datafusion_target() {
    let dir = out_dir("target");
    let out = interdict(&["compile", "rules/trade-screening", "--target", "duckdb", "--run", "nowhere"]);
    insta::assert_snapshot!("run-with-duckdb-target", shown(&out, &dir));
}

#[test]
fn run_on_a_folder_without_the_tables_is_a_data_error() {
    let dir = out_dir("empty");
    let d = dir.display().to_string();
    let out = compile_on_datafusion(&["--run", &d]);
    insta::assert_snapshot!("run-on-empty-folder", shown(&out, &dir));
}

#[test]
fn a_corrupt_parquet_file_is_a_data_error() {
    let dir = out_dir("corrupt");
    let p = dir.display().to_string();
    let mut args = vec!["export"];
    let files = trade_screening_records();
    args.extend(files.iter().map(String::as_str));
    args.extend(["--rules", "rules/trade-screening", "--parquet", &p]);
    assert_eq!(interdict(&args).status.code(), Some(0));
    std::fs::write(dir.join("person.parquet"), b"not parquet").unwrap();
    let out = compile_on_datafusion(&["--run", &p]);
    insta::assert_snapshot!("run-on-corrupt-file", shown(&out, &dir));
}
