//! `interdict explain`: one record, every rule of its type, and the linked
//! records whose verdicts it read.

use std::io::{self, IsTerminal, Write};

use super::common::{load_records, load_rules, width};
use super::{Exit, ExplainArgs, Format};
use crate::date::Date;
use crate::eval::EvalOptions;
use crate::reference::Engine;
use crate::report;

/// How many levels of linked records to explain.
const LINK_DEPTH: usize = 8;

pub(super) fn run(args: &ExplainArgs) -> io::Result<Exit> {
    let Some(rules) = load_rules(std::slice::from_ref(&args.rules), args.color)? else { return Ok(Exit::Rules) };
    let program = rules.program();
    let store = load_records(&args.records, &args.input, Some(program));
    let Some(rec) = store.lookup(&args.id) else {
        eprintln!("error: no record with id `{}` in the inputs", args.id);
        return Ok(Exit::Data);
    };
    let only = match &args.rule {
        None => None,
        Some(name) => match program.rule_named(name) {
            Some(r) if program.rule(r).record_type == store.record(rec).record_type() => Some(r),
            Some(r) => {
                eprintln!(
                    "error: rule `{name}` judges `{}` records; `{}` is a `{}`",
                    program.rule(r).record_type,
                    args.id,
                    store.record(rec).record_type()
                );
                return Ok(Exit::Rules);
            }
            None => {
                let help = crate::check::did_you_mean(name, program.rules().map(|r| r.name.as_str()));
                eprintln!("error: no rule `{name}`{}", help.map(|h| format!("; {h}")).unwrap_or_default());
                return Ok(Exit::Rules);
            }
        },
    };
    let as_of = args.as_of.unwrap_or_else(Date::today);
    let engine = Engine::new(program, &store, EvalOptions { as_of }).with_limits(args.limits.get());
    let explanation = match engine.explain(rec, only, LINK_DEPTH) {
        Ok(e) => e,
        Err(e) => {
            eprint!("{}", report::render_diagnostic(&e, false, width()));
            return Ok(Exit::Data);
        }
    };
    let stdout = io::stdout();
    let color = args.color.enabled(stdout.is_terminal());
    let mut out = io::BufWriter::new(stdout.lock());
    match args.format {
        Format::Json => report::write_explain_json(&mut out, program, &store, &explanation)?,
        Format::Human | Format::Summary => {
            report::write_explain_human(&mut out, program, &store, &explanation, as_of, color, width())?
        }
    }
    out.flush()?;
    Ok(Exit::Clean)
}
