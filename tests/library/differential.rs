//! The fast engine against the reference evaluator: generated rule sets
//! (typed and untyped) over generated record graphs (cycles, self-links,
//! dangling and wrongly typed links, duplicate ids, bad lines) must give the
//! same output, byte for byte: verdicts, evidence, warnings and errors.

use interdict::fast::{Evidence, FastEngine, FastStore};
use interdict::{EvalOptions, Input, RuleSet, SourceFile, report};
use proptest::prelude::*;

use crate::common::{date, engines_agree, fast_json, input, proptest_config, reference_json, root};

const ENTITIES: &str = r#"
entity person { name: string, nationality: string, rank: string?, phone: string?, spouse: person?, contacts: [person], tags: [string]? }
entity venue { name: string, kind: string, operator: person }
entity visit { visitor: person, venue: venue, date: date }
"#;

/// Rule templates; `{N}` is a nationality, `{K}` a number of hops.
const RULES: &[&str] = &[
    r#"rule r_ban "ban" { deny venue v when v.operator.nationality == "{N}" severity high }"#,
    r#"rule r_spouse { deny venue v when v.operator.spouse.nationality in ["KR", "{N}"] }"#,
    r#"rule r_near { flag person p when any c in p.contacts{1..{K}}: c.nationality == "{N}" }"#,
    r#"rule r_far { flag person p when any c in p.contacts{2..}: c.spouse.nationality == "{N}" }"#,
    r#"rule r_count { flag person p when count(p.contacts) > {K} }"#,
    r#"rule r_all { flag person p when all c in p.contacts: c.nationality != "{N}" }"#,
    r#"rule r_none { flag person p when none c in p.contacts{1..2}: exists c.spouse }"#,
    r#"rule r_name { deny person p when p.name matches "^[A-K]" and not p.rank == "senior" }"#,
    r#"rule r_phone { flag person p when p.phone starts_with "+8" or p.tags contains "watch" }"#,
    r#"rule r_visit { deny visit x when x.venue is denied effective from 2020-01-01 }"#,
    r#"rule r_early { flag visit x when x.date < 2021-06-01 and x.venue.kind == "bar" }"#,
    r#"rule r_by { flag visit x when x.visitor is flagged by r_near }"#,
    r#"rule r_visitor { flag person p when any visit x where x.visitor == p: x.venue is denied }"#,
    r#"rule r_def { flag person p when is_national(p.spouse) or any c in p.contacts: is_national(c) }"#,
    r#"rule r_self { flag person p when p.spouse == p or p in p.contacts }"#,
    r#"rule r_watch { flag person p when any c in p.contacts{1..{K}}: watched(c) }"#,
];

/// `watched` costs more on some records than others (`or` stops early).
const DEF: &str = r#"def is_national(p: person) = p.nationality == "{N}"
def watched(p: person) = p.rank == "senior" or (p.spouse.nationality == "{N}" and not p.name starts_with "Z")"#;
const EXEMPTIONS: &[&str] = &[
    r#"exempt e_senior { waive r_visit for visit x when x.visitor.rank == "senior" }"#,
    r#"exempt e_name { waive r_name, r_count for person p when p.name starts_with "Z" }"#,
];

fn rule_set(picks: &[bool], exempt: &[bool], nat: &str, hops: u32, typed: bool) -> String {
    let mut text = if typed { ENTITIES.to_string() } else { String::new() };
    text.push_str(&DEF.replace("{N}", nat));
    text.push('\n');
    let mut names = Vec::new();
    for (i, t) in RULES.iter().enumerate() {
        // `r_by` needs `r_near`; `r_visitor` and `r_by` read visits' and people's verdicts.
        let wanted = picks[i] || (t.contains("r_near ") && picks[11]);
        if wanted {
            text.push_str(&t.replace("{N}", nat).replace("{K}", &hops.to_string()));
            text.push('\n');
            names.push(t.split_whitespace().nth(1).unwrap_or(""));
        }
    }
    for (i, x) in EXEMPTIONS.iter().enumerate() {
        let waived_all = x.split("waive ").nth(1).unwrap_or("").split(" for ").next().unwrap_or("");
        if exempt[i] && waived_all.split(", ").all(|r| names.contains(&r)) {
            text.push_str(x);
            text.push('\n');
        }
    }
    text
}

