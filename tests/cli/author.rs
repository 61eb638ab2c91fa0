//! The rule author's loop from the command line: `diff`, `explain`, `test`
//! (with coverage), decision snapshots and `fmt`, on the example rule set
//! and on fixture rule sets made for each kind of change.

use std::path::Path;
use std::process::Output;

use crate::common::{AS_OF, Interdict, example, interdict, root, scratch, stdout};

const RECORDS: &str = "tests/fixtures/author/records.jsonl";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let p = entry.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

#[test]
fn diff_groups_changes_by_rule() {
    for variant in ["starts_firing", "stops_firing", "exemption_added"] {
        let new = format!("tests/fixtures/author/{variant}");
        let args = ["diff", "tests/fixtures/author/base", &new, RECORDS, "--as-of", AS_OF];
        let human = interdict(&args);
        assert_eq!(human.status.code(), Some(0), "{variant}");
        insta::assert_snapshot!(format!("diff-{variant}"), stdout(&human));
        let mut json_args = args.to_vec();
        json_args.extend(["--format", "json", "--fail-on-change"]);
        let json = interdict(&json_args);
        assert_eq!(json.status.code(), Some(1), "{variant}: --fail-on-change");
        let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
        insta::assert_yaml_snapshot!(format!("diff-{variant}-json"), value);
    }
    let same =
        interdict(&["diff", "tests/fixtures/author/base", "tests/fixtures/author/base", RECORDS, "--fail-on-change"]);
    assert_eq!(same.status.code(), Some(0));
    assert!(stdout(&same).starts_with("no changes"));
}

