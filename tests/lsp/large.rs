//! A rule set too large to lint on every keystroke: a change gets its
//! errors at once and its lint warnings when the editor pauses (or, here,
//! before the server shuts down).

use interdict::date::Date;
use serde_json::{Value, json};

use crate::common::scratch;

/// Rules enough to be linted late, the last of which can never fire.
fn rules() -> String {
    let mut text = String::new();
    for i in 0..1_000 {
        text.push_str(&format!("rule r{i} {{\n    deny item x when x.code == \"c{i}\"\n    severity low\n}}\n"));
    }
    text.push_str("rule never {\n    deny item x when x.code == \"a\" and x.code == \"b\"\n    severity low\n}\n");
    text
}

fn message(method: &str, id: Option<u64>, params: Value) -> Value {
    match id {
        Some(id) => json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }),
        None => json!({ "jsonrpc": "2.0", "method": method, "params": params }),
    }
}

#[test]
fn a_large_rule_set_is_linted_after_its_errors() {
    let dir = scratch("lsp-large");
    let file = dir.join("large.rules");
    let text = rules();
    std::fs::write(&file, &text).unwrap();
    let uri = format!("file://{}", file.display());
    let doc = json!({ "uri": uri });
    // A letter typed into the first rule's string, then the text as it was.
    let edit = |version: u64, new: &str, end: u64| {
        let range = json!({ "start": { "line": 1, "character": 32 }, "end": { "line": 1, "character": end } });
        let changes = json!([{ "range": range, "text": new }]);
        message(
            "textDocument/didChange",
            None,
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        )
    };
    let messages = vec![
        message("initialize", Some(0), json!({ "capabilities": {} })),
        message("initialized", None, json!({})),
        message(
            "textDocument/didOpen",
            None,
            json!({ "textDocument": { "uri": uri, "languageId": "interdict", "version": 0, "text": text } }),
        ),
        message("textDocument/foldingRange", Some(1), json!({ "textDocument": doc })),
        edit(1, "x", 32),
        message("textDocument/foldingRange", Some(2), json!({ "textDocument": doc })),
        edit(2, "", 33),
        message("shutdown", Some(3), Value::Null),
        message("exit", None, Value::Null),
    ];
    let as_of = Date::parse_exact("2023-06-01").unwrap();
    let answers = interdict::lsp::serve_messages(as_of, messages).unwrap();
    let published: Vec<Vec<String>> = answers
        .iter()
        .filter(|a| a["method"] == "textDocument/publishDiagnostics")
        .map(|a| {
            let all = a["params"]["diagnostics"].as_array().unwrap();
            all.iter().map(|d| d["code"].as_str().unwrap_or("").to_string()).collect()
        })
        .collect();
    let never = vec!["interdict::lint::never_fires".to_string()];
    // Opened: linted at once. Changed: the errors (none) at once, the
    // changed file's warnings gone until lint. Shut down: read, then linted.
    assert_eq!(published, vec![never.clone(), vec![], vec![], never], "{answers:?}");
}
