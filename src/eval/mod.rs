//! What evaluation means and produces, shared by both engines: the
//! verdict, evidence and error types, the per-record budget, how values
//! compare, and how a condition is evaluated ([`cond`]) over the
//! operations an engine provides ([`Evaluator`]).
//!
//! The two engines — [`crate::reference`] (simple; the definition) and
//! [`crate::fast`] (compiled store, parallel) — differ in how they store
//! records and walk links, never in meaning: what is written here is
//! written once.

mod budget;
mod cond;
mod conform;
mod error;
mod fixpoint;
mod judge;
mod reverse;
mod standing;
mod value;
mod verdict;

pub(crate) use budget::Budget;
pub use budget::Limits;
pub(crate) use cond::{
    Evaluator, Frame, Misses, RangeText, Settled, SumSeen, bind_slot, finish_quantifier, finish_quantifier_with_misses,
    finish_sum, is_verdict, quantifier_holds, settled_by,
};
pub(crate) use conform::{Conformance, Declared, JsonView, Kind, data_warnings, unfit_error};
pub(crate) use error::Fault;
pub use error::{EvalError, EvalErrorKind};
pub(crate) use fixpoint::{
    Fixpoints, MAX_ROUNDS, View, current_view, negative_in_cycle, record_lookups, too_many_rounds, with_view,
};
pub(crate) use judge::{Judge, Owner, Standing};
pub(crate) use reverse::ReverseIndex;
pub(crate) use value::{Scalar, const_shown, holds, in_const_list};
pub use verdict::{
    CHAIN_ENDS, Chain, Computation, Computed, Decision, ExemptionExplanation, ExemptionStatus, Explanation, Fact,
    FactKind, Fired, Hop, LinkProblem, LinkWarning, MISSES_SHOWN, Miss, Observed, Outcome, RuleExplanation, RuleStatus,
    Shown, Verdict, Waived, Witness,
};
pub(crate) use verdict::{elide, shared};

use crate::date::Date;

/// How to evaluate.
#[derive(Clone, Copy, Debug)]
pub struct EvalOptions {
    /// The day `effective from … to …` and `as_of` are judged against.
    pub as_of: Date,
}
