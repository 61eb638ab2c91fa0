//! The reference engine: a checked program over a [`RecordStore`](crate::records::RecordStore),
//! one record at a time, written to be read. It defines what every rule
//! means; the fast engine ([`crate::fast`]) must agree with it byte for
//! byte. `explain`, `test`, `diff` and library users get this engine.
//!
//! Never sees pest or the AST's conditions; does no IO.

mod cond;
mod engine;
mod fixpoint;
mod judge;
mod trail;
mod value;
mod walk;

pub use engine::Engine;
