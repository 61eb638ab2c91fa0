//! Quick fixes for what the diagnostics already know: apply the
//! did-you-mean, declare a missing field; and add a missing `severity` to
//! the rule under the cursor.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, Diagnostic, Range, TextEdit, Uri, WorkspaceEdit};

use super::text::{position, span};
use super::uri::location;
use super::workspace::RuleSetState;
use crate::ast::Item;
use crate::source::{Loc, Span};

/// The fixes for the diagnostics given, and the rule under the cursor.
pub(crate) fn actions(
    set: &RuleSetState,
    uri: &Uri,
    file: &str,
    text: &str,
    at: Range,
    diagnostics: &[Diagnostic],
) -> Vec<CodeAction> {
    let mut out = Vec::new();
    for d in diagnostics {
        out.extend(did_you_mean(uri, text, d));
        out.extend(declare_field(set, d));
    }
    out.extend(add_severity(set, file, span(text, at).start));
    out
}

/// The first name in backticks in a message: the unknown one.
fn quoted(message: &str) -> Option<&str> {
    let rest = message.split_once('`')?.1;
    Some(rest.split_once('`')?.0)
}

/// "did you mean `x`?": the name replaced by `x` where the diagnostic points.
fn did_you_mean(uri: &Uri, text: &str, d: &Diagnostic) -> Option<CodeAction> {
    let suggestion = d.message.split("did you mean `").nth(1)?.split('`').next()?;
    let wrong = quoted(&d.message)?;
    let at = span(text, d.range);
    let inside = text.get(at.start..at.end)?.find(wrong)?;
    let start = at.start + inside;
    let range = super::text::range(text, Span::new(start, start + wrong.len()));
    let edit = TextEdit { range, new_text: suggestion.to_string() };
    Some(quick_fix(format!("change to `{suggestion}`"), d, HashMap::from([(uri.clone(), vec![edit])])))
}

/// "unknown field `f` on `e`": `f: string` added to `e`'s declaration.
fn declare_field(set: &RuleSetState, d: &Diagnostic) -> Option<CodeAction> {
    let (field, entity) = d.message.lines().next()?.strip_prefix("unknown field `")?.split_once("` on `")?;
    let entity = entity.strip_suffix('`')?;
    let decl = set.analysis.files.iter().flat_map(|(_, f)| &f.items).find_map(|item| match item {
        Item::Entity(e) if e.name.name == entity => Some(e),
        _ => None,
    })?;
    let edit = before_closing_line(&decl.loc, &format!("    {field}: string\n"))?;
    let (uri, edit) = edit;
    Some(quick_fix(format!("declare `{field}: string` in `entity {entity}`"), d, HashMap::from([(uri, vec![edit])])))
}

/// `severity medium` added to the rule under the cursor that has none.
fn add_severity(set: &RuleSetState, file: &str, offset: usize) -> Option<CodeAction> {
    let (_, parsed) = set.analysis.files.iter().find(|(src, _)| src.name() == file)?;
    let rule = parsed.items.iter().find_map(|item| match item {
        Item::Rule(r) if r.loc.span.start <= offset && offset <= r.loc.span.end && r.severity.is_none() => Some(r),
        _ => None,
    })?;
    let (uri, edit) = before_closing_line(&rule.loc, "    severity medium\n")?;
    Some(CodeAction {
        title: format!("add `severity medium` to `{}`", rule.name.name),
        kind: Some(CodeActionKind::QUICKFIX),
        edit: Some(WorkspaceEdit { changes: Some(HashMap::from([(uri, vec![edit])])), ..WorkspaceEdit::default() }),
        ..CodeAction::default()
    })
}

/// An insertion of `line` at the start of the line holding a
/// declaration's closing `}` (or just before the `}` when it shares its line).
fn before_closing_line(decl: &Loc, line: &str) -> Option<(Uri, TextEdit)> {
    let text = decl.src.text();
    let close = decl.span.end.checked_sub(1).filter(|i| text.get(*i..*i + 1) == Some("}"))?;
    let line_start = text.get(..close)?.rfind('\n').map_or(0, |i| i + 1);
    let only_indent = text.get(line_start..close)?.trim().is_empty();
    let (at, new_text) = if only_indent { (line_start, line.to_string()) } else { (close, format!("\n{line}")) };
    let uri = location(decl)?.uri;
    let pos = position(text, at);
    Some((uri, TextEdit { range: Range::new(pos, pos), new_text }))
}

fn quick_fix(title: String, d: &Diagnostic, changes: HashMap<Uri, Vec<TextEdit>>) -> CodeAction {
    CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![d.clone()]),
        edit: Some(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() }),
        is_preferred: Some(true),
        ..CodeAction::default()
    }
}
