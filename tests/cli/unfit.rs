//! Records that do not fit their `entity` declaration (issue 22): the
//! analyst's goods record with `"Origin": "KR"`, a declaration dated
//! `01/05/2023`, a quantity of `"abc"`, a missing required date. Warnings on
//! the record in every format, the same from both engines; with `--strict`
//! an error in its place (exit 3) while the other records are judged.

use std::process::Output;

use crate::common::{AS_OF, interdict, shown, stderr, stdout};

const RULES: &str = "tests/fixtures/unfit.rules";
const RECORDS: &str = "tests/fixtures/unfit.jsonl";

fn check(extra: &[&str]) -> Output {
    interdict(&[&["check", RULES, RECORDS, "--as-of", AS_OF][..], extra].concat())
}

/// `check --format json` with both engines, which must write the same bytes.
fn json(extra: &[&str]) -> Output {
    let fast = check(&[&["--format", "json"][..], extra].concat());
    let reference = check(&[&["--format", "json", "--engine", "reference"][..], extra].concat());
    assert_eq!(shown(&fast), shown(&reference), "the engines disagree");
    fast
}

/// `ID KIND [field:problem…]` per output line.
fn outline(out: &Output) -> Vec<String> {
    stdout(out)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let warnings = v["warnings"].as_array().into_iter().flatten();
            let problems: Vec<String> = warnings
                .map(|w| format!(" {}:{}", w["field"].as_str().unwrap(), w["problem"]["kind"].as_str().unwrap()))
                .collect();
            let what = v["decision"].as_str().or(v["error"]["code"].as_str()).unwrap_or("?");
            format!("{} {}{}", v["id"].as_str().unwrap_or("?"), what, problems.concat())
        })
        .collect()
}

#[test]
fn the_analysts_records_are_warned_about_in_every_format() {
    let out = json(&[]);
    assert_eq!(out.status.code(), Some(1), "g-2 is denied");
    assert_eq!(
        outline(&out),
        [
            "g-1 allow Origin:undeclared origin:absent",
            "g-2 deny",
            "d-1 allow date:not_of_type quantity:not_of_type",
            "d-2 deny",
            "d-3 allow date:absent",
        ]
    );
    let text = stdout(&out);
    assert!(text.contains(r#""problem":{"kind":"undeclared","did_you_mean":"origin"}"#), "{text}");
    assert!(text.contains(r#""target":"01/05/2023","problem":{"kind":"not_of_type","expected":"date""#), "{text}");
    let human = check(&[]);
    insta::assert_snapshot!(shown(&human));
    let summary = check(&["--format", "summary"]);
    assert_eq!(
        stdout(&summary).lines().next(),
        Some("5 records: 2 deny, 0 flag, 3 allow, 0 waived, 0 errors, 5 warnings")
    );
}

#[test]
fn strict_makes_each_unfit_record_an_error_and_judges_the_others() {
    let out = json(&["--strict"]);
    assert_eq!(out.status.code(), Some(3));
    let code = "interdict::records::does_not_fit";
    assert_eq!(
        outline(&out),
        [format!("g-1 {code}"), "g-2 deny".into(), format!("d-1 {code}"), "d-2 deny".into(), format!("d-3 {code}")]
    );
    let first = stdout(&out).lines().next().unwrap_or_default().to_string();
    assert!(first.contains(r#""source":{"file":"tests/fixtures/unfit.jsonl","line":1,"column":1}"#), "{first}");
    let human = check(&["--strict"]);
    assert_eq!(human.status.code(), Some(3));
    insta::assert_snapshot!(shown(&human));
    let summary = check(&["--strict", "--format", "summary"]);
    assert_eq!(
        stdout(&summary).lines().next(),
        Some("5 records: 2 deny, 0 flag, 0 allow, 0 waived, 3 errors, 0 warnings")
    );
}

#[test]
fn explain_shows_the_warnings_and_with_strict_the_error() {
    let args = ["explain", RULES, RECORDS, "--id", "g-1", "--as-of", AS_OF];
    let out = interdict(&args);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(shown(&out));
    let out = interdict(&[&args[..], &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["warnings"][0]["problem"]["did_you_mean"], "origin");
    let out = interdict(&[&args[..], &["--strict"]].concat());
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("interdict::records::does_not_fit"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn strict_is_on_every_command_that_judges_records() {
    let diff = interdict(&["diff", RULES, RULES, RECORDS, "--as-of", AS_OF, "--strict"]);
    assert_eq!(diff.status.code(), Some(3), "{}", shown(&diff));
    let lenient = interdict(&["diff", RULES, RULES, RECORDS, "--as-of", AS_OF]);
    assert_eq!(lenient.status.code(), Some(0), "{}", shown(&lenient));
    for command in ["check", "explain", "diff", "test", "snapshot"] {
        let help = interdict(&[command, "--help"]);
        assert!(stdout(&help).contains("--strict"), "{command} --help has no --strict");
    }
}

/// Without `entity` declarations nothing is checked: the same records
/// have no warnings, and `--strict` changes nothing.
#[test]
fn without_declarations_nothing_is_checked() {
    let dir = crate::common::scratch("unfit-untyped");
    std::fs::write(dir.join("r.rules"), "rule r { deny product p when p.origin == \"KR\" }\n").unwrap();
    let rules = dir.join("r.rules");
    let records = crate::common::root().join(RECORDS);
    let args = ["check", rules.to_str().unwrap(), records.to_str().unwrap(), "--as-of", AS_OF, "--format", "summary"];
    let out = interdict(&[&args[..], &["--strict"]].concat());
    assert_eq!(stdout(&out).lines().next(), Some("5 records: 1 deny, 0 flag, 4 allow, 0 waived, 0 errors, 0 warnings"));
    let _ = std::fs::remove_dir_all(&dir);
}
