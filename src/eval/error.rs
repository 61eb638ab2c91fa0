//! Errors of the eval layer: a record that could not be evaluated. Never
//! fatal to the run; the record's outcome is the error.

use std::fmt;

use crate::source::Position;

/// A record whose verdict could not be computed.
#[derive(Clone, Debug)]
pub struct EvalError {
    kind: EvalErrorKind,
    message: String,
    id: String,
    position: Position,
}

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EvalErrorKind {
    /// Verdicts that depend on each other through the records (possible only
    /// without entity declarations, where the checker cannot see the types).
    Cycle,
    /// A rule spent more than the per-record limits (`--max-steps`,
    /// `--max-visited`) on the record.
    Limit,
    /// A recursive group that did not settle within `--max-rounds`, or a
    /// sum on a cycle that met a negative number.
    Recursion,
}

impl EvalErrorKind {
    /// A stable code, e.g. `interdict::eval::cycle`.
    pub fn code(self) -> &'static str {
        match self {
            EvalErrorKind::Cycle => "interdict::eval::cycle",
            EvalErrorKind::Limit => "interdict::eval::limit",
            EvalErrorKind::Recursion => "interdict::eval::recursion",
        }
    }
}

/// What went wrong, before it is tied to the record being evaluated.
#[derive(Clone, Debug)]
pub(crate) struct Fault {
    pub(crate) kind: EvalErrorKind,
    pub(crate) message: String,
}

impl EvalError {
    pub(crate) fn new(fault: Fault, id: &str, position: Position) -> Self {
        EvalError { kind: fault.kind, message: fault.message, id: id.to_string(), position }
    }

    /// What went wrong.
    pub fn kind(&self) -> EvalErrorKind {
        self.kind
    }

    /// One line.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The record's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where the record was read.
    pub fn position(&self) -> &Position {
        &self.position
    }

    /// What to do about it.
    pub fn help_text(&self) -> &'static str {
        match self.kind {
            EvalErrorKind::Cycle => {
                "declare entities so the checker can find the cycle, or name one rule with `is denied by RULE`"
            }
            EvalErrorKind::Limit => {
                "raise the limit with --max-steps / --max-visited, or narrow the rule (a shorter hop range, a `where` on a link)"
            }
            EvalErrorKind::Recursion => {
                "raise --max-rounds for a longer chain of recursive verdicts; a sum on a cycle adds only numbers that are not negative"
            }
        }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

impl miette::Diagnostic for EvalError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.help_text()))
    }
}
