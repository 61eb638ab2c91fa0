//! Errors of the SQL compiler: a rule set that checks but that the SQL
//! form cannot express (yet), located at the construct.

use crate::source::{Located, located_diagnostic};

/// A construct the SQL compiler does not translate.
#[derive(Clone, Debug)]
pub struct SqlError {
    kind: SqlErrorKind,
    at: Box<Located>,
}

/// What kind of construct.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SqlErrorKind {
    /// A rule set without `entity` declarations: the tables' columns and
    /// links come from them.
    Untyped,
    /// A construct with no SQL translation yet.
    Unsupported,
}

impl SqlErrorKind {
    fn code(self) -> &'static str {
        match self {
            SqlErrorKind::Untyped => "interdict::sql::untyped",
            SqlErrorKind::Unsupported => "interdict::sql::unsupported",
        }
    }
}

impl SqlError {
    pub(crate) fn new(kind: SqlErrorKind, at: Located) -> Self {
        SqlError { kind, at: Box::new(at) }
    }

    /// What kind of construct.
    pub fn kind(&self) -> SqlErrorKind {
        self.kind
    }

    /// Where, as `file:line:column`.
    pub fn position(&self) -> crate::source::Position {
        self.at.loc.position()
    }
}

located_diagnostic!(SqlError);
