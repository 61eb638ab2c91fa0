//! The server on bad and half-typed input: it answers an error for a
//! request it cannot serve and keeps serving; every prefix of every
//! example rule file is served.

use serde_json::json;

use crate::client::Client;
use crate::session::copy_example;

#[test]
fn failing_requests_answer_errors_and_the_server_goes_on() {
    let dir = copy_example("customs", "lsp-errors");
    let file = dir.join("customs.rules");
    let mut client = Client::start(&dir);
    client.open(&file, &std::fs::read_to_string(&file).unwrap());
    let unknown = client.request("textDocument/unheardOf", json!({}));
    assert_eq!(unknown["error"]["code"], json!(-32601), "{unknown}");
    let bad = client.request("textDocument/hover", json!({ "textDocument": 3 }));
    assert_eq!(bad["error"]["code"], json!(-32602), "{bad}");
    let elsewhere = client.at("textDocument/hover", &dir.join("README.md"), 0, 0, json!({}));
    assert!(elsewhere.get("error").is_some(), "{elsewhere}");
    // Past the end of the text: clamped, answered.
    let far = client.at("textDocument/hover", &file, 10_000, 10_000, json!({}));
    assert!(far.get("error").is_none(), "{far}");
    let hover = client.at("textDocument/hover", &file, 4, 7, json!({}));
    assert!(hover["result"]["contents"]["value"].as_str().unwrap_or("").contains("kr_goods"), "{hover}");
    assert_eq!(client.shut_down(), 0);
}

/// Every prefix of each example rule file (cut at every character),
/// typed into the editor: each gets its diagnostics and a completion at
/// its end, the server never stops, and the whole text is clean again at
/// the end.
fn every_prefix_is_served(example: &str) {
    let dir = copy_example(example, &format!("lsp-prefixes-{example}"));
    let mut client = Client::start(&dir);
    for path in interdict::rule_files(&dir).unwrap() {
        let text = std::fs::read_to_string(&path).unwrap();
        client.open(&path, "");
        let mut version = 1;
        for end in (0..=text.len()).filter(|i| text.is_char_boundary(*i)) {
            version += 1;
            client.change(&path, version, &text[..end]);
            let before = &text[..end];
            let line = before.matches('\n').count() as u32;
            let column = before.rsplit('\n').next().unwrap_or("").encode_utf16().count() as u32;
            let answer = client.at("textDocument/completion", &path, line, column, json!({}));
            assert!(answer.get("error").is_none(), "{}: prefix of {end} bytes: {answer}", path.display());
            client.notes.clear();
        }
        client.change(&path, version + 1, &text);
    }
    let last = interdict::rule_files(&dir).unwrap().pop().unwrap();
    let diagnostics = client.diagnostics(&last);
    let errors: Vec<_> = diagnostics
        .as_object()
        .unwrap()
        .values()
        .flat_map(|d| d.as_array().unwrap().iter().filter(|d| d["severity"] == json!(1)))
        .collect();
    assert!(errors.is_empty(), "{example}, whole again, has errors: {errors:?}");
    assert_eq!(client.shut_down(), 0);
}

#[test]
fn every_prefix_of_customs_is_served() {
    every_prefix_is_served("customs");
}

#[test]
fn every_prefix_of_trade_screening_is_served() {
    every_prefix_is_served("trade-screening");
}

#[test]
fn every_prefix_of_sanctions_ftm_is_served() {
    every_prefix_is_served("sanctions-ftm");
}
