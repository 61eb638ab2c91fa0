//! Recursive rules: generated recursive rule sets over cyclic ownership
//! graphs (rings, cross-holdings, self-links, long chains) through both
//! engines, byte for byte; and the OFAC 50 % rule of `rules/sanctions-ftm`
//! against a plain computation of the same fixpoint.

use std::collections::{HashMap, HashSet};

use interdict::eval::Limits;
use interdict::fast::{Evidence, FastEngine, FastStore};
use interdict::records::Records;
use interdict::{EvalOptions, Input, Outcome, RecordStore, RuleSet, SourceFile, report};
use proptest::prelude::*;

use crate::common::{date, proptest_config, root};

const ENTITIES: &str = r#"
entity c { listed: bool?, cleared: bool?, owners: [c], parents: [c]?, children: [c]? }
entity stake { owner: c, asset: c, pct: number }
"#;

/// Recursive rule templates (`{T}`: a threshold), each a group of its own
/// or, with entities, one group with every deny rule of `c` (`is denied`
/// without `by` reads them all).
const RULES: &[&str] = &[
    "rule blocked { deny c x when x.listed == true or any o in x.owners: o is denied by blocked }",
    "rule ofac { deny c x when x.listed == true or sum(stake s where s.asset == x and (s.owner is denied by ofac): s.pct) >= {T} }",
    "rule up { flag c x when x.listed == true or any p in x.owners: p is flagged by down }\n\
     rule down { flag c x when any k in x.owners{1..2}: k is flagged by up and k.cleared != true }",
    "rule any_owner { deny c x when any o in x.owners: o is denied and o.cleared != true }",
    "rule near { flag c x when any o in x.owners{1..}: o is flagged by near or o.listed == true }",
    "rule all_owners { flag c x when count(x.owners) > 0 and (all o in x.owners: o is flagged by all_owners or o.listed == true) }",
];
const READERS: &[&str] = &[
    "rule owner_denied { deny stake s when s.owner is denied and s.pct > 0 }",
    "rule big { flag stake s when s.asset is denied and s.pct >= {T} }",
];
const EXEMPTION: &str = "exempt cleared { waive blocked for c x when x.cleared == true }";

fn rule_set(picks: &[bool], readers: &[bool], exempt: bool, threshold: u32, typed: bool) -> String {
    let mut text = if typed { ENTITIES.to_string() } else { String::new() };
    for (t, _) in RULES.iter().zip(picks).filter(|(t, p)| **p && (typed || !t.contains("o is denied and"))) {
        text.push_str(&t.replace("{T}", &threshold.to_string()));
        text.push('\n');
    }
    // The readers read decisions of companies from stakes: a company rule
    // reading its owners' decisions would meet itself through a self-owned
    // company (an error per record, found at run time, as without recursion).
    for (t, _) in READERS.iter().zip(readers).filter(|(_, p)| **p) {
        text.push_str(&t.replace("{T}", &threshold.to_string()));
        text.push('\n');
    }
    if exempt && picks[0] {
        text.push_str(EXEMPTION);
        text.push('\n');
    }
    text
}

