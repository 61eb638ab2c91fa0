//! [`parse`]: the nesting scan, the grammar, then the lowering to the AST.

use std::sync::{Arc, Once};

use pest::Parser as _;

use super::error::{SyntaxError, SyntaxErrorKind};
use super::expected::from_pest;
use super::grammar::{Grammar, MAX_DEPTH, Rule};
use super::lower;
use crate::ast;
use crate::source::{Loc, Located, SourceFile, Span};

/// Parses one rule file. Stops at its first error.
pub fn parse(src: &Arc<SourceFile>) -> Result<ast::File, SyntaxError> {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Record the literal tokens expected at the failure point, for messages.
        pest::set_error_detail(true);
        // A backstop against runaway backtracking on pathological input.
        pest::set_call_limit(std::num::NonZeroUsize::new(200_000_000));
    });
    check_nesting(src)?;
    let pairs = Grammar::parse(Rule::file, src.text()).map_err(|e| from_pest(&e, src))?;
    lower::file(pairs, src)
}

/// Rejects brackets nested deeper than [`MAX_DEPTH`] before pest sees them.
fn check_nesting(src: &Arc<SourceFile>) -> Result<(), SyntaxError> {
    let text = src.text().as_bytes();
    let mut depth = 0usize;
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
                depth += 1;
                if depth > MAX_DEPTH {
                    let loc = Loc { src: Arc::clone(src), span: Span::new(i, i + 1) };
                    return Err(SyntaxError::new(
                        SyntaxErrorKind::TooDeep,
                        Located::new(format!("brackets nest more than {MAX_DEPTH} deep"), &loc, "too deep here")
                            .help("split the condition into `def`s or `let`s"),
                    ));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<ast::File, SyntaxError> {
        parse(&SourceFile::new("test.rules", text))
    }

    #[test]
    fn design_example_parses() {
        let text = include_str!("../../tests/fixtures/design.rules");
        let file = parse_str(text).map_err(|e| e.to_string());
        assert!(file.is_ok(), "{file:?}");
        assert_eq!(file.map(|f| f.items.len()).unwrap_or(0), 15);
    }
}
