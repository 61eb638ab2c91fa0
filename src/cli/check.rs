//! `interdict check`: one verdict (or error) per record.

use std::io::{self, IsTerminal, Write};
use std::time::Instant;

use super::common::{load_records, load_rules, width};
use super::{CheckArgs, Exit, FailOn, Format};
use crate::date::Date;
use crate::eval::{Decision, Engine, EvalOptions, Outcome};
use crate::report;

pub(super) fn run(args: &CheckArgs) -> io::Result<Exit> {
    let started = Instant::now();
    let Some(rules) = load_rules(std::slice::from_ref(&args.rules), args.color)? else { return Ok(Exit::Rules) };
    let store = load_records(&args.records);
    let loaded = started.elapsed();
    let progress = io::stderr().is_terminal() && store.len() >= 100_000;
    if progress {
        eprintln!("interdict: loaded {} records in {:.1}s; evaluating…", store.len(), loaded.as_secs_f64());
    }
    let options = EvalOptions { as_of: args.as_of.unwrap_or_else(Date::today) };
    let engine = Engine::new(rules.program(), &store, options);
    let outcomes = engine.evaluate();
    let evaluated = started.elapsed() - loaded;
    if args.timings {
        eprintln!("load_s={:.4} eval_s={:.4}", loaded.as_secs_f64(), evaluated.as_secs_f64());
    }

    let stdout = io::stdout();
    let color = args.color.enabled(stdout.is_terminal());
    let mut out = io::BufWriter::new(stdout.lock());
    let program = rules.program();
    match args.format {
        Format::Human => report::write_human(&mut out, program, &store, &outcomes, color, width())?,
        Format::Json => report::write_json(&mut out, program, &store, &outcomes)?,
        Format::Summary => report::write_summary(&mut out, program, &store, &outcomes)?,
    }
    out.flush()?;
    if progress {
        eprintln!("interdict: done in {:.1}s", started.elapsed().as_secs_f64());
    }
    Ok(exit_for(&outcomes, args.fail_on))
}

fn exit_for(outcomes: &[Outcome<'_>], fail_on: FailOn) -> Exit {
    let mut worst = Decision::Allow;
    for o in outcomes {
        match o {
            Outcome::Verdict(v) => worst = worst.max(v.decision),
            Outcome::RecordError(_) | Outcome::EvalError(_) => return Exit::Data,
        }
    }
    let fails = match fail_on {
        FailOn::Deny => worst == Decision::Deny,
        FailOn::Flag => worst >= Decision::Flag,
        FailOn::Never => false,
    };
    if fails { Exit::Denied } else { Exit::Clean }
}
