//! Recursive rules: the least fixpoint, through both engines (the fast
//! engine's semi-naive rounds must write the reference's JSON, evidence
//! included).

use super::{check, outcomes};
use crate::date::Date;
use crate::eval::{EvalOptions, Limits, Outcome};
use crate::fast::{Evidence, FastEngine, FastStore};
use crate::records::{Input, RecordStore};
use crate::reference::Engine;
use crate::report::write_json;
use crate::{RuleSet, SourceFile};

/// A company is blocked when it is listed or a blocked owner holds it.
const BLOCKED: &str = r#"
rule blocked { deny c x when x.listed == true or any o in x.owners: o is denied by blocked }
"#;

/// a ← b ← c ← d, d listed.
const CHAIN: &str = r#"
    {"id":"a","type":"c","owners":["b"]}
    {"id":"b","type":"c","owners":["c"]}
    {"id":"c","type":"c","owners":["d"]}
    {"id":"d","type":"c","listed":true}
"#;

#[test]
fn a_rule_reads_its_own_verdict_down_a_chain() {
    // a ← b ← c ← d: d is listed; the verdict climbs the chain.
    check(BLOCKED, CHAIN, "a deny blocked\nb deny blocked\nc deny blocked\nd deny blocked");
}

#[test]
fn a_cycle_alone_derives_nothing() {
    // Rings and self-links with no listed record: the least fixpoint is
    // empty, though "all blocked" would satisfy the rule too.
    let records = r#"
        {"id":"r1","type":"c","owners":["r2"]}
        {"id":"r2","type":"c","owners":["r3"]}
        {"id":"r3","type":"c","owners":["r1"]}
        {"id":"s","type":"c","owners":["s"]}
        {"id":"t1","type":"c","owners":["t2"]}
        {"id":"t2","type":"c","owners":["t1","l"]}
        {"id":"l","type":"c","listed":true}
    "#;
    check(BLOCKED, records, "r1 allow\nr2 allow\nr3 allow\ns allow\nt1 deny blocked\nt2 deny blocked\nl deny blocked");
}

const OFAC: &str = r#"
rule ofac { deny company c when c.listed == true
                             or sum(stake s where s.asset == c and (s.owner is denied by ofac): s.pct) >= 50 }
"#;

#[test]
fn stakes_add_up_across_levels_and_cross_holdings() {
    let records = r#"
        {"id":"p","type":"company","listed":true}
        {"id":"a","type":"company"}
        {"id":"b","type":"company"}
        {"id":"m","type":"company"}
        {"id":"x","type":"company"}
        {"id":"y","type":"company"}
        {"id":"s1","type":"stake","owner":"p","asset":"a","pct":60}
        {"id":"s2","type":"stake","owner":"a","asset":"b","pct":50}
        {"id":"s3","type":"stake","owner":"b","asset":"m","pct":30}
        {"id":"s4","type":"stake","owner":"a","asset":"m","pct":20}
        {"id":"s5","type":"stake","owner":"x","asset":"y","pct":60}
        {"id":"s6","type":"stake","owner":"y","asset":"x","pct":60}
    "#;
    let got = outcomes(OFAC, records, "2024-01-01");
    assert_eq!(got[..6], ["p deny ofac", "a deny ofac", "b deny ofac", "m deny ofac", "x allow", "y allow"]);
}

#[test]
fn rules_that_read_each_other() {
    // Two rules in one group: `up` reads `down` and `down` reads `up`.
    let rules = r#"
        rule up { flag n x when x.seed == true or any p in x.parents: p is flagged by down }
        rule down { flag n x when any c in x.children: c is flagged by up }
    "#;
    let records = r#"
        {"id":"a","type":"n","seed":true}
        {"id":"b","type":"n","children":["a"]}
        {"id":"c","type":"n","parents":["b"]}
        {"id":"d","type":"n","parents":["c"]}
    "#;
    check(rules, records, "a flag up\nb flag down\nc flag up\nd allow");
}

#[test]
fn a_negative_number_in_a_sum_on_a_cycle_is_an_error() {
    let records = r#"
        {"id":"p","type":"company","listed":true}
        {"id":"a","type":"company"}
        {"id":"s1","type":"stake","owner":"p","asset":"a","pct":60}
        {"id":"s2","type":"stake","owner":"p","asset":"a","pct":-20}
    "#;
    let got = outcomes(OFAC, records, "2024-01-01");
    assert_eq!(got[0], "p deny ofac");
    assert!(got[1].starts_with("error a a sum on a recursive rule's cycle added -20"), "{got:?}");
}

/// Both engines' JSON under `limits` (asserted equal), then the reference's.
fn json_with_limits(rules: &str, records: &str, limits: Limits) -> String {
    let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap();
    let program = rules.program();
    let options = EvalOptions { as_of: Date::parse_exact("2024-01-01").unwrap() };
    let store = RecordStore::load([Input::new("t.jsonl", records.as_bytes().to_vec())]);
    let outcomes = Engine::new(program, &store, options).with_limits(limits).evaluate();
    let mut reference = Vec::new();
    write_json(&mut reference, program, &store, &outcomes).unwrap();
    let inputs = vec![Ok(Input::new("t.jsonl", records.as_bytes().to_vec()))];
    let fast_store = FastStore::load(&inputs, program);
    let fast_outcomes = FastEngine::new(program, &fast_store, options, Evidence::Full).with_limits(limits).evaluate();
    let mut fast = Vec::new();
    write_json(&mut fast, program, &fast_store, &fast_outcomes).unwrap();
    assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&reference), "the engines disagree");
    assert!(outcomes.iter().all(|o| !matches!(o, Outcome::RecordError(_))));
    String::from_utf8_lossy(&reference).into_owned()
}

#[test]
fn a_fixpoint_that_does_not_settle_in_max_rounds_is_an_error_for_the_open_records() {
    // The chain needs 4 rounds; with 2, d and c have fired, b and a are open.
    let json = json_with_limits(BLOCKED, CHAIN, Limits { max_rounds: 2, ..Limits::default() });
    let lines: Vec<&str> = json.lines().collect();
    assert!(lines[0].contains("did not settle within 2 rounds (--max-rounds)"), "{}", lines[0]);
    assert!(lines[1].contains("did not settle within 2 rounds"), "{}", lines[1]);
    assert!(lines[2].contains(r#""decision":"deny""#), "{}", lines[2]);
    assert!(lines[3].contains(r#""decision":"deny""#), "{}", lines[3]);
    let settled = json_with_limits(BLOCKED, CHAIN, Limits { max_rounds: 4, ..Limits::default() });
    assert!(settled.lines().all(|l| l.contains(r#""decision":"deny""#)), "{settled}");
}

#[test]
fn a_fire_s_evidence_is_its_first_derivation() {
    // a is listed (round 1); b's owners are [c, a]: in round 2 only a has
    // fired, so b fires through a; c fires in round 3 through b. Read at
    // the end, c would be b's witness (it comes first in the list); the
    // evidence is round 2's, whose witness is a.
    let records = r#"
        {"id":"a","type":"c","listed":true}
        {"id":"b","type":"c","owners":["c","a"]}
        {"id":"c","type":"c","owners":["b"]}
    "#;
    let json = json_with_limits(BLOCKED, records, Limits::default());
    let b = json.lines().nth(1).unwrap();
    assert!(b.contains(r#""value":"a","depth":null,"position":1"#), "{b}");
    let c = json.lines().nth(2).unwrap();
    assert!(c.contains(r#""value":"b","depth":null,"position":0"#), "{c}");
}
