//! interdict: a rule engine for screening entity records.
//!
//! Rule files are parsed ([`syntax`]), checked and compiled ([`check`]),
//! and evaluated ([`eval`]) over records loaded into a store ([`records`]);
//! [`report`] turns the outcomes into text. [`RuleSet`] and the re-exports
//! here are the API boundary:
//!
//! ```
//! use interdict::{Engine, EvalOptions, Input, RecordStore, RuleSet, SourceFile, date::Date, eval::Decision};
//!
//! let rules = RuleSet::from_sources(vec![SourceFile::new(
//!     "venues.rules",
//!     r#"rule venue_ban "Venue operated by a South Korean national" {
//!            deny venue v when v.operator.nationality == "KR"
//!        }"#,
//! )])
//! .map_err(|e| e.len())?;
//! let records = RecordStore::load([Input::new(
//!     "records.jsonl",
//!     br#"{"id":"p-7","type":"person","nationality":"KR"}
//! {"id":"v-12","type":"venue","operator":"p-7"}"#
//!         .as_slice(),
//! )]);
//! let as_of = Date::parse_exact("2024-01-01").ok_or(0usize)?;
//! let engine = Engine::new(rules.program(), &records, EvalOptions { as_of });
//! let venue = records.lookup("v-12").ok_or(0usize)?;
//! let verdict = engine.verdict(venue).map_err(|_| 0usize)?;
//! assert_eq!(verdict.decision, Decision::Deny);
//! # Ok::<(), usize>(())
//! ```

pub mod ast;
pub mod check;
pub mod cli;
pub mod date;
pub mod eval;
pub mod export;
pub mod fast;
pub mod fixtures;
pub mod lsp;
pub mod records;
pub mod reference;
pub mod report;
#[cfg(feature = "serve")]
pub mod serve;
pub mod source;
pub mod sql;
pub mod syntax;

#[cfg(test)]
mod semantics_tests;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use check::Program;
pub use eval::{Decision, EvalOptions, Outcome, Verdict};
pub use records::{Input, RecordStore};
pub use reference::Engine;
pub use source::SourceFile;

/// A checked rule set.
#[derive(Debug)]
pub struct RuleSet {
    program: Program,
    files: Vec<(Arc<SourceFile>, ast::File)>,
}

/// Why a rule set could not be loaded: one entry per problem, all of them.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum RuleError {
    /// A rule file or folder that cannot be read.
    #[error("cannot read `{path}`: {message}")]
    #[diagnostic(code(interdict::rules::io), help("give a `.rules` file or a folder that holds some"))]
    Io {
        /// The path as given.
        path: String,
        /// What the system said.
        message: String,
    },
    /// A file that does not parse.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Syntax(#[from] syntax::SyntaxError),
    /// A rule set that does not check.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Check(#[from] check::CheckError),
}

impl RuleSet {
    /// Reads, parses and checks rule files. Each path is a `.rules` file or a
    /// folder searched recursively for `.rules` files (in path order).
    pub fn load(paths: &[impl AsRef<Path>]) -> Result<RuleSet, Vec<RuleError>> {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        for path in paths {
            let path = path.as_ref();
            match rule_files(path) {
                Ok(found) if found.is_empty() => errors.push(RuleError::Io {
                    path: path.display().to_string(),
                    message: "no `.rules` files here".to_string(),
                }),
                Ok(found) => {
                    for file in found {
                        match std::fs::read(&file) {
                            Ok(bytes) => match String::from_utf8(bytes) {
                                Ok(text) => files.push(SourceFile::new(file.display().to_string(), text)),
                                Err(e) => errors.push(RuleError::Io {
                                    path: file.display().to_string(),
                                    message: not_utf8(e.as_bytes(), e.utf8_error().valid_up_to()),
                                }),
                            },
                            Err(e) => {
                                errors.push(RuleError::Io { path: file.display().to_string(), message: e.to_string() })
                            }
                        }
                    }
                }
                Err(e) => errors.push(RuleError::Io { path: path.display().to_string(), message: e.to_string() }),
            }
        }
        // `list("FILE")` stays inside the folder given (a file's own folder).
        let roots: Vec<PathBuf> = paths
            .iter()
            .map(|p| {
                let p = p.as_ref();
                if p.is_dir() { p.to_path_buf() } else { p.parent().map(Path::to_path_buf).unwrap_or_default() }
            })
            .collect();
        match Self::from_sources_in(files, &roots) {
            Ok(rules) if errors.is_empty() => Ok(rules),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.extend(more);
                Err(errors)
            }
        }
    }

    /// Parses and checks rule texts already in memory.
    /// A `list("FILE")` is read relative to its rule file's name, and must
    /// stay inside that file's folder.
    pub fn from_sources(files: Vec<Arc<SourceFile>>) -> Result<RuleSet, Vec<RuleError>> {
        Self::from_sources_in(files, &[])
    }

    fn from_sources_in(files: Vec<Arc<SourceFile>>, roots: &[PathBuf]) -> Result<RuleSet, Vec<RuleError>> {
        let Analysis { files, errors, program } = Analysis::new(files, roots);
        match program {
            Some(program) => Ok(RuleSet { program, files }),
            None => Err(errors),
        }
    }

    /// The compiled program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// Warnings about rules that check but are probably not what was meant
    /// (see [`check::lint`]); `as_of` decides which `effective` ranges have ended.
    pub fn lint(&self, as_of: date::Date) -> Vec<check::LintWarning> {
        check::lint(&self.files, &self.program, as_of)
    }
}

