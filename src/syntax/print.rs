//! The canonical layout of a rule file, for `interdict fmt`.
//!
//! The layout depends only on the tree, its comments, whether two
//! adjacent one-line declarations of the same kind were written without a
//! blank line between them, where the author broke an `and`/`or` chain
//! between two terms, and whether an entity was written on several lines. Comments are kept, each whole, where reading the
//! result places them the same way again, so formatting is idempotent: an
//! own-line comment goes above the printed line that comes after it, a
//! trailing one after the printed line it trails (a declaration's last line
//! takes the comment written after the declaration on its line), and a line
//! takes one trailing comment, the earlier ones going above it. A comment
//! shapes the layout only where it stays: inside an entity or a list
//! (written a part a line), between two terms of a condition (broken there).

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
    for (i, item) in file.items.iter().enumerate() {
        let span = item.loc().span;
        let next_item = file.items.get(i + 1).map_or(text.len(), |next| next.loc().span.start);
        let end = next_comment + own_comments(text, &comments[next_comment..], span.end, next_item);
        let before = next_comment + comments[next_comment..end].iter().take_while(|c| c.at < span.start).count();
        let lines = print_item(item, &comments[before..end], span.start, span.end, text);
        let one_line = lines.len() == 1;
        let attached = attach(&lines, &comments[before..end], span.end);
        if let Some((prev, prev_one_line)) = previous {
            let together = prev_one_line
                && one_line
                && same_kind(prev, item)
                && !blank_line_between(text, prev.loc().span.end, span.start)
                && before == next_comment
                && attached.before[0].is_empty();
            out.push_str(if together { "\n" } else { "\n\n" });
        }
        // Comments before the item, on their own lines; a blank line written
        // after one of them is kept (a header apart from what follows).
        for (k, c) in comments[next_comment..before].iter().enumerate() {
            out.push_str(&c.text);
            out.push('\n');
            let next_at = comments.get(next_comment + k + 1).map_or(span.start, |next| next.at.min(span.start));
            if blank_line_between(text, c.at, next_at) {
                out.push('\n');
            }
        }
        next_comment = end;
        out.push_str(&render(&lines, &attached));
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

/// How many of `comments` (those not yet printed) belong to the item ending
/// at `end`: those before its end, and the one that trails its last line
/// (after it on that line, before the next item). That one is printed after
/// the item's last line, so it is read as the same item's the next time.
fn own_comments(text: &str, comments: &[Comment], end: usize, next_item: usize) -> usize {
    let inside = comments.iter().take_while(|c| c.at < end).count();
    let trails_last_line = comments
        .get(inside)
        .is_some_and(|c| c.at < next_item && text.get(end..c.at).is_some_and(|gap| !gap.contains('\n')));
    inside + usize::from(trails_last_line)
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

/// Where an item's comments go: `before[i]` on their own lines above
/// printed line `i`, `after[i]` at the end of it.
struct Attached<'c> {
    before: Vec<Vec<&'c Comment>>,
    after: Vec<Option<&'c Comment>>,
}

/// Puts each comment of an item (see `own_comments`) after the printed line
/// it trails, or above the first line that comes after it. A line takes one
/// trailing comment: when the lines of the source that it joins had several,
/// the earlier ones go above it, each kept whole (joined, the next reading
/// would see one comment).
fn attach<'c>(lines: &[Line], comments: &'c [Comment], end: usize) -> Attached<'c> {
    let last = lines.len().saturating_sub(1);
    let mut before: Vec<Vec<&Comment>> = vec![Vec::new(); lines.len()];
    let mut after: Vec<Option<&Comment>> = vec![None; lines.len()];
    for c in comments {
        if !c.trailing {
            let next = lines.iter().position(|l| l.at.is_none_or(|at| at > c.at)).unwrap_or(last);
            before[next].push(c);
            continue;
        }
        let line = match c.at >= end {
            // After the item, on its last line: after its closing line too.
            true => last,
            false => lines.iter().rposition(|l| l.at.is_some_and(|at| at <= c.at)).unwrap_or(0),
        };
        if let Some(earlier) = after[line].replace(c) {
            before[line].push(earlier);
        }
    }
    for above in &mut before {
        above.sort_by_key(|c| c.at);
    }
    Attached { before, after }
}

/// An item's lines with its comments placed.
fn render(lines: &[Line], attached: &Attached<'_>) -> String {
    // Trailing comments of one item line up, two spaces after its longest commented line.
    let width = |l: &Line| l.indent * INDENT.len() + l.text.chars().count();
    let column = lines.iter().zip(&attached.after).filter(|(_, a)| a.is_some()).map(|(l, _)| width(l)).max();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        for c in &attached.before[i] {
            let indent = if line.at.is_none() { line.indent + 1 } else { line.indent };
            out.push_str(&INDENT.repeat(indent));
            out.push_str(&c.text);
            out.push('\n');
        }
        out.push_str(&INDENT.repeat(line.indent));
        out.push_str(&line.text);
        if let Some(c) = attached.after[i] {
            out.push_str(&" ".repeat(column.unwrap_or(0) - width(line) + 2));
            out.push_str(&c.text);
        }
        if i + 1 < lines.len() {
            out.push('\n');
        }
    }
    out
}

