//! `interdict lsp` on a 9,000-rule file: how long a change takes to get
//! its diagnostics (the changed declaration parsed again, the rule set
//! checked again, the diagnostics published; lint waits for the editor to
//! pause, see docs/editor.md). Each iteration opens the file and changes
//! it ten times, sending a request after each change (the server publishes
//! diagnostics before it answers); compare it with `open` (the same
//! without the changes): the difference over ten is one change.
//!
//! - `open_and_10_keystrokes`: a letter typed in a string and deleted
//!   again (`"O4"`, `"O4x"`), a hover after each: the file stays valid.
//! - `open_and_10_changes`: a letter typed at the start of a line in the
//!   middle of the file and deleted again, the outline asked for after
//!   each: every other change breaks a declaration and the next mends it.
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

/// Where and how each change is made.
#[derive(Clone, Copy)]
enum Edit {
    /// A letter at the start of a line in the middle, then taken out; the outline after each.
    LineStart,
    /// A letter inside a string in the middle, then taken out; a hover after each.
    InString,
}

fn session(file: &str, text: &str, changes: usize, edit: Edit) -> Vec<Value> {
    let uri = format!("file://{file}");
    let mut messages = vec![
        json!({ "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": { "capabilities": {} } }),
        json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }),
        json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": { "textDocument": { "uri": uri, "languageId": "interdict", "version": 0, "text": text } } }),
        json!({ "jsonrpc": "2.0", "id": 1, "method": "textDocument/documentSymbol", "params": { "textDocument": { "uri": uri } } }),
    ];
    let at = match edit {
        Edit::LineStart => text.len() / 2,
        Edit::InString => text[text.len() / 2..].find("\" and").map_or(0, |i| text.len() / 2 + i),
    };
    let line = text[..at].matches('\n').count();
    let character = match edit {
        Edit::LineStart => 0,
        Edit::InString => at - text[..at].rfind('\n').map_or(0, |i| i + 1),
    };
    for i in 0..changes {
        let insert = i % 2 == 0;
        let range = json!({ "start": { "line": line, "character": character }, "end": { "line": line, "character": character + usize::from(!insert) } });
        let change = json!({ "range": range, "text": if insert { "x" } else { "" } });
        messages.push(json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": { "textDocument": { "uri": uri, "version": i + 1 }, "contentChanges": [change] } }));
        messages.push(match edit {
            Edit::LineStart => json!({ "jsonrpc": "2.0", "id": i + 2, "method": "textDocument/documentSymbol", "params": { "textDocument": { "uri": uri } } }),
            Edit::InString => json!({ "jsonrpc": "2.0", "id": i + 2, "method": "textDocument/hover", "params": { "textDocument": { "uri": uri }, "position": { "line": 0, "character": 0 } } }),
        });
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
    let serve = |changes, edit| interdict::lsp::serve_messages(as_of, session(&name, &text, changes, edit));
    group.bench_function("open", |b| b.iter(|| serve(0, Edit::LineStart)));
    group.bench_function("open_and_10_keystrokes", |b| b.iter(|| serve(10, Edit::InString)));
    group.bench_function("open_and_10_changes", |b| b.iter(|| serve(10, Edit::LineStart)));
    group.finish();
}

criterion_group!(benches, big_file);
criterion_main!(benches);