#[test]
fn diff_against_a_git_revision() {
    // The committed example rules against themselves: no change. (The test
    // needs git history; a source tarball without `.git` skips it.)
    if !root().join(".git").exists() {
        return;
    }
    let set = example("trade-screening");
    let mut args = vec!["diff", "HEAD:rules/trade-screening", "rules/trade-screening", "--as-of", AS_OF];
    args.extend(set.records.iter().map(String::as_str));
    let out = interdict(&args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    // Either unchanged, or (while a rule is being edited) a grouped report.
    assert!(text.starts_with("no changes") || text.contains(" of 470 records changed"), "{text}");
    let bad = interdict(&["diff", "NOSUCHREV:rules/trade-screening", "rules/trade-screening", RECORDS]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn explain_shows_why_not_and_linked_records() {
    let out = interdict(&["explain", "tests/fixtures/author/starts_firing", RECORDS, "--id", "x-2", "--as-of", AS_OF]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("explain-x-2", stdout(&out));
    let one = interdict(&[
        "explain",
        "tests/fixtures/author/starts_firing",
        RECORDS,
        "--id",
        "v-plain",
        "--rule",
        "marriage_link",
        "--as-of",
        AS_OF,
    ]);
    insta::assert_snapshot!("explain-v-plain-marriage_link", stdout(&one));
    let json = interdict(&[
        "explain",
        "tests/fixtures/author/base",
        RECORDS,
        "--id",
        "x-1",
        "--format",
        "json",
        "--as-of",
        AS_OF,
    ]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["rules"][0]["status"], "fired");
    assert_eq!(value["linked"][0]["id"], "v-kr");
    assert_eq!(interdict(&["explain", "tests/fixtures/author/base", RECORDS, "--id", "nobody"]).status.code(), Some(3));
    assert_eq!(
        interdict(&["explain", "tests/fixtures/author/base", RECORDS, "--id", "x-1", "--rule", "venue_bann"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn explain_on_the_example_rule_set() {
    let set = example("trade-screening");
    let mut args = vec!["explain", "rules/trade-screening", "--id", "vi-005", "--as-of", AS_OF];
    args.extend(set.records.iter().map(String::as_str));
    let out = interdict(&args);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("explain-trade-screening-vi-005", stdout(&out));
}

#[test]
fn the_example_rule_set_passes_its_tests_with_full_coverage_of_rules() {
    let out = in_ci(&["test", "rules/trade-screening", "--coverage"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    insta::assert_snapshot!("test-trade-screening", stdout(&out));
    let json = in_ci(&["test", "rules/trade-screening", "--coverage", "--format", "json"]);
    let last = stdout(&json).lines().last().unwrap().to_string();
    let coverage: serde_json::Value = serde_json::from_str(&last).unwrap();
    for rule in coverage["rules"].as_array().unwrap() {
        assert!(rule["fired"].as_u64().unwrap() + rule["waived"].as_u64().unwrap() > 0, "{rule}");
    }
}

/// A run as in CI: a decision snapshot that differs fails, and no pending
/// one is written (tests must not leave files in the project).
fn in_ci(args: &[&str]) -> Output {
    Interdict::new(args).env("CI", "true").run()
}

/// Every rule set under `rules/` passes its own tests, as committed.
#[test]
fn every_rule_set_under_rules_passes_its_tests() {
    let mut sets: Vec<String> = std::fs::read_dir(root().join("rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| format!("rules/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    sets.sort();
    assert!(sets.len() >= 2, "{sets:?}");
    for set in sets {
        let out = in_ci(&["test", &set]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "`interdict test {set}` fails; review the change with `interdict test {set} --review`:\n{}",
            stdout(&out)
        );
    }
}

/// Change one rule of a copy of the example set: `test` fails and shows the
/// flipped records; in CI nothing is written; otherwise a pending snapshot
/// is, and `--review` (answered on stdin) or `--accept` takes it.
#[test]
fn an_unreviewed_snapshot_change_fails() {
    let dir = scratch("author-snapshot-loop");
    copy_dir(&root().join("rules/trade-screening"), &dir);
    let venues = dir.join("venues.rules");
    let text = std::fs::read_to_string(&venues).unwrap();
    let changed = text.replace(
        "deny venue v when south_korean(v.operator)",
        "deny venue v when south_korean(v.operator) or v.operator.nationality == \"KP\"",
    );
    assert_ne!(changed, text);
    std::fs::write(&venues, changed).unwrap();
    let path = dir.to_str().unwrap();
    let pending = dir.join("tests/snapshots/records.snap.new");

    // What the change flips, grouped by rule, with examples.
    let set = example("trade-screening");
    let mut args = vec!["diff", "rules/trade-screening", path, "--as-of", AS_OF, "--examples", "1"];
    args.extend(set.records.iter().map(String::as_str));
    let diff = interdict(&args);
    insta::assert_snapshot!("diff-trade-screening", stdout(&diff).replace(path, "[copy]"));

    let ci = in_ci(&["test", path]);
    assert_eq!(ci.status.code(), Some(1));
    assert!(stdout(&ci).contains("snapshot `records` differs on 28 records"), "{}", stdout(&ci));
    assert!(stdout(&ci).contains("+v-06 venue deny"), "{}", stdout(&ci));
    assert!(!pending.exists(), "CI must not write snapshots");

    let local = interdict(&["test", path]);
    assert_eq!(local.status.code(), Some(1));
    assert!(pending.exists());

    let rejected = Interdict::new(&["test", path, "--review"]).stdin("r\n").run();
    assert_eq!(rejected.status.code(), Some(1), "{}", stdout(&rejected));
    assert!(!pending.exists());

    let reviewed = Interdict::new(&["test", path, "--review"]).stdin("a\n").run();
    assert!(stdout(&reviewed).contains("1 accepted"), "{}", stdout(&reviewed));
    // The snapshot is accepted; the hand-written expectation the change
    // breaks (a venue run by a North Korean) still fails until it is updated.
    let after = interdict(&["test", path]);
    assert!(!stdout(&after).contains("snapshot `records`"), "{}", stdout(&after));
    assert!(stdout(&after).contains("`v-kp-married`\n  expected decision allow, got deny"), "{}", stdout(&after));
    assert_eq!(after.status.code(), Some(1));

    std::fs::write(&venues, text).unwrap();
    let back = interdict(&["test", path, "--accept"]);
    assert_eq!(back.status.code(), Some(0));
    let snap = std::fs::read_to_string(dir.join("tests/snapshots/records.snap")).unwrap();
    let committed = std::fs::read_to_string(root().join("rules/trade-screening/tests/snapshots/records.snap")).unwrap();
    assert_eq!(snap.split_once("\n---\n").unwrap().1, committed.split_once("\n---\n").unwrap().1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn failing_expectations_show_expected_got_and_evidence() {
    let dir = scratch("author-failing-test");
    copy_dir(&root().join("tests/fixtures/author/base"), &dir);
    std::fs::copy(root().join(RECORDS), dir.join("records.jsonl")).unwrap();
    std::fs::write(
        dir.join("visits.test.yaml"),
        "records: [records.jsonl]\nexpect:\n  - id: x-1\n    decision: allow\n    does_not_fire: [banned_visit]\n  - id: x-4\n    decision: allow\n  - id: x-9\n    decision: allow\n",
    )
    .unwrap();
    let out = interdict(&["test", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out).replace(dir.to_str().unwrap(), "[dir]");
    insta::assert_snapshot!("test-failures", text);

    std::fs::write(dir.join("visits.test.yaml"), "expect:\n  - id: x-1\n    fires: [banned_vist]\n").unwrap();
    let broken = interdict(&["test", dir.to_str().unwrap()]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(
        stdout(&broken).contains("unknown rule `banned_vist`; did you mean `banned_visit`?"),
        "{}",
        stdout(&broken)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn snapshot_command_records_and_checks() {
    let dir = scratch("author-snapshot-cmd");
    let dir_s = dir.to_str().unwrap();
    let args =
        ["snapshot", "tests/fixtures/author/base", RECORDS, "--name", "visits", "--dir", dir_s, "--as-of", AS_OF];
    let first = interdict(&args);
    assert_eq!(first.status.code(), Some(0));
    assert!(stdout(&first).starts_with("wrote "));
    let snap = std::fs::read_to_string(dir.join("visits.snap")).unwrap();
    assert!(snap.starts_with("---\nsource: interdict snapshot tests/fixtures/author/base"), "{snap}");
    insta::assert_snapshot!("decision-snapshot", snap.split_once("\n---\n").unwrap().1);
    assert_eq!(interdict(&args).status.code(), Some(0));
    let mut changed = args.to_vec();
    changed[1] = "tests/fixtures/author/starts_firing";
    let differs = interdict(&changed);
    assert_eq!(differs.status.code(), Some(1));
    assert!(stdout(&differs).contains("differs on 2 records"), "{}", stdout(&differs));
    assert!(dir.join("visits.snap.new").exists());
    changed.push("--accept");
    assert_eq!(interdict(&changed).status.code(), Some(0));
    assert!(!dir.join("visits.snap.new").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fmt_check_and_rewrite() {
    assert_eq!(interdict(&["fmt", "--check", "rules"]).status.code(), Some(0));
    let dir = scratch("author-fmt");
    let file = dir.join("messy.rules");
    std::fs::write(&file, "rule r \"T\" {   deny venue v when v.kind==\"x\"   # why\n}\n").unwrap();
    let check = interdict(&["fmt", "--check", file.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(1));
    assert!(stdout(&check).contains("+    deny venue v when v.kind == \"x\"  # why"), "{}", stdout(&check));
    assert_eq!(interdict(&["fmt", file.to_str().unwrap()]).status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "rule r \"T\" {\n    deny venue v when v.kind == \"x\"  # why\n}\n"
    );
    std::fs::write(&file, "rule r {").unwrap();
    assert_eq!(interdict(&["fmt", file.to_str().unwrap()]).status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