/// An item's printed lines; `own` are its comments (see `own_comments`).
fn print_item(item: &Item, own: &[Comment], start: usize, end: usize, text: &str) -> Vec<Line> {
    // An entity or a list with a comment inside is written a part a line;
    // the comment stays inside, so it is the next time too. An entity
    // written on several lines stays a field a line.
    let commented = own.iter().any(|c| c.at > start && c.at < end);
    match item {
        Item::Entity(e) => entity(e, commented || text.get(start..end).is_some_and(|t| t.contains('\n'))),
        Item::Let(l) => let_lines(l, commented, text.get(start..end).unwrap_or("")),
        Item::Def(d) => {
            let params: Vec<String> =
                d.params.iter().map(|p| format!("{}: {}", p.name.name, type_expr(&p.ty))).collect();
            let head = format!("def {}({}) = ", d.name.name, params.join(", "));
            let long = head.len() + cond(&d.body).len() > WIDTH;
            cond_lines(&head, 0, &d.body, long, start, text)
        }
        Item::Rule(r) => {
            let head = format!("{} {} {} when ", r.effect.as_str(), r.record_type.name, r.var.name);
            let long = INDENT.len() + head.len() + cond(&r.cond).len() > WIDTH;
            rule_lines(r, &head, long, text)
        }
        Item::Exempt(x) => exempt(x, start, text),
    }
}

fn exempt(x: &ExemptDecl, start: usize, text: &str) -> Vec<Line> {
    let title = x.title.as_ref().map(|t| format!(" {}", string(&t.value))).unwrap_or_default();
    let rules: Vec<&str> = x.rules.iter().map(|r| r.name.as_str()).collect();
    let head = format!("waive {} for {} {} when ", rules.join(", "), x.record_type.name, x.var.name);
    let long = INDENT.len() + head.len() + cond(&x.cond).len() > WIDTH;
    let at = x.rules.first().map_or(start, |r| r.loc.span.start);
    let mut lines = vec![Line::new(0, format!("exempt {}{title} {{", x.name.name), start)];
    lines.extend(cond_lines(&head, 1, &x.cond, long, at, text));
    lines.push(Line::closing(0, "}"));
    lines
}

fn let_lines(l: &LetDecl, commented: bool, text: &str) -> Vec<Line> {
    let start = l.loc.span.start;
    let head = format!("let {} = ", l.name.name);
    let value = match &l.value {
        LetValue::Literal(value) => value,
        LetValue::File(f) => {
            let column = f.column.as_ref().map(|c| format!(", column: {}", string(&c.value))).unwrap_or_default();
            return vec![Line::new(0, format!("{head}list({}{column})", string(&f.path.value)), start)];
        }
    };
    match value {
        Literal::List(items) if head.len() + literal(value).len() > WIDTH || commented => {
            let mut lines = vec![Line::new(0, format!("{head}["), start)];
            let starts = list_item_starts(text);
            lines.extend(
                items.iter().enumerate().map(|(k, i)| {
                    Line::new(1, format!("{},", literal(i)), start + starts.get(k).copied().unwrap_or(0))
                }),
            );
            lines.push(Line::closing(0, "]"));
            lines
        }
        value => vec![Line::new(0, format!("{head}{}", literal(value)), start)],
    }
}

fn rule_lines(r: &RuleDecl, head: &str, broken: bool, text: &str) -> Vec<Line> {
    let title = r.title.as_ref().map(|t| format!(" {}", string(&t.value))).unwrap_or_default();
    let mut lines = vec![Line::new(0, format!("rule {}{title} {{", r.name.name), r.loc.span.start)];
    lines.extend(cond_lines(head, 1, &r.cond, broken, r.record_type.loc.span.start, text));
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

/// Where each element of the list in a `let`'s text starts (a literal
/// carries no position in the tree), so comments stay with their element.
fn list_item_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let (mut open, mut expecting) = (false, false);
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '#' => {
                chars.by_ref().find(|(_, c)| *c == '\n');
                continue;
            }
            c if c.is_whitespace() => continue,
            ']' => break,
            _ => {}
        }
        if expecting {
            starts.push(i);
        }
        expecting = match c {
            '"' => {
                let mut escaped = false;
                for (_, c) in chars.by_ref() {
                    match c {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' => break,
                        _ => {}
                    }
                }
                false
            }
            '[' if !open => {
                open = true;
                true
            }
            ',' => open,
            _ => false,
        };
    }
    starts
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

