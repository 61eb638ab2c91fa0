//! The canonical layout of a rule file, for `interdict fmt`.
//!
//! The layout depends only on the tree, its comments, and whether two
//! adjacent one-line declarations of the same kind were written without a
//! blank line between them, so formatting is idempotent. Comments are kept:
//! each is placed before (own-line) or after (trailing) the printed line whose
//! source text surrounds it.

use std::sync::Arc;

use crate::ast::text::Quoted;
use crate::ast::*;
use crate::source::SourceFile;

use super::SyntaxError;

/// Lines longer than this are broken (conditions, entities, lists).
const WIDTH: usize = 100;
const INDENT: &str = "    ";

/// Parses a rule file and prints it in the canonical layout.
pub fn format_source(src: &Arc<SourceFile>) -> Result<String, SyntaxError> {
    let file = super::parse(src)?;
    Ok(print_file(&file, src.text()))
}

/// A comment in the source: where it starts, its text (from `#`), and
/// whether code precedes it on its line.
#[derive(Debug, Clone)]
struct Comment {
    at: usize,
    text: String,
    trailing: bool,
}

fn comments(text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut line_has_code = false;
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if in_string {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => in_string = false,
                '\n' => {
                    in_string = false;
                    line_has_code = false;
                }
                _ => escaped = false,
            }
            if c != '\\' {
                escaped = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                line_has_code = true;
            }
            '#' => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                out.push(Comment { at: i, text: text[i..end].trim_end().to_string(), trailing: line_has_code });
                while iter.peek().is_some_and(|(j, _)| *j < end) {
                    iter.next();
                }
            }
            '\n' => line_has_code = false,
            c if !c.is_whitespace() => line_has_code = true,
            _ => {}
        }
    }
    out
}

/// A printed line and the source offset of its first token (`None` for a
/// closing line, which takes comments that come before the end of its item).
struct Line {
    indent: usize,
    text: String,
    at: Option<usize>,
}

impl Line {
    fn new(indent: usize, text: impl Into<String>, at: usize) -> Self {
        Line { indent, text: text.into(), at: Some(at) }
    }

    fn closing(indent: usize, text: impl Into<String>) -> Self {
        Line { indent, text: text.into(), at: None }
    }
}

