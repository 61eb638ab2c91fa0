//! `interdict explain`: one record, every rule of its type, and the linked
//! records whose verdicts it read.

use std::io::{self, Write};

use crate::check::{Program, RuleId};
use crate::cli::config::ExplainConfig;
use crate::cli::config::Format;
use crate::cli::exit::Exit;
use crate::cli::load::{load_records, load_rules};
use crate::eval::EvalOptions;
use crate::records::{RecordIdx, RecordStore};
use crate::reference::Engine;
use crate::report;

/// How many levels of linked records to explain.
const LINK_DEPTH: usize = 8;

pub(in crate::cli) fn run(config: &ExplainConfig) -> io::Result<Exit> {
    let Some(rules) = load_rules(std::slice::from_ref(&config.rules), config.style)? else { return Ok(Exit::Rules) };
    let program = rules.program();
    let store = load_records(&config.inputs, Some(program));
    let Some(rec) = store.lookup(&config.id) else {
        eprintln!("error: no record with id `{}` in the inputs", config.id);
        return Ok(Exit::Data);
    };
    let only = match &config.rule {
        None => None,
        Some(name) => match rule_to_explain(program, &store, rec, name) {
            Some(rule) => Some(rule),
            None => return Ok(Exit::Rules),
        },
    };
    let engine = Engine::new(program, &store, EvalOptions { as_of: config.as_of })
        .with_limits(config.limits)
        .strict(config.strict);
    if let Some(unfit) = engine.unfit(rec) {
        eprint!("{}", report::render_diagnostic(&unfit, false, config.style.width));
        return Ok(Exit::Data);
    }
    let explanation = match engine.explain(rec, only, LINK_DEPTH) {
        Ok(e) => e,
        Err(e) => {
            eprint!("{}", report::render_diagnostic(&e, false, config.style.width));
            return Ok(Exit::Data);
        }
    };
    let (color, width) = (config.style.stdout_color, config.style.width);
    let mut out = io::BufWriter::new(io::stdout().lock());
    match config.format {
        Format::Json => report::write_explain_json(&mut out, program, &store, &explanation)?,
        Format::Human | Format::Summary => {
            report::write_explain_human(&mut out, program, &store, &explanation, config.as_of, color, width)?
        }
    }
    out.flush()?;
    Ok(Exit::Clean)
}

/// `--rule NAME`: the rule, if the rule set has it and it judges records of
/// this one's type; otherwise the error is printed.
fn rule_to_explain(program: &Program, store: &RecordStore, rec: RecordIdx, name: &str) -> Option<RuleId> {
    let (id, record_type) = (store.record(rec).id(), store.record(rec).record_type());
    match program.rule_named(name) {
        Some(r) if program.rule(r).record_type == record_type => Some(r),
        Some(r) => {
            eprintln!(
                "error: rule `{name}` judges `{}` records; `{id}` is a `{record_type}`",
                program.rule(r).record_type
            );
            None
        }
        None => {
            let help = crate::check::did_you_mean(name, program.rules().map(|r| r.name.as_str()));
            eprintln!("error: no rule `{name}`{}", help.map(|h| format!("; {h}")).unwrap_or_default());
            None
        }
    }
}
