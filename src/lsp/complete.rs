//! Completion, read from the text before the cursor (which is often half
//! typed and does not parse): after `x.`, the fields of `x`'s entity (from
//! the `entity` declarations, else from the test fixtures' records); after
//! `waive` or `by`, rule names; elsewhere binders in scope, defs, lets,
//! keywords and snippets for the declarations.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use lsp_types::{CompletionItem, CompletionItemKind, InsertTextFormat};
use regex::Regex;

use super::index::Sym;
use super::lens::FireCounts;
use super::workspace::RuleSetState;
use crate::syntax::RESERVED;

/// The words a condition or declaration can use besides the reserved ones.
const MORE_KEYWORDS: &[&str] =
    &["denied", "flagged", "allowed", "low", "medium", "high", "critical", "as_of", "sum", "lower", "list"];

/// The declaration snippets: label and body.
const SNIPPETS: &[(&str, &str)] = &[
    (
        "rule",
        "rule ${1:name} \"${2:title}\" {\n    ${3|deny,flag|} ${4:type} ${5:x} when ${6:condition}\n    severity ${7|low,medium,high,critical|}\n}",
    ),
    ("exempt", "exempt ${1:name} \"${2:title}\" {\n    waive ${3:rule} for ${4:type} ${5:x} when ${6:condition}\n}"),
    ("entity", "entity ${1:name} {\n    ${2:field}: ${3|string,number,bool,date|}\n}"),
    ("def", "def ${1:name}(${2:p}: ${3:type}) = ${4:condition}"),
];

fn regex(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

/// `p.contacts{1..2}.` or `x.na` at the end of the text: the path and the
/// field being typed.
static PATH_DOT: LazyLock<Option<Regex>> =
    LazyLock::new(|| regex(r"([A-Za-z_]\w*)((?:\.\w+(?:\{[0-9.]*\})?)*)\.(\w*)$"));
/// `waive a, b` or `by a` at the end of the text.
static RULE_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| regex(r"(?:\bwaive\s+(?:\w+\s*,\s*)*|\bby\s+)\w*$"));
/// Binders of a record type: `deny venue v when`, `for venue v when`,
/// `any visit x where`, `sum(ownership o:`, `p: person` (def parameters).
static TYPED_BINDER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(
        r"(?:\b(?:deny|flag|for|any|all|none|sum\()\s*([A-Za-z_]\w*)\s+([A-Za-z_]\w*)\s*(?:when|where|:))|(?:([A-Za-z_]\w*)\s*:\s*\[?\s*([A-Za-z_]\w*))",
    )
});
/// Binders over a path: `any c in p.contacts{1..2}:`.
static PATH_BINDER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    regex(r"\b(?:any|all|none|sum\()\s*([A-Za-z_]\w*)\s+in\s+([A-Za-z_]\w*(?:\.\w+(?:\{[0-9.]*\})?)*)")
});

/// The completions at byte `offset` of `text` (the editor's text of a file
/// of `set`).
pub(crate) fn complete(
    set: &RuleSetState,
    counts: Option<&FireCounts>,
    text: &str,
    offset: usize,
) -> Vec<CompletionItem> {
    let before = text.get(..offset).unwrap_or("");
    let line = before.rsplit('\n').next().unwrap_or("");
    let declaration = declaration_text(before);
    if let Some(c) = PATH_DOT.as_ref().and_then(|r| r.captures(line)) {
        let head = c.get(1).map_or("", |m| m.as_str());
        let steps = c.get(2).map_or("", |m| m.as_str());
        let ty = binder_type(set, declaration, head, 0).and_then(|t| follow(set, t, steps));
        return fields(set, counts, ty.as_deref());
    }
    if RULE_NAME.as_ref().is_some_and(|r| r.is_match(line)) {
        return set
            .index
            .occurrences
            .iter()
            .filter(|o| o.decl)
            .filter_map(|o| match &o.sym {
                Sym::Rule(n) => Some(item(n, CompletionItemKind::EVENT, "rule")),
                _ => None,
            })
            .collect();
    }
    let mut out: Vec<CompletionItem> =
        binders(declaration).into_iter().map(|b| item(&b, CompletionItemKind::VARIABLE, "binder")).collect();
    for o in set.index.occurrences.iter().filter(|o| o.decl) {
        match &o.sym {
            Sym::Def(n) => out.push(item(n, CompletionItemKind::FUNCTION, "def")),
            Sym::Let(n) => out.push(item(n, CompletionItemKind::CONSTANT, "let")),
            Sym::Entity(n) => out.push(item(n, CompletionItemKind::STRUCT, "entity")),
            _ => {}
        }
    }
    out.extend(RESERVED.iter().chain(MORE_KEYWORDS).map(|k| item(k, CompletionItemKind::KEYWORD, "keyword")));
    out.extend(SNIPPETS.iter().map(|(label, body)| CompletionItem {
        label: (*label).to_string(),
        kind: Some(CompletionItemKind::SNIPPET),
        detail: Some(format!("{label} declaration")),
        insert_text: Some((*body).to_string()),
        insert_text_format: Some(InsertTextFormat::SNIPPET),
        ..CompletionItem::default()
    }));
    out
}

