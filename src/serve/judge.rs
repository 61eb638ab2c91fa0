//! Judging records as `check --format json` does, keeping per record what
//! the service needs besides the line: the id, the decision and the rules
//! (for the decision log, the metrics and reload summaries).

use std::io;

use rayon::prelude::*;

use crate::check::Program;
use crate::date::Date;
use crate::eval::{Decision, EvalOptions, Limits, Outcome};
use crate::fast::{Evidence, FastEngine, FastStore};
use crate::records::{Input, RecordError, Records};
use crate::report;

/// How records are judged: the settings of `check` that `serve` takes.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// The per-record budgets.
    pub limits: Limits,
    /// `--strict`: a record that does not fit its declaration is an error.
    pub strict: bool,
}

/// One input record's answer.
#[derive(Debug, Clone, Default)]
pub struct Judged {
    /// Its `check --format json` line, newline included (empty for a
    /// stored record as loaded: `Snapshot::line` renders it).
    pub line: Vec<u8>,
    /// The record's id, when it has one.
    pub id: Option<String>,
    /// Its decision; `None` for an error.
    pub decision: Option<Decision>,
    /// The rules that fired (not waived), by name.
    pub fired: Vec<String>,
    /// The rules that fired and were waived, by name.
    pub waived: Vec<String>,
    /// The exemption that waived each of `waived`, by name.
    pub waived_by: Vec<String>,
}

/// The inputs' records from entry `from` on, judged over all the inputs
/// (so records past `from` may link to those before it and to each other).
pub fn judge_from(
    program: &Program,
    inputs: &[Result<Input, RecordError>],
    from: usize,
    as_of: Date,
    settings: Settings,
    evidence: Evidence,
) -> io::Result<(usize, Vec<Judged>)> {
    judge_store(program, &FastStore::load(inputs, program), from, as_of, settings, evidence, Lines::Rendered)
}

/// Whether judging renders each record's line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lines {
    /// `Judged::line` holds the line.
    Rendered,
    /// `Judged::line` is empty (the stored records: rendered on request).
    Left,
}

/// The store's entries from `from` on, judged over the whole store.
pub fn judge_store(
    program: &Program,
    store: &FastStore<'_>,
    from: usize,
    as_of: Date,
    settings: Settings,
    evidence: Evidence,
    lines: Lines,
) -> io::Result<(usize, Vec<Judged>)> {
    let engine = FastEngine::new(program, store, EvalOptions { as_of }, evidence)
        .with_limits(settings.limits)
        .strict(settings.strict);
    // Recursive rules first, on every core, as `check` does.
    engine.settle();
    let judged = (from.min(engine.entries())..engine.entries())
        .into_par_iter()
        .with_min_len(64)
        .filter_map(|i| engine.outcome(i))
        .map(|outcome| judged(program, store, &outcome, lines))
        .collect::<io::Result<Vec<_>>>()?;
    Ok((engine.entries(), judged))
}

fn judged(program: &Program, store: &FastStore<'_>, outcome: &Outcome<'_>, lines: Lines) -> io::Result<Judged> {
    let mut line = Vec::new();
    if lines == Lines::Rendered {
        line.reserve(512);
        report::append_json(&mut line, program, store, std::slice::from_ref(outcome))?;
    }
    let rule_name = |r| program.rule(r).name.clone();
    Ok(match outcome {
        Outcome::Verdict(v) => Judged {
            line,
            id: Some(store.id(v.record).to_string()),
            decision: Some(v.decision),
            fired: v.fired.iter().map(|f| rule_name(f.rule)).collect(),
            waived: v.waived.iter().map(|w| rule_name(w.rule)).collect(),
            waived_by: v.waived.iter().map(|w| program.exemption(w.exemption).name.clone()).collect(),
        },
        Outcome::RecordError(e) => Judged { line, id: e.id().map(str::to_string), decision: None, ..Judged::default() },
        Outcome::EvalError(e) => Judged { line, id: Some(e.id().to_string()), decision: None, ..Judged::default() },
    })
}

/// A stable 64-bit content hash (FNV-1a), as 16 hex digits: the same bytes
/// give the same hash on every machine and build, which is what a log that
/// is replayed elsewhere needs (it is no defence against forgery).
pub fn content_hash<'b>(parts: impl IntoIterator<Item = &'b [u8]>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // A separator, so ("ab", "c") and ("a", "bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}
