//! Hop-range quantifiers the fast engine judges for the whole store at once
//! (`{1..}`, `{1..n}` with a body that reads only the record reached),
//! against the reference engine's walk from each record: generated graphs
//! with rings, long chains (longer than the chains evidence shows whole),
//! self-links, cross-links, links that lead nowhere and duplicates in a
//! list; `any`, `all` and `none`, held and not; with evidence and without.

use interdict::fast::{Evidence, FastEngine, FastStore};
use interdict::{EvalOptions, Input, Outcome, RecordStore, RuleSet, SourceFile};
use proptest::prelude::*;

use crate::common::{date, fast_json, proptest_config, reference_json};

/// `{Q}` a quantifier, `{R}` a hop range, `{N}` a nationality.
const RULES: &[&str] = &[
    r#"rule r_q { flag person p when {Q} c in p.contacts{R}: c.nationality == "{N}" }"#,
    r#"rule r_not { flag person p when not ({Q} c in p.contacts{R}: c.nationality != "CN" and exists c.contacts) }"#,
    r#"rule r_spouse { flag person p when {Q} c in p.spouse.contacts{R}: c.nationality in ["{N}", "JP"] }"#,
    r#"rule r_near { flag person p when any c in p.contacts{R}: c.nationality == "{N}" or c.name starts_with "B" }"#,
    r#"rule r_def { flag person p when {Q} c in p.contacts{R}: national(c) }"#,
    r#"rule r_def_spouse { flag person p when {Q} c in p.contacts{R}: national(c.spouse) }"#,
];

/// A def of one record, as a quantifier's body.
const DEF: &str = r#"def national(x: person) = x.nationality == "{N}" and not x.name starts_with "Bo""#;

const ENTITIES: &str = "entity person { name: string, nationality: string, spouse: person?, contacts: [person] }\nentity venue { name: string }\n";

fn rule_set(picks: &[bool], quantifier: &str, range: &str, nat: &str, typed: bool) -> String {
    let mut text = if typed { ENTITIES.to_string() } else { String::new() };
    text.push_str(&DEF.replace("{N}", nat));
    text.push('\n');
    for (rule, _) in RULES.iter().zip(picks).filter(|(_, p)| **p) {
        text.push_str(&rule.replace("{Q}", quantifier).replace("{R}", range).replace("{N}", nat));
        text.push('\n');
    }
    text
}

/// How one person's contacts are made.
#[derive(Clone, Debug)]
enum Link {
    /// The next person (a ring, or a chain when the last has none).
    Next,
    /// Any person.
    To(usize),
    /// Itself.
    Own,
    /// An id that names no record.
    Nobody,
    /// A record of another type.
    Venue,
}

fn graph() -> impl Strategy<Value = String> {
    let link = prop_oneof![
        6 => Just(Link::Next),
        3 => (0usize..60).prop_map(Link::To),
        1 => Just(Link::Own),
        1 => Just(Link::Nobody),
        1 => Just(Link::Venue),
    ];
    let person = (0usize..10, prop::collection::vec(link, 0..4), prop::option::of(0usize..60), any::<bool>());
    (prop::collection::vec(person, 1..60), any::<bool>()).prop_map(|(people, ring)| {
        let n = people.len();
        let nats = ["KR", "CN", "CN", "CN", "CN", "CN", "CN", "CN", "JP", "KP"];
        let mut lines = vec![r#"{"id":"v0","type":"venue","name":"V"}"#.to_string()];
        for (i, (nat, links, spouse, b_name)) in people.iter().enumerate() {
            let contacts: Vec<String> = links
                .iter()
                .filter_map(|l| match l {
                    Link::Next if ring || i + 1 < n => Some(format!("p{}", (i + 1) % n)),
                    Link::Next => None,
                    Link::To(t) => Some(format!("p{}", t % n)),
                    Link::Own => Some(format!("p{i}")),
                    Link::Nobody => Some("nobody".to_string()),
                    Link::Venue => Some("v0".to_string()),
                })
                .collect();
            let name = if *b_name { format!("Bo {i}") } else { format!("Kim {i}") };
            let mut r = serde_json::json!({"id": format!("p{i}"), "type": "person", "name": name,
                "nationality": nats[*nat], "contacts": contacts});
            if let Some(s) = spouse {
                r["spouse"] = format!("p{}", s % n).into();
            }
            lines.push(r.to_string());
        }
        lines.join("\n")
    })
}

/// Each record's decision, evaluated without evidence.
fn decisions(rules: &RuleSet, text: &str, fast: bool) -> Vec<String> {
    let inputs = [Input::new("g.jsonl", text.as_bytes().to_vec())];
    let options = EvalOptions { as_of: date("2024-01-01") };
    let show = |o: &Outcome<'_>| match o {
        Outcome::Verdict(v) => format!("{:?} {:?}", v.decision, v.fired.iter().map(|f| f.rule).collect::<Vec<_>>()),
        other => format!("{other:?}"),
    };
    if fast {
        let sources: Vec<_> = inputs.iter().cloned().map(Ok).collect();
        let store = FastStore::load(&sources, rules.program());
        FastEngine::new(rules.program(), &store, options, Evidence::Omitted).evaluate().iter().map(show).collect()
    } else {
        let store = RecordStore::load(inputs.to_vec());
        interdict::Engine::new(rules.program(), &store, options).evaluate().iter().map(show).collect()
    }
}

