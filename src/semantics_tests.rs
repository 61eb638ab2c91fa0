//! The language's meaning, one test per operator, edge and error case,
//! each run through both engines: the reference engine's verdicts are the
//! expected lines, and the fast engine must write the same JSON, evidence
//! included, byte for byte. Every test goes through [`check`]: rules and
//! JSON Lines in, one line per record out (`id decision fired…
//! waived~exemption…`).

use crate::date::Date;
use crate::eval::{EvalOptions, Outcome};
use crate::fast::{Evidence, FastEngine, FastStore};
use crate::records::{Input, RecordStore};
use crate::reference::Engine;
use crate::report::write_json;
use crate::{RuleSet, SourceFile};

/// Each record's verdict by the reference engine, one line each, after
/// checking that the fast engine writes the same JSON.
fn outcomes(rules: &str, records: &str, as_of: &str) -> Vec<String> {
    let rules = match RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]) {
        Ok(r) => r,
        Err(errors) => panic!("rules do not check: {:?}", errors.iter().map(ToString::to_string).collect::<Vec<_>>()),
    };
    let program = rules.program();
    let options = EvalOptions { as_of: Date::parse_exact(as_of).unwrap() };
    let store = RecordStore::load([Input::new("t.jsonl", records.as_bytes().to_vec())]);
    let outcomes = Engine::new(program, &store, options).evaluate();
    let mut reference = Vec::new();
    write_json(&mut reference, program, &store, &outcomes).unwrap();
    let inputs = vec![Ok(Input::new("t.jsonl", records.as_bytes().to_vec()))];
    let fast_store = FastStore::load(&inputs, program);
    let mut fast = Vec::new();
    let fast_outcomes = FastEngine::new(program, &fast_store, options, Evidence::Full).evaluate();
    write_json(&mut fast, program, &fast_store, &fast_outcomes).unwrap();
    assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&reference), "the engines disagree");
    outcomes
        .iter()
        .map(|o| match o {
            Outcome::Verdict(v) => {
                let mut line = format!("{} {}", store.record(v.record).id(), v.decision.as_str());
                for f in &v.fired {
                    line.push(' ');
                    line.push_str(&program.rule(f.rule).name);
                }
                for w in &v.waived {
                    line.push_str(&format!(" {}~{}", program.rule(w.rule).name, program.exemption(w.exemption).name));
                }
                line
            }
            Outcome::RecordError(e) => format!("error {}", e.message()),
            Outcome::EvalError(e) => format!("error {} {}", e.id(), e.message()),
        })
        .collect()
}

#[track_caller]
fn check(rules: &str, records: &str, expect: &str) {
    check_at(rules, records, "2024-01-01", expect);
}

#[track_caller]
fn check_at(rules: &str, records: &str, as_of: &str, expect: &str) {
    let got = outcomes(rules, records, as_of).join("\n");
    let want: Vec<&str> = expect.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    assert_eq!(got, want.join("\n"));
}

/// Holds for the records whose ids are listed, on a rule `r` over type `t`.
#[track_caller]
fn holds_for(cond: &str, records: &str, ids: &[&str]) {
    let rules = format!("rule r {{ flag t x when {cond} }}");
    let got: Vec<String> = outcomes(&rules, records, "2024-01-01")
        .into_iter()
        .filter(|l| l.ends_with(" flag r"))
        .map(|l| l.split(' ').next().unwrap_or("").to_string())
        .collect();
    assert_eq!(got, ids, "condition `{cond}`");
}

const SCALARS: &str = r#"
{"id":"a","type":"t","s":"KR","n":3,"b":true,"d":"2021-03-04T10:00:00Z","tags":["x","y"],"name":"Kim Min"}
{"id":"b","type":"t","s":"CN","n":5,"b":false,"d":"2020-12-31","tags":[],"name":"Wang"}
{"id":"c","type":"t","s":null,"d":"yesterday"}
"#;

