//! Program + record store + as-of date → one [`Outcome`] per input record.
//!
//! Never sees pest or the AST's conditions; does no IO.

mod budget;
mod engine;
mod error;
mod expr;
mod value;
mod verdict;
mod walk;

pub(crate) use budget::Budget;
pub use budget::Limits;
pub use engine::{Engine, EvalOptions};
pub(crate) use error::Fault;
pub use error::{EvalError, EvalErrorKind};
pub(crate) use value::number_value;
pub use verdict::{
    Decision, Explanation, Fact, FactKind, Fired, Hop, LinkProblem, LinkWarning, Observed, Outcome, RuleExplanation,
    RuleStatus, Shown, Verdict, Waived, Witness,
};

#[cfg(test)]
mod tests;
