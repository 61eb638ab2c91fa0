//! Errors of the syntax layer: the first problem in a rule file.

use crate::source::{Located, located_diagnostic};

/// A rule file that does not parse. Parsing stops at the first error of a
/// file; other files are still read.
#[derive(Clone, Debug)]
pub struct SyntaxError {
    kind: SyntaxErrorKind,
    at: Box<Located>,
}

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyntaxErrorKind {
    /// The text does not follow the grammar: `deny venue v when == 3`.
    Unexpected,
    /// Conditions nest deeper than the limit: `((((…))))`.
    TooDeep,
    /// A literal that looks right but is not a value: `2021-02-30`, `{0..2}`.
    BadLiteral,
    /// A clause written twice in one rule: `severity low severity high`.
    DuplicateClause,
}

impl SyntaxErrorKind {
    fn code(self) -> &'static str {
        match self {
            SyntaxErrorKind::Unexpected => "interdict::syntax::unexpected",
            SyntaxErrorKind::TooDeep => "interdict::syntax::too_deep",
            SyntaxErrorKind::BadLiteral => "interdict::syntax::bad_literal",
            SyntaxErrorKind::DuplicateClause => "interdict::syntax::duplicate_clause",
        }
    }
}

impl SyntaxError {
    pub(crate) fn new(kind: SyntaxErrorKind, at: Located) -> Self {
        SyntaxError { kind, at: Box::new(at) }
    }

    /// What went wrong.
    pub fn kind(&self) -> SyntaxErrorKind {
        self.kind
    }

    /// Where, as `file:line:column`.
    pub fn position(&self) -> crate::source::Position {
        self.at.loc.position()
    }
}

located_diagnostic!(SyntaxError);
