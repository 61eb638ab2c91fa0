//! New records judged against a loaded store ([`Overlay`]) as `check` over
//! the stored records and them would: the same bytes, on generated rule
//! sets (links, hop ranges, `is`, `by`, reverse lookups, defs, exemptions)
//! over generated graphs whose records are split into stored and new.

use interdict::fast::{Evidence, FastEngine, FastStore, Overlay};
use interdict::records::{RecordError, Records};
use interdict::{EvalOptions, Input, RuleSet, SourceFile, report};
use proptest::prelude::*;

use crate::common::{date, proptest_config, root};
use crate::differential::{records, rule_sets};

/// The fast engine's JSON lines for `inputs`, from entry `from` on.
fn lines_from(rules: &RuleSet, inputs: &[Result<Input, RecordError>], from: usize) -> Vec<String> {
    let store = FastStore::load(inputs, rules.program());
    let as_of = date("2024-01-01");
    let outcomes = FastEngine::new(rules.program(), &store, EvalOptions { as_of }, Evidence::Full).evaluate();
    let mut out = Vec::new();
    report::write_json(&mut out, rules.program(), &store, &outcomes).unwrap();
    String::from_utf8(out).unwrap().lines().skip(from).map(str::to_string).collect()
}

/// The lines of `text` picked by `new` go in a request; the others are stored.
fn overlay_agrees(rules: &RuleSet, text: &str, new: &[usize]) {
    let (mut stored, mut request) = (String::new(), String::new());
    for (i, line) in text.lines().enumerate() {
        let to = if new.contains(&i) { &mut request } else { &mut stored };
        to.push_str(line);
        to.push('\n');
    }
    let stored = vec![Ok(Input::new("g.jsonl", stored.into_bytes()))];
    let request = Input::new("body", request.into_bytes());
    let mut all = stored.clone();
    all.push(Ok(request.clone()));
    let entries = lines_from(rules, &stored, 0).len();
    let expected = lines_from(rules, &all, entries);
    let overlay = Overlay::new(&stored, rules.program());
    let (inputs, from) = overlay.inputs_for(&request, rules.program());
    let got = lines_from(rules, &inputs, from);
    let given: Vec<String> =
        inputs.iter().map(|i| String::from_utf8_lossy(&i.as_ref().unwrap().bytes).into()).collect();
    assert_eq!(got, expected, "inputs given: {given:?}");
}

proptest! {
    #![proptest_config(proptest_config(160))]

    #[test]
    fn new_records_judged_over_a_loaded_store_as_check_judges_them(
        rules_text in rule_sets(),
        text in records(),
        new in prop::collection::vec(0usize..30, 1..5),
    ) {
        let rules = RuleSet::from_sources(vec![SourceFile::new("gen.rules", rules_text)]).unwrap();
        overlay_agrees(&rules, &text, &new);
    }
}

/// The example rule set: each record in turn new, and runs of records new
/// together (so new records link to each other).
#[test]
fn the_example_rule_set_record_by_record() {
    let rules = RuleSet::load(&[root().join("rules/trade-screening")]).unwrap();
    let mut text = String::new();
    for f in ["people.jsonl", "goods.jsonl", "activity.jsonl"] {
        text.push_str(&std::fs::read_to_string(root().join("rules/trade-screening/records").join(f)).unwrap());
    }
    let lines = text.lines().count();
    assert!(lines > 300);
    for i in (0..lines).step_by(7) {
        overlay_agrees(&rules, &text, &[i]);
        overlay_agrees(&rules, &text, &[i, i + 1, i + 2, (i * 31) % lines]);
    }
}

