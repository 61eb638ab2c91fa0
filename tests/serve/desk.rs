//! The screening desk's endpoints: the reload's review against
//! `interdict diff`, the status, the search and CSV conversion; and the
//! page itself (the browser tests are in tests/desk).

use serde_json::Value;

use crate::Server;
use crate::common::{AS_OF, Interdict, root, scratch};

/// A copy of rules/trade-screening: `old/` (kept) and `rules/` (served and changed).
fn trade_screening(name: &str) -> (std::path::PathBuf, Vec<String>) {
    let dir = scratch(name);
    let from = root().join("rules/trade-screening");
    for to in ["old", "rules"] {
        std::fs::create_dir_all(dir.join(to)).unwrap();
        for entry in std::fs::read_dir(&from).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rules") {
                std::fs::copy(&path, dir.join(to).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    let records = ["activity.jsonl", "businesses.json", "goods.jsonl", "people.jsonl"]
        .map(|f| from.join("records").join(f).display().to_string())
        .to_vec();
    (dir, records)
}

#[test]
fn a_reload_answers_the_changes_grouped_as_interdict_diff_groups_them() {
    let (dir, records) = trade_screening("desk_review");
    let args: Vec<&str> = records.iter().map(String::as_str).collect();
    let server = Server::start(&dir, "rules", &args, &[]);
    assert_eq!(server.get("/v1/reloads/last").json(), Value::Null);
    let venues = dir.join("rules/venues.rules");
    let text = std::fs::read_to_string(&venues).unwrap();
    std::fs::write(&venues, text.replace("deny venue v when south_korean", "flag venue v when south_korean")).unwrap();

    let summary = reload_is_diff(&server, &dir, &args);
    assert!(!summary["groups"].as_array().unwrap().is_empty());

    // The review keeps each change's verdict before and after.
    let last = server.get("/v1/reloads/last").json();
    let v01 = last["changes"].as_array().unwrap().iter().find(|c| c["id"] == "v-01").unwrap();
    assert_eq!((v01["before"].as_str(), v01["after"].as_str()), (Some("deny"), Some("flag")));
    assert_eq!(v01["old_verdict"]["fired"][0]["effect"], "deny");
    assert_eq!(v01["new_verdict"]["fired"][0]["effect"], "flag");
    let status = server.get("/v1/status").json();
    assert_eq!(status["rules"], summary["rules"]);
    assert_eq!(status["last_reload"]["changed"], summary["changed"]);
    assert!(server.stop().success());
}

/// Reloads `server` and checks its answer against `interdict diff old rules`.
fn reload_is_diff(server: &Server, dir: &std::path::Path, args: &[&str]) -> Value {
    let reloaded = server.post("/v1/reload", "application/json", b"");
    assert_eq!(reloaded.status, 200, "{}", reloaded.text());
    let summary = reloaded.json();
    let diff = Interdict::new(&[&["diff", "old", "rules"], args, &["--format", "json", "--as-of", AS_OF]].concat())
        .in_dir(dir)
        .run();
    let diff: Value = serde_json::from_slice(&diff.stdout).unwrap();
    assert_eq!(summary["compared"], diff["compared"]);
    assert_eq!(summary["changed"].as_u64(), diff["changed"].as_array().map(|c| c.len() as u64));
    assert_eq!(summary["transitions"], diff["transitions"]);
    let groups = |v: &Value| -> Vec<(Value, Value, Value, Value)> {
        v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| (g["rule"].clone(), g["change"].clone(), g["records"].clone(), g["transitions"].clone()))
            .collect()
    };
    assert_eq!(groups(&summary), groups(&diff));
    for (ours, theirs) in summary["changes"].as_array().unwrap().iter().zip(diff["changed"].as_array().unwrap()) {
        assert_eq!((&ours["id"], &ours["old"], &ours["new"]), (&theirs["id"], &theirs["old"], &theirs["new"]));
    }
    summary
}

#[test]
fn a_reload_that_changes_only_which_exemption_waives_a_rule_lists_the_record() {
    let (dir, records) = trade_screening("desk_exemption");
    let args: Vec<&str> = records.iter().map(String::as_str).collect();
    let server = Server::start(&dir, "rules", &args, &[]);
    let exemptions = dir.join("rules/exemptions.rules");
    let text = std::fs::read_to_string(&exemptions).unwrap();
    let narrower = r#"x.buyer.rank == "senior-cadre" and x.date >= 2021-01-01"#;
    std::fs::write(&exemptions, text.replace(r#"x.buyer.rank == "senior-cadre""#, narrower)).unwrap();
    let summary = reload_is_diff(&server, &dir, &args);
    // pu-011 stays allowed, now waived by before_the_ban instead of cadre_purchases.
    assert_eq!(summary["changed"], 1, "{summary}");
    assert_eq!(summary["changes"][0]["id"], "pu-011");
    assert_eq!(summary["changes"][0]["new"]["waived"][0][1], "before_the_ban");
    assert!(server.stop().success());
}

#[test]
fn status_counts_the_stored_decisions_and_keeps_a_refused_reload() {
    let (dir, records) = trade_screening("desk_status");
    let args: Vec<&str> = records.iter().map(String::as_str).collect();
    let server = Server::start(&dir, "rules", &args, &[]);
    let check =
        Interdict::new(&[&["check", "rules"], args.as_slice(), &["--format", "json", "--as-of", AS_OF]].concat())
            .in_dir(&dir)
            .run();
    let lines: Vec<Value> =
        String::from_utf8_lossy(&check.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let status = server.get("/v1/status").json();
    assert_eq!(status["records"].as_u64(), Some(lines.len() as u64));
    for decision in ["allow", "flag", "deny"] {
        let n = lines.iter().filter(|l| l["decision"] == decision).count() as u64;
        assert_eq!(status["decisions"][decision].as_u64(), Some(n), "{decision}");
    }
    let fired =
        |rule: &str| lines.iter().filter(|l| l["fired"].as_array().unwrap().iter().any(|f| f["rule"] == rule)).count();
    let bars = status["rules_fired"].as_array().unwrap();
    let purchases = bars.iter().find(|b| b["rule"] == "banned_purchase").unwrap();
    assert_eq!(purchases["fired"].as_u64(), Some(fired("banned_purchase") as u64));
    assert_eq!(purchases["title"], "Purchase of a banned product");
    assert_eq!(status["last_refused"], Value::Null);

    std::fs::write(dir.join("rules/broken.rules"), "rule broken {\n").unwrap();
    let refused = server.post("/v1/reload", "application/json", b"");
    assert_eq!(refused.status, 422);
    let status = server.get("/v1/status").json();
    assert_eq!(status["last_refused"]["diagnostics"], refused.json()["error"]["diagnostics"]);
    assert_eq!(status["rules"].as_str(), Some(server.hash.as_str()));
    assert!(server.stop().success());
}

#[test]
fn search_finds_ids_by_prefix_then_names_and_convert_reads_csv_by_the_declarations() {
    let (dir, records) = trade_screening("desk_search");
    let args: Vec<&str> = records.iter().map(String::as_str).collect();
    let server = Server::start(&dir, "rules", &args, &[]);
    let found = server.get("/v1/search?q=V-0&limit=3").json();
    let ids: Vec<&str> = found["records"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["v-01", "v-02", "v-03"]);
    let by_name = server.get("/v1/search?q=pyongyang%20h").json();
    assert_eq!(by_name["records"][0]["id"], "v-02");
    assert_eq!(by_name["records"][0]["decision"], "deny");
    assert_eq!(server.get("/v1/search?limit=0").error_code(), "bad_query");
    assert_eq!(server.get("/v1/search?q=%ZZ").error_code(), "bad_query");

    let csv = b"id,buyer,product,date\nx-1,p-001,g-01,2023-05-01\nx-2,p-001,g-05,not a date\n";
    let converted = server.post("/v1/convert?type=purchase", "text/csv", csv).json();
    assert_eq!(converted["records"][0]["type"], "purchase");
    assert_eq!(converted["records"][0]["product"], "g-01");
    assert_eq!(converted["errors"][0]["line"], 3, "{converted}");
    assert_eq!(server.post("/v1/convert", "application/json", b"{}").status, 422);
    assert!(server.stop().success());
}

#[test]
fn the_page_is_served_with_a_policy_that_runs_only_its_own_script() {
    let (dir, records) = trade_screening("desk_page");
    let server = Server::start(&dir, "rules", &[records[2].as_str()], &[]);
    let page = server.get("/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains(r#"<script src="/desk/desk.js" defer></script>"#));
    let policy = page.header("content-security-policy").unwrap();
    assert!(policy.contains("script-src 'self'") && policy.contains("default-src 'none'"), "{policy}");
    let script = server.get("/desk/desk.js");
    assert_eq!(script.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert!(!script.text().contains("innerHTML"), "the page writes record values as text only");
    assert_eq!(server.get("/desk/desk.css").status, 200);
    assert!(server.stop().success());
}

#[test]
fn a_reload_after_writes_reviews_the_records_as_written() {
    let (dir, records) = trade_screening("desk_review_writes");
    let args: Vec<&str> = records.iter().map(String::as_str).collect();
    let server = Server::start(&dir, "rules", &args, &[]);
    // A new venue run by p-030 (a Chinese national married to a South
    // Korean one): denied by marriage_link, and after the change below too.
    let venue = r#"{"id":"v-new","type":"venue","name":"New House","kind":"karaoke","operator":"p-030"}"#;
    let put =
        crate::request(server.addr, "PUT", "/v1/records", &[("Content-Type", "application/json")], venue.as_bytes());
    assert_eq!(put.status, 200, "{}", put.text());
    let marriage = server.get("/v1/records/v-new").json();
    assert_eq!(marriage["decision"], "deny", "{marriage}");

    let venues = dir.join("rules/venues.rules");
    let text = std::fs::read_to_string(&venues).unwrap();
    std::fs::write(
        &venues,
        text.replace("deny venue v when v.operator.nationality", "flag venue v when v.operator.nationality"),
    )
    .unwrap();
    std::fs::write(dir.join("written.jsonl"), format!("{venue}\n")).unwrap();
    let with_written: Vec<&str> = args.iter().copied().chain(["written.jsonl"]).collect();
    let summary = reload_is_diff(&server, &dir, &with_written);
    let listed = summary["changes"].as_array().unwrap();
    assert!(listed.iter().any(|c| c["id"] == "v-new" && c["after"] == "flag"), "{summary}");
    assert!(server.stop().success());
}
