//! Rule changes (issue 22): decisions-only snapshots that let a refactor
//! through, `diff` naming the exemption that now applies, and coverage
//! worded for an analyst.

use crate::common::{AS_OF, interdict, root, scratch, shown_in, stdout};

const BASE: &str = "tests/fixtures/author/base/rules.rules";
const RECORDS: &str = "tests/fixtures/author/records.jsonl";

/// `venue_ban` with its condition moved into a def: the same decisions,
/// other evidence.
const REFACTORED: &str = r#"entity person { name: string, nationality: string, rank: string?, spouse: person? }
entity venue { name: string, operator: person }
entity visit { visitor: person, venue: venue }

def south_korean(p: person) = p.nationality == "KR"

rule venue_ban "Venue operated by a South Korean national" {
    deny venue v when south_korean(v.operator)
}

rule banned_visit "Visit to a banned venue" {
    deny visit x when x.venue is denied
}
"#;

/// A rule set folder with the base rules, the records and a test file
/// with a snapshot (`content`: the `snapshot_content` line, if any),
/// its snapshot accepted.
fn accepted_set(name: &str, content: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    std::fs::copy(root().join(BASE), dir.join("rules.rules")).unwrap();
    std::fs::copy(root().join(RECORDS), dir.join("records.jsonl")).unwrap();
    let test = format!("as_of: {AS_OF}\nrecords: [records.jsonl]\nsnapshot: visits\n{content}");
    std::fs::write(dir.join("visits.test.yaml"), test).unwrap();
    let accepted = interdict(&["test", dir.to_str().unwrap(), "--accept"]);
    assert_eq!(accepted.status.code(), Some(0), "{}", stdout(&accepted));
    dir
}

// See: issue 22, item 4.
#[test]
fn a_decisions_snapshot_lets_a_refactor_through() {
    let dir = accepted_set("rule-changes-decisions", "snapshot_content: decisions\n");
    let snap = std::fs::read_to_string(dir.join("snapshots/visits.snap")).unwrap();
    insta::assert_snapshot!("decisions-snapshot", snap.split_once("\n---\n").unwrap().1);
    std::fs::write(dir.join("rules.rules"), REFACTORED).unwrap();
    let after = interdict(&["test", dir.to_str().unwrap()]);
    assert_eq!(after.status.code(), Some(0), "{}", shown_in(&after, &dir));
    assert!(!dir.join("snapshots/visits.snap.new").exists());

    // The full snapshot holds the evidence, which the refactor changed.
    let full = accepted_set("rule-changes-full", "");
    std::fs::write(full.join("rules.rules"), REFACTORED).unwrap();
    let differs = interdict(&["test", full.to_str().unwrap()]);
    assert_eq!(differs.status.code(), Some(1), "{}", shown_in(&differs, &full));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&full);
}

// See: issue 22, item 5: a rule newly waived shows the exemption that now
// applies (and one no longer waived, the exemption that applied before).
#[test]
fn diff_shows_the_exemption_that_now_applies() {
    let (base, added) = ("tests/fixtures/author/base", "tests/fixtures/author/exemption_added");
    let now = interdict(&["diff", base, added, RECORDS, "--as-of", AS_OF]);
    let text = stdout(&now);
    assert!(text.contains("after: exemption cadre_visits applies: Senior cadres may visit banned venues"), "{text}");
    assert!(text.contains("rank \"senior-cadre\" == \"senior-cadre\""), "{text}");
    let back = interdict(&["diff", added, base, RECORDS, "--as-of", AS_OF]);
    insta::assert_snapshot!("diff-no-longer-waived", stdout(&back));
}

// See: issue 22, item 6: coverage names the conditions that never made the
// difference, with a line saying what that means.
#[test]
fn coverage_names_conditions_that_never_made_the_difference() {
    // The why-not fixture's test file fails on purpose; coverage still runs.
    let out = interdict(&["test", "tests/fixtures/whynot", "--coverage"]);
    let text = stdout(&out);
    let coverage = &text[text.find("coverage\n").unwrap()..];
    insta::assert_snapshot!("coverage-never-made-the-difference", coverage);
}