/// Prints a parsed file in the canonical layout; `text` is its source (for
/// comments and blank lines).
pub fn print_file(file: &File, text: &str) -> String {
    let comments = comments(text);
    let mut next_comment = 0;
    let mut out = String::new();
    let mut previous: Option<(&Item, bool)> = None;
    for item in &file.items {
        let span = item_loc(item).span;
        let lines = print_item(item, &comments, span.start, span.end);
        let one_line = lines.len() == 1;
        if let Some((prev, prev_one_line)) = previous {
            let together = prev_one_line
                && one_line
                && same_kind(prev, item)
                && !blank_line_between(text, item_loc(prev).span.end, span.start)
                && !comments[next_comment..].iter().any(|c| c.at < span.start);
            out.push_str(if together { "\n" } else { "\n\n" });
        }
        // Comments before the item, on their own lines; a blank line written
        // after one of them is kept (a header apart from what follows).
        while next_comment < comments.len() && comments[next_comment].at < span.start {
            let c = &comments[next_comment];
            out.push_str(&c.text);
            out.push('\n');
            let next_at = comments.get(next_comment + 1).map_or(span.start, |n| n.at.min(span.start));
            if blank_line_between(text, c.at, next_at) {
                out.push('\n');
            }
            next_comment += 1;
        }
        let end =
            comments[next_comment..].iter().position(|c| c.at >= span.end).map_or(comments.len(), |n| next_comment + n);
        let inside = &comments[next_comment..end];
        next_comment = end;
        out.push_str(&place_comments(lines, inside));
        previous = Some((item, one_line));
    }
    let trailing: Vec<&str> = comments[next_comment..].iter().map(|c| c.text.as_str()).collect();
    if !trailing.is_empty() {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&trailing.join("\n"));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

fn item_loc(item: &Item) -> &crate::source::Loc {
    match item {
        Item::Entity(e) => &e.loc,
        Item::Let(l) => &l.loc,
        Item::Def(d) => &d.loc,
        Item::Rule(r) => &r.loc,
        Item::Exempt(x) => &x.loc,
    }
}

fn same_kind(a: &Item, b: &Item) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// Whether the source between two items holds an empty line.
fn blank_line_between(text: &str, from: usize, to: usize) -> bool {
    let Some(gap) = text.get(from..to) else { return false };
    let lines: Vec<&str> = gap.split('\n').collect();
    lines.len() > 2 && lines[1..lines.len() - 1].iter().any(|l| l.trim().is_empty())
}

/// Puts each comment inside an item after the line it trails, or before the
/// first line that comes after it.
fn place_comments(lines: Vec<Line>, inside: &[Comment]) -> String {
    let mut before: Vec<Vec<&str>> = vec![Vec::new(); lines.len()];
    let mut after: Vec<Vec<&str>> = vec![Vec::new(); lines.len()];
    for c in inside {
        let last_before = lines.iter().rposition(|l| l.at.is_some_and(|at| at <= c.at));
        if c.trailing {
            after[last_before.unwrap_or(0)].push(&c.text);
        } else {
            let next = lines.iter().position(|l| l.at.is_none_or(|at| at > c.at)).unwrap_or(lines.len() - 1);
            before[next].push(&c.text);
        }
    }
    // Trailing comments of one item line up, two spaces after its longest commented line.
    let column = lines
        .iter()
        .zip(&after)
        .filter(|(_, a)| !a.is_empty())
        .map(|(l, _)| l.indent * INDENT.len() + l.text.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        for c in &before[i] {
            let indent = if line.at.is_none() { line.indent + 1 } else { line.indent };
            out.push_str(&INDENT.repeat(indent));
            out.push_str(c);
            out.push('\n');
        }
        out.push_str(&INDENT.repeat(line.indent));
        out.push_str(&line.text);
        if !after[i].is_empty() {
            let width = line.indent * INDENT.len() + line.text.chars().count();
            out.push_str(&" ".repeat(column - width + 2));
            out.push_str(&after[i].join(" "));
        }
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
    out
}

fn has_comment(comments: &[Comment], start: usize, end: usize) -> bool {
    comments.iter().any(|c| c.at > start && c.at < end)
}

fn print_item(item: &Item, comments: &[Comment], start: usize, end: usize) -> Vec<Line> {
    let commented = has_comment(comments, start, end);
    match item {
        Item::Entity(e) => entity(e, commented),
        Item::Let(l) => {
            let head = format!("let {} = ", l.name.name);
            let value = match &l.value {
                LetValue::Literal(value) => value,
                LetValue::File(f) => {
                    let column =
                        f.column.as_ref().map(|c| format!(", column: {}", string(&c.value))).unwrap_or_default();
                    return vec![Line::new(0, format!("{head}list({}{column})", string(&f.path.value)), start)];
                }
            };
            match value {
                Literal::List(items) if head.len() + literal(value).len() > WIDTH || commented => {
                    let mut lines = vec![Line::new(0, format!("{head}["), start)];
                    lines.extend(items.iter().map(|i| Line::new(1, format!("{},", literal(i)), start)));
                    lines.push(Line::closing(0, "]"));
                    lines
                }
                value => vec![Line::new(0, format!("{head}{}", literal(value)), start)],
            }
        }
        Item::Def(d) => {
            let params: Vec<String> =
                d.params.iter().map(|p| format!("{}: {}", p.name.name, type_expr(&p.ty))).collect();
            let head = format!("def {}({}) = ", d.name.name, params.join(", "));
            cond_lines(&head, 0, &d.body, commented || head.len() + cond(&d.body).len() > WIDTH, start)
        }
        Item::Rule(r) => {
            let title = r.title.as_ref().map(|t| format!(" {}", string(&t.value))).unwrap_or_default();
            let mut lines = vec![Line::new(0, format!("rule {}{title} {{", r.name.name), start)];
            let head = format!("{} {} {} when ", r.effect.as_str(), r.record_type.name, r.var.name);
            let cond_end =
                r.severity.iter().map(|s| s.1.span.start).chain(r.effective.iter().map(|e| e.loc.span.start)).min();
            let cond_commented = has_comment(comments, r.cond.loc.span.start, cond_end.unwrap_or(end));
            let long = INDENT.len() + head.len() + cond(&r.cond).len() > WIDTH;
            lines.extend(cond_lines(&head, 1, &r.cond, long || cond_commented, r.record_type.loc.span.start));
            // Clauses keep their written order.
            let mut clauses: Vec<(usize, String)> = Vec::new();
            if let Some((s, loc)) = &r.severity {
                clauses.push((loc.span.start, format!("severity {}", s.as_str())));
            }
            if let Some(e) = &r.effective {
                let to = e.to.map(|d| format!(" to {d}")).unwrap_or_default();
                clauses.push((e.loc.span.start, format!("effective from {}{to}", e.from)));
            }
            clauses.sort();
            lines.extend(clauses.into_iter().map(|(at, text)| Line::new(1, text, at)));
            lines.push(Line::closing(0, "}"));
            lines
        }
        Item::Exempt(x) => {
            let title = x.title.as_ref().map(|t| format!(" {}", string(&t.value))).unwrap_or_default();
            let mut lines = vec![Line::new(0, format!("exempt {}{title} {{", x.name.name), start)];
            let rules: Vec<&str> = x.rules.iter().map(|r| r.name.as_str()).collect();
            let head = format!("waive {} for {} {} when ", rules.join(", "), x.record_type.name, x.var.name);
            let long = INDENT.len() + head.len() + cond(&x.cond).len() > WIDTH;
            let at = x.rules.first().map_or(start, |r| r.loc.span.start);
            lines.extend(cond_lines(&head, 1, &x.cond, long || has_comment(comments, start, end), at));
            lines.push(Line::closing(0, "}"));
            lines
        }
    }
}

fn entity(e: &EntityDecl, commented: bool) -> Vec<Line> {
    let start = e.loc.span.start;
    let fields: Vec<String> = e.fields.iter().map(|f| format!("{}: {}", f.name.name, type_expr(&f.ty))).collect();
    let one = format!("entity {} {{ {} }}", e.name.name, fields.join(", "));
    if fields.is_empty() {
        return vec![Line::new(0, format!("entity {} {{}}", e.name.name), start)];
    }
    if !commented && one.len() <= WIDTH && fields.len() <= 4 {
        return vec![Line::new(0, one, start)];
    }
    let mut lines = vec![Line::new(0, format!("entity {} {{", e.name.name), start)];
    lines.extend(e.fields.iter().zip(fields).map(|(f, text)| Line::new(1, text, f.name.loc.span.start)));
    lines.push(Line::closing(0, "}"));
    lines
}

/// `head` followed by a condition; broken at its top-level `and`/`or` terms
/// when `broken`, the continuation lines aligned so the terms line up.
fn cond_lines(head: &str, indent: usize, c: &Cond, broken: bool, at: usize) -> Vec<Line> {
    if let (true, CondKind::Quant { body, .. }) = (broken, &c.kind)
        && matches!(body.kind, CondKind::And(_) | CondKind::Or(_))
    {
        // Break the body, aligned after the quantifier's head.
        let whole = cond(c);
        let head_len = whole.len() - cond(body).len();
        return cond_lines(&format!("{head}{}", &whole[..head_len]), indent, body, true, at);
    }
    let (terms, joiner) = match &c.kind {
        CondKind::And(terms) if broken => (terms, "and "),
        CondKind::Or(terms) if broken => (terms, "or "),
        _ => return vec![Line::new(indent, format!("{head}{}", cond(c)), at)],
    };
    let column = head.len();
    let mut lines = vec![Line::new(indent, format!("{head}{}", cond(&terms[0])), at)];
    for t in &terms[1..] {
        let pad = " ".repeat(column.saturating_sub(joiner.len()));
        lines.push(Line::new(indent, format!("{pad}{joiner}{}", cond(t)), t.loc.span.start));
    }
    lines
}

/// A condition on one line.
fn cond(c: &Cond) -> String {
    c.to_string()
}

fn literal(l: &Literal) -> String {
    l.to_string()
}

/// A string literal.
fn string(s: &str) -> String {
    Quoted(s).to_string()
}

fn type_expr(t: &TypeExpr) -> String {
    let base = if t.list { format!("[{}]", t.base.name) } else { t.base.name.clone() };
    if t.optional { format!("{base}?") } else { base }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        match format_source(&SourceFile::new("t.rules", text)) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn canonical_layout_keeps_comments() {
        let text = "# header\nentity person {\n  name: string   # the name\n  spouse: person?\n}\nlet a = [1,2]\nlet b=\"x\"\n\nrule r \"T\" {  flag person p when p.name == \"K\"   and exists p.spouse # why\n severity high }\n# end\n";
        let want = "# header\nentity person {\n    name: string  # the name\n    spouse: person?\n}\n\nlet a = [1, 2]\nlet b = \"x\"\n\nrule r \"T\" {\n    flag person p when p.name == \"K\"\n                   and exists p.spouse  # why\n    severity high\n}\n\n# end\n";
        assert_eq!(fmt(text), want);
        assert_eq!(fmt(want), want);
    }

    #[test]
    fn long_lists_break_one_item_a_line() {
        let items: Vec<String> = (0..40).map(|i| format!("\"item-{i}\"")).collect();
        let text = format!("let l = [{}]\n", items.join(","));
        let out = fmt(&text);
        assert!(out.starts_with("let l = [\n    \"item-0\",\n"), "{out}");
        assert_eq!(fmt(&out), out);
    }
}
