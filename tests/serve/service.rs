//! What each route answers, and every client error a 4xx with a JSON body.

use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::{AS_OF, Interdict, root, scratch};
use crate::{Server, request};

/// A scratch folder with the design rule set and records.
pub fn design(name: &str) -> PathBuf {
    let dir = scratch(name);
    for file in ["design.rules", "design.jsonl"] {
        std::fs::copy(root().join("tests/fixtures").join(file), dir.join(file)).unwrap();
    }
    dir
}

/// New records: one that links to stored ones, one linking to the other new one.
pub const NEW: &str = r#"{"id":"v-9","type":"venue","name":"A","kind":"bar","operator":"p-1"}
{"id":"vi-9","type":"visit","visitor":"p-3","venue":"v-9","date":"2022-01-01"}
{"id":"pr-9","type":"product","name":"Soap","category":"shampoo","origin":"FR"}
"#;

/// What `check --format json` says of `records` (a file named `body`, so
/// the positions read as the server's do) after the stored records.
pub fn check_json(dir: &Path, records: &str, extra: &[&str]) -> String {
    std::fs::write(dir.join("body"), records).unwrap();
    let mut args = vec!["check", "design.rules", "design.jsonl", "body", "--format", "json", "--as-of", AS_OF];
    args.extend_from_slice(extra);
    let out = Interdict::new(&args).in_dir(dir).run();
    let all = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = all.lines().collect();
    lines[lines.len() - records.lines().count()..].iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn check_answers_as_check_does_byte_for_byte() {
    let dir = design("serve_check_bytes");
    let server = Server::start(&dir, "design.rules", &["design.jsonl"], &[]);
    let answer = server.post("/v1/check", "application/x-ndjson", NEW.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.text(), check_json(&dir, NEW, &[]));
    assert_eq!(answer.header("interdict-rules"), Some(server.hash.as_str()));
    // The visit links to the new venue, which links to a stored person.
    assert!(answer.text().lines().nth(1).unwrap().contains(r#""decision":"deny""#));
    let bare = server.post("/v1/check?evidence=false", "application/x-ndjson", NEW.as_bytes());
    assert_eq!(bare.text(), check_json(&dir, NEW, &["--no-evidence"]));
    // A JSON array, pretty-printed: positions are the places in the array.
    let array = format!("[\n{}\n]", NEW.trim_end().replace('\n', ",\n").replace(",\"", ",\n  \""));
    let from_array = server.post("/v1/check", "application/json", array.as_bytes());
    assert_eq!(from_array.text(), answer.text());
    let one = server.post("/v1/check", "application/json; charset=utf-8", NEW.lines().next().unwrap().as_bytes());
    assert_eq!(one.text(), answer.text().lines().next().unwrap().to_string() + "\n");
    assert!(server.stop().success());
}

/// New records a reverse lookup finds (a new person's new visit to a new
/// venue run by a stored person), hop ranges into the stored graph (the new
/// person's contacts), a new visit whose stored visitor's verdict reads
/// every visit, and a new record that repeats a stored id (an error naming
/// where the stored one is).
#[test]
fn check_answers_as_check_does_with_reverse_lookups_and_repeated_ids() {
    let dir = design("serve_check_reverse");
    let server = Server::start(&dir, "design.rules", &["design.jsonl"], &[]);
    let bodies = [
        concat!(
            r#"{"id":"p-8","type":"person","name":"New","nationality":"CN","contacts":["p-2"]}"#,
            "\n",
            r#"{"id":"vi-8","type":"visit","visitor":"p-8","venue":"v-9","date":"2022-01-01"}"#,
            "\n",
            r#"{"id":"v-9","type":"venue","name":"N","kind":"bar","operator":"p-1"}"#,
            "\n",
            r#"{"id":"x-8","type":"purchase","buyer":"p-8","product":"pr-1","date":"2022-03-01"}"#,
            "\n"
        ),
        concat!(r#"{"id":"vi-7","type":"visit","visitor":"p-3","venue":"v-1","date":"2022-01-01"}"#, "\n"),
        concat!(r#"{"id":"p-3","type":"person","name":"Again","nationality":"KR","contacts":[]}"#, "\n"),
    ];
    for body in bodies {
        let answer = server.post("/v1/check", "application/x-ndjson", body.as_bytes());
        assert_eq!(answer.status, 200, "{}", answer.text());
        assert_eq!(answer.text(), check_json(&dir, body, &[]));
    }
    // The new person is flagged for their new visit to the new banned venue.
    let first = server.post("/v1/check", "application/x-ndjson", bodies[0].as_bytes()).text();
    assert!(first.lines().next().unwrap().contains("frequent_visitor"), "{first}");
    assert!(first.lines().nth(1).unwrap().contains(r#""decision":"deny""#), "{first}");
    assert!(server.stop().success());
}

#[test]
fn stored_records_their_verdicts_and_explanations() {
    let dir = design("serve_records");
    let server = Server::start(&dir, "design.rules", &["design.jsonl"], &[]);
    let verdict = server.get("/v1/records/v-1");
    let out = Interdict::new(&["check", "design.rules", "design.jsonl", "--format", "json", "--as-of", AS_OF])
        .in_dir(&dir)
        .run();
    let line = String::from_utf8(out.stdout).unwrap().lines().nth(4).unwrap().to_string() + "\n";
    assert_eq!(verdict.text(), line);
    let explained = server.get("/v1/records/v-1/explain");
    let out = Interdict::new(&[
        "explain",
        "design.rules",
        "design.jsonl",
        "--id",
        "v-1",
        "--format",
        "json",
        "--as-of",
        AS_OF,
    ])
    .in_dir(&dir)
    .run();
    assert_eq!(explained.status, 200);
    assert_eq!(explained.body, out.stdout);
    let missing = server.get("/v1/records/nope");
    assert_eq!((missing.status, missing.error_code().as_str()), (404, "no_record"));
    let health = server.get("/healthz");
    assert_eq!((health.status, health.json()["records"].as_u64()), (200, Some(11)));
    let metrics = server.get("/metrics").text();
    assert!(metrics.contains("interdict_decisions_total{decision=\"deny\"} 1"), "{metrics}");
    assert!(metrics.contains("interdict_http_request_duration_seconds_bucket{le="), "{metrics}");
    assert!(server.stop().success());
}

#[test]
fn client_errors_are_4xx_with_json_and_the_server_goes_on() {
    let dir = design("serve_client_errors");
    let server = Server::start(
        &dir,
        "design.rules",
        &["design.jsonl"],
        &["--max-body", "4096", "--max-records", "3", "--header-timeout", "1"],
    );
    let cases: Vec<(u16, &str, crate::Answer)> = vec![
        (400, "bad_json", server.post("/v1/check", "application/json", b"[{\"id\":")),
        (415, "unsupported_media_type", server.post("/v1/check", "text/plain", NEW.as_bytes())),
        (413, "body_too_large", server.post("/v1/check", "application/x-ndjson", &vec![b' '; 5000])),
        (413, "too_many_records", server.post("/v1/check", "application/x-ndjson", NEW.repeat(2).as_bytes())),
        (400, "bad_query", server.post("/v1/check?evidence=maybe", "application/x-ndjson", NEW.as_bytes())),
        (400, "not_utf8", server.post("/v1/check", "application/json", b"\xff\xfe")),
        (404, "no_route", server.get("/v2/check")),
        (400, "bad_path", server.get("/v1/records/%FF%FE")),
        (405, "method_not_allowed", server.get("/v1/check")),
    ];
    for (status, code, answer) in cases {
        assert_eq!((answer.status, answer.error_code().as_str()), (status, code), "{}", answer.text());
    }
    // A dangling link is answered as `check` answers it: a warning in place.
    let dangling = r#"{"id":"v-8","type":"venue","name":"B","kind":"bar","operator":"p-404"}"#;
    let answer = server.post("/v1/check", "application/json", dangling.as_bytes());
    assert_eq!(answer.status, 200);
    assert_eq!(answer.text(), check_json(&dir, &format!("{dangling}\n"), &[]));
    assert!(answer.text().contains("p-404"));
    // A bad line of JSON Lines is an error in its place, named by its line.
    let answer = server.post("/v1/check", "application/x-ndjson", b"{\"id\":\"a\",\"type\":\"venue\"}\n{oops\n");
    assert!(answer.text().lines().nth(1).unwrap().contains(r#""line":2"#), "{}", answer.text());
    // A client that dribbles its headers is cut off; one that goes away
    // mid-body is forgotten.
    let mut slow = TcpStream::connect(server.addr).unwrap();
    slow.write_all(b"POST /v1/check HTTP/1.1\r\nHost: x\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut rest = Vec::new();
    let read = std::io::Read::read_to_end(&mut slow, &mut rest);
    // Closed by the server (not by the 5 s read timeout here), with no answer or a 408.
    assert!(read.is_ok(), "the dribbling client was not cut off: {read:?}");
    assert!(rest.is_empty() || String::from_utf8_lossy(&rest).contains(" 408 "), "{rest:?}");
    let mut gone = TcpStream::connect(server.addr).unwrap();
    gone.write_all(
        b"POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{\"id\"",
    )
    .unwrap();
    drop(gone);
    assert_eq!(server.get("/healthz").status, 200);
    assert_eq!(server.post("/v1/check", "application/x-ndjson", NEW.as_bytes()).status, 200);
    assert!(server.stop().success());
}

#[test]
fn a_token_is_required_when_given_and_401_is_not_a_decision() {
    let dir = design("serve_token");
    std::fs::write(dir.join("token"), "s3cret\n").unwrap();
    let server = Server::start(
        &dir,
        "design.rules",
        &["design.jsonl"],
        &["--token-file", "token", "--decision-log", "log.jsonl"],
    );
    let body = NEW.as_bytes();
    let kind = ("Content-Type", "application/x-ndjson");
    let none = request(server.addr, "POST", "/v1/check", &[kind], body);
    let wrong = request(server.addr, "POST", "/v1/check", &[kind, ("Authorization", "Bearer s3cres")], body);
    let right = request(server.addr, "POST", "/v1/check", &[kind, ("Authorization", "Bearer s3cret")], body);
    assert_eq!((none.status, none.error_code().as_str()), (401, "unauthorized"));
    assert_eq!((wrong.status, server.get("/v1/records/v-1").status), (401, 401));
    assert_eq!(right.status, 200);
    assert_eq!(server.get("/healthz").status, 200);
    assert!(server.stop().success());
    // Only the answered request's three decisions are in the log.
    let log = std::fs::read_to_string(dir.join("log.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 3, "{log}");
}

#[test]
fn a_broken_reload_is_refused_and_the_old_rules_keep_serving() {
    let dir = design("serve_reload");
    let server = Server::start(&dir, "design.rules", &["design.jsonl"], &[]);
    let rules = std::fs::read_to_string(dir.join("design.rules")).unwrap();
    std::fs::write(dir.join("design.rules"), rules.replace("deny venue v when south_korean", "deny venue v when nope"))
        .unwrap();
    let refused = server.post("/v1/reload", "application/json", b"");
    assert_eq!((refused.status, refused.error_code().as_str()), (422, "rules_refused"), "{}", refused.text());
    let diagnostics = refused.json()["error"]["diagnostics"].clone();
    assert!(diagnostics[0]["labels"][0]["span"]["offset"].is_u64(), "{diagnostics}");
    assert!(diagnostics.to_string().contains("nope"), "{diagnostics}");
    let still = server.get("/v1/records/v-1");
    assert_eq!((still.status, still.header("interdict-rules")), (200, Some(server.hash.as_str())));
    // A good change: served from then on, and the answer says what changed.
    std::fs::write(dir.join("design.rules"), rules.replace("p.nationality == \"KR\"", "p.nationality == \"XX\""))
        .unwrap();
    let reloaded = server.post("/v1/reload", "application/json", b"");
    assert_eq!(reloaded.status, 200, "{}", reloaded.text());
    let summary = reloaded.json();
    assert_eq!(summary["previous"].as_str(), Some(server.hash.as_str()));
    assert!(summary["changes"].as_array().unwrap().iter().any(|c| c["id"] == "v-1" && c["after"] == "allow"));
    let now = server.get("/v1/records/v-1");
    assert_eq!(now.header("interdict-rules"), summary["rules"].as_str());
    assert!(now.text().contains(r#""decision":"allow""#));
    assert!(server.stop().success());
}

#[test]
fn sighup_reloads_the_rules() {
    let dir = design("serve_sighup");
    let server = Server::start(&dir, "design.rules", &["design.jsonl"], &[]);
    let rules = std::fs::read_to_string(dir.join("design.rules")).unwrap();
    std::fs::write(dir.join("design.rules"), rules.replace("p.nationality == \"KR\"", "p.nationality == \"XX\""))
        .unwrap();
    let _ = std::process::Command::new("kill").arg("-HUP").arg(server.pid().to_string()).status();
    // The reload judges the stored records first: wait for the new hash (at most 10 s).
    let reloaded = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        server.get("/healthz").header("interdict-rules") != Some(server.hash.as_str())
    });
    assert!(reloaded, "SIGHUP did not reload the rules");
    assert!(server.get("/v1/records/v-1").text().contains(r#""decision":"allow""#));
    assert!(server.stop().success());
}
