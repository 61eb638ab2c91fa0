//! [`parse`] and [`parse_all`]: the nesting scan, the grammar and the
//! lowering to the AST, over the whole file and, when that fails, over each
//! of its declarations (`recover.rs`).

use std::sync::{Arc, Once};

use pest::Parser as _;

use super::error::{SyntaxError, SyntaxErrorKind};
use super::expected::{from_pest, is_blank, pest_position};
use super::grammar::{Grammar, Rule};
use super::lower;
use super::recover::{Piece, open_brackets, pieces, too_deep, unclosed};
use crate::ast;
use crate::source::{Located, SourceFile};

/// How many syntax errors of one file are shown; the rest are counted.
pub const MAX_ERRORS: usize = 50;

/// A rule file read as far as it goes.
#[derive(Debug)]
pub struct Parsed {
    /// The declarations that parse, in source order.
    pub file: ast::File,
    /// An error for each declaration that does not (at most [`MAX_ERRORS`],
    /// then one that says how many more there are).
    pub errors: Vec<SyntaxError>,
    /// The names of the declarations that do not parse, where they can be read.
    pub broken: Vec<String>,
    /// A declaration that does not parse and whose name cannot be read.
    pub broken_unnamed: bool,
}

/// Parses one rule file: its declarations, or its first error.
pub fn parse(src: &Arc<SourceFile>) -> Result<ast::File, SyntaxError> {
    let parsed = parse_all(src);
    match parsed.errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(parsed.file),
    }
}

/// Parses one rule file, going on after an error at the next declaration.
pub fn parse_all(src: &Arc<SourceFile>) -> Parsed {
    set_up_pest();
    // A file that parses is read in one go; one that does not is read
    // again a declaration at a time, which costs more per declaration.
    let whole = Piece { start: 0, end: src.text().len(), head: None };
    if let Ok(file) = parse_piece(src, &whole, None) {
        return Parsed { file, errors: Vec::new(), broken: Vec::new(), broken_unnamed: false };
    }
    read_pieces(src, &pieces(src.text()), |_, piece, next| parse_piece(src, piece, next))
}

/// pest's settings, once.
pub(super) fn set_up_pest() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Record the literal tokens expected at the failure point, for messages.
        pest::set_error_detail(true);
        // A backstop against runaway backtracking on pathological input.
        pest::set_call_limit(std::num::NonZeroUsize::new(200_000_000));
    });
}

/// Reads a file cut into `pieces`, each by `read` (given its index, the
/// piece and the next one): the declarations of those that parse, an error for each of
/// the others.
pub(super) fn read_pieces(
    src: &Arc<SourceFile>,
    pieces: &[Piece],
    mut read: impl FnMut(usize, &Piece, Option<&Piece>) -> Result<ast::File, SyntaxError>,
) -> Parsed {
    let mut parsed =
        Parsed { file: ast::File { items: Vec::new() }, errors: Vec::new(), broken: Vec::new(), broken_unnamed: false };
    let mut hidden: Option<(SyntaxError, usize)> = None;
    for (i, piece) in pieces.iter().enumerate() {
        let error = match read(i, piece, pieces.get(i + 1)) {
            Ok(file) => {
                parsed.file.items.extend(file.items);
                continue;
            }
            Err(e) => e,
        };
        match piece.head.as_ref().and_then(|(_, name)| name.clone()) {
            Some(name) => parsed.broken.push(name),
            None => parsed.broken_unnamed |= !is_blank(src.text().get(piece.start..piece.end).unwrap_or("")),
        }
        if parsed.errors.len() < MAX_ERRORS {
            parsed.errors.push(error);
        } else {
            hidden.get_or_insert((error, 0)).1 += 1;
        }
    }
    if let Some((first, n)) = hidden {
        parsed.errors.push(too_many(&first, n));
    }
    parsed
}

/// One declaration: the nesting scan, the grammar, the lowering.
pub(super) fn parse_piece(
    src: &Arc<SourceFile>,
    piece: &Piece,
    next: Option<&Piece>,
) -> Result<ast::File, SyntaxError> {
    let text = src.text().get(piece.start..piece.end).unwrap_or("");
    let open = open_brackets(text).map_err(|at| too_deep(src, piece.start + at))?;
    let pairs = Grammar::parse(Rule::file, text).map_err(|e| {
        let (at, in_string) = pest_position(&e);
        // Still open where the next declaration (or the file's end) begins.
        match open.first() {
            Some(opener) if !in_string && text.get(at..).is_some_and(is_blank) => {
                unclosed(src, piece, piece.start + opener, next)
            }
            _ => from_pest(&e, src, piece.start, next.map(|n| n.start)),
        }
    })?;
    lower::file(pairs, src, piece.start)
}

/// The errors of a file past [`MAX_ERRORS`], counted at the first of them.
fn too_many(first: &SyntaxError, n: usize) -> SyntaxError {
    let plural = if n == 1 { "" } else { "s" };
    SyntaxError::new(
        SyntaxErrorKind::TooMany,
        Located::new(format!("and {n} more syntax error{plural} in this file"), first.loc(), "the next one is here")
            .help("fix the errors above and run again"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<ast::File, SyntaxError> {
        parse(&SourceFile::new("test.rules", text))
    }

    #[test]
    fn goes_on_after_an_error_at_the_next_declaration() {
        let text = "rule a {\n    deny x y when y.z ==\n}\nrule b {\n    deny x y when true\n}\nrule c {\n    deny x y when\n}\n";
        let parsed = parse_all(&SourceFile::new("t.rules", text));
        let lines: Vec<usize> = parsed.errors.iter().map(|e| e.position().line).collect();
        assert_eq!(lines, vec![3, 9]);
        assert_eq!(parsed.file.items.len(), 1);
        assert_eq!(parsed.broken, vec!["a".to_string(), "c".to_string()]);
        assert!(!parsed.broken_unnamed);
    }

    #[test]
    fn an_open_body_is_reported_where_it_opened() {
        let text = "rule a {\n    deny x y when true\n\nexempt b {\n    waive a for x y when true\n}\n";
        let parsed = parse_all(&SourceFile::new("t.rules", text));
        let [e] = &parsed.errors[..] else { panic!("{:?}", parsed.errors) };
        assert_eq!(
            (e.kind(), e.position().line, e.to_string()),
            (SyntaxErrorKind::Unclosed, 1, "rule `a` is not closed".into())
        );
        assert_eq!(parsed.file.items.len(), 1);
    }

    #[test]
    fn errors_past_the_limit_are_counted() {
        let text = "rule r {\n    deny x y when ==\n}\n".repeat(MAX_ERRORS + 7);
        let parsed = parse_all(&SourceFile::new("t.rules", text));
        assert_eq!(parsed.errors.len(), MAX_ERRORS + 1);
        let last = parsed.errors.last().map(ToString::to_string);
        assert_eq!(last.as_deref(), Some("and 7 more syntax errors in this file"));
    }

    #[test]
    fn text_before_the_first_declaration_has_no_name() {
        let parsed = parse_all(&SourceFile::new("t.rules", "rulle a {}\nrule b {\n    deny x y when true\n}\n"));
        assert_eq!((parsed.errors.len(), parsed.file.items.len(), parsed.broken_unnamed), (1, 1, true));
    }

    #[test]
    fn design_example_parses() {
        let text = include_str!("../../tests/fixtures/design.rules");
        let file = parse_str(text).map_err(|e| e.to_string());
        assert!(file.is_ok(), "{file:?}");
        assert_eq!(file.map(|f| f.items.len()).unwrap_or(0), 15);
    }
}
