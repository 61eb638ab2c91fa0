//! One editing session on a copy of rules/customs, as an editor runs it:
//! open, type mistakes, fix them, ask about names, rename, complete,
//! format, and shut down. Each answer is checked against a snapshot.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::client::Client;
use crate::common::{root, scratch};

/// A copy of an example rule set (rules, records and tests) in a scratch folder.
pub fn copy_example(name: &str, scratch_name: &str) -> PathBuf {
    let to = scratch(scratch_name).join(name);
    copy_dir(&root().join("rules").join(name), &to);
    to
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Line and UTF-16 column of the `nth` (0-based) occurrence of `needle`,
/// plus `offset` characters.
pub fn pos(text: &str, needle: &str, nth: usize, offset: usize) -> (u32, u32) {
    let at = text.match_indices(needle).nth(nth).unwrap_or_else(|| panic!("no `{needle}` #{nth}")).0 + offset;
    let before = &text[..at];
    let line = before.matches('\n').count() as u32;
    let col = before.rsplit('\n').next().unwrap_or("").encode_utf16().count() as u32;
    (line, col)
}

/// The diagnostics of each file, one line each: file, line, code, message.
fn diagnostic_lines(all: &Value) -> String {
    let mut out = String::new();
    for (file, diagnostics) in all.as_object().unwrap() {
        for d in diagnostics.as_array().unwrap() {
            let line = d["range"]["start"]["line"].as_u64().unwrap_or(0) + 1;
            let col = d["range"]["start"]["character"].as_u64().unwrap_or(0) + 1;
            let code = d["code"].as_str().unwrap_or("");
            out.push_str(&format!(
                "{file}:{line}:{col} {code}\n  {}\n",
                d["message"].as_str().unwrap_or("").replace('\n', "\n  ")
            ));
            for r in d["relatedInformation"].as_array().into_iter().flatten() {
                let line = r["location"]["range"]["start"]["line"].as_u64().unwrap_or(0) + 1;
                out.push_str(&format!("  related: line {line}: {}\n", r["message"].as_str().unwrap_or("")));
            }
        }
    }
    out
}

fn is_clean(all: &Value) -> bool {
    all.as_object().unwrap().values().all(|d| d.as_array().is_some_and(Vec::is_empty))
}

#[test]
fn a_session_on_customs() {
    let dir = copy_example("customs", "lsp-session");
    let file = dir.join("customs.rules");
    let original = std::fs::read_to_string(&file).unwrap();
    let mut client = Client::start(&dir);
    let mut shown = String::new();

    client.open(&file, &original);
    let first = client.diagnostics(&file);
    assert_eq!(first.as_object().map(|o| o.len()), Some(2), "both files of the rule set: {first}");
    assert!(is_clean(&first), "{first}");

    let lenses = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": client.uri(&file) } }));
    shown.push_str("## code lenses\n");
    for lens in lenses["result"].as_array().unwrap() {
        let line = lens["range"]["start"]["line"].as_u64().unwrap_or(0) + 1;
        shown.push_str(&format!("line {line}: {}\n", lens["command"]["title"].as_str().unwrap_or("")));
    }

    // Two mistakes typed: a misspelt field and a misspelt let.
    let broken = original.replacen("d.goods.origin", "d.goods.orign", 1).replacen("in restricted", "in restrictd", 1);
    client.change(&file, 2, &broken);
    let diagnostics = client.diagnostics(&file);
    shown.push_str("\n## diagnostics after two typos\n");
    shown.push_str(&client.shown_text(&diagnostic_lines(&diagnostics)));

    let ours = diagnostics[client.shown_text(&client.uri(&file))].clone();
    let start = json!({ "line": 0, "character": 0 });
    let range = json!({ "start": start, "end": start });
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": client.uri(&file) }, "range": range, "context": { "diagnostics": ours } }),
    );
    shown.push_str("\n## quick fixes\n");
    for action in actions["result"].as_array().unwrap() {
        shown.push_str(&format!("{}\n", action["title"].as_str().unwrap_or("")));
        for (uri, edits) in action["edit"]["changes"].as_object().unwrap() {
            for e in edits.as_array().unwrap() {
                let at = &e["range"]["start"];
                shown.push_str(&format!(
                    "  {} {}:{} {:?}\n",
                    client.shown_text(uri),
                    at["line"],
                    at["character"],
                    e["newText"].as_str().unwrap_or("")
                ));
            }
        }
    }

    client.change(&file, 3, &original);
    let fixed = client.diagnostics(&file);
    assert!(is_clean(&fixed), "fixed, the file is clean again: {fixed}");

    shown.push_str("\n## hovers\n");
    let hovers = [
        ("kr_goods", 0, 0, "a rule"),
        ("origin", 0, 0, "a declared field"),
        ("goods.origin", 0, 0, "a link field"),
        ("in restricted", 0, 3, "a let list"),
        ("deny declaration d", 0, 17, "a binder"),
        ("deny declaration", 0, 5, "an entity"),
    ];
    for (needle, nth, offset, what) in hovers {
        let (line, col) = pos(&original, needle, nth, offset);
        let answer = client.at("textDocument/hover", &file, line, col, json!({}));
        shown.push_str(&format!(
            "### {what} (`{needle}`)\n{}\n",
            answer["result"]["contents"]["value"].as_str().unwrap_or("(none)")
        ));
    }

    shown.push_str("\n## definitions\n");
    for needle in ["origin", "restricted", "kr_goods"] {
        let (line, col) = pos(&original, needle, 1.min(original.matches(needle).count() - 1), 1);
        let answer = client.at("textDocument/definition", &file, line, col, json!({}));
        let r = &answer["result"];
        shown.push_str(&format!(
            "`{needle}` → {} line {}\n",
            client.shown_text(r["uri"].as_str().unwrap_or("none")),
            r["range"]["start"]["line"].as_u64().unwrap_or(0) + 1
        ));
    }

    shown.push_str("\n## references to kr_goods\n");
    let (line, col) = pos(&original, "kr_goods", 0, 1);
    let refs =
        client.at("textDocument/references", &file, line, col, json!({ "context": { "includeDeclaration": true } }));
    for r in refs["result"].as_array().unwrap() {
        let at = &r["range"]["start"];
        shown.push_str(&format!(
            "{} {}:{}\n",
            client.shown_text(r["uri"].as_str().unwrap_or("")),
            at["line"],
            at["character"]
        ));
    }

    shown.push_str("\n## rename kr_goods to korean_goods\n");
    let renamed = client.at("textDocument/rename", &file, line, col, json!({ "newName": "korean_goods" }));
    for (uri, edits) in renamed["result"]["changes"].as_object().unwrap() {
        for e in edits.as_array().unwrap() {
            let at = &e["range"]["start"];
            shown.push_str(&format!(
                "{} {}:{} {}\n",
                client.shown_text(uri),
                at["line"],
                at["character"],
                e["newText"]
            ));
        }
    }
    let refused = client.at("textDocument/rename", &file, line, col, json!({ "newName": "when" }));
    shown.push_str(&format!("to `when`: {}\n", refused["error"]["message"].as_str().unwrap_or("accepted")));

    shown.push_str("\n## completion\n");
    let typing = original.replacen("d.goods.origin == \"KR\"", "d.goods.", 1);
    client.change(&file, 4, &typing);
    let (line, col) = pos(&typing, "d.goods.", 0, "d.goods.".len());
    let fields = client.at("textDocument/completion", &file, line, col, json!({}));
    shown.push_str(&format!("after `d.goods.`: {}\n", labels(&fields)));
    let typing = original.replacen("waive kr_goods", "waive ", 1);
    client.change(&file, 5, &typing);
    let (line, col) = pos(&typing, "waive ", 0, "waive ".len());
    let rules = client.at("textDocument/completion", &file, line, col, json!({}));
    shown.push_str(&format!("after `waive `: {}\n", labels(&rules)));

    shown.push_str("\n## formatting\n");
    let messy = original.replacen("    severity high", "  severity     high", 1);
    client.change(&file, 6, &messy);
    let formatting = client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": client.uri(&file) }, "options": { "tabSize": 4, "insertSpaces": true } }),
    );
    for e in formatting["result"].as_array().unwrap() {
        let (s, end) = (&e["range"]["start"], &e["range"]["end"]);
        shown.push_str(&format!(
            "{}:{}-{}:{} {:?}\n",
            s["line"],
            s["character"],
            end["line"],
            end["character"],
            e["newText"].as_str().unwrap_or("")
        ));
    }

    shown.push_str("\n## outline\n");
    let symbols =
        client.request("textDocument/documentSymbol", json!({ "textDocument": { "uri": client.uri(&file) } }));
    for s in symbols["result"].as_array().unwrap() {
        shown.push_str(&format!("{} ({})\n", s["name"].as_str().unwrap_or(""), s["detail"].as_str().unwrap_or("")));
    }

    insta::assert_snapshot!("customs_session", shown);
    assert_eq!(client.shut_down(), 0);
}

