//! Loading what commands run on: rule sets (their diagnostics printed on
//! stderr) and record inputs (files or stdin, converted from CSV, YAML or
//! FtM when they are not JSON).

use std::io::{self, Read, Write};
use std::path::PathBuf;

use miette::Diagnostic;

use super::config::{Inputs, ReadOptions, Style};
use crate::check::Program;
use crate::fixtures::declared_columns;
use crate::records::convert::{ConvertOptions, InputFormat, convert};
use crate::records::{Input, RecordError, RecordStore};
use crate::report::{self, plural};
use crate::{RuleError, RuleSet};

/// Writes diagnostics on stderr, each drawn over its source.
pub(super) fn print_diagnostics<D: Diagnostic>(diagnostics: &[D], style: Style) -> io::Result<()> {
    let mut err = io::stderr().lock();
    for d in diagnostics {
        err.write_all(report::render_diagnostic(d, style.stderr_color, style.width).as_bytes())?;
    }
    Ok(())
}

/// Rule errors on stderr, then how many there were.
pub(super) fn print_rule_errors(errors: &[RuleError], style: Style) -> io::Result<()> {
    print_diagnostics(errors, style)?;
    let n = errors.len();
    writeln!(io::stderr().lock(), "error: {n} problem{} in the rule set", plural(n))
}

/// The rule set at `paths`, or `None` when it has errors (printed).
pub(super) fn load_rules(paths: &[PathBuf], style: Style) -> io::Result<Option<RuleSet>> {
    match RuleSet::load(paths) {
        Ok(rules) => Ok(Some(rules)),
        Err(errors) => {
            print_rule_errors(&errors, style)?;
            Ok(None)
        }
    }
}

/// What converting the inputs needs: the options given and the entity
/// declarations (CSV cells are typed by them).
pub(super) fn convert_options(read: &ReadOptions, program: Option<&Program>) -> ConvertOptions {
    let columns = program.map(declared_columns).unwrap_or_default();
    ConvertOptions { record_type: read.record_type.clone(), list_separator: read.list_separator, columns }
}

/// Reads the record inputs (`-`: stdin), converted to JSON Lines when they
/// are CSV, YAML or FtM; an unreadable one is an error in its place.
pub(super) fn read_inputs(inputs: &Inputs, program: Option<&Program>) -> Vec<Result<Input, RecordError>> {
    let options = convert_options(&inputs.read, program);
    inputs
        .paths
        .iter()
        .map(|path| {
            let read = if path == "-" {
                let mut bytes = Vec::new();
                io::stdin().lock().read_to_end(&mut bytes).map(|_| bytes)
            } else {
                std::fs::read(path)
            };
            let name = if path == "-" { "<stdin>".to_string() } else { path.clone() };
            let format = inputs.read.format.unwrap_or_else(|| InputFormat::from_name(&name));
            read.map(|bytes| convert(Input::new(name.clone(), bytes), format, &options))
                .map_err(|e| RecordStore::io_error(&name, &e.to_string()))
        })
        .collect()
}

/// Reads the record inputs into a store; an unreadable input is an error entry.
pub(super) fn load_records(inputs: &Inputs, program: Option<&Program>) -> RecordStore {
    let mut store = RecordStore::default();
    for input in read_inputs(inputs, program) {
        match input {
            Ok(input) => store.add_input(&input),
            Err(e) => store.push_error(e),
        }
    }
    store
}
