//! `interdict lsp` on a 9,000-rule file: how long a change takes to get
//! its diagnostics (the rule set parsed, checked and linted again, and the
//! diagnostics published). Each iteration opens the file and changes it
//! ten times, asking for the outline after each change (the server
//! publishes diagnostics before it answers); compare it with `open` (the
//! same without the changes): the difference over ten is one change.
//!
//! `cargo bench --bench lsp`

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use interdict::date::Date;
use serde_json::{Value, json};

/// Rules over (origin, category) pairs, as in the engine benchmark.
fn rules(count: usize) -> String {
    let mut text = String::from("entity product {\n    category: string\n    origin: string\n}\n\n");
    for i in 0..count {
        text.push_str(&format!(
            "rule ban_{i} \"Ban {i}\" {{\n    deny product p when p.origin == \"O{}\" and p.category == \"cat-{}\"\n    severity high\n}}\n\n",
            i % 97,
            i / 97
        ));
    }
    text
}

fn session(file: &str, text: &str, changes: usize) -> Vec<Value> {
    let uri = format!("file://{file}");
    let mut messages = vec![
        json!({ "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": { "capabilities": {} } }),
        json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }),
        json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": { "textDocument": { "uri": uri, "languageId": "interdict", "version": 0, "text": text } } }),
        json!({ "jsonrpc": "2.0", "id": 1, "method": "textDocument/documentSymbol", "params": { "textDocument": { "uri": uri } } }),
    ];
    for i in 0..changes {
        // A keystroke in the middle of the file: `"O1"` becomes `"O1x"`, and back.
        let at = text.len() / 2;
        let line = text[..at].matches('\n').count();
        let insert = i % 2 == 0;
        let range = json!({ "start": { "line": line, "character": 0 }, "end": { "line": line, "character": usize::from(!insert) } });
        let change = json!({ "range": range, "text": if insert { "x" } else { "" } });
        messages.push(json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": { "textDocument": { "uri": uri, "version": i + 1 }, "contentChanges": [change] } }));
        messages.push(json!({ "jsonrpc": "2.0", "id": i + 2, "method": "textDocument/documentSymbol", "params": { "textDocument": { "uri": uri } } }));
    }
    messages.push(json!({ "jsonrpc": "2.0", "id": 9999, "method": "shutdown" }));
    messages.push(json!({ "jsonrpc": "2.0", "method": "exit" }));
    messages
}

fn big_file(c: &mut Criterion) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("lsp-bench");
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("bans.rules");
    let text = rules(9_000);
    if std::fs::write(&file, &text).is_err() {
        return;
    }
    let Some(as_of) = Date::parse_exact("2023-06-01") else { return };
    let name = file.display().to_string();
    let mut group = c.benchmark_group("lsp_9000_rules");
    group.sample_size(10);
    group.bench_function("open", |b| b.iter(|| interdict::lsp::serve_messages(as_of, session(&name, &text, 0))));
    group.bench_function("open_and_10_changes", |b| {
        b.iter(|| interdict::lsp::serve_messages(as_of, session(&name, &text, 10)))
    });
    group.finish();
}

criterion_group!(benches, big_file);
criterion_main!(benches);