/// The fire counts are counted again when a record file changes on disk,
/// and an editor that can is told to ask for the lenses again.
#[test]
fn lenses_follow_the_records() {
    let dir = copy_example("customs", "lsp-lens-refresh");
    let file = dir.join("customs.rules");
    let capabilities = json!({ "workspace": { "codeLens": { "refreshSupport": true } } });
    let mut client = Client::start_with(&dir, capabilities);
    client.open(&file, &std::fs::read_to_string(&file).unwrap());
    let lenses = |client: &mut Client| {
        let answer = client.request("textDocument/codeLens", json!({ "textDocument": { "uri": client.uri(&file) } }));
        answer["result"].as_array().unwrap().iter().map(|l| l["command"]["title"].to_string()).collect::<Vec<_>>()
    };
    let before = lenses(&mut client);
    let records = dir.join("records/records.jsonl");
    let all = std::fs::read_to_string(&records).unwrap();
    // One declaration left of eight.
    let first = all.lines().position(|l| l.contains("\"declaration\"")).unwrap();
    let kept: Vec<&str> = all
        .lines()
        .enumerate()
        .filter(|(i, l)| *i <= first || !l.contains("\"declaration\""))
        .map(|(_, l)| l)
        .collect();
    std::fs::write(&records, kept.join("\n")).unwrap();
    let change = json!({ "changes": [{ "uri": client.uri(&records), "type": 2 }] });
    client.notify("workspace/didChangeWatchedFiles", change);
    let after = lenses(&mut client);
    assert_ne!(before, after);
    assert!(after.iter().any(|t| t.contains("of 1 `declaration` records")), "{after:?}");
    let refresh = client.notes.iter().filter(|n| n["method"] == "workspace/codeLens/refresh").count();
    assert_eq!(refresh, 1, "{:?}", client.notes);
    assert_eq!(client.shut_down(), 0);
}