#[test]
fn equality_and_inequality() {
    holds_for(r#"x.s == "KR""#, SCALARS, &["a"]);
    // `!=` is false on a missing value too: two-valued logic.
    holds_for(r#"x.s != "KR""#, SCALARS, &["b"]);
    holds_for("x.n == 3", SCALARS, &["a"]);
    holds_for("x.b == true", SCALARS, &["a"]);
    holds_for("x.b != true", SCALARS, &["b"]);
    holds_for(r#"x.n == "3""#, SCALARS, &[]);
}

#[test]
fn ordering_numbers_strings_and_dates() {
    holds_for("x.n < 4", SCALARS, &["a"]);
    holds_for("x.n <= 5", SCALARS, &["a", "b"]);
    holds_for("x.n > 3", SCALARS, &["b"]);
    holds_for("x.n >= 3", SCALARS, &["a", "b"]);
    holds_for(r#"x.s < "KZ""#, SCALARS, &["a", "b"]);
    holds_for("x.d >= 2021-01-01", SCALARS, &["a"]);
    holds_for("x.d < 2021-01-01", SCALARS, &["b"]);
    // The date part of a date-time; a string that is not a date compares false.
    holds_for("x.d == 2021-03-04", SCALARS, &["a"]);
    holds_for("x.d != 2021-03-04", SCALARS, &["b"]);
}

#[test]
fn membership() {
    holds_for(r#"x.s in ["KR", "KP"]"#, SCALARS, &["a"]);
    // `not in` needs a value: a missing one is in no list and out of none.
    holds_for(r#"x.s not in ["KR", "KP"]"#, SCALARS, &["b"]);
    holds_for(r#""x" in x.tags"#, SCALARS, &["a"]);
    holds_for(r#""x" not in x.tags"#, SCALARS, &["b"]);
    holds_for("x.d in [2021-03-04, 2022-01-01]", SCALARS, &["a"]);
    holds_for("x.n in [3, 4]", SCALARS, &["a"]);
}

#[test]
fn membership_in_a_let_list() {
    let rules = r#"
        let banned = ["KR", "KP"]
        rule r { flag t x when x.s in banned }
    "#;
    check(rules, SCALARS, "a flag r\nb allow\nc allow");
}

#[test]
fn string_operators() {
    holds_for(r#"x.name contains "Min""#, SCALARS, &["a"]);
    holds_for(r#"x.tags contains "y""#, SCALARS, &["a"]);
    holds_for(r#"x.name starts_with "Wa""#, SCALARS, &["b"]);
    holds_for(r#"x.name matches "^K\w+ M""#, SCALARS, &["a"]);
    holds_for(r#"x.n matches "3""#, SCALARS, &[]);
}

#[test]
fn count_exists_and_bare_values() {
    holds_for("count(x.tags) == 2", SCALARS, &["a"]);
    holds_for("count(x.tags) == 0", SCALARS, &["b"]);
    // Missing list: no count, so the comparison is false.
    holds_for("count(x.tags) < 1", SCALARS, &["b"]);
    holds_for("exists x.s", SCALARS, &["a", "b"]);
    holds_for("exists x.tags", SCALARS, &["a", "b"]);
    holds_for("not exists x.n", SCALARS, &["c"]);
    holds_for("x.b", SCALARS, &["a"]);
    holds_for("true", SCALARS, &["a", "b", "c"]);
}

#[test]
fn boolean_connectives_and_precedence() {
    holds_for(r#"x.s == "KR" or x.n == 5"#, SCALARS, &["a", "b"]);
    holds_for(r#"x.s == "KR" and x.n == 5"#, SCALARS, &[]);
    holds_for(r#"not x.s == "KR""#, SCALARS, &["b", "c"]);
    // `not` binds tighter than `and`, `and` tighter than `or`.
    holds_for(r#"not x.s == "KR" and x.n == 5"#, SCALARS, &["b"]);
    holds_for(r#"x.n == 5 or x.n == 3 and x.s == "CN""#, SCALARS, &["b"]);
    holds_for(r#"(x.n == 5 or x.n == 3) and x.s == "CN""#, SCALARS, &["b"]);
    holds_for("not exists x.n or x.n == 3", SCALARS, &["a", "c"]);
}

const PEOPLE: &str = r#"
{"id":"p1","type":"person","nationality":"KR","contacts":[]}
{"id":"p2","type":"person","nationality":"CN","spouse":"p1","contacts":["p3"]}
{"id":"p3","type":"person","nationality":"CN","contacts":["p2","p4"]}
{"id":"p4","type":"person","nationality":"CN","contacts":["p1"]}
{"id":"p5","type":"person","nationality":"CN","spouse":"p99","contacts":["p5"]}
{"id":"p6","type":"person","nationality":"CN"}
"#;

fn person_rule(cond: &str) -> String {
    format!("rule r {{ flag person p when {cond} }}")
}

#[track_caller]
fn people(cond: &str, flagged: &[&str]) {
    let got: Vec<String> = outcomes(&person_rule(cond), PEOPLE, "2024-01-01")
        .into_iter()
        .filter(|l| l.ends_with("flag r"))
        .map(|l| l.split(' ').next().unwrap_or("").to_string())
        .collect();
    assert_eq!(got, flagged, "condition `{cond}`");
}

#[test]
fn links_are_followed_and_missing_links_are_false() {
    people(r#"p.spouse.nationality == "KR""#, &["p2"]);
    // p5's spouse is dangling; p6 has no spouse: both are simply false.
    people(r#"p.spouse.nationality != "KR""#, &[]);
    people("exists p.spouse", &["p2", "p5"]);
}

/// A link is followed one way: p2 names p1 as its spouse, p1's record does
/// not name p2, so from p1 `p.spouse` leads nowhere. A reverse lookup goes
/// back (docs/language.md, "Links go one way").
#[test]
fn links_go_one_way_and_reverse_lookups_go_back() {
    people(r#"p.spouse.nationality == "CN""#, &[]);
    people(r#"any person q where q.spouse == p: q.nationality == "CN""#, &["p1"]);
    people(r#"p.spouse.nationality == "KR" or (any person q where q.spouse == p: q.nationality == "KR")"#, &["p2"]);
}

#[test]
fn quantifiers_over_lists() {
    people(r#"any c in p.contacts: c.nationality == "KR""#, &["p4"]);
    // Over an empty list `all` and `none` hold; over a missing one nothing does.
    people(r#"all c in p.contacts: c.nationality == "CN""#, &["p1", "p2", "p3", "p5"]);
    people(r#"none c in p.contacts: c.nationality == "KR""#, &["p1", "p2", "p3", "p5"]);
    people("any c in p.contacts: true", &["p2", "p3", "p4", "p5"]);
}

#[test]
fn lists_from_records_compare_element_by_element() {
    // Untyped: a list of ids is a list of strings that can be followed.
    people("exists p.contacts", &["p1", "p2", "p3", "p4", "p5"]);
    people("exists p.contacts.nationality", &["p1", "p2", "p3", "p4", "p5"]);
    people(r#"p.contacts == "p1""#, &["p4"]);
    people(r#"p.contacts != "p1""#, &["p1", "p2", "p3", "p5"]);
    people(r#""p4" in p.contacts"#, &["p3"]);
    people(r#"p.contacts contains "p2""#, &["p3"]);
    // The same, where the rules also follow the list as links.
    people(r#"p.contacts == "p1" and exists p.contacts.nationality"#, &["p4"]);
    people(r#""p4" in p.contacts and exists p.contacts.nationality"#, &["p3"]);
    people("count(p.contacts{1..}) >= 3", &["p2", "p3"]);
    // Typed: the same lists are links to records, which equal their ids.
    let typed = |cond: &str, flagged: &str| {
        let rules = format!(
            "entity person {{ nationality: string, spouse: person?, contacts: [person]? }}\n{}",
            person_rule(cond)
        );
        let all = ["p1", "p2", "p3", "p4", "p5", "p6"];
        let expect: Vec<String> = all
            .iter()
            .map(|id| if flagged.split(' ').any(|f| f == *id) { format!("{id} flag r") } else { format!("{id} allow") })
            .collect();
        check(&rules, PEOPLE, &expect.join("\n"));
    };
    typed(r#""p4" in p.contacts"#, "p3");
    typed("exists p.contacts", "p1 p2 p3 p4 p5");
    typed(r#"any c in p.contacts: c.spouse == "p1""#, "p3");
}

#[test]
fn hop_ranges_on_cyclic_graphs() {
    // p2 → p3 → {p2, p4} → p1: p1 is two hops from p3, three from p2.
    people(r#"any c in p.contacts{1..2}: c.nationality == "KR""#, &["p3", "p4"]);
    people(r#"any c in p.contacts{1..}: c.nationality == "KR""#, &["p2", "p3", "p4"]);
    people(r#"any c in p.contacts{3..3}: c.nationality == "KR""#, &["p2"]);
    // The start is never in the set, even when a cycle leads back to it.
    people("any c in p.contacts{1..}: c == p", &[]);
    people("count(p.contacts{1..}) == 3", &["p2", "p3"]);
    people("count(p.contacts{1..}) == 0", &["p1", "p5", "p6"]);
}

/// The graph of the closure cases: a self-link and a duplicate (a), a KR
/// whose walk reaches only itself back (c), a KR that reaches another KR
/// past a record that leads back to it (e), a missing target, and two
/// shortest ways (s: u comes first in its list, but at depth 2 both KRs
/// are reached from position 0, and w1's id is the smaller).
const CLOSURE: &str = r#"
{"id":"a","type":"person","nationality":"CN","contacts":["a","b","b"]}
{"id":"b","type":"person","nationality":"CN","contacts":["c"]}
{"id":"c","type":"person","nationality":"KR","contacts":["d","nobody"]}
{"id":"d","type":"person","nationality":"CN","contacts":["c"]}
{"id":"e","type":"person","nationality":"KR","contacts":["f","g"]}
{"id":"f","type":"person","nationality":"CN","contacts":["e"]}
{"id":"g","type":"person","nationality":"CN","contacts":["h"]}
{"id":"h","type":"person","nationality":"KR","contacts":[]}
{"id":"s","type":"person","nationality":"CN","contacts":["u","t"]}
{"id":"u","type":"person","nationality":"CN","contacts":["w2"]}
{"id":"t","type":"person","nationality":"CN","contacts":["w1"]}
{"id":"w1","type":"person","nationality":"KR"}
{"id":"w2","type":"person","nationality":"KR"}
"#;

/// `{1..}` over a body that reads only the record reached, which the fast
/// engine judges for the whole store at once: verdicts and witnesses (the
/// evidence is compared byte for byte by [`outcomes`]) as the walk from
/// each record gives them.
#[test]
fn closures_over_the_whole_store() {
    let flagged = |cond: &str| -> Vec<String> {
        let rules = format!("entity person {{ nationality: string, contacts: [person]? }}\n{}", person_rule(cond));
        outcomes(&rules, CLOSURE, "2024-01-01")
            .into_iter()
            .filter(|l| l.ends_with("flag r"))
            .map(|l| l.split(' ').next().unwrap_or("").to_string())
            .collect()
    };
    let kr = r#"c.nationality == "KR""#;
    assert_eq!(flagged(&format!("any c in p.contacts{{1..}}: {kr}")), ["a", "b", "d", "e", "f", "g", "s", "u", "t"]);
    assert_eq!(flagged(&format!("any c in p.contacts{{1..1}}: {kr}")), ["b", "d", "f", "g", "u", "t"]);
    assert_eq!(flagged(&format!("none c in p.contacts{{1..}}: {kr}")), ["c", "h", "w1", "w2"]);
    assert_eq!(flagged(r#"all c in p.contacts{1..}: c.nationality == "CN""#), ["c", "h", "w1", "w2"]);
    assert_eq!(flagged(&format!("not any c in p.contacts{{1..}}: {kr}")), ["c", "h", "w1", "w2"]);
}

#[test]
fn a_witness_reached_several_shortest_ways_is_judged_by_its_depth() {
    // a → [b1, b2] → c → k (KR), and e → [e1, e2] → kk (KR): two ways to
    // a witness 3 hops from a, and two ways to one 2 hops from e.
    let records = r#"
        {"id":"a","type":"person","nationality":"CN","contacts":["b1","b2"]}
        {"id":"b1","type":"person","nationality":"CN","contacts":["c"]}
        {"id":"b2","type":"person","nationality":"CN","contacts":["c"]}
        {"id":"c","type":"person","nationality":"CN","contacts":["k"]}
        {"id":"k","type":"person","nationality":"KR","contacts":[]}
        {"id":"e","type":"person","nationality":"CN","contacts":["e1","e2"]}
        {"id":"e1","type":"person","nationality":"CN","contacts":["kk"]}
        {"id":"e2","type":"person","nationality":"CN","contacts":["kk"]}
        {"id":"kk","type":"person","nationality":"KR","contacts":[]}
    "#;
    let rules = |hops: &str| {
        let rule = format!(r#"rule r {{ flag person p when any c in p.contacts{{{hops}}}: c.nationality == "KR" }}"#);
        format!("entity person {{ nationality: string, contacts: [person] }}\n{rule}")
    };
    let flagged = |hops: &str| -> Vec<String> {
        let got = outcomes(&rules(hops), records, "2024-01-01").into_iter().filter(|l| l.ends_with("flag r"));
        got.map(|l| l.split(' ').next().unwrap_or("").to_string()).collect()
    };
    assert_eq!(flagged("1..2"), ["b1", "b2", "c", "e", "e1", "e2"]);
    assert_eq!(flagged("1..3"), ["a", "b1", "b2", "c", "e", "e1", "e2"]);
}

#[test]
fn hop_ranges_over_single_links() {
    let records = r#"
        {"id":"c1","type":"company","parent":"c2"}
        {"id":"c2","type":"company","parent":"c3"}
        {"id":"c3","type":"company","parent":"c1","country":"KR"}
    "#;
    check(
        r#"rule r { flag company c when any o in c.parent{1..}: o.country == "KR" }"#,
        records,
        "c1 flag r\nc2 flag r\nc3 allow",
    );
}

const VISITS: &str = r#"
{"id":"p1","type":"person","nationality":"KR"}
{"id":"p2","type":"person","nationality":"CN","rank":"senior-cadre"}
{"id":"p3","type":"person","nationality":"CN"}
{"id":"v1","type":"venue","operator":"p1"}
{"id":"v2","type":"venue","operator":"p3"}
{"id":"x1","type":"visit","visitor":"p2","venue":"v1"}
{"id":"x2","type":"visit","visitor":"p3","venue":"v1"}
{"id":"x3","type":"visit","visitor":"p3","venue":"v2"}
"#;

const VENUE_RULES: &str = r#"
rule ban { deny venue v when v.operator.nationality == "KR" }
rule banned_visit { deny visit x when x.venue is denied }
rule visitor { flag person p when any visit x where x.visitor == p: x.venue is denied }
"#;

#[test]
fn verdicts_of_linked_records_propagate() {
    check(
        VENUE_RULES,
        VISITS,
        "p1 allow\np2 flag visitor\np3 flag visitor\nv1 deny ban\nv2 allow\nx1 deny banned_visit\nx2 deny banned_visit\nx3 allow",
    );
}

#[test]
fn reverse_lookup_gives_the_same_answer_as_a_scan() {
    // `p == x.visitor` is indexed too; `x.visitor.nationality == …` is scanned.
    let scan = VENUE_RULES.replace("x.visitor == p", "x.visitor == p and exists x.venue");
    let flipped = VENUE_RULES.replace("x.visitor == p", "p == x.visitor");
    let plain = outcomes(VENUE_RULES, VISITS, "2024-01-01");
    assert_eq!(outcomes(&scan, VISITS, "2024-01-01"), plain);
    assert_eq!(outcomes(&flipped, VISITS, "2024-01-01"), plain);
}

#[test]
fn is_flagged_allowed_and_denied_by() {
    let rules = r#"
        rule ban { deny venue v when v.operator.nationality == "KR" }
        rule watch { flag venue v when v.operator.nationality == "CN" }
        rule f { flag visit x when x.venue is flagged }
        rule a { flag visit x when x.venue is allowed }
        rule by_ban { deny visit x when x.venue is denied by ban }
    "#;
    check(
        rules,
        VISITS,
        "p1 allow\np2 allow\np3 allow\nv1 deny ban\nv2 flag watch\nx1 deny by_ban\nx2 deny by_ban\nx3 flag f",
    );
}

#[test]
fn exemptions_waive_and_are_reported() {
    let rules = format!(
        "{VENUE_RULES}
        exempt cadre {{ waive banned_visit for visit x when x.visitor.rank == \"senior-cadre\" }}"
    );
    check(
        &rules,
        VISITS,
        "p1 allow\np2 flag visitor\np3 flag visitor\nv1 deny ban\nv2 allow\nx1 allow banned_visit~cadre\nx2 deny banned_visit\nx3 allow",
    );
}

#[test]
fn a_waived_rule_does_not_count_for_is_denied() {
    let rules = r#"
        rule ban { deny venue v when v.operator.nationality == "KR" }
        exempt all_venues { waive ban for venue v when true }
        rule banned_visit { deny visit x when x.venue is denied }
    "#;
    let got = outcomes(rules, VISITS, "2024-01-01");
    assert!(got.contains(&"v1 allow ban~all_venues".to_string()), "{got:?}");
    assert!(got.contains(&"x1 allow".to_string()), "{got:?}");
}

#[test]
fn effective_dates_are_inclusive() {
    let rules = r#"rule r { flag t x when true effective from 2021-01-01 to 2021-12-31 }"#;
    let records = r#"{"id":"a","type":"t"}"#;
    check_at(rules, records, "2020-12-31", "a allow");
    check_at(rules, records, "2021-01-01", "a flag r");
    check_at(rules, records, "2021-12-31", "a flag r");
    check_at(rules, records, "2022-01-01", "a allow");
    let open = r#"rule r { flag t x when true effective from 2021-01-01 }"#;
    check_at(open, records, "2099-01-01", "a flag r");
}

#[test]
fn deny_outranks_flag() {
    let rules = r#"
        rule f { flag t x when true }
        rule d { deny t x when x.s == "KR" }
    "#;
    check(rules, SCALARS, "a deny f d\nb flag f\nc flag f");
}

#[test]
fn defs_take_arguments() {
    let rules = r#"
        def from_country(p: person, country: string) = p.nationality == country
        rule r { flag person p when from_country(p.spouse, "KR") }
    "#;
    check(rules, PEOPLE, "p1 allow\np2 flag r\np3 allow\np4 allow\np5 allow\np6 allow");
}

#[test]
fn typed_links_to_the_wrong_type_are_unresolved_and_warned() {
    let rules = r#"
        entity person { nationality: string }
        entity venue { operator: person }
        rule r { deny venue v when v.operator.nationality == "KR" }
    "#;
    let records = r#"
        {"id":"p1","type":"person","nationality":"KR"}
        {"id":"v1","type":"venue","operator":"p1"}
        {"id":"v2","type":"venue","operator":"v1","nationality":"KR"}
        {"id":"v3","type":"venue","operator":"nobody"}
    "#;
    check(rules, records, "p1 allow\nv1 deny r\nv2 allow\nv3 allow");
    let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap();
    let store = RecordStore::load([Input::new("t", records.as_bytes().to_vec())]);
    let engine = Engine::new(rules.program(), &store, EvalOptions { as_of: Date::parse_exact("2024-01-01").unwrap() });
    let warnings: Vec<String> = engine
        .evaluate()
        .iter()
        .flat_map(|o| match o {
            Outcome::Verdict(v) => v.warnings.iter().map(|w| w.message(store.record(v.record).id())).collect(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(
        warnings,
        [
            // A key its entity does not declare is a warning too.
            "`v2` has the key `nationality`, which its entity does not declare",
            "`v2`.operator links to `v1`, a `venue` record, where a `person` is declared",
            "`v3`.operator links to `nobody`, which is not a record id",
        ]
    );
}

#[test]
fn untyped_cycles_through_records_are_per_record_errors() {
    // Without entities the checker cannot know `x.other` is a `t`; the
    // engine finds the cycle and reports it for the records involved.
    let rules = r#"rule r { deny t x when x.other is denied }"#;
    let records = r#"
        {"id":"a","type":"t","other":"b"}
        {"id":"b","type":"t","other":"a"}
        {"id":"c","type":"t"}
    "#;
    let got = outcomes(rules, records, "2024-01-01");
    assert!(got[0].starts_with("error a rule `r`"), "{got:?}");
    assert!(got[1].starts_with("error b rule `r`"), "{got:?}");
    assert_eq!(got[2], "c allow");
}

#[test]
fn witnesses_are_ordered_by_depth_then_position_then_id() {
    use crate::eval::{FactKind, Shown};
    let rules = r#"rule r { flag person p when any c in p.contacts{1..2}: c.nationality == "KR" }"#;
    // p1 → [p2, p3]; p2 → [p9, p5]; p3 → [p4]: at depth 2 the candidates are
    // p9 (position 0), p4 (position 0), p5 (position 1): p4 wins on id.
    let records = r#"
        {"id":"p1","type":"person","contacts":["p2","p3"]}
        {"id":"p2","type":"person","contacts":["p9","p5"]}
        {"id":"p3","type":"person","contacts":["p4"]}
        {"id":"p4","type":"person","nationality":"KR"}
        {"id":"p5","type":"person","nationality":"KR"}
        {"id":"p9","type":"person","nationality":"KR"}
    "#;
    let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap();
    let store = RecordStore::load([Input::new("t", records.as_bytes().to_vec())]);
    let engine = Engine::new(rules.program(), &store, EvalOptions { as_of: Date::parse_exact("2024-01-01").unwrap() });
    let v = engine.verdict(store.lookup("p1").unwrap()).unwrap();
    let FactKind::Quantifier { witness: Some(w), .. } = &v.fired[0].evidence[0].kind else { panic!("no witness") };
    assert!(matches!(&w.element.value, Shown::Record { id, .. } if &**id == "p4"), "{w:?}");
    assert_eq!((w.depth, w.position), (Some(2), 0));
    let path: Vec<String> = w
        .element
        .chain
        .iter()
        .map(|h| match &h.to {
            Shown::Record { id, .. } => id.to_string(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(path, ["p1", "p3", "p4"]);
}

#[test]
fn why_not_names_the_false_part() {
    use crate::eval::FactKind;
    let rules = r#"rule r { deny venue v when v.operator.nationality == "CN" and exists v.operator.spouse }"#;
    let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap();
    let store = RecordStore::load([Input::new("t", VISITS.as_bytes().to_vec())]);
    let engine = Engine::new(rules.program(), &store, EvalOptions { as_of: Date::parse_exact("2024-01-01").unwrap() });
    let rule = rules.program().rule_named("r").unwrap();
    let explained = engine.explain(store.lookup("v2").unwrap(), Some(rule), 0).unwrap();
    let [crate::eval::RuleExplanation { status: crate::eval::RuleStatus::NotFired, evidence: facts, .. }] =
        explained.rules.as_slice()
    else {
        panic!("{:?}", explained.rules)
    };
    assert_eq!(facts.len(), 1);
    assert!(!facts[0].holds);
    assert!(matches!(facts[0].kind, FactKind::Exists { .. }));
}

#[test]
fn id_and_type_are_fields_of_every_entity() {
    let rules = r#"
        entity person { nationality: string }
        rule r { flag person p when p.id starts_with "p1" and p.type == "person" }
    "#;
    check(rules, PEOPLE, "p1 flag r\np2 allow\np3 allow\np4 allow\np5 allow\np6 allow");
}

/// A def's remembered answer is never one cut short by a limit: `x` runs
/// out of visits inside `near_kr(s)` (a hop path, which stops quietly and
/// raises the limit at the next step), and `y`, judged after it on one
/// thread, must still count `s`'s six contacts. Both engines; the fast one
/// remembers one-parameter defs per record.
#[test]
fn a_def_answer_cut_short_by_a_limit_is_not_remembered() {
    use crate::eval::Limits;
    use crate::fast::{FastEngine, FastStore};
    let rules = r#"
        entity person { nationality: string, contacts: [person] }
        def near_kr(p: person) = count(p.contacts{1..3}) >= 6
        rule r { flag person p when any c in p.contacts: near_kr(c) }
    "#;
    let mut records = String::new();
    for i in 1..=5 {
        records.push_str(&format!("{{\"id\":\"n{i}\",\"type\":\"person\",\"nationality\":\"CN\",\"contacts\":[]}}\n"));
    }
    records.push_str(
        r#"{"id":"k","type":"person","nationality":"KR","contacts":[]}
{"id":"f","type":"person","nationality":"CN","contacts":["n1","n2","n3","n4","n5"]}
{"id":"s","type":"person","nationality":"CN","contacts":["n1","n2","n3","n4","n5","k"]}
{"id":"x","type":"person","nationality":"CN","contacts":["f","s"]}
{"id":"y","type":"person","nationality":"CN","contacts":["s"]}
"#,
    );
    let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap();
    let limits = Limits { max_visited: 8, ..Limits::default() };
    let as_of = EvalOptions { as_of: Date::parse_exact("2024-01-01").unwrap() };
    let line = |o: &Outcome<'_>, id: &dyn Fn(crate::records::RecordIdx) -> String| match o {
        Outcome::Verdict(v) => format!("{} {} {}", id(v.record), v.decision.as_str(), v.fired.len()),
        Outcome::EvalError(e) => format!("{} error", e.id()),
        Outcome::RecordError(e) => format!("record error {}", e.message()),
    };
    let store = RecordStore::load([Input::new("t.jsonl", records.as_bytes().to_vec())]);
    let reference: Vec<String> = Engine::new(rules.program(), &store, as_of)
        .with_limits(limits)
        .evaluate()
        .iter()
        .map(|o| line(o, &|r| store.record(r).id().to_string()))
        .collect();
    let inputs = vec![Ok(Input::new("t.jsonl", records.into_bytes()))];
    let fast_store = FastStore::load(&inputs, rules.program());
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let fast: Vec<String> = pool.install(|| {
        FastEngine::new(rules.program(), &fast_store, as_of, crate::fast::Evidence::Omitted)
            .with_limits(limits)
            .evaluate()
            .iter()
            .map(|o| line(o, &|r| crate::records::Records::id(&fast_store, r).to_string()))
            .collect()
    });
    assert_eq!(reference[8..], ["x error", "y flag 1"]);
    assert_eq!(fast, reference);
}

// ------------------------------------------------------------ date shifts and lower()

const DATED: &str = r#"
{"id":"a","type":"t","d":"2024-01-31"}
{"id":"b","type":"t","d":"2023-06-15T08:00:00Z"}
{"id":"c","type":"t","d":"2019-02"}
{"id":"d","type":"t","d":"2019"}
{"id":"e","type":"t","d":"circa 2019"}
{"id":"f","type":"t","d":"9999-12-31"}
{"id":"g","type":"t"}
{"id":"h","type":"t","d":["2024-01-31"]}
"#;

#[test]
fn as_of_moves_with_the_run() {
    // A list field (`h`) compares element by element, as without a shift.
    let rules = "rule recent { flag t x when x.d >= as_of - 1 year }";
    let lines = |flagged: &[&str]| {
        let ids = ["a", "b", "c", "d", "e", "f", "g", "h"];
        ids.map(|id| if flagged.contains(&id) { format!("{id} flag recent") } else { format!("{id} allow") }).join("\n")
    };
    check_at(rules, DATED, "2025-01-31", &lines(&["a", "f", "h"]));
    check_at(rules, DATED, "2024-06-01", &lines(&["a", "b", "f", "h"]));
    check_at(rules, DATED, "2025-02-01", &lines(&["f"]));
    // 2024-02-29 - 1 year is 2023-02-28: clamped at the end of February.
    let rules = "rule r { flag t x when as_of - 1 year == 2023-02-28 }";
    check_at(rules, r#"{"id":"a","type":"t"}"#, "2024-02-29", "a flag r");
}

#[test]
fn fields_and_literals_move_by_calendar_units() {
    holds_for("x.d + 1 month == 2024-02-29", DATED, &["a"]);
    holds_for("x.d + 30 days == 2024-03-01", DATED, &["a"]);
    holds_for("x.d + 1 week == 2024-02-07", DATED, &["a"]);
    holds_for("x.d - 1 year == 2023-01-31", DATED, &["a"]);
    // The date part of a date-time moves.
    holds_for("x.d + 6 months == 2023-12-15", DATED, &["b"]);
    holds_for("2024-01-31 + 1 month == 2024-02-29", r#"{"id":"a","type":"t"}"#, &["a"]);
    holds_for("2024-03-31 - 1 month == 2024-02-29", r#"{"id":"a","type":"t"}"#, &["a"]);
    holds_for("x.d < 2024-01-31 + 1 day", DATED, &["a", "b", "c", "d", "h"]);
}

#[test]
fn a_month_or_a_year_moves_every_day() {
    // 2019-02 + 1 month is 2019-03-01 to 2019-03-28: each of its days, moved.
    holds_for("x.d + 1 month < 2019-03-29", DATED, &["c"]);
    holds_for("x.d + 1 month >= 2019-03-01", DATED, &["a", "b", "c"]);
    // 2019 + 1 month is 2019-02-01 to 2020-01-31: some days are before.
    holds_for("x.d + 1 month >= 2019-02-01", DATED, &["a", "b", "c", "d"]);
    holds_for("x.d + 1 month <= 2019-03-27", DATED, &[]);
    // 2019 + 1 year is 2020, a whole year again.
    holds_for(r#"x.d + 1 year == "2020""#, DATED, &["d"]);
    holds_for("x.d + 1 year > 2019-12-31", DATED, &["a", "b", "c", "d"]);
    holds_for("x.d + 1 year < 2021-01-01", DATED, &["c", "d"]);
}

#[test]
fn what_does_not_move_is_missing() {
    // Not a date, beyond 9999-12-31, absent, or a list: the comparison is
    // false, `!=` and its negation's negation alike.
    holds_for("x.d + 1 day > 2000-01-01", DATED, &["a", "b", "c", "d"]);
    holds_for("x.d + 1 day != 2000-01-01", DATED, &["a", "b", "c", "d"]);
    holds_for("not x.d + 1 day > 2000-01-01", DATED, &["e", "f", "g", "h"]);
    holds_for("x.d - 1 day == 9999-12-30", DATED, &["f"]);
    // A literal moved off the calendar is missing too, never a panic.
    holds_for("9999-12-31 + 1 day > 2000-01-01 or 0000-01-01 - 1 week < 2000-01-01", DATED, &[]);
    holds_for("0000-01-01 + 10000 years == 0000-01-01", DATED, &[]);
}

#[test]
fn shifted_values_in_lists() {
    holds_for("x.d + 1 month in [2024-02-29, 2020-01-01]", DATED, &["a"]);
    holds_for("x.d + 1 month not in [2024-02-29]", DATED, &["b", "c", "d"]);
}

const NAMES: &str = r#"
{"id":"a","type":"t","s":"KR","name":"Kim Min-JUN"}
{"id":"b","type":"t","s":"kr","name":"ΟΔΥΣΣΕΥΣ"}
{"id":"c","type":"t","s":"Kp","n":3}
{"id":"d","type":"t","s":null,"name":["KIM"]}
"#;

#[test]
fn lower_compares_in_lower_case() {
    holds_for(r#"lower(x.s) == "kr""#, NAMES, &["a", "b"]);
    holds_for(r#"lower(x.s) == "KR""#, NAMES, &[]);
    holds_for(r#"lower(x.s) != "kr""#, NAMES, &["c"]);
    holds_for(r#"lower(x.s) in ["kr", "kp"]"#, NAMES, &["a", "b", "c"]);
    holds_for(r#"lower(x.s) not in ["kr"]"#, NAMES, &["c"]);
    holds_for(r#"lower(x.s) < "kq""#, NAMES, &["c"]);
    holds_for(r#"lower(x.name) contains "min-jun""#, NAMES, &["a"]);
    holds_for(r#"lower(x.name) starts_with "kim""#, NAMES, &["a"]);
    holds_for(r#"lower(x.name) matches "^kim min""#, NAMES, &["a"]);
    // Unicode's lower case, final sigma included.
    holds_for(r#"lower(x.name) == "οδυσσευς""#, NAMES, &["b"]);
    holds_for(r#"lower(x.s) == lower(x.s)"#, NAMES, &["a", "b", "c"]);
    // Not a string (a number, a list, missing): missing.
    holds_for(r#"lower(x.n) == "3""#, NAMES, &[]);
    holds_for(r#"lower(x.name) == "kim""#, NAMES, &[]);
}

#[test]
fn computed_values_show_how_in_evidence() {
    let rules = r#"rule r { flag t x when x.d >= as_of - 1 year and lower(x.s) == "kr" }"#;
    let records = r#"{"id":"a","type":"t","d":"2024-01-31","s":"KR"}"#;
    let program = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap();
    let store = RecordStore::load([Input::new("t.jsonl", records.as_bytes().to_vec())]);
    let options = EvalOptions { as_of: Date::parse_exact("2024-06-01").unwrap() };
    let outcomes = Engine::new(program.program(), &store, options).evaluate();
    let mut json = Vec::new();
    write_json(&mut json, program.program(), &store, &outcomes).unwrap();
    let json = String::from_utf8_lossy(&json);
    assert!(json.contains(r#""summary":"t a → d \"2024-01-31\" >= as_of - 1 year = \"2023-06-01\"""#), "{json}");
    assert!(
        json.contains(
            r#""value":"2023-06-01","computed":{"text":"as_of - 1 year","from":{"chain":[],"value":"2024-06-01"}}"#
        ),
        "{json}"
    );
    assert!(json.contains(r#""summary":"lower(t a → s \"KR\") = \"kr\" == \"kr\"""#), "{json}");
}

/// Both engines' JSON for `records`, with or without `--strict`, after
/// checking they write the same bytes.
fn json_of_both(rules: &str, records: &str, strict: bool) -> String {
    let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap();
    let (program, options) = (rules.program(), EvalOptions { as_of: Date::parse_exact("2024-01-01").unwrap() });
    let store = RecordStore::load([Input::new("t.jsonl", records.as_bytes().to_vec())]);
    let mut reference = Vec::new();
    write_json(&mut reference, program, &store, &Engine::new(program, &store, options).strict(strict).evaluate())
        .unwrap();
    let inputs = vec![Ok(Input::new("t.jsonl", records.as_bytes().to_vec()))];
    let fast_store = FastStore::load(&inputs, program);
    let fast_engine = FastEngine::new(program, &fast_store, options, Evidence::Full).strict(strict);
    let mut fast = Vec::new();
    write_json(&mut fast, program, &fast_store, &fast_engine.evaluate()).unwrap();
    let (fast, reference) = (String::from_utf8(fast).unwrap(), String::from_utf8(reference).unwrap());
    assert_eq!(fast, reference, "the engines disagree");
    reference
}

/// Issue 22: a record that does not fit its declaration (a key in the
/// wrong case, a date that is not one, a required field missing, a list
/// where one value is declared, a key written twice) is warned about alike
/// by both engines, whether the rules read the field or not; with
/// `--strict` it is an error in its place, and the other records are judged.
#[test]
fn records_that_do_not_fit_their_declaration_are_warned_about_or_with_strict_errors() {
    let rules = r#"
        entity product { name: string, origin: string, made: date?, tags: [string]?, maker: person? }
        entity person { name: string }
        rule r { deny product p when p.origin == "KR" }
    "#;
    let records = r#"
        {"id":"g1","type":"product","name":"Rice cooker","Origin":"KR","made":"01/05/2023"}
        {"type":"product","tags":"a","id":"g2","name":3,"origin":"KR","origin":"KR","maker":["p1"],"x-y":{"a":1}}
        {"id":"g3","type":"product","name":"Shampoo","origin":"KR","made":"2023-05","tags":["a"],"maker":"p1"}
        {"id":"p1","type":"person","name":"Kim","tags":[1, 2]}
        {"id":"p2","type":"person","name":null}
    "#;
    let warnings = |json: &str| -> Vec<String> {
        json.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let kinds = v["warnings"].as_array().into_iter().flatten();
                let kinds: Vec<String> = kinds.map(|w| format!("{}:{}", w["field"], w["problem"]["kind"])).collect();
                format!("{} {} {}", v["id"], v["kind"], kinds.join(" ")).replace('"', "")
            })
            .collect()
    };
    let lenient = json_of_both(rules, records, false);
    assert_eq!(
        warnings(&lenient),
        [
            "g1 verdict Origin:undeclared made:not_of_type origin:absent",
            "g2 verdict maker:not_of_type name:not_of_type tags:not_of_type x-y:undeclared",
            "g3 verdict ",
            "p1 verdict tags:undeclared",
            "p2 verdict name:absent",
        ]
    );
    assert!(lenient.contains(r#""problem":{"kind":"undeclared","did_you_mean":"origin"}"#), "{lenient}");
    let strict = json_of_both(rules, records, true);
    assert_eq!(warnings(&strict), ["g1 error ", "g2 error ", "g3 verdict ", "p1 error ", "p2 error "]);
    assert!(strict.contains(r#""code":"interdict::records::does_not_fit""#), "{strict}");
    // Without declarations nothing is checked.
    let untyped = json_of_both(r#"rule r { deny product p when p.origin == "KR" }"#, records, true);
    assert_eq!(untyped.matches(r#""kind":"verdict""#).count(), 5);
    assert!(!untyped.contains("does_not_fit") && !untyped.contains("undeclared"));
}

mod recursion;
