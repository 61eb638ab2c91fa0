//! What several commands share: loading rules and records, printing diagnostics.

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;

use super::{ColorChoice, Exit, LintArgs, ValidateArgs};
use crate::records::{Input, RecordStore};
use crate::report;
use crate::{RuleError, RuleSet};

/// Terminal width for diagnostics: `COLUMNS`, else 100.
pub(super) fn width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100)
}

pub(super) fn print_rule_errors(errors: &[RuleError], color: ColorChoice) -> io::Result<()> {
    let color = color.enabled(io::stderr().is_terminal());
    let mut err = io::stderr().lock();
    for e in errors {
        err.write_all(report::render_diagnostic(e, color, width()).as_bytes())?;
    }
    let n = errors.len();
    writeln!(err, "error: {n} problem{} in the rule set", if n == 1 { "" } else { "s" })
}

pub(super) fn load_rules(paths: &[PathBuf], color: ColorChoice) -> io::Result<Option<RuleSet>> {
    match RuleSet::load(paths) {
        Ok(rules) => Ok(Some(rules)),
        Err(errors) => {
            print_rule_errors(&errors, color)?;
            Ok(None)
        }
    }
}

/// Prints lint warnings on stderr; returns how many there were.
fn print_lint(rules: &RuleSet, as_of: crate::date::Date, color: ColorChoice) -> io::Result<usize> {
    let warnings = rules.lint(as_of);
    let color = color.enabled(io::stderr().is_terminal());
    let mut err = io::stderr().lock();
    for w in &warnings {
        err.write_all(report::render_diagnostic(w, color, width()).as_bytes())?;
    }
    Ok(warnings.len())
}

pub(super) fn lint(args: &LintArgs) -> io::Result<Exit> {
    let Some(rules) = load_rules(&args.rules, args.color)? else { return Ok(Exit::Rules) };
    let n = print_lint(&rules, args.as_of.unwrap_or_else(crate::date::Date::today), args.color)?;
    println!("{n} warning{}", if n == 1 { "" } else { "s" });
    Ok(if args.deny_warnings && n > 0 { Exit::Denied } else { Exit::Clean })
}

pub(super) fn validate(args: &ValidateArgs) -> io::Result<Exit> {
    let Some(rules) = load_rules(&args.rules, args.color)? else { return Ok(Exit::Rules) };
    print_lint(&rules, crate::date::Date::today(), args.color)?;
    let p = rules.program();
    let files = p.files().len();
    println!(
        "ok: {} rule{}, {} exemption{} in {files} file{}",
        p.rules().count(),
        if p.rules().count() == 1 { "" } else { "s" },
        p.exemptions().count(),
        if p.exemptions().count() == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" }
    );
    Ok(Exit::Clean)
}

/// Reads the record inputs named on the command line (`-`: stdin); an
/// unreadable one is an error in its place.
pub(super) fn read_inputs(paths: &[String]) -> Vec<Result<Input, crate::records::RecordError>> {
    paths
        .iter()
        .map(|path| {
            let read = if path == "-" {
                let mut bytes = Vec::new();
                io::stdin().lock().read_to_end(&mut bytes).map(|_| bytes)
            } else {
                std::fs::read(path)
            };
            let name = if path == "-" { "<stdin>".to_string() } else { path.clone() };
            read.map(|bytes| Input { name: name.clone(), bytes })
                .map_err(|e| RecordStore::io_error(&name, &e.to_string()))
        })
        .collect()
}

/// Reads the record inputs into a store; an unreadable input is an error entry.
pub(super) fn load_records(paths: &[String]) -> RecordStore {
    let mut store = RecordStore::default();
    for input in read_inputs(paths) {
        match input {
            Ok(input) => store.add_input(&input),
            Err(e) => store.push_error(e),
        }
    }
    store
}
