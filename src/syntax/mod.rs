//! Text → AST. The only module that knows pest.
//!
//! [`parse`] checks nesting depth by a plain scan first (so pest never
//! recurses deeply), runs the pest grammar, turns its error into words a
//! rule author understands (`expected.rs`), and lowers the pairs to
//! [`crate::ast`] (`lower.rs`). `grammar.rs` holds pest's parser with the
//! language's reserved words and nesting limit; `print.rs` writes an AST
//! back as text.

mod error;
mod expected;
mod grammar;
mod lower;
mod parse;
mod print;

pub use error::{SyntaxError, SyntaxErrorKind};
pub use grammar::{MAX_DEPTH, is_reserved};
pub use parse::parse;
pub use print::{format_source, print_file};
