//! Recursive rules from the command line: `explain` of a fire shows its
//! derivation as a tree (each `is` step's record, then what fired there in
//! an earlier round), `check` and `compile` on a recursive rule set, and a
//! refused cycle's diagnostic.

use crate::common::{Interdict, interdict, shown, stderr, stdout};

const RULES: &str = "rules/sanctions-ftm";
const CHAINS: &str = "rules/sanctions-ftm/records/chains.ftm.json";

/// `explain` of `ofac_50` on a record of the chains fixture, as JSON.
fn explain_json(id: &str) -> serde_json::Value {
    let args = ["explain", RULES, CHAINS, "--as-of", "2024-01-01", "--id", id, "--rule", "ofac_50", "--format", "json"];
    let out = interdict(&args);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn explain_shows_a_recursive_fire_s_derivation_as_a_tree() {
    let value = explain_json("c-tier3");
    // c-tier3 ← c-tier2 ← c-tier1 (owned by a listed person: the
    // derivation's leaf, read through `listed`, not a verdict): each level
    // is the record its parent's `is denied by ofac_50` read, and ofac_50
    // fired there.
    let mut level = &value;
    for (id, reads) in [("c-tier3", 1), ("c-tier2", 1), ("c-tier1", 0)] {
        assert_eq!(level["id"], id, "{level}");
        let rules = level["rules"].as_array().unwrap();
        let ofac = rules.iter().find(|r| r["rule"] == "ofac_50").unwrap();
        assert_eq!(ofac["status"], "fired", "{id}");
        let linked = level["linked"].as_array().unwrap();
        assert_eq!(linked.len(), reads, "{id}: {linked:?}");
        if reads == 1 {
            level = &linked[0];
        }
    }

    let human = interdict(&["explain", RULES, CHAINS, "--as-of", "2024-01-01", "--id", "c-tier3", "--rule", "ofac_50"]);
    let text = stdout(&human);
    let tree: Vec<&str> = text.lines().filter(|l| l.contains('↳')).map(str::trim).collect();
    assert_eq!(
        tree,
        [
            "↳ deny  company c-tier2 \"Tier Two Invest BV\"  (rules/sanctions-ftm/records/chains.ftm.json:4:1)",
            "↳ deny  company c-tier1 \"Tier One Holding Ltd\"  (rules/sanctions-ftm/records/chains.ftm.json:3:1)",
        ],
        "{text}"
    );
}

#[test]
fn a_cross_holding_explains_without_looping() {
    // North and South own each other 60 %; North is blocked through
    // Tier Three's 50 %, South through North. South's derivation reads
    // North, whose derivation reads Tier Three (not South: South had not
    // fired in the round North did).
    let value = explain_json("c-south");
    let north = &value["linked"][0];
    assert_eq!(north["id"], "c-north");
    let read: Vec<&str> = north["linked"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(read, ["c-tier3"], "{north}");
}

#[test]
fn a_refused_cycle_names_its_rules_and_why() {
    let out = Interdict::new(&["validate", "tests/fixtures/rule_errors/dependency_cycle.rules"]).width(200).run();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("`risky_visitor` → `risky_venue` → `risky_visitor`"), "{err}");
    assert!(err.contains("read under `not`"), "{err}");
    assert!(err.contains("only make it hold"), "{err}");
    insta::assert_snapshot!("recursion-refused-cycle", shown(&out));
}

#[test]
fn compile_lowers_recursive_rules_to_a_loop_and_says_what_it_cannot() {
    let dir = crate::common::scratch("recursion-compile");
    let one = dir.join("one.rules");
    std::fs::write(
        &one,
        "entity company { listed: bool, owners: [company] }\n\
         rule blocked { deny company c when c.listed or any o in c.owners: o is denied by blocked }\n",
    )
    .unwrap();
    let out = interdict(&["compile", "--target", "duckdb", one.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let sql = stdout(&out);
    assert!(
        sql.contains("-- step 2: interdict_fixpoint_blocked (repeat with {depth} = 1, 2, … until it inserts no row"),
        "{sql}"
    );
    assert!(sql.contains("INSERT INTO \"interdict_fixpoint_blocked\""), "{sql}");
    assert!(sql.contains("-- step 3: interdict_fired_blocked (run once)"), "{sql}");

    let two = dir.join("two.rules");
    std::fs::write(
        &two,
        "entity company { listed: bool, owners: [company] }\n\
         rule up { flag company c when c.listed or any o in c.owners: o is flagged by down }\n\
         rule down { flag company c when any o in c.owners: o is flagged by up }\n",
    )
    .unwrap();
    let out = interdict(&["compile", "--target", "duckdb", two.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let sql = stdout(&out);
    assert!(sql.contains("INSERT INTO \"interdict_fixpoint_up_down\""), "{sql}");

    // `is flagged` without `by` on the rules' own type reads the decision
    // table, built after the loop: a located error.
    let own = dir.join("own.rules");
    std::fs::write(
        &own,
        "entity company { listed: bool, owners: [company] }\n\
         rule near { flag company c when c.listed or any o in c.owners: o is flagged }\n",
    )
    .unwrap();
    let out = interdict(&["compile", "--target", "duckdb", own.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    let err = stderr(&out);
    assert!(err.contains("`is` without `by` on a recursive rule's own type has no SQL translation yet"), "{err}");
    assert!(err.contains("own.rules:2:"), "{err}");
}
