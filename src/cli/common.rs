//! What several commands share: loading rules and records, printing diagnostics.

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;

use std::collections::HashMap;

use super::{ColorChoice, Exit, InputArgs, InputChoice, LintArgs, ValidateArgs};
use crate::check::Base;
use crate::check::Program;
use crate::records::convert::{Column, ConvertOptions, InputFormat, Scalar, convert};
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

/// What converting the inputs needs: the options given and the entity
/// declarations (CSV cells are typed by them).
pub(super) fn convert_options(args: &InputArgs, program: Option<&Program>) -> ConvertOptions {
    let mut columns: HashMap<String, HashMap<String, Column>> = HashMap::new();
    for entity in program.and_then(Program::schema).map(|s| s.entities.values()).into_iter().flatten() {
        let fields = entity.fields.iter().map(|(name, t)| {
            let scalar = match t.base {
                Base::Num => Scalar::Num,
                Base::Bool => Scalar::Bool,
                Base::Date => Scalar::Date,
                Base::Str | Base::Entity(_) => Scalar::Str,
            };
            (name.clone(), Column { scalar, list: t.list })
        });
        columns.insert(entity.name.clone(), fields.collect());
    }
    ConvertOptions { record_type: args.input_type.clone(), list_separator: args.list_separator, columns }
}

/// Reads the record inputs named on the command line (`-`: stdin), converted
/// to JSON Lines when they are CSV, YAML or FtM; an unreadable one is an
/// error in its place.
pub(super) fn read_inputs(
    paths: &[String],
    args: &InputArgs,
    program: Option<&Program>,
) -> Vec<Result<Input, crate::records::RecordError>> {
    let options = convert_options(args, program);
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
            let format = match args.input_format {
                Some(InputChoice::Json) => InputFormat::Json,
                Some(InputChoice::Csv) => InputFormat::Csv,
                Some(InputChoice::Yaml) => InputFormat::Yaml,
                Some(InputChoice::Ftm) => InputFormat::Ftm,
                None => InputFormat::from_name(&name),
            };
            read.map(|bytes| convert(Input::new(name.clone(), bytes), format, &options))
                .map_err(|e| RecordStore::io_error(&name, &e.to_string()))
        })
        .collect()
}

/// Reads the record inputs into a store; an unreadable input is an error entry.
pub(super) fn load_records(paths: &[String], args: &InputArgs, program: Option<&Program>) -> RecordStore {
    let mut store = RecordStore::default();
    for input in read_inputs(paths, args, program) {
        match input {
            Ok(input) => store.add_input(&input),
            Err(e) => store.push_error(e),
        }
    }
    store
}
