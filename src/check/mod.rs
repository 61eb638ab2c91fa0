//! AST → [`Program`]: names, types, dependency order. Every error is
//! collected; a program is produced only when there are none.

mod compile;
mod deps;
mod error;
mod lint;
mod lists;
mod program;
mod types;

use std::path::PathBuf;
use std::sync::Arc;

pub use error::{CheckError, CheckErrorKind};
pub use lint::{LintKind, LintWarning, lint};
pub use program::{
    Base, BranchId, BranchSet, Def, DefId, Entity, Exemption, ExemptionId, FieldId, FieldType, LinkFields, Program,
    Rule, RuleId, Schema,
};
pub(crate) use program::{Cond, Const, ConstList, Head, PathExpr, PathStep, QRange, Quant, Sum, Term, num_key};
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

/// "did you mean `x`?" for the candidate closest to `name`, if any is close.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(1) + 1;
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| *d <= limit || c.to_lowercase() == name.to_lowercase())
        .min()
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["nationality", "name", "spouse"];
        assert_eq!(did_you_mean("nationalty", names).as_deref(), Some("did you mean `nationality`?"));
        assert_eq!(did_you_mean("spuose", names).as_deref(), Some("did you mean `spouse`?"));
        assert_eq!(did_you_mean("xyzzy", names), None);
    }
}
