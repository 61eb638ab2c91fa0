//! The fast path behind `interdict check`: a compact store parsed in
//! parallel straight from the input bytes, and a parallel evaluator over it.
//!
//! Same verdicts and the same evidence as the reference evaluator in
//! [`crate::eval`] (a differential test holds them to it); different means:
//! only the fields the program reads are kept, strings stay borrowed from
//! the input, links are resolved once, fields are found by id, decisions are
//! memoised in one byte per record, and records are judged on all cores.

mod closure;
mod cond;
mod engine;
mod fixpoint;
mod index;
mod judge;
mod overlay;
mod prepare;
mod quick;
mod reach;
mod store;
mod value;
mod walk;

pub use engine::{Evidence, FastEngine};
pub use overlay::{Judging, Overlay, record_ids};
pub use store::FastStore;
pub(crate) use store::Texts;
