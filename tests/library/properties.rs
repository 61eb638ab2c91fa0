//! Invariants over generated inputs: nothing is lost, nothing panics, hop
//! ranges terminate and agree with a plain breadth-first search, and the
//! decision of a record does not depend on the order of the input.

use std::collections::{BTreeMap, HashSet, VecDeque};

use interdict::date::Date;
use interdict::eval::Outcome;
use interdict::{Engine, EvalOptions, Input, RecordStore, RuleSet, SourceFile};
use proptest::prelude::*;

use crate::common::proptest_config;

const RULES: &str = r#"
entity person { nationality: string, spouse: person?, contacts: [person] }
entity venue { operator: person }
entity visit { visitor: person, venue: venue }
def kr(p: person) = p.nationality == "KR"
rule venue_ban { deny venue v when kr(v.operator) }
rule marriage { deny venue v when kr(v.operator.spouse) }
rule banned_visit { deny visit x when x.venue is denied }
rule near { flag person p when any c in p.contacts{1..2}: kr(c) }
rule visitor { flag person p when any visit x where x.visitor == p: x.venue is denied }
exempt spouse_of_kr { waive banned_visit for visit x when kr(x.visitor.spouse) }
"#;

fn rules() -> RuleSet {
    RuleSet::from_sources(vec![SourceFile::new("p.rules", RULES)]).unwrap()
}

fn run(rules: &RuleSet, text: &[u8]) -> Vec<String> {
    let store = RecordStore::load([Input::new("g.jsonl", text.to_vec())]);
    let engine = Engine::new(rules.program(), &store, EvalOptions { as_of: Date::parse_exact("2024-01-01").unwrap() });
    engine
        .evaluate()
        .iter()
        .map(|o| match o {
            Outcome::Verdict(v) => format!("{} {}", store.record(v.record).id(), v.decision.as_str()),
            Outcome::RecordError(e) => format!("error {}", e.position().line),
            Outcome::EvalError(e) => format!("eval-error {}", e.id()),
        })
        .collect()
}

/// A random screening graph as JSON Lines (cycles and dangling links included).
fn graph() -> impl Strategy<Value = Vec<String>> {
    (2usize..30, 0usize..8, 0usize..20).prop_flat_map(|(people, venues, visits)| {
        let person = (prop::bool::weighted(0.2), prop::option::of(0..people + 2), prop::collection::vec(0..people + 2, 0..4));
        let venue = 0..people + 2;
        let visit = (0..people + 1, 0..venues.max(1) + 1);
        (
            prop::collection::vec(person, people),
            prop::collection::vec(venue, venues),
            prop::collection::vec(visit, visits),
        )
            .prop_map(|(ps, vs, xs)| {
                let mut lines = Vec::new();
                for (i, (kr, spouse, contacts)) in ps.iter().enumerate() {
                    let mut rec = serde_json::json!({"id": format!("p{i}"), "type": "person",
                        "nationality": if *kr { "KR" } else { "CN" },
                        "contacts": contacts.iter().map(|c| format!("p{c}")).collect::<Vec<_>>()});
                    if let Some(s) = spouse {
                        rec["spouse"] = format!("p{s}").into();
                    }
                    lines.push(rec.to_string());
                }
                for (i, op) in vs.iter().enumerate() {
                    lines.push(serde_json::json!({"id": format!("v{i}"), "type": "venue", "operator": format!("p{op}")}).to_string());
                }
                for (i, (who, venue)) in xs.iter().enumerate() {
                    lines.push(
                        serde_json::json!({"id": format!("x{i}"), "type": "visit", "visitor": format!("p{who}"), "venue": format!("v{venue}")})
                            .to_string(),
                    );
                }
                lines
            })
    })
}

#[derive(Debug, Clone)]
enum Damage {
    Delete(usize),
    Duplicate(usize),
    Truncate(usize, usize),
    Flip(usize, usize, u8),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        any::<usize>().prop_map(Damage::Delete),
        any::<usize>().prop_map(Damage::Duplicate),
        (any::<usize>(), any::<usize>()).prop_map(|(l, n)| Damage::Truncate(l, n)),
        (any::<usize>(), any::<usize>(), any::<u8>()).prop_map(|(l, i, b)| Damage::Flip(l, i, b)),
    ]
}

