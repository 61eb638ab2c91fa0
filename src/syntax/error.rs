//! Errors of the syntax layer: the problems of a rule file, one per
//! declaration that does not parse.

use crate::source::{Located, located_diagnostic};

/// A declaration that does not parse. Parsing goes on at the next
/// declaration, and other files are still read.
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
    /// A body or bracket still open where the next declaration starts: a
    /// rule without its `}`.
    Unclosed,
    /// More errors in one file than are shown.
    TooMany,
}

impl SyntaxErrorKind {
    /// The stable code, e.g. `interdict::check::unknown_name`.
    pub fn code(self) -> &'static str {
        match self {
            SyntaxErrorKind::Unexpected => "interdict::syntax::unexpected",
            SyntaxErrorKind::TooDeep => "interdict::syntax::too_deep",
            SyntaxErrorKind::BadLiteral => "interdict::syntax::bad_literal",
            SyntaxErrorKind::DuplicateClause => "interdict::syntax::duplicate_clause",
            SyntaxErrorKind::Unclosed => "interdict::syntax::unclosed",
            SyntaxErrorKind::TooMany => "interdict::syntax::too_many",
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

    /// Its message, location, label, help and related places (for a
    /// language server, which shows them its own way).
    pub fn located(&self) -> &Located {
        &self.at
    }

    /// Where, as `file:line:column`.
    pub fn position(&self) -> crate::source::Position {
        self.at.loc.position()
    }

    /// The text it is about.
    pub(super) fn loc(&self) -> &crate::source::Loc {
        &self.at.loc
    }
}

located_diagnostic!(SyntaxError);
