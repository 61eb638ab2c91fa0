//! `interdict snapshot`: record a decision snapshot of every record, or
//! check a run against the accepted one.

use std::io::{self, Write};

use super::common::{load_records, load_rules};
use super::snapshot::{self, Compared, Policy};
use super::{Exit, SnapshotArgs};
use crate::date::Date;
use crate::eval::EvalOptions;
use crate::reference::Engine;
use crate::report;

pub(super) fn run(args: &SnapshotArgs) -> io::Result<Exit> {
    let Some(rules) = load_rules(std::slice::from_ref(&args.rules), args.color)? else { return Ok(Exit::Rules) };
    let program = rules.program();
    let store = load_records(&args.records, &args.input, Some(program));
    let engine = Engine::new(program, &store, EvalOptions { as_of: args.as_of.unwrap_or_else(Date::today) })
        .with_limits(args.limits.get());
    let outcomes = engine.evaluate();
    let content = report::decision_snapshot(program, &store, &outcomes);
    let base = if args.rules.is_dir() {
        args.rules.clone()
    } else {
        args.rules.parent().map(|p| p.to_path_buf()).unwrap_or_default()
    };
    let dir = args.dir.clone().unwrap_or_else(|| base.join("snapshots"));
    let path = dir.join(format!("{}.snap", args.name));
    let source = format!("interdict snapshot {} {}", args.rules.display(), args.records.join(" "));
    let mut out = io::stdout().lock();
    match snapshot::compare(&path, &source, &content, Policy::new(args.accept), true)? {
        Compared::Matched => {
            writeln!(out, "snapshot `{}` matches ({} records)", args.name, store.entries().len())?;
            Ok(Exit::Clean)
        }
        Compared::Written => {
            writeln!(out, "wrote {}", path.display())?;
            Ok(Exit::Clean)
        }
        Compared::Differs { diff, pending } => {
            let n = report::changed_records(&diff);
            writeln!(out, "snapshot `{}` differs on {n} record{}", args.name, if n == 1 { "" } else { "s" })?;
            out.write_all(diff.as_bytes())?;
            drop(out);
            if let Some(p) = pending {
                if args.review {
                    let (accepted, _, _) = snapshot::review(std::slice::from_ref(&p))?;
                    return Ok(if accepted == 1 { Exit::Clean } else { Exit::Denied });
                }
                println!("pending: {} (review with --review, or --accept)", p.display());
            }
            Ok(Exit::Denied)
        }
    }
}
