//! Writing the stored graph: `PUT /v1/records`, `DELETE /v1/records/{id}`,
//! the decisions they change (in the answer, the decision log and the
//! `GET /v1/changes` stream), and the answers after them as `check` over
//! the records they leave.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::{AS_OF, Interdict};
use crate::request;
use crate::service::design;

/// A subscriber to `GET /v1/changes`: its `data:` lines as they come.
fn subscribe(addr: std::net::SocketAddr) -> BufReader<TcpStream> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(stream, "GET /v1/changes HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.contains("200"), "{line}");
    reader
}

fn next_change(reader: &mut BufReader<TcpStream>) -> serde_json::Value {
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some(data) = line.trim_end().strip_prefix("data: ") {
            return serde_json::from_str(data).unwrap();
        }
    }
}

#[test]
fn writes_change_decisions_and_say_which() {
    let dir = design("serve_writes");
    let server = crate::Server::start(&dir, "design.rules", &["design.jsonl"], &["--decision-log", "decisions.jsonl"]);
    let mut changes = subscribe(server.addr);
    // v-3's operator p-99 does not exist; a South Korean p-99 bans the venue.
    let p99 = r#"{"id":"p-99","type":"person","name":"Ri","nationality":"KR","contacts":[]}"#;
    let put = request(server.addr, "PUT", "/v1/records", &[("Content-Type", "application/json")], p99.as_bytes());
    assert_eq!(put.status, 200, "{}", put.text());
    let answer = put.json();
    let changed: Vec<(String, String)> = answer["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["after"].as_str().unwrap_or("none").to_string()))
        .collect();
    assert!(changed.contains(&("v-3".to_string(), "deny".to_string())), "{answer}");
    assert!(changed.contains(&("p-99".to_string(), "allow".to_string())), "{answer}");
    assert_eq!(answer["changed"], changed.len());
    let streamed: Vec<String> =
        (0..changed.len()).map(|_| next_change(&mut changes)["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(streamed, changed.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>());
    // Every stored answer is now check's over the records the write leaves.
    std::fs::write(dir.join("added"), format!("{p99}\n")).unwrap();
    let out = Interdict::new(&["check", "design.rules", "design.jsonl", "added", "--format", "json", "--as-of", AS_OF])
        .in_dir(&dir)
        .run();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = v["id"].as_str().unwrap();
        if v["kind"] == "verdict" {
            assert_eq!(server.get(&format!("/v1/records/{id}")).text(), format!("{line}\n"), "{id}");
        }
    }
    // A reload reads the records as written: nothing changes, p-99 stays.
    let reload = server.post("/v1/reload", "application/json", b"");
    assert_eq!((reload.status, reload.json()["changed"].as_u64()), (200, Some(0)), "{}", reload.text());
    assert!(server.get("/v1/records/v-3").text().contains(r#""decision":"deny""#));
    assert_eq!(server.get("/v1/records/p-99/explain").status, 200);
    // Deleting it lifts the ban again.
    let deleted = request(server.addr, "DELETE", "/v1/records/p-99", &[], b"");
    assert_eq!(deleted.status, 200, "{}", deleted.text());
    let after = deleted.json()["changes"].as_array().unwrap().clone();
    assert!(after.iter().any(|c| c["id"] == "v-3" && c["after"] == "allow"), "{}", deleted.text());
    assert!(after.iter().any(|c| c["id"] == "p-99" && c["after"].is_null()), "{}", deleted.text());
    assert_eq!(server.get("/v1/records/p-99").status, 404);
    // Client errors: a record without an id, a delete of nothing.
    let bad =
        request(server.addr, "PUT", "/v1/records", &[("Content-Type", "application/json")], br#"{"type":"person"}"#);
    assert_eq!((bad.status, bad.error_code()), (422, "bad_record".to_string()), "{}", bad.text());
    let none = request(server.addr, "DELETE", "/v1/records/nobody", &[], b"");
    assert_eq!((none.status, none.error_code()), (404, "no_record".to_string()));
    assert!(server.stop().success());
    // The log holds the changed decisions, with the data version after each write.
    let log = std::fs::read_to_string(dir.join("decisions.jsonl")).unwrap();
    let upserts: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|e: &serde_json::Value| e["route"] == "upsert")
        .collect();
    assert!(upserts.iter().any(|e| e["id"] == "v-3" && e["decision"] == "deny"), "{log}");
    assert_eq!(upserts[0]["data"], answer["data"]);
}
