//! Why-not from the command line (issue 22): `explain --rule` on an
//! exemption, why-not under failing test expectations, inside quantifiers,
//! and did-you-mean for record ids. The fixture reproduces the analyst's
//! cases: an exemption whose permit the record spells "Special Permit", a
//! middleman's import dated outside the window, a contact who is not a
//! South Korean national.

use crate::common::{AS_OF, interdict, shown, stderr, stdout};

const RULES: &str = "tests/fixtures/whynot";
const RECORDS: &str = "tests/fixtures/whynot/records.jsonl";

fn explain(id: &str, more: &[&str]) -> std::process::Output {
    let mut args = vec!["explain", RULES, RECORDS, "--id", id, "--as-of", AS_OF];
    args.extend(more);
    interdict(&args)
}

// See: issue 22, item 3 (why-not for exemptions).
#[test]
fn explain_an_exemption_that_did_not_apply() {
    let out = explain("d-12", &["--rule", "special_permit"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let text = stdout(&out);
    assert!(text.contains("permit \"Special Permit\" == \"special-permit\" (false)"), "{text}");
    insta::assert_snapshot!("whynot-exemption-d-12", text);

    let json = explain("d-12", &["--rule", "special_permit", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let x = &value["exemptions"][0];
    assert_eq!(x["exemption"], "special_permit");
    assert_eq!(x["status"], "does_not_apply");
    assert_eq!(x["evidence"][0]["left"]["value"], "Special Permit");
    assert_eq!(value["rules"], serde_json::json!([]));
}

#[test]
fn explain_an_exemption_for_another_type_says_so() {
    let out = explain("p-11", &["--rule", "special_permit"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("does not apply: exemption special_permit: Goods imported under a special permit (it waives rules on `declaration` records; `p-11` is a `person`)"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn explain_an_unknown_rule_suggests_rules_and_exemptions() {
    let out = explain("d-12", &["--rule", "special_permt"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!("whynot-unknown-rule", shown(&out));
}

// See: issue 22, item 3: a failing `waived:` or `decision:` expectation
// shows why the exemption did not apply and why the rules did not fire.
#[test]
fn failing_expectations_show_the_why_not() {
    let out = interdict(&["test", RULES]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("  why not:\n"), "{text}");
    assert!(text.contains("permit \"Special Permit\" == \"special-permit\" (false)"), "{text}");
    insta::assert_snapshot!("whynot-test-failures", text);
}

// See: issue 22, item 3 (why-not inside quantifiers): the declarations
// examined, the middleman's import (dated 2021-05-01, outside the window)
// first, since it got furthest.
#[test]
fn explain_shows_the_elements_a_quantifier_examined() {
    let out = explain("c-08", &[]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("whynot-quantifier-c-08", stdout(&out));

    let json = explain("c-08", &["--rule", "middleman_window", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let any = &value["rules"][0]["evidence"][0];
    assert_eq!(any["count"], 3);
    let ids: Vec<&str> = any["misses"].as_array().unwrap().iter().map(|m| m["record"].as_str().unwrap()).collect();
    assert_eq!(ids, ["d-12", "d-01", "d-13"], "nearest miss first");
    assert_eq!(any["misses"][0]["terms_held"], 1);
    assert_eq!(any["misses"][0]["evidence"][0]["left"]["value"], "2021-05-01");
    assert_eq!(any["more_misses"], 0);
}

#[test]
fn explain_names_the_contact_and_nested_quantifiers_recurse() {
    let json = explain("p-11", &["--rule", "kr_second_contact", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let outer = &value["rules"][0]["evidence"][0];
    assert_eq!(outer["misses"][0]["record"], "p-12");
    assert_eq!(outer["misses"][0]["name"], "Wang Fang");
    let inner = &outer["misses"][0]["evidence"][0];
    assert_eq!(inner["kind"], "quantifier");
    let nationalities: Vec<&str> = inner["misses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["evidence"][0]["left"]["value"].as_str().unwrap())
        .collect();
    assert_eq!(nationalities, ["CN", "JP"]);

    let human = explain("p-11", &["--rule", "kr_contact"]);
    insta::assert_snapshot!("whynot-quantifier-p-11", stdout(&human));
}

#[test]
fn quantifier_misses_stop_at_ten() {
    let out = explain("p-20", &["--rule", "kr_contact"]);
    let text = stdout(&out);
    assert_eq!(text.matches("\n            c = person").count(), 10, "{text}");
    assert!(text.contains("and 2 more"), "{text}");
    let json = explain("p-20", &["--rule", "kr_contact", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let any = &value["rules"][0]["evidence"][0];
    assert_eq!(any["misses"].as_array().unwrap().len(), 10);
    assert_eq!(any["more_misses"], 2);
}

#[test]
fn an_all_that_failed_lists_every_failing_element() {
    // c-09 buys from m-02 (CN), m-01 (KR) and m-03 (CN): the first failure
    // is the witness; explain looks on and lists both.
    let json = explain("c-09", &["--rule", "kr_only_sourcing", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let all = &value["rules"][0]["evidence"][0];
    assert_eq!(all["witness"]["record"], "m-02");
    let ids: Vec<&str> = all["misses"].as_array().unwrap().iter().map(|m| m["record"].as_str().unwrap()).collect();
    assert_eq!(ids, ["m-02", "m-03"]);
}

#[test]
fn verdicts_carry_no_misses() {
    // Misses are explain's: `check` (both engines) writes none.
    for engine in ["fast", "reference"] {
        let out = interdict(&["check", RULES, RECORDS, "--as-of", AS_OF, "--format", "json", "--engine", engine]);
        assert!(!stdout(&out).contains("\"misses\""), "{engine}");
    }
}

// See: issue 22: an id in no input names the nearest ids, the one equal
// but for case first.
#[test]
fn explain_an_unknown_id_suggests_the_nearest() {
    let upper = explain("D-12", &[]);
    assert_eq!(upper.status.code(), Some(3));
    insta::assert_snapshot!("whynot-unknown-id", shown(&upper));
    let near = explain("p-2", &[]);
    assert!(stderr(&near).contains("help: did you mean `p-12` or `p-20` or `p-21`?"), "{}", shown(&near));
    let far = explain("zzz", &[]);
    assert_eq!(far.status.code(), Some(3));
    assert!(!stderr(&far).contains("help"), "{}", shown(&far));
}
