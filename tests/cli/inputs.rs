//! CSV and YAML records from the command line: the same verdicts as the JSON
//! they were converted from, the same output from both engines, and located
//! errors for bad rows and documents.

use interdict::records::convert::{Column, ConvertOptions, InputFormat, Scalar, convert};
use interdict::{Input, RuleSet, SourceFile, report};

use crate::common::{AS_OF, date, engines_agree, input, interdict, root, scratch};

const RULES: &str = "rules/trade-screening";
const R: &str = "rules/trade-screening/records";
const FTM: &str = "rules/sanctions-ftm/records/entities.ftm.json";

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
    let rules = RuleSet::load(&[root().join(RULES)]).unwrap();
    let mut options = ConvertOptions { record_type: Some("person".into()), ..ConvertOptions::default() };
    let contacts = Column { scalar: Scalar::Str, list: true };
    options.columns.insert("person".into(), [("contacts".to_string(), contacts)].into());
    let files = ["people.csv", "goods.yaml", "bad.csv", "bad.yaml", "broken.yaml", "applications.csv"];
    let inputs: Vec<Input> = files
        .iter()
        .map(|f| convert(input(&format!("tests/fixtures/inputs/{f}")), InputFormat::from_name(f), &options))
        .collect();
    let json = engines_agree(&rules, &inputs, date(AS_OF), "converted inputs");
    assert!(json.contains("interdict::records::csv"));
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

#[test]
fn list_files_are_read_beside_the_rules_in_both_engines() {
    for engine in ["fast", "reference"] {
        let out = interdict(&["check", "tests/fixtures/lists", "--engine", engine, "tests/fixtures/lists/people.yaml"]);
        assert_eq!(out.status.code(), Some(1));
        insta::assert_snapshot!("lists_check", String::from_utf8_lossy(&out.stdout));
    }
    let out = interdict(&["validate", "tests/fixtures/lists"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn a_list_column_that_is_not_there_is_a_located_error() {
    let text =
        "let ids = list(\"lists/sanctioned.csv\", column: \"ident\")\nrule r { deny person p when p.id in ids }\n";
    let src = SourceFile::new("tests/fixtures/lists/more.rules".to_string(), text.to_string());
    let Err(errors) = RuleSet::from_sources(vec![src]) else { panic!("should not check") };
    let text = report::render_diagnostic(&errors[0], false, 80);
    assert!(text.contains("has no column `ident`"), "{text}");
    assert!(text.contains("its header row names: id, name, listed"), "{text}");
    assert!(text.contains("[tests/fixtures/lists/more.rules:1:48]"), "{text}");
}

/// A list of 10⁶ entries: read once, and membership is a hash lookup.
#[test]
fn a_million_entry_list_is_fine() {
    let dir = scratch("inputs-big-list");
    std::fs::create_dir_all(dir.join("lists")).unwrap();
    let mut list = String::from("# a big list\n");
    for i in 0..1_000_000 {
        list.push_str(&format!("name-{i}\n"));
    }
    std::fs::write(dir.join("lists/big.txt"), list).unwrap();
    std::fs::write(
        dir.join("big.rules"),
        "let big = list(\"lists/big.txt\")\nrule listed { deny person p when p.name in big }\n",
    )
    .unwrap();
    let mut records = String::new();
    for i in 0..20_000 {
        records.push_str(&format!("{{\"id\":\"p-{i}\",\"type\":\"person\",\"name\":\"name-{}\"}}\n", i * 97));
    }
    std::fs::write(dir.join("people.jsonl"), records).unwrap();
    let started = std::time::Instant::now();
    let rules = dir.join("big.rules").display().to_string();
    let people = dir.join("people.jsonl").display().to_string();
    let out = interdict(&["check", &rules, "--format", "summary", &people]);
    let elapsed = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    // i * 97 < 10⁶ for i < 10310.
    assert!(text.contains("20000 records: 10310 deny"), "{text}");
    assert!(elapsed.as_secs() < 60, "took {elapsed:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The FtM example through both engines, on two days (ownership and
/// sanction dates are judged against `as_of`).
#[test]
fn both_engines_agree_on_the_ftm_example() {
    let rules = RuleSet::load(&[root().join("rules/sanctions-ftm")]).unwrap();
    let ftm = convert(input(FTM), InputFormat::Ftm, &ConvertOptions::default());
    for day in ["2020-06-01", "2024-01-01"] {
        engines_agree(&rules, std::slice::from_ref(&ftm), date(day), day);
    }
}

/// `sum(…)`: totals over a type with a `where` (reverse lookup) and over a
/// list, evidence listing each term, the same in both engines.
#[test]
fn sums_add_every_term_in_both_engines() {
    let mut outputs = Vec::new();
    for engine in ["fast", "reference"] {
        let out = interdict(&["check", "tests/fixtures/sum.rules", "--engine", engine, "tests/fixtures/sum.jsonl"]);
        outputs.push(String::from_utf8_lossy(&out.stdout).into_owned());
        let json = interdict(&[
            "check",
            "tests/fixtures/sum.rules",
            "--engine",
            engine,
            "--format",
            "json",
            "tests/fixtures/sum.jsonl",
        ]);
        outputs.push(String::from_utf8_lossy(&json.stdout).into_owned());
    }
    assert_eq!(outputs[0], outputs[2]);
    assert_eq!(outputs[1], outputs[3]);
    insta::assert_snapshot!("sum_check", outputs[0]);
}

/// Paths over lists (FtM properties, multi-links in untyped sets) compared
/// with one value: `==` and orderings hold when some element does, `!=` when
/// none is equal — in both engines, with enough rules for the fast engine's
/// rule index (which then looks records up by each element of a list).
#[test]
fn lists_compare_element_by_element_in_both_engines() {
    let mut rules = String::new();
    for (i, nat) in ["ru", "cn", "de", "es", "kp", "cy", "se", "at", "fr"].iter().enumerate() {
        rules.push_str(&format!("rule nat_{i} {{ flag person p when p.nationality == \"{nat}\" }}\n"));
    }
    rules.push_str("rule not_ru { flag person p when p.nationality != \"ru\" }\n");
    rules.push_str("rule big { deny ownership o when o.percentage >= 50 }\n");
    rules.push_str("rule small { flag ownership o when 30 > o.percentage }\n");
    rules.push_str("rule owner_ru { deny ownership o when o.owner.nationality == \"ru\" }\n");
    let rules = RuleSet::from_sources(vec![SourceFile::new("lists.rules".to_string(), rules)]).unwrap();
    let ftm = convert(input(FTM), InputFormat::Ftm, &ConvertOptions::default());
    let text = engines_agree(&rules, &[ftm], date("2024-01-01"), "list comparisons");
    let rules_of = |id: &str| {
        let line = text.lines().find(|l| l.contains(&format!("\"id\":\"{id}\""))).unwrap();
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        v["rules"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert_eq!(rules_of("p-ivanova"), ["nat_0", "nat_5"]); // ["ru", "cy"]
    assert_eq!(rules_of("p-chen"), ["nat_1", "not_ru"]);
    assert_eq!(rules_of("own-1"), ["big", "owner_ru"]); // 60, owned by a Russian
    assert_eq!(rules_of("own-3"), ["small", "owner_ru"]); // 25
    assert_eq!(rules_of("own-9"), ["owner_ru"]); // 49.9
}