/// `head` followed by a condition: broken at its top-level `and`/`or`
/// terms when `broken`, and wherever the author broke an `and`/`or` chain
/// (at any depth); continuation lines aligned so a chain's terms line up.
fn cond_lines(head: &str, indent: usize, c: &Cond, broken: bool, at: usize, text: &str) -> Vec<Line> {
    let mut w = CondWriter { text, indent, lines: vec![Line::new(indent, head, at)] };
    w.cond(c, broken);
    w.lines
}

/// Writes a condition as `Display` does, onto lines that break in chains.
struct CondWriter<'t> {
    /// The source, to see where the author broke a chain.
    text: &'t str,
    indent: usize,
    lines: Vec<Line>,
}

impl CondWriter<'_> {
    fn push(&mut self, s: &str) {
        if let Some(line) = self.lines.last_mut() {
            line.text.push_str(s);
        }
    }

    fn column(&self) -> usize {
        self.lines.last().map_or(0, |l| l.text.chars().count())
    }

    /// `broken`: break this condition's terms if it is a chain (or a
    /// quantifier whose body is one).
    fn cond(&mut self, c: &Cond, broken: bool) {
        match &c.kind {
            CondKind::And(terms) => self.chain(terms, "and ", broken),
            CondKind::Or(terms) => self.chain(terms, "or ", broken),
            CondKind::Not(inner) => {
                self.push("not ");
                self.cond(inner, false);
            }
            CondKind::Paren(inner) => {
                self.push("(");
                self.cond(inner, false);
                self.push(")");
            }
            CondKind::Quant { body, .. } => {
                let (whole, body_text) = (cond(c), cond(body));
                self.push(whole.get(..whole.len() - body_text.len()).unwrap_or_default());
                let broken = broken && matches!(body.kind, CondKind::And(_) | CondKind::Or(_));
                if self.broken_after_colon(c, body) {
                    self.body_on_next_line(body, broken);
                } else {
                    self.cond(body, broken);
                }
            }
            _ => self.push(&cond(c)),
        }
    }

    /// Whether the author started the quantifier's body on a new line (a
    /// line break after its last `:`).
    fn broken_after_colon(&self, quant: &Cond, body: &Cond) -> bool {
        let head = self.text.get(quant.loc.span.start..body.loc.span.start).unwrap_or_default();
        head.rsplit_once(':').is_some_and(|(_, gap)| gap.contains('\n'))
    }

    /// The body of a quantifier on a line of its own, one level deeper.
    fn body_on_next_line(&mut self, body: &Cond, broken: bool) {
        if let Some(line) = self.lines.last_mut() {
            line.text.truncate(line.text.trim_end().len());
        }
        self.indent += 1;
        self.lines.push(Line::new(self.indent, "", body.loc.span.start));
        self.cond(body, broken);
        self.indent -= 1;
    }

    /// A chain: each term after a line break where `broken` or where the
    /// source has one between the two terms, else after ` and ` / ` or `.
    fn chain(&mut self, terms: &[Cond], joiner: &str, broken: bool) {
        let column = self.column();
        for (i, t) in terms.iter().enumerate() {
            if let Some(before) = i.checked_sub(1).and_then(|j| terms.get(j)) {
                let gap = self.text.get(before.loc.span.end..t.loc.span.start).unwrap_or_default();
                if broken || gap.contains('\n') {
                    let pad = " ".repeat(column.saturating_sub(joiner.len()));
                    self.lines.push(Line::new(self.indent, format!("{pad}{joiner}"), t.loc.span.start));
                } else {
                    self.push(" ");
                    self.push(joiner);
                }
            }
            self.cond(t, false);
        }
    }
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
        let want = "# header\nentity person {\n    name: string  # the name\n    spouse: person?\n}\n\nlet a = [1, 2]\nlet b = \"x\"\n\nrule r \"T\" {\n    flag person p when p.name == \"K\" and exists p.spouse  # why\n    severity high\n}\n\n# end\n";
        assert_eq!(fmt(text), want);
        assert_eq!(fmt(want), want);
    }

    /// Each input, formatted, and formatted again: the same.
    fn formats_to(cases: &[(&str, &str)]) {
        for (text, want) in cases {
            assert_eq!(fmt(text), *want, "formatting {text:?}");
            assert_eq!(fmt(want), *want, "formatting {text:?} again");
        }
    }

    #[test]
    fn a_comment_after_a_declaration_on_its_last_line_stays_there() {
        formats_to(&[
            ("let a = 1  # note\nlet b = 2\n", "let a = 1  # note\nlet b = 2\n"),
            ("def f(x: t) = x.a == 1 # why\n", "def f(x: t) = x.a == 1  # why\n"),
            ("entity t { a: string } # c\nentity u {}\n", "entity t { a: string }  # c\nentity u {}\n"),
            ("rule r {\n flag t x when x.a == 1\n} # end\n", "rule r {\n    flag t x when x.a == 1\n}  # end\n"),
        ]);
    }

    #[test]
    fn comments_inside_a_one_line_declaration_stay_around_it() {
        formats_to(&[
            // A line takes one trailing comment; the earlier go above it.
            ("let#\nM=\n1#=113", "#\nlet M = 1  #=113\n"),
            ("def f(x: t) = # a\n x.a == 1 # b\n", "# a\ndef f(x: t) = x.a == 1  # b\n"),
            ("let a = 1\nlet b = # c\n 2\n", "let a = 1\nlet b = 2  # c\n"),
            // Printed above a declaration, a comment parts it from the one before.
            ("let a = 1\nlet\n# x\nb = 2\n", "let a = 1\n\n# x\nlet b = 2\n"),
            ("entity t { # c\n}\n", "entity t {}  # c\n"),
        ]);
    }

    #[test]
    fn a_condition_breaks_for_a_comment_between_its_terms_only() {
        formats_to(&[
            ("def f(x: t) = x.a == 1 and # c\n x.b == 2\n", "def f(x: t) = x.a == 1  # c\n          and x.b == 2\n"),
            (
                "def f(x: t) = x.a == 1 and (any # c\n y in x.l: y.b == 2)\n",
                "def f(x: t) = x.a == 1 and (any y in x.l: y.b == 2)  # c\n",
            ),
            (
                "rule r { flag t x when x.a == 1 and x.b == 2 # c\n}\n",
                "rule r {\n    flag t x when x.a == 1 and x.b == 2  # c\n}\n",
            ),
            (
                "rule r { flag t x when x.a == 1\n # c\n and x.b == 2 }\n",
                "rule r {\n    flag t x when x.a == 1\n    # c\n              and x.b == 2\n}\n",
            ),
        ]);
    }

    #[test]
    fn the_authors_line_breaks_in_chains_are_kept() {
        formats_to(&[
            // A chain on one line stays on one line.
            (
                "rule r { deny t x when x.a == 1 and x.b == 2 }\n",
                "rule r {\n    deny t x when x.a == 1 and x.b == 2\n}\n",
            ),
            // Broken where the author broke it, the terms aligned.
            (
                "rule r { deny t x when x.a == 1\nand x.b == 2 and x.c == 3\n    and x.d == 4 }\n",
                "rule r {\n    deny t x when x.a == 1\n              and x.b == 2 and x.c == 3\n              and x.d == 4\n}\n",
            ),
            // At any depth: in parentheses and in a quantifier's body.
            (
                "def f(x: t) = x.a == 1 and (x.b == 2\n or x.c == 3)\n",
                "def f(x: t) = x.a == 1 and (x.b == 2\n                         or x.c == 3)\n",
            ),
            (
                "exempt e { waive r for t x when any y in x.l: y.a == 1\n and y.b == 2 }\n",
                "exempt e {\n    waive r for t x when any y in x.l: y.a == 1\n                                   and y.b == 2\n}\n",
            ),
        ]);
    }

    #[test]
    fn a_quantifier_body_written_on_the_next_line_stays_there() {
        let text = "rule r {\n    flag company c when any m in c.middlemen:\n        (any declaration d where d.importer == m: d.goods.origin == \"KR\"\n             and d.date >= as_of - 1 year)\n}\n";
        let canonical = "rule r {\n    flag company c when any m in c.middlemen:\n        (any declaration d where d.importer == m: d.goods.origin == \"KR\"\n                                              and d.date >= as_of - 1 year)\n}\n";
        assert_eq!(fmt(text), canonical);
        assert_eq!(fmt(canonical), canonical);
        let one_line = "rule r {\n    flag company c when any m in c.middlemen: m.country == \"KR\"\n}\n";
        assert_eq!(fmt(one_line), one_line);
    }

    #[test]
    fn an_entity_written_on_several_lines_stays_a_field_a_line() {
        formats_to(&[
            ("entity t {\n  a: string, b: number\n}\n", "entity t {\n    a: string\n    b: number\n}\n"),
            ("entity t {a: string,b: number}\n", "entity t { a: string, b: number }\n"),
        ]);
    }

    #[test]
    fn comments_in_a_list_stay_with_their_element() {
        formats_to(&[
            ("let l = [1, # one\n 2]\n", "let l = [\n    1,  # one\n    2,\n]\n"),
            ("let l = [\"a#\", # one\n # two\n \"b\"]\n", "let l = [\n    \"a#\",  # one\n    # two\n    \"b\",\n]\n"),
            ("let l = [1, 2] # c\n", "let l = [1, 2]  # c\n"),
        ]);
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
