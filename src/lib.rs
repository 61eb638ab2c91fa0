//! interdict: a rule engine for screening entity records.
#![forbid(unsafe_code)]

pub mod ast;
pub mod date;
pub mod source;
pub mod syntax;
pub mod check;
pub mod records;
