//! `interdict compile`: each dialect's printing of the example rule set,
//! the bench rules and the edge-case rules, snapshotted; rule sets the SQL
//! compiler cannot translate give located diagnostics.

use crate::common::{interdict, scratch};

fn compile(rules: &str, target: &str) -> String {
    let out = interdict(&["compile", rules, "--target", target, "--as-of", "2023-06-01"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn trade_screening_in_every_dialect() {
    for target in ["datafusion", "duckdb", "spark", "trino"] {
        insta::assert_snapshot!(format!("trade_screening_{target}"), compile("rules/trade-screening", target));
    }
}

/// Date shifts (`as_of - 1 year` folded to a date; a field's first and
/// last days moved by each dialect's interval arithmetic) and `LOWER`.
#[test]
fn date_shifts_in_every_dialect() {
    for target in ["datafusion", "duckdb", "spark", "trino"] {
        insta::assert_snapshot!(format!("date_shifts_{target}"), compile("tests/fixtures/sql/shift.rules", target));
    }
}

/// Recursive rules: one loop per group, in every dialect.
#[test]
fn recursive_rules_in_every_dialect() {
    for target in ["datafusion", "duckdb", "spark", "trino"] {
        insta::assert_snapshot!(format!("recursive_{target}"), compile("tests/fixtures/sql/recursive.rules", target));
    }
}

#[test]
fn bench_rules() {
    insta::assert_snapshot!(compile("tests/fixtures/sql/bench.rules", "datafusion"));
}

#[test]
fn edge_rules() {
    insta::assert_snapshot!(compile("tests/fixtures/sql/edge.rules", "datafusion"));
}

#[test]
fn dialects_differ_only_where_they_must() {
    let df = compile("tests/fixtures/sql/edge.rules", "datafusion");
    let spark = compile("tests/fixtures/sql/edge.rules", "spark");
    let duck = compile("tests/fixtures/sql/edge.rules", "duckdb");
    assert!(df.contains("regexp_like(") && df.contains("starts_with(") && df.contains("strpos("));
    assert!(spark.contains(" RLIKE ") && spark.contains("startswith(") && spark.contains("instr("));
    assert!(spark.contains("`person`") && !spark.contains("\"person\""));
    assert!(duck.contains("regexp_matches(") && duck.contains("CREATE OR REPLACE TABLE"));
    // Spark reads backslashes in literals as escapes: the pattern's are doubled.
    let spark_ts = compile("rules/trade-screening", "spark");
    assert!(spark_ts.contains(r"'^KC[- ]?[0-9]{4,}$'"));
}

#[test]
fn manifest_folder() {
    let dir = scratch("sql-manifest");
    let out = interdict(&[
        "compile",
        "tests/fixtures/sql/bench.rules",
        "--target",
        "trino",
        "--as-of",
        "2023-06-01",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    insta::assert_snapshot!(manifest);
    let json: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    for step in json["steps"].as_array().into_iter().flatten() {
        let file = step["file"].as_str().unwrap_or_default();
        let sql = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(sql.trim_end().ends_with(';'), "{file} is one statement");
    }
}

#[test]
fn untranslatable_rule_sets_are_located_errors() {
    // No entity declarations, and `sum(…)`.
    for rules in ["rules/sanctions-ftm", "tests/fixtures/sum.rules"] {
        let out = interdict(&["compile", rules, "--target", "datafusion"]);
        assert_eq!(out.status.code(), Some(2));
        insta::assert_snapshot!(
            format!("untranslatable_{}", rules.replace(['/', '.'], "_")),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_date_shifted_twice_is_a_located_error() {
    let out = interdict(&["compile", "tests/fixtures/sql/double_shift.rules", "--target", "duckdb"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("a date shifted twice") && stderr.contains("double_shift.rules:3"), "{stderr}");
}

/// Spark's and Hive's file listings skip names that begin with `_` or `.`
/// (a table named so is read as empty, or not at all), and a working table
/// must never be a user's table: every table a script makes begins with
/// `interdict_`, and no table it reads begins with `_` or `.`.
#[test]
fn every_table_is_visible_to_spark_and_owned_by_interdict() {
    let mut rule_sets: Vec<String> = std::fs::read_dir(crate::common::root().join("rules"))
        .unwrap()
        .map(|e| format!("rules/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    rule_sets.extend(["edge", "bench", "dates", "shift"].map(|f| format!("tests/fixtures/sql/{f}.rules")));
    let mut checked = 0;
    for rules in &rule_sets {
        for target in ["datafusion", "duckdb", "spark", "trino"] {
            let dir = scratch(&format!("sql-table-names-{}-{target}", rules.replace(['/', '.'], "_")));
            let out = interdict(&["compile", rules, "--target", target, "--out", dir.to_str().unwrap()]);
            if !out.status.success() {
                continue; // no SQL form (sanctions-ftm): its own test says why
            }
            let manifest: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
            for input in manifest["inputs"].as_array().unwrap() {
                let input = input.as_str().unwrap();
                assert!(!input.starts_with(['_', '.']), "{rules} ({target}) reads `{input}`");
            }
            for step in manifest["steps"].as_array().unwrap() {
                let table = step["table"].as_str().unwrap();
                let ours = table.starts_with("interdict_") || step["kind"] == "query";
                assert!(ours, "{rules} ({target}) makes `{table}`");
            }
            checked += 1;
        }
    }
    assert!(checked >= 5 * 4, "{checked} scripts checked");
}
