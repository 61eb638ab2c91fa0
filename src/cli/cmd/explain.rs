//! `interdict explain`: one record, every rule of its type, and the linked
//! records whose verdicts it read.

use std::io::{self, Write};

use crate::check::{ExemptionId, Program, RuleId};
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
        let nearest: Vec<String> = nearest_ids(&store, &config.id).iter().map(|id| format!("`{id}`")).collect();
        if !nearest.is_empty() {
            eprintln!("  help: did you mean {}?", nearest.join(" or "));
        }
        return Ok(Exit::Data);
    };
    let subject = match &config.rule {
        None => Subject::Record(None),
        Some(name) => match subject_to_explain(program, &store, rec, name) {
            Some(subject) => subject,
            None => return Ok(Exit::Rules),
        },
    };
    let engine = Engine::new(program, &store, EvalOptions { as_of: config.as_of })
        .with_limits(config.limits)
        .strict(config.strict)
        .full_chains(config.full);
    if let Some(unfit) = engine.unfit(rec) {
        eprint!("{}", report::render_diagnostic(&unfit, false, config.style.width));
        return Ok(Exit::Data);
    }
    let explained = match subject {
        Subject::Record(only) => engine.explain(rec, only, LINK_DEPTH),
        Subject::Exemption(x) => engine.explain_exemption(rec, x, LINK_DEPTH),
    };
    let explanation = match explained {
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

/// What `explain` explains on the record: every rule of its type or one
/// (`--rule RULE`), or one exemption (`--rule EXEMPTION`).
enum Subject {
    Record(Option<RuleId>),
    Exemption(ExemptionId),
}

/// `--rule NAME`: the rule, if the rule set has it and it judges records of
/// this one's type, or the exemption (of any type: explain says when it is
/// for another); otherwise the error is printed, with the nearest rule or
/// exemption name.
fn subject_to_explain(program: &Program, store: &RecordStore, rec: RecordIdx, name: &str) -> Option<Subject> {
    let (id, record_type) = (store.record(rec).id(), store.record(rec).record_type());
    if let Some(x) = program.exemption_named(name) {
        return Some(Subject::Exemption(x));
    }
    match program.rule_named(name) {
        Some(r) if program.rule(r).record_type == record_type => Some(Subject::Record(Some(r))),
        Some(r) => {
            eprintln!(
                "error: rule `{name}` judges `{}` records; `{id}` is a `{record_type}`",
                program.rule(r).record_type
            );
            None
        }
        None => {
            let names = program.rules().map(|r| r.name.as_str()).chain(program.exemptions().map(|x| x.name.as_str()));
            let help = crate::check::did_you_mean(name, names);
            eprintln!("error: no rule or exemption `{name}`{}", help.map(|h| format!("; {h}")).unwrap_or_default());
            None
        }
    }
}

/// How many ids the help after an unknown `--id` names at most.
const NEAREST_IDS: usize = 3;

/// The ids nearest an id that is in no input: those equal to it but for
/// case; else those at the smallest edit distance, if it is small for the
/// id's length (as for names in the rules). In input order, at most
/// [`NEAREST_IDS`].
fn nearest_ids<'s>(store: &'s RecordStore, wanted: &str) -> Vec<&'s str> {
    let ids = || store.iter().map(|(_, r)| r.id());
    let wanted = wanted.to_lowercase();
    let same_but_case: Vec<&str> = ids().filter(|id| id.to_lowercase() == wanted).collect();
    if !same_but_case.is_empty() {
        return same_but_case.into_iter().take(NEAREST_IDS).collect();
    }
    let limit = (wanted.chars().count() / 3).max(1);
    let distance = |id: &str| strsim::damerau_levenshtein(&wanted, &id.to_lowercase());
    let Some(best) = ids().map(distance).filter(|d| *d <= limit).min() else { return Vec::new() };
    ids().filter(|id| distance(id) == best).take(NEAREST_IDS).collect()
}
