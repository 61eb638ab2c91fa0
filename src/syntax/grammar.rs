//! The grammar (`grammar/interdict.pest`) as pest's parser and its
//! `Rule`s, and what the language reserves: its words and how deep it nests.

mod derived {
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "grammar/interdict.pest"]
    pub(in crate::syntax) struct Grammar;
}
pub(super) use derived::{Grammar, Rule};

/// How deep conditions (and any bracket) may nest. Deeper input is a syntax
/// error, never a stack overflow.
pub const MAX_DEPTH: usize = 256;

/// The reserved words (listed in docs/language.md, "Reserved words").
pub const RESERVED: &[&str] = &[
    "entity",
    "let",
    "def",
    "rule",
    "exempt",
    "deny",
    "flag",
    "when",
    "severity",
    "effective",
    "from",
    "to",
    "waive",
    "for",
    "and",
    "or",
    "not",
    "in",
    "exists",
    "contains",
    "starts_with",
    "matches",
    "count",
    "any",
    "all",
    "none",
    "where",
    "is",
    "by",
    "true",
    "false",
];

/// A reserved word of the language (listed in docs/language.md, "Reserved words").
pub fn is_reserved(word: &str) -> bool {
    RESERVED.contains(&word)
}
