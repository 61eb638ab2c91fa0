//! Text → AST. The only module that knows pest.
//!
//! [`parse_all`] reads a file whole or, when it does not parse, cut into
//! its declarations (`recover.rs`), so that one that does not parse costs
//! only itself; for the file or each declaration it checks nesting
//! depth by a plain scan first (so pest never recurses deeply), runs the
//! pest grammar, turns its error into words a rule author understands
//! (`expected.rs`), or reports a body left open where it was opened, and
//! lowers the pairs to [`crate::ast`] (`lower.rs`). [`reparse`] parses
//! a file again after an edit, through the grammar only the declarations
//! whose text changed (`reparse.rs`). `grammar.rs` holds pest's parser with the
//! language's reserved words and nesting limit; `print.rs` writes an AST
//! back as text.

mod error;
mod expected;
mod grammar;
mod lower;
mod parse;
mod print;
mod recover;
mod reparse;

pub use error::{SyntaxError, SyntaxErrorKind};
pub use grammar::{MAX_DEPTH, RESERVED, is_reserved};
pub use parse::{MAX_ERRORS, Parsed, parse, parse_all};
pub use print::{format_source, print_file};
pub use reparse::{Reparse, reparse};