/// A generated rule set's text, as [`rule_set`] writes one.
pub(crate) fn rule_sets() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(any::<bool>(), RULES.len()),
        prop::collection::vec(any::<bool>(), EXEMPTIONS.len()),
        prop::sample::select(vec!["KR", "KP", "CN"]),
        1u32..4,
        any::<bool>(),
    )
        .prop_map(|(picks, exempt, nat, hops, typed)| rule_set(&picks, &exempt, nat, hops, typed))
}

/// A random graph as JSON Lines, with some of everything that goes wrong.
pub(crate) fn records() -> impl Strategy<Value = String> {
    let person = (
        0usize..3,
        prop::sample::select(vec!["Kim", "Lee", "Zhao", "Anna", "Bo"]),
        prop::option::of(0usize..12),
        prop::collection::vec(0usize..12, 0..4),
        prop::option::of(prop::sample::select(vec!["senior", "junior"])),
        prop::option::of(prop::sample::select(vec!["+86 1", "+82 2"])),
        any::<bool>(),
    );
    let venue = (0usize..12, prop::sample::select(vec!["bar", "shop"]));
    let visit = (0usize..12, 0usize..5, 2019i32..2024);
    (
        prop::collection::vec(person, 1..10),
        prop::collection::vec(venue, 0..5),
        prop::collection::vec(visit, 0..10),
        0u8..4,
        any::<bool>(),
    )
        .prop_map(|(people, venues, visits, mess, long_ids)| {
            let nats = ["KR", "CN", "KP"];
            // Long ids share their first 8 bytes: witness order must read past them.
            let pid = |i: usize| if long_ids { format!("person-0000{i}") } else { format!("p{i}") };
            let mut lines = Vec::new();
            for (i, (nat, name, spouse, contacts, rank, phone, tagged)) in people.iter().enumerate() {
                let mut r = serde_json::json!({
                    "id": pid(i), "type": "person", "name": format!("{name} {i}"),
                    "nationality": nats[*nat],
                    "contacts": contacts.iter().map(|c| pid(*c)).collect::<Vec<_>>(),
                });
                if let Some(s) = spouse {
                    r["spouse"] = pid(*s).into();
                }
                if let Some(rank) = rank {
                    r["rank"] = (*rank).into();
                }
                if let Some(phone) = phone {
                    r["phone"] = (*phone).into();
                }
                if *tagged {
                    r["tags"] = serde_json::json!(["watch", 3]);
                }
                lines.push(r.to_string());
            }
            for (i, (op, kind)) in venues.iter().enumerate() {
                lines.push(serde_json::json!({"id": format!("v{i}"), "type": "venue", "name": format!("V{i}"), "kind": kind, "operator": pid(*op)}).to_string());
            }
            for (i, (who, venue, year)) in visits.iter().enumerate() {
                lines.push(
                    serde_json::json!({"id": format!("x{i}"), "type": "visit", "visitor": pid(*who),
                        "venue": format!("v{venue}"), "date": format!("{year}-03-04T10:00:00Z")})
                    .to_string(),
                );
            }
            // Some inputs are damaged: a duplicate id, a bad line, a link to a venue from a person.
            if mess & 1 == 1 {
                lines.push(r#"{"id":"p0","type":"person","name":"again"}"#.to_string());
                lines.push(r#"{"id": "broken""#.to_string());
            }
            if mess & 2 == 2 {
                lines.push(r#"{"id":"pw","type":"person","name":"Wrong","nationality":"KR","spouse":"v0","contacts":["v1","p0","nobody"]}"#.to_string());
            }
            lines.join("\n")
        })
}

/// One engine's JSON output for records `text` on 2024-01-01.
fn json_of(rules: &RuleSet, text: &str, fast: bool) -> String {
    let inputs = [Input::new("g.jsonl", text.as_bytes().to_vec())];
    let as_of = date("2024-01-01");
    if fast { fast_json(rules, &inputs, as_of) } else { reference_json(rules, &inputs, as_of) }
}

proptest! {
    #![proptest_config(proptest_config(192))]

    #[test]
    fn fast_engine_equals_the_reference(
        picks in prop::collection::vec(any::<bool>(), RULES.len()),
        exempt in prop::collection::vec(any::<bool>(), EXEMPTIONS.len()),
        nat in prop::sample::select(vec!["KR", "KP", "CN"]),
        hops in 1u32..4,
        typed in any::<bool>(),
        text in records(),
    ) {
        let rules_text = rule_set(&picks, &exempt, nat, hops, typed);
        let rules = match RuleSet::from_sources(vec![SourceFile::new("gen.rules", rules_text.clone())]) {
            Ok(r) => r,
            // Untyped sets can hold a dependency cycle the checker cannot see
            // (r_visitor ↔ r_visit): both engines then report it per record.
            Err(e) => panic!("generated rules do not check: {:?}\n{rules_text}", e.iter().map(ToString::to_string).collect::<Vec<_>>()),
        };
        let reference = json_of(&rules, &text, false);
        let fast = json_of(&rules, &text, true);
        prop_assert_eq!(fast, reference, "rules:\n{}\nrecords:\n{}", rules_text, text);
    }
}

/// The example rule set and the language's worked example, through both engines.
#[test]
fn example_rule_sets_agree() {
    for (rules, files) in [
        (
            "rules/trade-screening",
            &[
                "rules/trade-screening/records/people.jsonl",
                "rules/trade-screening/records/businesses.json",
                "rules/trade-screening/records/goods.jsonl",
                "rules/trade-screening/records/activity.jsonl",
            ][..],
        ),
        ("tests/fixtures/design.rules", &["tests/fixtures/design.jsonl"]),
        ("tests/fixtures/messy.rules", &["tests/fixtures/messy.jsonl"]),
    ] {
        let rule_set = RuleSet::load(&[root().join(rules)]).unwrap();
        let inputs: Vec<Input> = files.iter().map(|f| input(f)).collect();
        engines_agree(&rule_set, &inputs, date("2023-06-01"), rules);
    }
}

proptest! {
    #![proptest_config(proptest_config(64))]

    /// Enough rules per type for the rule index to be used: ban lists of
    /// (origin, category) pairs, some as `in` lists, some not indexable.
    #[test]
    fn indexed_rules_agree(
        pairs in prop::collection::vec((0usize..6, 0usize..5, 0u8..4), 8..40),
        products in prop::collection::vec((0usize..7, 0usize..6, prop::option::of(0u32..3)), 1..40),
    ) {
        let origins = ["KR", "KP", "CN", "JP", "VN", "RU", "US"];
        let cats = ["rice-cooker", "cosmetics", "toothpaste", "shampoo", "medicine", "tools"];
        let mut rules = String::new();
        for (i, (o, c, shape)) in pairs.iter().enumerate() {
            let cond = match shape {
                0 => format!(r#"p.origin == "{}" and p.category == "{}""#, origins[*o], cats[*c]),
                1 => format!(r#"p.origin in ["{}", "{}"] and p.category == "{}""#, origins[*o], origins[(*o + 1) % 7], cats[*c]),
                2 => format!(r#"p.rank == {} or p.origin == "{}""#, o, origins[*o]),
                _ => format!(r#"p.rank == {o} and p.category starts_with "{}""#, &cats[*c][..2]),
            };
            let effect = if i % 3 == 0 { "flag" } else { "deny" };
            rules.push_str(&format!("rule ban_{i} {{ {effect} product p when {cond} }}\n"));
        }
        let mut text = String::new();
        for (i, (o, c, rank)) in products.iter().enumerate() {
            let mut r = serde_json::json!({"id": format!("g{i}"), "type": "product", "origin": origins[*o], "category": cats[*c]});
            if let Some(rank) = rank {
                r["rank"] = (*rank).into();
            }
            text.push_str(&r.to_string());
            text.push('\n');
        }
        let rules = RuleSet::from_sources(vec![SourceFile::new("bans.rules", rules)]).unwrap();
        prop_assert_eq!(json_of(&rules, &text, true), json_of(&rules, &text, false));
    }
}

/// The example rule set, and its JSON Lines records in one text.
fn example_rule_set() -> (RuleSet, String) {
    let rules = RuleSet::load(&[root().join("rules/trade-screening")]).unwrap();
    let mut text = String::new();
    for f in ["people.jsonl", "goods.jsonl", "activity.jsonl"] {
        text.push_str(&std::fs::read_to_string(root().join("rules/trade-screening/records").join(f)).unwrap());
        text.push('\n');
    }
    (rules, text)
}

/// Evaluation is deterministic: the same bytes on every run, with the
/// reference engine and with the parallel one on 1, 2 and 4 threads.
#[test]
fn repeated_runs_are_byte_identical() {
    let (rules, text) = example_rule_set();
    let reference = json_of(&rules, &text, false);
    assert!(reference.lines().count() > 300);
    assert_eq!(json_of(&rules, &text, false), reference);
    for threads in [1, 2, 4, 4] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let fast = pool.install(|| json_of(&rules, &text, true));
        assert!(fast == reference, "{threads} threads: not the reference output");
    }
}

/// Limits are deterministic too: with budgets small enough that many
/// records run out (some inside defs whose answers the fast engine
/// remembers), every run and every thread count gives the same bytes.
#[test]
fn limit_errors_are_deterministic() {
    use interdict::eval::Limits;
    let (rules, text) = example_rule_set();
    let options = EvalOptions { as_of: date("2023-06-01") };
    let inputs = vec![Ok(Input::new("all.jsonl", text.into_bytes()))];
    let store = FastStore::load(&inputs, rules.program());
    for limits in [
        Limits { max_steps: 8, max_visited: 1_000, ..Limits::default() },
        Limits { max_steps: 1_000, max_visited: 3, ..Limits::default() },
    ] {
        let mut runs = Vec::new();
        for threads in [1, 2, 4, 4, 1] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let mut out = Vec::new();
            let outcomes = pool.install(|| {
                FastEngine::new(rules.program(), &store, options, Evidence::Full).with_limits(limits).evaluate()
            });
            report::write_json(&mut out, rules.program(), &store, &outcomes).unwrap();
            runs.push(String::from_utf8(out).unwrap());
        }
        let errors = runs[0].lines().filter(|l| l.contains("interdict::eval::limit")).count();
        assert!(errors > 10 && errors < runs[0].lines().count(), "{limits:?}: {errors} limit errors");
        assert!(runs.iter().all(|r| *r == runs[0]), "{limits:?}: runs differ");
    }
}

/// Witness order past an id's first 8 bytes: two depth-2 contacts reached
/// at the same list position, whose ids differ only after `person-0`; the
/// smaller id is the witness (not the one whose parent came first), in
/// both engines, for a quantifier and for a path with hops.
#[test]
fn witness_order_reads_whole_ids() {
    let rules = RuleSet::from_sources(vec![SourceFile::new(
        "w.rules",
        r#"rule near "near" { flag person p when any c in p.contacts{1..2}: c.nationality == "KR" }
rule seen "seen" { flag person p when p.contacts{2..2}.nationality == "KR" }"#
            .to_string(),
    )])
    .unwrap_or_else(|e| panic!("{e:?}"));
    let text = [
        r#"{"id":"start","type":"person","nationality":"CN","contacts":["person-0000a","person-0000b"]}"#,
        r#"{"id":"person-0000a","type":"person","nationality":"CN","contacts":["person-00003"]}"#,
        r#"{"id":"person-0000b","type":"person","nationality":"CN","contacts":["person-00001"]}"#,
        r#"{"id":"person-00003","type":"person","nationality":"KR"}"#,
        r#"{"id":"person-00001","type":"person","nationality":"KR"}"#,
    ]
    .join("\n");
    let reference = json_of(&rules, &text, false);
    assert_eq!(json_of(&rules, &text, true), reference);
    let start: serde_json::Value = serde_json::from_str(reference.lines().next().unwrap()).unwrap();
    let witness = &start["fired"][0]["evidence"][0]["witness"];
    assert_eq!(witness["record"], "person-00001", "{witness}");
    assert_eq!(witness["chain"][1]["record"], "person-0000b", "{witness}");
}
