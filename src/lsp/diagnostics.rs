//! The rule set's problems as LSP diagnostics, file by file: the same
//! codes, messages, help lines and related places as `validate` prints.

use std::collections::BTreeMap;
use std::path::PathBuf;

use lsp_types::{Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString};

use super::text::loc_range;
use super::uri::location;
use super::workspace::RuleSetState;
use crate::RuleError;
use crate::source::Located;

/// Every file of the rule set and its diagnostics (none for a clean file,
/// so that the editor clears what it showed).
pub(crate) fn diagnostics(set: &RuleSetState) -> BTreeMap<PathBuf, Vec<Diagnostic>> {
    let mut by_file: BTreeMap<PathBuf, Vec<Diagnostic>> =
        set.analysis.files.iter().map(|(src, _)| (PathBuf::from(src.name()), Vec::new())).collect();
    for error in &set.analysis.errors {
        let (located, code) = match error {
            RuleError::Syntax(e) => (e.located(), e.kind().code()),
            RuleError::Check(e) => (e.located(), e.kind().code()),
            // A file that cannot be read has no place to show it.
            RuleError::Io { .. } => continue,
        };
        let d = diagnostic(located, code, DiagnosticSeverity::ERROR);
        by_file.entry(PathBuf::from(located.loc.src.name())).or_default().push(d);
    }
    for warning in &set.lint {
        let located = warning.located();
        let d = diagnostic(located, warning.code(), DiagnosticSeverity::WARNING);
        by_file.entry(PathBuf::from(located.loc.src.name())).or_default().push(d);
    }
    by_file
}

/// One diagnostic: the message with its help under it, the label and the
/// other labelled places as related information.
pub(crate) fn diagnostic(located: &Located, code: &str, severity: DiagnosticSeverity) -> Diagnostic {
    let mut message = located.message.clone();
    if let Some(help) = &located.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = std::iter::once((&located.loc, &located.label))
        .chain(located.also.iter().map(|(loc, label)| (loc, label)))
        .filter_map(|(loc, label)| {
            Some(DiagnosticRelatedInformation { location: location(loc)?, message: label.clone() })
        })
        .collect();
    Diagnostic {
        range: loc_range(&located.loc),
        severity: Some(severity),
        code: Some(NumberOrString::String(code.to_string())),
        source: Some("interdict".to_string()),
        message,
        related_information: Some(related),
        ..Diagnostic::default()
    }
}