/// An ownership graph: companies with owner lists (self-links, rings and
/// cross-holdings come from the random picks), stakes (now and then a
/// negative one, an error on a cycle), a long chain, some listed.
fn graph() -> impl Strategy<Value = String> {
    let company = (any::<bool>(), prop::collection::vec(0usize..10, 0..3), 0u8..8);
    let stake = (0usize..10, 0usize..10, -10i32..70);
    (prop::collection::vec(company, 1..10), prop::collection::vec(stake, 0..14), 0usize..6, any::<bool>()).prop_map(
        |(companies, stakes, chain, negative)| {
            let n = companies.len();
            let mut lines = Vec::new();
            for (i, (listed, owners, flags)) in companies.iter().enumerate() {
                let mut r = serde_json::json!({"id": format!("c{i}"), "type": "c",
                    "owners": owners.iter().map(|o| format!("c{}", o % n)).collect::<Vec<_>>()});
                if *listed && flags & 3 == 0 {
                    r["listed"] = true.into();
                }
                if flags & 4 == 4 {
                    r["cleared"] = true.into();
                }
                lines.push(r.to_string());
            }
            // A chain k0 ← k1 ← … whose far end is owned by c0.
            for k in 0..chain {
                let owner = if k == 0 { "c0".to_string() } else { format!("k{}", k - 1) };
                lines.push(serde_json::json!({"id": format!("k{k}"), "type": "c", "owners": [owner]}).to_string());
                lines.push(
                    serde_json::json!({"id": format!("sk{k}"), "type": "stake", "owner": owner, "asset": format!("k{k}"), "pct": 60})
                        .to_string(),
                );
            }
            for (i, (owner, asset, pct)) in stakes.iter().enumerate() {
                let pct = if negative { *pct } else { pct.abs() };
                lines.push(
                    serde_json::json!({"id": format!("s{i}"), "type": "stake", "owner": format!("c{}", owner % n),
                        "asset": format!("c{}", asset % n), "pct": pct})
                    .to_string(),
                );
            }
            lines.join("\n")
        },
    )
}

/// Both engines' JSON (the fast one on 1 and 3 threads), asserted equal.
fn engines_agree(rules: &RuleSet, text: &str, limits: Limits) -> Result<String, TestCaseError> {
    let options = EvalOptions { as_of: date("2024-01-01") };
    let store = RecordStore::load([Input::new("g.jsonl", text.as_bytes().to_vec())]);
    let outcomes = interdict::Engine::new(rules.program(), &store, options).with_limits(limits).evaluate();
    let mut reference = Vec::new();
    report::write_json(&mut reference, rules.program(), &store, &outcomes).unwrap();
    let inputs = vec![Ok(Input::new("g.jsonl", text.as_bytes().to_vec()))];
    let fast_store = FastStore::load(&inputs, rules.program());
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let outcomes = pool.install(|| {
            FastEngine::new(rules.program(), &fast_store, options, Evidence::Full).with_limits(limits).evaluate()
        });
        let mut fast = Vec::new();
        report::write_json(&mut fast, rules.program(), &fast_store, &outcomes).unwrap();
        prop_assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&reference), "{} threads", threads);
    }
    Ok(String::from_utf8_lossy(&reference).into_owned())
}

proptest! {
    #![proptest_config(proptest_config(160))]

    #[test]
    fn recursive_rules_agree_in_both_engines(
        picks in prop::collection::vec(any::<bool>(), RULES.len()),
        readers in prop::collection::vec(any::<bool>(), READERS.len()),
        exempt in any::<bool>(),
        threshold in 30u32..80,
        typed in any::<bool>(),
        rounds in prop::sample::select(vec![2u64, 3, 1_000]),
        text in graph(),
    ) {
        let rules_text = rule_set(&picks, &readers, exempt, threshold, typed);
        let rules = RuleSet::from_sources(vec![SourceFile::new("gen.rules", rules_text.clone())])
            .unwrap_or_else(|e| panic!("{:?}\n{rules_text}", e.iter().map(ToString::to_string).collect::<Vec<_>>()));
        let limits = Limits { max_rounds: rounds, ..Limits::default() };
        engines_agree(&rules, &text, limits).map_err(|e| TestCaseError::fail(format!("{e}\nrules:\n{rules_text}\nrecords:\n{text}")))?;
    }
}

