//! Checks while the rules are reloaded, the decision log and its replay.

use std::collections::HashMap;

use crate::Server;
use crate::common::{AS_OF, Interdict};
use crate::service::{NEW, design};

const CLIENTS: usize = 4;
const REQUESTS: usize = 20;
const RELOADS: usize = 6;

#[test]
fn checks_during_reloads_are_wholly_old_or_wholly_new_and_all_logged() {
    let dir = design("serve_concurrent");
    let rules = std::fs::read_to_string(dir.join("design.rules")).unwrap();
    let other = rules.replace("p.nationality == \"KR\"", "p.nationality == \"CN\"");
    let server = Server::start(&dir, "design.rules", &["design.jsonl"], &["--decision-log", "log.jsonl"]);
    // The answer under each rule set, by its hash.
    let mut expected: HashMap<String, String> = HashMap::new();
    expected.insert(server.hash.clone(), server.post("/v1/check", "application/x-ndjson", NEW.as_bytes()).text());
    std::fs::write(dir.join("design.rules"), &other).unwrap();
    let switched = server.post("/v1/reload", "application/json", b"");
    let other_hash = switched.json()["rules"].as_str().unwrap().to_string();
    expected.insert(other_hash.clone(), server.post("/v1/check", "application/x-ndjson", NEW.as_bytes()).text());
    assert_ne!(expected[&server.hash], expected[&other_hash]);
    let answers = std::thread::scope(|scope| {
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                scope.spawn(|| {
                    (0..REQUESTS)
                        .map(|_| server.post("/v1/check", "application/x-ndjson", NEW.as_bytes()))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for i in 0..RELOADS {
            std::fs::write(dir.join("design.rules"), if i % 2 == 0 { &rules } else { &other }).unwrap();
            assert_eq!(server.post("/v1/reload", "application/json", b"").status, 200);
        }
        clients.into_iter().flat_map(|c| c.join().unwrap()).collect::<Vec<_>>()
    });
    for answer in &answers {
        assert_eq!(answer.status, 200, "{}", answer.text());
        let hash = answer.header("interdict-rules").unwrap();
        assert_eq!(answer.text(), expected[hash], "an answer mixes rule sets");
    }
    assert!(server.stop().success());
    // Each answer: 3 records, each a verdict, each logged once; plus the two first.
    let log = std::fs::read_to_string(dir.join("log.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 3 * (CLIENTS * REQUESTS + 2));
}

#[test]
fn replay_finds_what_new_rules_change_and_skips_a_torn_line() {
    let dir = design("serve_replay");
    let server =
        Server::start(&dir, "design.rules", &["design.jsonl"], &["--decision-log", "log.jsonl", "--log-evidence"]);
    let answer = server.post("/v1/check", "application/x-ndjson", NEW.as_bytes());
    assert_eq!(answer.status, 200);
    assert_eq!(server.get("/v1/records/v-2").status, 200);
    assert!(server.stop().success());
    // With `--log-evidence`, each entry holds the line answered.
    let first = std::fs::read_to_string(dir.join("log.jsonl")).unwrap().lines().next().unwrap().to_string();
    let logged: serde_json::Value = serde_json::from_str(&first).unwrap();
    let answered: serde_json::Value = serde_json::from_str(answer.text().lines().next().unwrap()).unwrap();
    assert_eq!(logged["verdict"], answered);
    let same = Interdict::new(&["replay", "log.jsonl", "design.rules", "design.jsonl"]).in_dir(&dir).run();
    assert_eq!(same.status.code(), Some(0), "{}", String::from_utf8_lossy(&same.stderr));
    assert!(String::from_utf8_lossy(&same.stderr).contains("replayed 4 decisions: 0 differ"));
    // The rules change, and the log's last line is torn as by a kill -9.
    let rules = std::fs::read_to_string(dir.join("design.rules")).unwrap();
    std::fs::write(dir.join("changed.rules"), rules.replace("p.nationality == \"KR\"", "p.nationality == \"XX\""))
        .unwrap();
    let mut log = std::fs::read(dir.join("log.jsonl")).unwrap();
    log.extend_from_slice(b"{\"time_ms\":1,\"req");
    std::fs::write(dir.join("log.jsonl"), log).unwrap();
    let changed = Interdict::new(&["replay", "log.jsonl", "changed.rules", "design.jsonl"]).in_dir(&dir).run();
    let stderr = String::from_utf8_lossy(&changed.stderr);
    assert_eq!(changed.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("log.jsonl:5: torn"), "{stderr}");
    let differ: Vec<serde_json::Value> =
        String::from_utf8_lossy(&changed.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ids: Vec<&str> = differ.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["v-9", "vi-9", "v-2"], "{differ:?}");
    assert_eq!(differ[0]["now"]["decision"], "allow");
    let _ = AS_OF;
}

#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_log_refuses_decisions_and_reports_unhealthy() {
    let dir = design("serve_log_full");
    let server = Server::start(&dir, "design.rules", &["design.jsonl"], &["--decision-log", "/dev/full"]);
    let refused = server.post("/v1/check", "application/x-ndjson", NEW.as_bytes());
    assert_eq!((refused.status, refused.error_code().as_str()), (503, "decision_log_unwritable"));
    assert_eq!(server.get("/v1/records/v-1").status, 503);
    let health = server.get("/healthz");
    assert_eq!((health.status, health.json()["decision_log"].as_str()), (503, Some("unwritable")));
    assert!(server.stop().success());
}

#[test]
fn a_kill_9_under_load_tears_at_most_the_last_line_and_replay_goes_on() {
    use std::io::{Read, Write};
    let dir = design("serve_kill9");
    let server = Server::start(&dir, "design.rules", &["design.jsonl"], &["--decision-log", "log.jsonl"]);
    let addr = server.addr;
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..CLIENTS {
            scope.spawn(|| {
                let head = format!(
                    "POST /v1/check HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-ndjson\r\nContent-Length: {}\r\n\r\n",
                    NEW.len()
                );
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    // The server dies mid-run: errors here are expected.
                    let Ok(mut s) = std::net::TcpStream::connect(addr) else { break };
                    let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(5)));
                    let _ = s.write_all(head.as_bytes()).and_then(|()| s.write_all(NEW.as_bytes()));
                    let _ = s.read_to_end(&mut Vec::new());
                }
            });
        }
        std::thread::sleep(std::time::Duration::from_millis(700));
        let _ = std::process::Command::new("kill").arg("-KILL").arg(server.pid().to_string()).status();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    drop(server);
    let log = std::fs::read_to_string(dir.join("log.jsonl")).unwrap();
    let lines: Vec<&str> = log.split_terminator('\n').collect();
    assert!(lines.len() > 3, "too little logged to tell: {}", lines.len());
    let unreadable = lines.iter().filter(|l| serde_json::from_str::<serde_json::Value>(l).is_err()).count();
    let last_ok = serde_json::from_str::<serde_json::Value>(lines.last().unwrap()).is_ok();
    assert!(unreadable == 0 || (unreadable == 1 && !last_ok), "{unreadable} torn lines");
    let replayed = Interdict::new(&["replay", "log.jsonl", "design.rules", "design.jsonl"]).in_dir(&dir).run();
    let stderr = String::from_utf8_lossy(&replayed.stderr);
    assert_eq!(replayed.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(" 0 differ"), "{stderr}");
}
