//! Reading past a syntax error: a file is cut into pieces, one per
//! declaration, each parsed on its own, so one broken declaration costs only
//! itself; and a body left open is reported where it was opened.
//!
//! A piece starts where a line starts (after its indentation) with `rule`,
//! `exempt`, `def`, `let` or `entity` followed by a name. No valid
//! declaration has such a line inside it: these words are reserved, a line
//! break never falls inside a string, a path or a comment's start, and a
//! field of an entity named like one is followed by `:`. So cutting there
//! changes nothing for a file that parses, and a body still open at such a
//! line was left open.

use std::sync::Arc;

use super::error::{SyntaxError, SyntaxErrorKind};
use super::grammar::{MAX_DEPTH, is_reserved};
use crate::source::{Loc, Located, SourceFile, Span};

/// The words that start a declaration.
const DECLARATIONS: &[&str] = &["entity", "let", "def", "rule", "exempt"];

/// One declaration's text (or the comments before the first one).
pub(super) struct Piece {
    /// Byte range in the file.
    pub start: usize,
    pub end: usize,
    /// The declaration's keyword and name (`None` for the text before the
    /// first declaration, or a name that is a reserved word).
    pub head: Option<(&'static str, Option<String>)>,
}

impl Piece {
    /// "rule `kr_middleman`", for messages.
    pub fn what(&self) -> String {
        match &self.head {
            Some((keyword, Some(name))) => format!("{keyword} `{name}`"),
            Some((keyword, None)) => format!("this `{keyword}`"),
            None => "this declaration".to_string(),
        }
    }
}

/// The file cut at every line that starts a declaration.
pub(super) fn pieces(text: &str) -> Vec<Piece> {
    let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1));
    let mut heads: Vec<(usize, (&'static str, Option<String>))> = Vec::new();
    for line in line_starts {
        let rest = text.get(line..).unwrap_or("");
        let at = line + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        if let Some(head) = head_at(text.get(at..).unwrap_or("")) {
            heads.push((at, head));
        }
    }
    let mut pieces = Vec::with_capacity(heads.len() + 1);
    let first = heads.first().map_or(text.len(), |(at, _)| *at);
    if first > 0 || heads.is_empty() {
        pieces.push(Piece { start: 0, end: first, head: None });
    }
    let ends: Vec<usize> = heads.iter().skip(1).map(|(at, _)| *at).chain([text.len()]).collect();
    for ((start, head), end) in heads.into_iter().zip(ends) {
        pieces.push(Piece { start, end, head: Some(head) });
    }
    pieces
}

/// A declaration keyword and the name after it, if `text` starts with them.
fn head_at(text: &str) -> Option<(&'static str, Option<String>)> {
    let keyword = DECLARATIONS.iter().find(|k| text.starts_with(**k))?;
    let after = text.get(keyword.len()..)?;
    let name_start = after.trim_start_matches([' ', '\t', '\r', '\n']);
    if name_start.len() == after.len() || !name_start.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    let len = name_start.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(name_start.len());
    let name = name_start.get(..len).filter(|n| !is_reserved(n)).map(str::to_string);
    Some((keyword, name))
}

/// The brackets still open at the end of `text` (positions, outermost
/// first), or where they first nest deeper than [`MAX_DEPTH`].
pub(super) fn open_brackets(text: &str) -> Result<Vec<usize>, usize> {
    let text = text.as_bytes();
    let mut open = Vec::new();
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'#' => {
                while i < text.len() && text[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < text.len() && text[i] != b'"' && text[i] != b'\n' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' | b'[' | b'{' => {
                if open.len() == MAX_DEPTH {
                    return Err(i);
                }
                open.push(i);
            }
            b')' | b']' | b'}' => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    Ok(open)
}

/// Brackets nested deeper than the limit, at byte `at` of `src`.
pub(super) fn too_deep(src: &Arc<SourceFile>, at: usize) -> SyntaxError {
    let loc = Loc { src: Arc::clone(src), span: Span::new(at, at + 1) };
    SyntaxError::new(
        SyntaxErrorKind::TooDeep,
        Located::new(format!("brackets nest more than {MAX_DEPTH} deep"), &loc, "too deep here")
            .help("split the condition into `def`s or `let`s"),
    )
}

/// `piece` ends with the bracket at byte `opener` still open: the error is
/// where it was opened, and where the next declaration (or the file's end)
/// was found instead of its closing bracket.
pub(super) fn unclosed(src: &Arc<SourceFile>, piece: &Piece, opener: usize, next: Option<&Piece>) -> SyntaxError {
    let text = src.text();
    let bracket = text.get(opener..=opener).unwrap_or("{");
    let close = match bracket {
        "(" => ")",
        "[" => "]",
        _ => "}",
    };
    let what = piece.what();
    let message =
        if bracket == "{" { format!("{what} is not closed") } else { format!("`{bracket}` in {what} is not closed") };
    let at = Loc { src: Arc::clone(src), span: Span::new(opener, opener + 1) };
    let (stop, label, help) = match next {
        Some(next) => {
            let keyword = next.head.as_ref().map_or("the next declaration", |(k, _)| k);
            let (line, _) = src.line_col(next.start);
            let end = next.start + keyword.len();
            (
                Span::new(next.start, end),
                "the next declaration starts here",
                format!("add `{close}` before `{keyword}` on line {line}"),
            )
        }
        None => {
            (Span::new(text.len(), text.len()), "the file ends here", format!("add `{close}` at the end of {what}"))
        }
    };
    let stop = Loc { src: Arc::clone(src), span: stop };
    SyntaxError::new(SyntaxErrorKind::Unclosed, Located::new(message, &at, "opened here").also(&stop, label).help(help))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(text: &str) -> Vec<(usize, Option<String>)> {
        pieces(text).into_iter().map(|p| (p.start, p.head.and_then(|(_, n)| n))).collect()
    }

    #[test]
    fn cuts_at_declarations_that_start_a_line() {
        let text = "# c\nrule a {\n  deny x y when y.rule == 1\n}\n  exempt b { waive a for x y when true }\n";
        assert_eq!(starts(text), vec![(0, None), (4, Some("a".into())), (45, Some("b".into()))]);
    }

    #[test]
    fn a_field_named_like_a_keyword_is_no_declaration() {
        assert_eq!(starts("entity e {\n  rule: string\n  let : string\n}\n"), vec![(0, Some("e".into()))]);
    }

    #[test]
    fn open_brackets_skip_strings_and_comments() {
        assert_eq!(open_brackets("rule a { deny x y when (\"(\" # (\n"), Ok(vec![7, 23]));
        assert_eq!(open_brackets("()[]{}"), Ok(vec![]));
    }
}