/// A generated ownership graph as FtM entities read (`--input ftm` gives
/// the same records: snake-case types, every property a list): listed
/// persons, companies with chains of holdings, cross-holdings and stakes
/// that add up.
fn ownership_graph(seed: u64, companies: usize) -> (String, Vec<(usize, usize, u32)>, HashSet<usize>) {
    let mut state = seed;
    let mut next = move |n: u64| {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let persons = companies / 4 + 1;
    let mut lines = Vec::new();
    let mut listed = HashSet::new();
    for p in 0..persons {
        let mut person = serde_json::json!({"id": format!("p{p}"), "type": "person", "name": [format!("Person {p}")]});
        if next(6) == 0 {
            person["topics"] = serde_json::json!(["sanction"]);
            listed.insert(p);
        }
        lines.push(person.to_string());
    }
    for c in 0..companies {
        lines.push(
            serde_json::json!({"id": format!("c{c}"), "type": "company", "name": [format!("Company {c}")]}).to_string(),
        );
    }
    // Owners are persons (index < persons) or companies (persons + c).
    let mut stakes = Vec::new();
    for c in 0..companies {
        // Chains: a majority stake from a company just before.
        if c > 0 && next(2) == 0 {
            let owner = c - 1 - next(c.min(3) as u64) as usize;
            stakes.push((persons + owner, c, 50 + 10 * next(2) as u32));
        }
        // Cross-holdings: two companies owning each other.
        if c > 0 && next(10) == 0 {
            stakes.push((persons + c, c - 1, 60));
            stakes.push((persons + c - 1, c, 60));
        }
        for _ in 0..next(3) {
            let owner =
                if next(2) == 0 { next(persons as u64) as usize } else { persons + next(companies as u64) as usize };
            stakes.push((owner, c, 10 + 10 * next(7) as u32));
        }
    }
    for (i, (owner, asset, pct)) in stakes.iter().enumerate() {
        let owner_id = if *owner < persons { format!("p{owner}") } else { format!("c{}", owner - persons) };
        lines.push(
            serde_json::json!({"id": format!("o{i}"), "type": "ownership",
                "owner": [owner_id], "asset": [format!("c{asset}")], "percentage": [pct]})
            .to_string(),
        );
    }
    let stakes = stakes.into_iter().map(|(o, a, p)| (o, persons + a, p)).collect();
    (lines.join("\n"), stakes, listed)
}

/// "Owned 50 % or more by blocked parties", iterated until nothing changes.
fn blocked_by_iteration(stakes: &[(usize, usize, u32)], listed: &HashSet<usize>) -> HashSet<usize> {
    let mut blocked: HashSet<usize> = HashSet::new();
    loop {
        let mut held: HashMap<usize, u32> = HashMap::new();
        for (owner, asset, pct) in stakes {
            if listed.contains(owner) || blocked.contains(owner) {
                *held.entry(*asset).or_default() += pct;
            }
        }
        let now: HashSet<usize> = held.into_iter().filter(|(_, pct)| *pct >= 50).map(|(a, _)| a).collect();
        if now == blocked {
            return blocked;
        }
        blocked = now;
    }
}

#[test]
fn recursive_ofac_equals_a_plain_computation() {
    let rules = RuleSet::load(&[root().join("rules/sanctions-ftm")]).unwrap();
    let ofac = rules.program().rule_named("ofac_50").unwrap();
    for (seed, companies) in [(11, 200), (7, 1_000), (42, 4_000)] {
        let (text, stakes, listed) = ownership_graph(seed, companies);
        let persons = companies / 4 + 1;
        let expected: HashSet<String> =
            blocked_by_iteration(&stakes, &listed).into_iter().map(|c| format!("c{}", c - persons)).collect();
        let inputs = vec![Ok(Input::new("g.jsonl", text.into_bytes()))];
        let store = FastStore::load(&inputs, rules.program());
        let options = EvalOptions { as_of: date("2024-01-01") };
        let outcomes = FastEngine::new(rules.program(), &store, options, Evidence::Omitted).evaluate();
        let fired: HashSet<String> = outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Verdict(v) if v.fired.iter().any(|f| f.rule == ofac) => Some(store.id(v.record).to_string()),
                Outcome::Verdict(_) => None,
                other => panic!("not a verdict: {other:?}"),
            })
            .collect();
        // Blocked through companies, not only by listed persons: chains.
        let through_companies = blocked_by_iteration(&stakes, &listed).len()
            - blocked_by_iteration(&stakes.iter().copied().filter(|s| s.0 < persons).collect::<Vec<_>>(), &listed)
                .len();
        assert!(
            expected.len() > companies / 20 && through_companies > companies / 50,
            "seed {seed}: {} blocked, {through_companies} through companies",
            expected.len()
        );
        assert_eq!(fired, expected, "seed {seed}");
    }
}