/// A new record repeating a stored id: its error names where the stored
/// one is (line and column in its own input, a JSON array here).
#[test]
fn a_stored_id_again_names_where_the_stored_one_is() {
    let rules =
        RuleSet::from_sources(vec![SourceFile::new("r.rules", r#"rule r { deny person p when p.n == "x" }"#)]).unwrap();
    let stored = r#"[{"id":"p0","type":"person","n":"x"},
  {"id":"p1","type":"person",
   "n":"x"}]"#;
    let stored = vec![Ok(Input::new("s.json", stored))];
    let again = Input::new("body", r#"{"id":"p1","type":"person","n":"y"}"#);
    let mut all = stored.clone();
    all.push(Ok(again.clone()));
    let expected = lines_from(&rules, &all, 2);
    assert!(expected[0].contains(r#""line":2,"column":3"#), "{expected:?}");
    let (inputs, from) = Overlay::new(&stored, rules.program()).inputs_for(&again, rules.program());
    assert_eq!(lines_from(&rules, &inputs, from), expected);
}

/// Reverse lookups both ways: a new person whose stored visits make their
/// verdict, and a new visit whose visitor's verdict reads the visits (the
/// new one among them); and new records linking to each other.
#[test]
fn reverse_lookups_reach_stored_and_new_records() {
    let rules = RuleSet::from_sources(vec![SourceFile::new(
        "r.rules",
        r#"rule bad_venue { deny venue v when v.operator.nationality == "KP" }
rule been { flag person p when any visit x where x.visitor == p: x.venue is denied }
rule with_flagged { deny visit x when x.visitor is flagged }
rule twice { flag person p when count(p.contacts) > 1 and any visit x where x.visitor == p: x.venue.kind == "bar" }"#,
    )])
    .unwrap();
    let text = r#"{"id":"p1","type":"person","nationality":"KP","contacts":[]}
{"id":"p2","type":"person","nationality":"CN","contacts":["p1","p3"]}
{"id":"p3","type":"person","nationality":"CN","contacts":[]}
{"id":"v1","type":"venue","kind":"bar","operator":"p1"}
{"id":"v2","type":"venue","kind":"shop","operator":"p3"}
{"id":"x1","type":"visit","visitor":"p2","venue":"v1"}
{"id":"x2","type":"visit","visitor":"p3","venue":"v2"}
{"id":"x3","type":"visit","visitor":"p3","venue":"v1"}
{"id":"v9","type":"venue","kind":"bar","operator":"p1"}
{"id":"x9","type":"visit","visitor":"p3","venue":"v9"}"#;
    // A person whose verdict only stored visits make.
    overlay_agrees(&rules, text, &[1]);
    overlay_agrees(&rules, text, &[2]);
    // A visit judged through its visitor, whose verdict reads every visit.
    overlay_agrees(&rules, text, &[6]);
    // A new visit to a new venue run by a stored person.
    overlay_agrees(&rules, text, &[8, 9]);
    overlay_agrees(&rules, text, &[2, 8, 9]);
}

/// The stored records a write of `written` makes judge again, by id, over
/// the contact chain p0 → p1 → p2 → p3 → p4.
fn readers_of_write(rules: &str, written: &str) -> Vec<String> {
    let rules = RuleSet::from_sources(vec![SourceFile::new("r.rules", rules)]).unwrap();
    let chain: String = (0..5)
        .map(|i| {
            let contacts = if i < 4 { format!(r#"["p{}"]"#, i + 1) } else { "[]".to_string() };
            format!(r#"{{"id":"p{i}","type":"person","nationality":"CN","contacts":{contacts}}}"#) + "\n"
        })
        .collect();
    let stored = vec![Ok(Input::new("g.jsonl", chain.into_bytes()))];
    let overlay = Overlay::new(&stored, rules.program());
    let changed = [Ok(Input::new("w", written.as_bytes().to_vec()))];
    let readers = overlay.readers(&FastStore::load(&changed, rules.program()), &[]);
    readers.into_iter().map(|r| overlay.store().id(r).to_string()).collect()
}

/// A write is walked back as many contacts as the rules' paths take
/// together, and no further: the farthest reader listed is one whose
/// decision p4 turning "KR" changes (it reaches each rule's limit
/// exactly), so a walk that stops a link short misses it; one a link too
/// far re-judges p0 or p1 for nothing. A closure, or a verdict read
/// through the field, continues without a limit.
#[test]
fn a_write_is_walked_back_as_far_as_the_rules_reach() {
    let kr = r#"{"id":"p4","type":"person","nationality":"KR","contacts":[]}"#;
    let ids = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let near = r#"rule near { flag person p when any c in p.contacts{1..2}: c.nationality == "KR" }"#;
    assert_eq!(readers_of_write(near, kr), ids(&["p2", "p3", "p4"]));
    let nested =
        r#"rule far { flag person p when any c in p.contacts: any d in c.contacts{1..2}: d.nationality == "KR" }"#;
    assert_eq!(readers_of_write(nested, kr), ids(&["p1", "p2", "p3", "p4"]));
    let through_def = r#"def kr_contact(q: person) = any d in q.contacts: d.nationality == "KR"
rule far { flag person p when any c in p.contacts{1..2}: kr_contact(c) }"#;
    assert_eq!(readers_of_write(through_def, kr), ids(&["p1", "p2", "p3", "p4"]));
    let closure = r#"rule any_far { flag person p when any c in p.contacts{1..}: c.nationality == "KR" }"#;
    assert_eq!(readers_of_write(closure, kr), ids(&["p0", "p1", "p2", "p3", "p4"]));
    let verdicts = r#"rule kr { flag person p when p.nationality == "KR" }
rule by_kr { flag person p when any c in p.contacts: c is flagged }"#;
    assert_eq!(readers_of_write(verdicts, kr), ids(&["p0", "p1", "p2", "p3", "p4"]));
}