/// Semantic tokens for a range are those of the whole file that start in it.
#[test]
fn semantic_tokens_of_a_range() {
    let dir = copy_example("customs", "lsp-tokens");
    let file = dir.join("customs.rules");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut client = Client::start(&dir);
    client.open(&file, &text);
    let doc = json!({ "uri": client.uri(&file) });
    let full = client.request("textDocument/semanticTokens/full", json!({ "textDocument": doc }));
    // Absolute (line, column, length, type) of delta-encoded tokens.
    let absolute = |answer: &Value| {
        let data: Vec<u64> = answer["result"]["data"].as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
        let (mut line, mut col) = (0, 0);
        data.chunks(5)
            .map(|t| {
                col = if t[0] == 0 { col + t[1] } else { t[1] };
                line += t[0];
                (line, col, t[2], t[3])
            })
            .collect::<Vec<_>>()
    };
    let range = json!({ "start": { "line": 8, "character": 0 }, "end": { "line": 14, "character": 0 } });
    let part = client.request("textDocument/semanticTokens/range", json!({ "textDocument": doc, "range": range }));
    let expected: Vec<_> = absolute(&full).into_iter().filter(|t| (8..14).contains(&t.0)).collect();
    assert!(!expected.is_empty());
    assert_eq!(absolute(&part), expected);
    assert_eq!(client.shut_down(), 0);
}