fn item(label: &str, kind: CompletionItemKind, detail: &str) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        ..CompletionItem::default()
    }
}

/// The text of the declaration the cursor is in, up to the cursor: from
/// the last line that starts a declaration (as the parser's recovery cuts a file).
fn declaration_text(before: &str) -> &str {
    let starts = ["rule ", "exempt ", "def ", "let ", "entity "];
    let mut at = 0;
    let mut line_start = 0;
    for line in before.split_inclusive('\n') {
        if starts.iter().any(|s| line.starts_with(s)) {
            at = line_start;
        }
        line_start += line.len();
    }
    before.get(at..).unwrap_or("")
}

/// The names bound in the declaration so far.
fn binders(declaration: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Some(r) = TYPED_BINDER.as_ref() {
        for c in r.captures_iter(declaration) {
            if let Some(name) = c.get(2).or_else(|| c.get(3)) {
                out.insert(name.as_str().to_string());
            }
        }
    }
    if let Some(r) = PATH_BINDER.as_ref() {
        out.extend(r.captures_iter(declaration).filter_map(|c| c.get(1)).map(|m| m.as_str().to_string()));
    }
    out
}

/// How many binders over paths are followed back to find a type.
const MAX_BINDER_DEPTH: usize = 16;

/// The record type of the binder `name`, its last binding in the
/// declaration so far (the innermost, usually); a binder over a path
/// (`any c in p.contacts`) is typed through `p`'s, at most
/// [`MAX_BINDER_DEPTH`] deep.
fn binder_type(set: &RuleSetState, declaration: &str, name: &str, depth: usize) -> Option<String> {
    let mut found: Option<(usize, String)> = None;
    if let Some(r) = TYPED_BINDER.as_ref() {
        for c in r.captures_iter(declaration) {
            let (ty, var) = match (c.get(1), c.get(2), c.get(3), c.get(4)) {
                (Some(t), Some(v), _, _) => (t, v),
                (_, _, Some(v), Some(t)) => (t, v),
                _ => continue,
            };
            if var.as_str() == name {
                found = Some((var.start(), ty.as_str().to_string()));
            }
        }
    }
    if let Some(r) = PATH_BINDER.as_ref().filter(|_| depth < MAX_BINDER_DEPTH) {
        for c in r.captures_iter(declaration) {
            let (Some(var), Some(path)) = (c.get(1), c.get(2)) else { continue };
            if var.as_str() != name || found.as_ref().is_some_and(|(at, _)| *at > var.start()) {
                continue;
            }
            let (head, steps) = path.as_str().split_once('.').map_or((path.as_str(), ""), |(h, s)| (h, s));
            let before = declaration.get(..var.start()).unwrap_or("");
            if let Some(ty) =
                binder_type(set, before, head, depth + 1).and_then(|t| follow(set, t, &format!(".{steps}")))
            {
                found = Some((var.start(), ty));
            }
        }
    }
    found.map(|(_, ty)| ty)
}

/// The entity reached from `entity` by the steps `.a.b{1..2}` (each a link).
fn follow(set: &RuleSetState, entity: String, steps: &str) -> Option<String> {
    let mut ty = entity;
    for step in steps.split('.').filter(|s| !s.is_empty()) {
        let field = step.split('{').next().unwrap_or(step);
        ty = set.index.entities.get(&ty)?.get(field)?.link.clone()?;
    }
    Some(ty)
}

/// The fields of `entity`: declared, else seen in the fixtures' records,
/// else every field name the rule set uses.
fn fields(set: &RuleSetState, counts: Option<&FireCounts>, entity: Option<&str>) -> Vec<CompletionItem> {
    if let Some(fields) = entity.and_then(|e| set.index.entities.get(e)) {
        return fields
            .iter()
            .map(|(name, f)| CompletionItem {
                label: name.clone(),
                kind: Some(CompletionItemKind::FIELD),
                detail: Some(f.ty.clone()),
                ..CompletionItem::default()
            })
            .collect();
    }
    let seen = entity.and_then(|e| counts?.fields.get(e));
    let names: BTreeSet<&str> = match seen {
        Some(names) => names.iter().map(String::as_str).collect(),
        None => {
            set.index.occurrences.iter().filter(|o| matches!(o.sym, Sym::Field { .. })).map(|o| o.sym.name()).collect()
        }
    };
    names.into_iter().map(|n| item(n, CompletionItemKind::FIELD, "field")).collect()
}