/// A rule set read as far as it goes: every file's declarations that
/// parse, every problem `validate` reports, and the program when there are
/// none. What [`RuleSet`] is made from, and what an editor shows.
#[derive(Debug)]
pub struct Analysis {
    /// Each file and the declarations of it that parse.
    pub files: Vec<(Arc<SourceFile>, ast::File)>,
    /// The syntax and check errors, all of them.
    pub errors: Vec<RuleError>,
    /// The compiled program, when there are no errors.
    pub program: Option<Program>,
}

impl Analysis {
    /// Parses and checks rule texts; `roots` as for [`RuleSet::load`] (a
    /// `list("FILE")` must stay inside the root holding its rule file).
    pub fn new(files: Vec<Arc<SourceFile>>, roots: &[PathBuf]) -> Analysis {
        Analysis::from_parsed(files.into_iter().map(|src| (syntax::parse_all(&src), src)).collect(), roots)
    }

    /// Checks rule texts already parsed (each as [`syntax::parse_all`] or
    /// [`syntax::reparse`] reads it).
    pub fn from_parsed(files: Vec<(syntax::Parsed, Arc<SourceFile>)>, roots: &[PathBuf]) -> Analysis {
        let mut parsed = Vec::new();
        let mut errors = Vec::new();
        let mut broken = Broken::default();
        for (read, src) in files {
            broken.names.extend(read.broken);
            broken.unnamed |= read.broken_unnamed;
            errors.extend(read.errors.into_iter().map(RuleError::Syntax));
            parsed.push((src, read.file));
        }
        let program = match check::check_in(&parsed, roots) {
            Ok(program) if errors.is_empty() => Some(program),
            Ok(_) => None,
            Err(more) => {
                // The declarations that parse are checked too; but a name
                // that a broken declaration declares is not unknown.
                errors.extend(more.into_iter().filter(|e| !broken.explains(e)).map(RuleError::Check));
                None
            }
        };
        Analysis { files: parsed, errors, program }
    }

    /// The lint warnings, when the rule set checks (as [`RuleSet::lint`]).
    pub fn lint(&self, as_of: date::Date) -> Vec<check::LintWarning> {
        self.program.as_ref().map(|p| check::lint(&self.files, p, as_of)).unwrap_or_default()
    }
}

/// The declarations that did not parse, by name where it could be read.
#[derive(Default)]
struct Broken {
    names: HashSet<String>,
    unnamed: bool,
}

impl Broken {
    /// A check error that only says a broken declaration is missing: an
    /// unknown name that one of them declares (any unknown name, when one of
    /// them has no name that could be read).
    fn explains(&self, e: &check::CheckError) -> bool {
        e.kind() == check::CheckErrorKind::UnknownName && (self.unnamed || self.names.contains(e.subject()))
    }
}

/// Where a file stops being UTF-8: line and column (in characters) of the
/// first bad byte.
fn not_utf8(bytes: &[u8], valid: usize) -> String {
    let good = String::from_utf8_lossy(bytes.get(..valid).unwrap_or_default());
    let line = good.matches('\n').count() + 1;
    let column = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let byte = bytes.get(valid).copied().unwrap_or_default();
    format!("not UTF-8 text: invalid byte 0x{byte:02x} at line {line}, column {column}")
}

/// The `.rules` files at `path` (itself, or found below it), sorted.
pub fn rule_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut dirs = vec![path.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let p = entry?.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "rules") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}