fn labels(answer: &Value) -> String {
    let mut labels: Vec<&str> =
        answer["result"].as_array().unwrap().iter().filter_map(|i| i["label"].as_str()).collect();
    labels.sort();
    labels.join(", ")
}

/// On trade-screening: a syntax error in one file and an unknown name in
/// another are both reported, as `validate` reports them (same codes,
/// messages and lines); a `list("FILE")` hovers with its row count and
/// opens its file; `is flagged by R` hovers with R's title.
#[test]
fn a_rule_set_with_mistakes_in_two_files() {
    let dir = copy_example("trade-screening", "lsp-two-files");
    std::fs::create_dir_all(dir.join("lists")).unwrap();
    std::fs::write(dir.join("lists/banned.txt"), "# banned categories\ncosmetics\nmedicine\n\nrice-cookers\n").unwrap();
    let venues = dir.join("venues.rules");
    let goods = dir.join("goods.rules");
    let applications = dir.join("applications.rules");
    let broken_venues = std::fs::read_to_string(&venues).unwrap().replacen(" when ", " when == ", 1);
    let goods_text = std::fs::read_to_string(&goods).unwrap()
        + "\nlet banned_file = list(\"lists/banned.txt\")\n\nrule uses_it {\n    deny product p when p.category in banned_file and p.nationalty == \"KR\"\n}\n";
    std::fs::write(&venues, &broken_venues).unwrap();
    std::fs::write(&goods, &goods_text).unwrap();

    let mut client = Client::start(&dir);
    client.open(&venues, &broken_venues);
    let diagnostics = client.diagnostics(&venues);
    let lines = client.shown_text(&diagnostic_lines(&diagnostics));

    // The same problems as `validate` prints for the folder.
    let validate = crate::common::interdict(&["validate", &dir.display().to_string()]);
    let printed = crate::common::stderr(&validate);
    // validate wraps long messages: compare with whitespace collapsed.
    let flat = |text: &str| text.replace('│', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    let flat_printed = flat(&printed);
    let mut count = 0;
    for (file, list) in diagnostics.as_object().unwrap() {
        for d in list.as_array().unwrap() {
            count += 1;
            let code = d["code"].as_str().unwrap();
            let message = d["message"].as_str().unwrap().lines().next().unwrap();
            let line = d["range"]["start"]["line"].as_u64().unwrap() + 1;
            let name = file.trim_start_matches("ROOT/");
            let found = printed.contains(code) && flat_printed.contains(&flat(message));
            assert!(found, "`{message}` ({code}) not in validate's output:\n{printed}");
            assert!(printed.contains(&format!("{name}:{line}:")), "{name}:{line} not in validate's output:\n{printed}");
        }
    }
    assert!(printed.contains(&format!("error: {count} problem")), "{count} problems, validate:\n{printed}");

    client.open(&goods, &goods_text);
    let (line, col) = pos(&goods_text, "list(\"lists", 0, 7);
    let hover = client.at("textDocument/hover", &goods, line, col, json!({}));
    let definition = client.at("textDocument/definition", &goods, line, col, json!({}));
    let (line, col) = pos(&goods_text, "in banned_file", 0, 5);
    let let_hover = client.at("textDocument/hover", &goods, line, col, json!({}));
    let apps = std::fs::read_to_string(&applications).unwrap();
    client.open(&applications, &apps);
    let (line, col) = pos(&apps, "by direct_contact", 0, 4);
    let by_hover = client.at("textDocument/hover", &applications, line, col, json!({}));
    let shown = format!(
        "## diagnostics\n{lines}\n## hover on the list file\n{}\n\n## its definition\n{}\n\n## hover on the let\n{}\n\n## hover on `by direct_contact`\n{}\n",
        hover["result"]["contents"]["value"].as_str().unwrap_or("(none)"),
        client.shown_text(definition["result"]["uri"].as_str().unwrap_or("(none)")),
        let_hover["result"]["contents"]["value"].as_str().unwrap_or("(none)"),
        by_hover["result"]["contents"]["value"].as_str().unwrap_or("(none)"),
    );
    insta::assert_snapshot!("trade_screening_two_files", shown);
    assert_eq!(client.shut_down(), 0);
}
