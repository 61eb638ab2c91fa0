//! `interdict snapshot`: record a decision snapshot of every record, or
//! check a run against the accepted one.

use std::io::{self, Write};

use crate::cli::config::SnapshotConfig;
use crate::cli::exit::Exit;
use crate::cli::load::{load_records, load_rules};
use crate::cli::snapshot_files::{self, Compared};
use crate::eval::EvalOptions;
use crate::reference::Engine;
use crate::report;

pub(in crate::cli) fn run(config: &SnapshotConfig) -> io::Result<Exit> {
    let Some(rules) = load_rules(std::slice::from_ref(&config.rules), config.style)? else { return Ok(Exit::Rules) };
    let program = rules.program();
    let store = load_records(&config.inputs, Some(program));
    let engine = Engine::new(program, &store, EvalOptions { as_of: config.as_of })
        .with_limits(config.limits)
        .strict(config.strict);
    let outcomes = engine.evaluate();
    let content = report::decision_snapshot(program, &store, &outcomes);
    let source = format!("interdict snapshot {} {}", config.rules.display(), config.inputs.paths.join(" "));
    let path = &config.path;
    let mut out = io::stdout().lock();
    match snapshot_files::compare(path, &source, &content, config.policy, true)? {
        Compared::Matched => {
            writeln!(out, "snapshot `{}` matches ({} records)", config.name, store.entries().len())?;
            Ok(Exit::Clean)
        }
        Compared::Written => {
            writeln!(out, "wrote {}", path.display())?;
            Ok(Exit::Clean)
        }
        Compared::Differs { diff, pending } => {
            let n = report::changed_records(&diff);
            writeln!(out, "snapshot `{}` differs on {n} record{}", config.name, report::plural(n))?;
            out.write_all(diff.as_bytes())?;
            drop(out);
            if let Some(p) = pending {
                if config.review {
                    let (accepted, _, _) = snapshot_files::review(std::slice::from_ref(&p))?;
                    return Ok(if accepted == 1 { Exit::Clean } else { Exit::Denied });
                }
                println!("pending: {} (review with --review, or --accept)", p.display());
            }
            Ok(Exit::Denied)
        }
    }
}