proptest! {
    #![proptest_config(proptest_config(256))]

    #[test]
    fn store_wide_closures_equal_the_walk_from_each_record(
        picks in prop::collection::vec(any::<bool>(), RULES.len()),
        quantifier in prop::sample::select(vec!["any", "all", "none"]),
        range in prop::sample::select(vec!["{1..}", "{1..}", "{1..3}", "{1..20}"]),
        nat in prop::sample::select(vec!["KR", "CN", "JP"]),
        typed in any::<bool>(),
        text in graph(),
    ) {
        let rules_text = rule_set(&picks, quantifier, range, nat, typed);
        let rules = RuleSet::from_sources(vec![SourceFile::new("gen.rules", rules_text.clone())])
            .unwrap_or_else(|e| panic!("{rules_text}: {:?}", e.iter().map(ToString::to_string).collect::<Vec<_>>()));
        let inputs = [Input::new("g.jsonl", text.as_bytes().to_vec())];
        let as_of = date("2024-01-01");
        let reference = reference_json(&rules, &inputs, as_of);
        prop_assert_eq!(fast_json(&rules, &inputs, as_of), reference, "rules:\n{}\nrecords:\n{}", rules_text, text);
        prop_assert_eq!(decisions(&rules, &text, true), decisions(&rules, &text, false), "rules:\n{}\nrecords:\n{}", rules_text, text);
    }
}

/// A ring longer than a chain is shown whole: every verdict's chains keep
/// their first and last hops and count the others, in both engines.
#[test]
fn a_long_ring_is_shown_by_its_ends() {
    let rules =
        RuleSet::from_sources(vec![SourceFile::new("ring.rules", rule_set(&[true], "any", "{1..}", "KR", true))])
            .unwrap_or_else(|e| panic!("{e:?}"));
    let n = 100;
    let text: Vec<String> = (0..n)
        .map(|i| {
            let nat = if i == n - 1 { "KR" } else { "CN" };
            format!(
                r#"{{"id":"p{i}","type":"person","name":"P","nationality":"{nat}","contacts":["p{}"]}}"#,
                (i + 1) % n
            )
        })
        .collect();
    let inputs = [Input::new("ring.jsonl", text.join("\n").into_bytes())];
    let out = crate::common::engines_agree(&rules, &inputs, date("2024-01-01"), "ring");
    let first = out.lines().next().unwrap_or_default();
    // p0 reaches p99 in 99 hops: the witness's chain is p0, 99 hops, and the
    // condition's adds `nationality`: 100 and 101 hops, 16 of each shown.
    assert!(first.contains(r#"{"via":null,"elided":84}"#), "{first}");
    assert!(first.contains(r#"{"via":null,"elided":85}"#), "{first}");
    assert!(first.contains(r#""depth":99"#), "{first}");
    assert!(!first.contains(r#""record":"p50""#), "{first}");
}
