//! The language server's property, shared by the `lsp_edits` fuzz target
//! and its proptest smoke version in `tests/lsp/fuzz_smoke.rs`: edits made
//! of arbitrary bytes, applied to a rule file of rules/customs as an
//! editor sends them (ranges in lines and UTF-16 columns), then every
//! request the server serves, at a place the bytes pick. No request fails
//! with an internal error, the server shuts down cleanly, and the file's
//! final diagnostics are the rule set's errors and warnings on the final text.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use interdict::date::Date;
use interdict::{Analysis, RuleError, SourceFile};
use serde_json::{Value, json};

/// The LSP position (line, UTF-16 column) of a byte offset.
fn position(text: &str, at: usize) -> Value {
    let before = &text[..at];
    let line = before.matches('\n').count();
    let column = before.rsplit('\n').next().unwrap_or("").encode_utf16().count();
    json!({ "line": line, "character": column })
}

/// The nearest character boundary at or before `at`.
fn boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn notify(method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "method": method, "params": params })
}

fn request(id: usize, method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

/// The edits the bytes stand for: chunks split at 0xff, each two bytes of
/// offset (a share of the text), one of length, and the replacement text.
fn edits(mut text: String, data: &[u8]) -> (String, Vec<(Value, String, usize)>) {
    let mut out = Vec::new();
    for chunk in data.split(|b| *b == 0xff).take(40) {
        let [a, b, n, rest @ ..] = chunk else { continue };
        let start = boundary(&text, (usize::from(*a) << 8 | usize::from(*b)) * (text.len() + 1) / 65536);
        let end = boundary(&text, start + usize::from(*n % 24));
        let new = String::from_utf8_lossy(rest).into_owned();
        let range = json!({ "start": position(&text, start), "end": position(&text, end) });
        text.replace_range(start..end, &new);
        out.push((range, new, start));
    }
    (text, out)
}

/// Runs the property for `data` on the rule set at `folder` (rules/customs).
pub fn lsp_edits(folder: &Path, data: &[u8]) {
    let file = folder.join("customs.rules");
    let original = std::fs::read_to_string(&file).unwrap();
    let uri = format!("file://{}", file.display());
    let (last, edits) = edits(original.clone(), data);
    let doc = json!({ "uri": uri });
    let mut messages = vec![
        request(0, "initialize", json!({ "capabilities": {} })),
        notify("initialized", json!({})),
        notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "interdict", "version": 0, "text": original } }),
        ),
    ];
    for (i, (range, text, _)) in edits.iter().enumerate() {
        let change = json!({ "range": range, "text": text });
        messages.push(notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": i + 1 }, "contentChanges": [change] }),
        ));
    }
    let mut id = 1;
    let mut ask = |method: &str, params: Value, messages: &mut Vec<Value>| {
        messages.push(request(id, method, params));
        id += 1;
    };
    ask("textDocument/documentSymbol", json!({ "textDocument": doc }), &mut messages);
    for (_, _, at) in &edits {
        let at = position(&last, boundary(&last, *at));
        let here = json!({ "textDocument": doc, "position": at });
        for method in
            ["textDocument/hover", "textDocument/completion", "textDocument/definition", "textDocument/prepareRename"]
        {
            ask(method, here.clone(), &mut messages);
        }
        ask(
            "textDocument/references",
            json!({ "textDocument": doc, "position": at, "context": { "includeDeclaration": true } }),
            &mut messages,
        );
        ask("textDocument/rename", json!({ "textDocument": doc, "position": at, "newName": "renamed" }), &mut messages);
        let range = json!({ "start": at, "end": at });
        ask(
            "textDocument/codeAction",
            json!({ "textDocument": doc, "range": range, "context": { "diagnostics": [] } }),
            &mut messages,
        );
        ask(
            "textDocument/rangeFormatting",
            json!({ "textDocument": doc, "range": range, "options": { "tabSize": 4, "insertSpaces": true } }),
            &mut messages,
        );
    }
    for method in ["textDocument/codeLens", "textDocument/foldingRange", "textDocument/semanticTokens/full"] {
        ask(method, json!({ "textDocument": doc }), &mut messages);
    }
    ask(
        "textDocument/formatting",
        json!({ "textDocument": doc, "options": { "tabSize": 4, "insertSpaces": true } }),
        &mut messages,
    );
    ask("shutdown", Value::Null, &mut messages);
    messages.push(notify("exit", Value::Null));

    let as_of = Date::parse_exact("2023-06-01").unwrap();
    let answers = interdict::lsp::serve_messages(as_of, messages).expect("the server shuts down cleanly");
    for answer in &answers {
        assert_ne!(answer["error"]["code"], json!(-32603), "an internal error: {answer}");
    }
    let published = answers
        .iter()
        .rev()
        .find(|a| a["method"] == "textDocument/publishDiagnostics" && a["params"]["uri"] == json!(uri))
        .expect("diagnostics published");
    assert_eq!(shown(&published["params"]["diagnostics"]), expected(folder, &file, &last, as_of), "on:\n{last}");
}

/// Diagnostics as `line:column message`, sorted.
fn shown(diagnostics: &Value) -> Vec<String> {
    let mut out: Vec<String> = diagnostics
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let message = d["message"].as_str().unwrap_or("").lines().next().unwrap_or("");
            format!("{}:{} {message}", d["range"]["start"]["line"], d["range"]["start"]["character"])
        })
        .collect();
    out.sort();
    out
}

/// What `validate` reports on the rule set with `file` holding `text`, for that file.
fn expected(folder: &Path, file: &Path, text: &str, as_of: Date) -> Vec<String> {
    let sources = interdict::rule_files(folder)
        .unwrap()
        .into_iter()
        .map(|p| {
            let t = if p == file { text.to_string() } else { std::fs::read_to_string(&p).unwrap() };
            SourceFile::new(p.display().to_string(), t)
        })
        .collect();
    let analysis = Analysis::new(sources, &[folder.to_path_buf()]);
    let mut located: Vec<_> = analysis
        .errors
        .iter()
        .filter_map(|e| match e {
            RuleError::Syntax(e) => Some(e.located().clone()),
            RuleError::Check(e) => Some(e.located().clone()),
            RuleError::Io { .. } => None,
        })
        .collect();
    located.extend(analysis.lint(as_of).iter().map(|w| w.located().clone()));
    let name = file.display().to_string();
    let mut out: Vec<String> = located
        .iter()
        .filter(|l| l.loc.src.name() == name)
        .map(|l| {
            let p = position(l.loc.src.text(), l.loc.span.start);
            format!("{}:{} {}", p["line"], p["character"], l.message)
        })
        .collect();
    out.sort();
    out
}
