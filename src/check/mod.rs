//! AST → [`Program`]: names, types, dependency order. Every error is
//! collected; a program is produced only when there are none.

mod compile;
mod deps;
mod error;
mod lint;
mod lists;
mod polarity;
mod program;
mod schema;
mod types;

use std::path::PathBuf;
use std::sync::Arc;

pub use error::{CheckError, CheckErrorKind, did_you_mean, did_you_mean_name};
pub use lint::{LintKind, LintWarning, lint};
pub(crate) use lists::read as read_list_file;
pub use program::{
    BranchId, BranchSet, Def, DefId, Exemption, ExemptionId, FieldId, LinkFields, Program, Rule, RuleId,
};
pub(crate) use program::{
    Cond, Const, ConstList, Head, PathExpr, PathStep, QRange, Quant, ReverseLookup, Sum, Term, num_key,
};
pub use schema::{Base, Entity, FieldType, Schema};
pub(crate) use types::Ty;

use crate::ast;
use crate::source::SourceFile;

/// Checks parsed rule files together (names are global across files) and
/// compiles them.
pub fn check(files: &[(Arc<SourceFile>, ast::File)]) -> Result<Program, Vec<CheckError>> {
    compile::Compiler::run(files, &[])
}

/// [`check`], for a rule set read from folders: `list("FILE")` paths must
/// stay inside the root holding their rule file (without one, inside the
/// rule file's own folder).
pub fn check_in(files: &[(Arc<SourceFile>, ast::File)], roots: &[PathBuf]) -> Result<Program, Vec<CheckError>> {
    compile::Compiler::run(files, roots)
}