fn apply(lines: &mut Vec<Vec<u8>>, d: &Damage) {
    if lines.is_empty() {
        return;
    }
    let n = lines.len();
    match *d {
        Damage::Delete(l) => {
            lines.remove(l % n);
        }
        Damage::Duplicate(l) => {
            let line = lines[l % n].clone();
            lines.insert(l % n, line);
        }
        Damage::Truncate(l, k) => {
            let line = &mut lines[l % n];
            let keep = k % (line.len() + 1);
            line.truncate(keep);
        }
        Damage::Flip(l, i, b) => {
            let line = &mut lines[l % n];
            if !line.is_empty() {
                let at = i % line.len();
                line[at] = b;
            }
        }
    }
}

proptest! {
    #![proptest_config(proptest_config(128))]

    /// Records in = outcomes out, whatever the damage: one outcome per
    /// non-blank line, in order.
    #[test]
    fn nothing_is_lost(lines in graph(), damages in prop::collection::vec(damage(), 0..6)) {
        let mut bytes: Vec<Vec<u8>> = lines.into_iter().map(String::into_bytes).collect();
        for d in &damages {
            apply(&mut bytes, d);
        }
        let text = bytes.join(&b'\n');
        let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).collect();
        let rules = rules();
        let out = run(&rules, &text);
        prop_assert_eq!(out.len(), lines.len());
        // The damage stays where it is: the records that still loaded get
        // the verdicts they get without the damaged lines at all.
        let good: Vec<&[u8]> = lines.iter().zip(&out).filter(|(_, o)| !o.starts_with("error")).map(|(l, _)| *l).collect();
        let verdicts: Vec<&String> = out.iter().filter(|o| !o.starts_with("error")).collect();
        let alone = run(&rules, &good.join(&b'\n'));
        prop_assert_eq!(alone.iter().collect::<Vec<_>>(), verdicts);
    }

    /// Shuffling the input changes no record's decision.
    #[test]
    fn decisions_do_not_depend_on_input_order(lines in graph(), seed in any::<u64>()) {
        let rules = rules();
        let original: BTreeMap<String, String> = run(&rules, lines.join("\n").as_bytes())
            .into_iter().map(|l| { let (a, b) = l.split_once(' ').unwrap(); (a.to_string(), b.to_string()) }).collect();
        let mut shuffled = lines.clone();
        let mut state = seed;
        for i in (1..shuffled.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (state >> 33) as usize % (i + 1));
        }
        let again: BTreeMap<String, String> = run(&rules, shuffled.join("\n").as_bytes())
            .into_iter().map(|l| { let (a, b) = l.split_once(' ').unwrap(); (a.to_string(), b.to_string()) }).collect();
        prop_assert_eq!(original, again);
    }

    /// `contacts{1..}` is exactly the plain reachable set minus the start, on
    /// any graph, cycles and self-loops included.
    #[test]
    fn hop_closure_matches_breadth_first_search(edges in prop::collection::vec(prop::collection::vec(0usize..12, 0..4), 1..12)) {
        let n = edges.len();
        let mut lines = Vec::new();
        for (i, out) in edges.iter().enumerate() {
            let contacts: Vec<String> = out.iter().filter(|t| **t < n).map(|t| format!("p{t}")).collect();
            lines.push(serde_json::json!({"id": format!("p{i}"), "type": "person", "contacts": contacts}).to_string());
        }
        for target in 0..n {
            let rules = RuleSet::from_sources(vec![SourceFile::new("h.rules", format!(
                r#"rule r {{ flag person p when any c in p.contacts{{1..}}: c.id == "p{target}" }}"#))]).unwrap();
            let out = run(&rules, lines.join("\n").as_bytes());
            for (start, line) in out.iter().enumerate() {
                let mut seen = HashSet::from([start]);
                let mut queue = VecDeque::from([start]);
                while let Some(v) = queue.pop_front() {
                    for &t in &edges[v] {
                        if t < n && seen.insert(t) {
                            queue.push_back(t);
                        }
                    }
                }
                let reachable = target != start && seen.contains(&target);
                prop_assert_eq!(line.ends_with("flag"), reachable, "p{} reaches p{}?", start, target);
            }
        }
    }

    /// Arbitrary bytes as records never panic and always give one outcome per line.
    #[test]
    fn arbitrary_record_bytes_do_not_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let out = run(&rules(), &bytes);
        let starts_array = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
        if !starts_array {
            let expected = bytes.split(|b| *b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).count();
            prop_assert_eq!(out.len(), expected);
        }
    }

    /// Arbitrary rule text never panics: it parses and checks, or it gives errors.
    #[test]
    fn arbitrary_rule_text_does_not_panic(text in "(rule|entity|def|let|deny|flag|any|all|not|in|when|[a-z]{1,3}|[ (){}\\[\\],.:=<>!\"#0-9-]|\n){0,60}") {
        let _ = RuleSet::from_sources(vec![SourceFile::new("x.rules", text)]);
    }
}

// ------------------------------------------------------------------ semantics

/// Decisions by id, for comparing runs whatever the order of their output.
fn decisions(out: &[String]) -> BTreeMap<String, u8> {
    out.iter()
        .filter_map(|l| l.split_once(' '))
        .filter(|(id, _)| !id.starts_with("error") && !id.starts_with("eval-error"))
        .map(|(id, d)| {
            (
                id.to_string(),
                match d {
                    "allow" => 0,
                    "flag" => 1,
                    _ => 2,
                },
            )
        })
        .collect()
}

fn rules_with(extra: &str) -> RuleSet {
    RuleSet::from_sources(vec![SourceFile::new("p.rules", format!("{RULES}\n{extra}\n"))]).unwrap()
}

/// Deny rules that can be added to `RULES`; none reads a verdict
/// negatively, so (as in every rule set that reads verdicts only with `is
/// denied`) a deny rule can only add denials.
const EXTRA_DENY: &[&str] = &[
    r#"rule extra { deny person p when p.nationality == "CN" }"#,
    r#"rule extra { deny venue v when exists v.operator.spouse }"#,
    r#"rule extra { deny person p when any c in p.contacts: c.nationality == "KR" }"#,
    r#"rule extra { deny visit x when x.visitor.nationality == "KR" }"#,
    r#"rule extra { deny person p when any c in p.contacts{1..}: exists c.spouse }"#,
];

const EXTRA_EXEMPT: &[&str] = &[
    r#"exempt extra { waive venue_ban, marriage for venue v when v.operator.nationality == "KR" }"#,
    r#"exempt extra { waive near for person p when exists p.spouse }"#,
    r#"exempt extra { waive banned_visit for visit x when true }"#,
    r#"exempt extra { waive visitor, near for person p when p.nationality == "CN" }"#,
];

proptest! {
    #![proptest_config(proptest_config(64))]

    /// The order rules are declared in changes no decision (nor anything
    /// else in the output: verdicts list rules in declaration order, but
    /// the decision is the same).
    #[test]
    fn decisions_do_not_depend_on_rule_order(lines in graph(), seed in any::<u64>()) {
        let text = lines.join("\n");
        let mut decls: Vec<&str> = RULES.lines().filter(|l| !l.trim().is_empty()).collect();
        let before = run(&rules(), text.as_bytes());
        let mut state = seed;
        for i in (1..decls.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            decls.swap(i, (state >> 33) as usize % (i + 1));
        }
        let shuffled = RuleSet::from_sources(vec![SourceFile::new("p.rules", decls.join("\n"))]).unwrap();
        prop_assert_eq!(run(&shuffled, text.as_bytes()), before);
    }

    /// Adding a deny rule never weakens a decision.
    #[test]
    fn a_deny_rule_never_weakens_a_decision(lines in graph(), pick in 0..EXTRA_DENY.len()) {
        let text = lines.join("\n");
        let before = decisions(&run(&rules(), text.as_bytes()));
        let after = decisions(&run(&rules_with(EXTRA_DENY[pick]), text.as_bytes()));
        for (id, d) in &before {
            prop_assert!(after[id] >= *d, "{} went from {} to {} with {}", id, d, after[id], EXTRA_DENY[pick]);
        }
    }

    /// Adding an exemption never strengthens a decision.
    #[test]
    fn an_exemption_never_strengthens_a_decision(lines in graph(), pick in 0..EXTRA_EXEMPT.len()) {
        let text = lines.join("\n");
        let before = decisions(&run(&rules(), text.as_bytes()));
        let after = decisions(&run(&rules_with(EXTRA_EXEMPT[pick]), text.as_bytes()));
        for (id, d) in &before {
            prop_assert!(after[id] <= *d, "{} went from {} to {} with {}", id, d, after[id], EXTRA_EXEMPT[pick]);
        }
    }
}
