//! JSON Lines output: one object per input record, in input order.
//!
//! # Wire format (stable)
//!
//! Every line is an object with `"kind"`:
//!
//! - `"verdict"`: `id`, `type`, `decision` (`allow|flag|deny`), `source`
//!   (`{file, line, column}` of the record), `fired` (rules that fired and
//!   were not waived), `waived` (rules that fired and were waived; each adds
//!   `waived_by`, the exemption's name, and `exemption`: `{name, title,
//!   location, evidence}`), `warnings` (`{field, target, problem: {kind:
//!   missing|wrong_type|not_an_id, …}, message}`).
//!   A rule is `{rule, title, effect, severity, location, evidence}`.
//! - `"error"`: `id` (or null), `source`, `error`: `{code, message, help, first}`
//!   (`first`: where a duplicate id was first used).
//!
//! Evidence is a list of facts `{kind, text, location, holds, summary, …}`
//! where `text` is the sub-condition as written, `summary` one line of what
//! was seen, and by kind: `compare` (`left`, `op`, `right`), `matches`
//! (`subject`, `pattern`), `exists` (`path`), `is` (`subject`, `verdict`,
//! `by`, `decision`, `rules`), `quantifier` (`quantifier`, `var`, `over`,
//! `count`, `witness` with `depth` and `position`, `evidence`), `call`
//! (`def`, `args`, `evidence`), `value` (`value`). A value seen is
//! `{chain, …}` plus one of `value`, `record`+`type`+`name`, `list`,
//! `missing: true`, `unresolved`; `chain` lists the hops `{via, …}` from the
//! binder's record to it.

use std::io::{self, Write};

use serde::Serialize;

use super::fact_text;
use crate::check::Program;
use crate::eval::{Decision, Fact, FactKind, LinkProblem, Observed, Outcome, Shown, Verdict};
use crate::records::{RecordError, Records};
use crate::source::{Loc, Position};

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Line<'a> {
    Verdict(VerdictOut<'a>),
    Error(ErrorOut<'a>),
}

#[derive(Serialize)]
struct VerdictOut<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    record_type: &'a str,
    decision: Decision,
    source: Position,
    fired: Vec<RuleOut<'a>>,
    waived: Vec<WaivedOut<'a>>,
    warnings: Vec<WarningOut<'a>>,
}

#[derive(Serialize)]
struct RuleOut<'a> {
    rule: &'a str,
    title: &'a str,
    effect: &'static str,
    severity: &'static str,
    location: Position,
    evidence: Vec<FactOut<'a>>,
}

#[derive(Serialize)]
struct WaivedOut<'a> {
    #[serde(flatten)]
    rule: RuleOut<'a>,
    waived_by: &'a str,
    exemption: ExemptionOut<'a>,
}

#[derive(Serialize)]
struct ExemptionOut<'a> {
    name: &'a str,
    title: &'a str,
    location: Position,
    evidence: Vec<FactOut<'a>>,
}

#[derive(Serialize)]
struct WarningOut<'a> {
    field: &'a str,
    target: &'a str,
    problem: &'a LinkProblem,
    message: String,
}

#[derive(Serialize)]
struct ErrorOut<'a> {
    id: Option<&'a str>,
    source: &'a Position,
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'static str,
    message: &'a str,
    help: Option<&'a str>,
    first: Option<&'a Position>,
}

#[derive(Serialize)]
pub(crate) struct FactOut<'a> {
    #[serde(flatten)]
    detail: Detail<'a>,
    text: &'a str,
    location: Position,
    holds: bool,
    summary: String,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Detail<'a> {
    Compare {
        left: ObservedOut<'a>,
        op: &'static str,
        right: ObservedOut<'a>,
    },
    Matches {
        subject: ObservedOut<'a>,
        pattern: &'a str,
    },
    Exists {
        path: ObservedOut<'a>,
    },
    Is {
        subject: ObservedOut<'a>,
        verdict: &'static str,
        by: Option<&'a str>,
        decision: Option<Decision>,
        rules: &'a [String],
    },
    Quantifier {
        quantifier: &'static str,
        var: &'a str,
        over: &'a str,
        of_type: bool,
        count: Option<usize>,
        witness: Option<WitnessOut<'a>>,
        evidence: Vec<FactOut<'a>>,
    },
    Call {
        def: &'a str,
        args: Vec<ObservedOut<'a>>,
        evidence: Vec<FactOut<'a>>,
    },
    Value {
        value: ObservedOut<'a>,
    },
}

#[derive(Serialize)]
struct WitnessOut<'a> {
    #[serde(flatten)]
    element: ObservedOut<'a>,
    depth: Option<u32>,
    position: usize,
}

#[derive(Serialize)]
struct ObservedOut<'a> {
    chain: Vec<HopOut<'a>>,
    #[serde(flatten)]
    value: ShownOut<'a>,
}

#[derive(Serialize)]
struct HopOut<'a> {
    via: Option<&'a str>,
    #[serde(flatten)]
    to: ShownOut<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ShownOut<'a> {
    Record {
        record: &'a str,
        #[serde(rename = "type")]
        record_type: &'a str,
        name: Option<&'a str>,
    },
    Value {
        value: &'a serde_json::Value,
    },
    List {
        list: Vec<ShownOut<'a>>,
    },
    Missing {
        missing: bool,
    },
    Unresolved {
        unresolved: &'a str,
    },
}

fn shown(s: &Shown) -> ShownOut<'_> {
    match s {
        Shown::Record { id, record_type, name } => ShownOut::Record { record: id, record_type, name: name.as_deref() },
        Shown::Value(v) => ShownOut::Value { value: v },
        Shown::List(items) => ShownOut::List { list: items.iter().map(shown).collect() },
        Shown::Missing => ShownOut::Missing { missing: true },
        Shown::Unresolved(id) => ShownOut::Unresolved { unresolved: id },
    }
}

fn observed(o: &Observed) -> ObservedOut<'_> {
    ObservedOut {
        chain: o
            .chain
            .iter()
            .map(|h| HopOut { via: (!h.via.is_empty()).then(|| h.via.trim_start_matches('.')), to: shown(&h.to) })
            .collect(),
        value: shown(&o.value),
    }
}

/// A location relative to the run: file, line and column of the rule text.
fn location(loc: &Loc) -> Position {
    loc.position()
}

pub(crate) fn facts(list: &[Fact]) -> Vec<FactOut<'_>> {
    list.iter().map(fact).collect()
}

fn fact(f: &Fact) -> FactOut<'_> {
    let detail = match &f.kind {
        FactKind::Compare { lhs, op, rhs } => {
            Detail::Compare { left: observed(lhs), op: op.as_str(), right: observed(rhs) }
        }
        FactKind::Matches { subject, pattern } => Detail::Matches { subject: observed(subject), pattern },
        FactKind::Exists { path } => Detail::Exists { path: observed(path) },
        FactKind::Is { subject, verdict, by, decision, rules } => Detail::Is {
            subject: observed(subject),
            verdict: verdict.as_str(),
            by: by.as_deref(),
            decision: *decision,
            rules,
        },
        FactKind::Quantifier { quantifier, var, over, of_type, count, witness, body } => Detail::Quantifier {
            quantifier: quantifier.as_str(),
            var,
            over,
            of_type: *of_type,
            count: *count,
            witness: witness.as_ref().map(|w| WitnessOut {
                element: observed(&w.element),
                depth: w.depth,
                position: w.position,
            }),
            evidence: facts(body),
        },
        FactKind::Call { def, args, body } => {
            Detail::Call { def, args: args.iter().map(observed).collect(), evidence: facts(body) }
        }
        FactKind::Truthy { value } => Detail::Value { value: observed(value) },
    };
    FactOut { detail, text: f.loc.text(), location: location(&f.loc), holds: f.holds, summary: fact_text(f) }
}

fn rule_out<'a>(program: &'a Program, rule: crate::check::RuleId, evidence: &'a [Fact]) -> RuleOut<'a> {
    let r = program.rule(rule);
    RuleOut {
        rule: &r.name,
        title: &r.title,
        effect: r.effect.as_str(),
        severity: r.severity.as_str(),
        location: location(&r.loc),
        evidence: facts(evidence),
    }
}

fn verdict_line<'a>(program: &'a Program, store: &'a dyn Records, v: &'a Verdict) -> Line<'a> {
    let id = store.id(v.record);
    Line::Verdict(VerdictOut {
        id,
        record_type: store.record_type(v.record),
        decision: v.decision,
        source: store.position(v.record),
        fired: v.fired.iter().map(|f| rule_out(program, f.rule, &f.evidence)).collect(),
        waived: v
            .waived
            .iter()
            .map(|w| {
                let x = program.exemption(w.exemption);
                WaivedOut {
                    rule: rule_out(program, w.rule, &w.evidence),
                    waived_by: &x.name,
                    exemption: ExemptionOut {
                        name: &x.name,
                        title: &x.title,
                        location: location(&x.loc),
                        evidence: facts(&w.exemption_evidence),
                    },
                }
            })
            .collect(),
        warnings: v
            .warnings
            .iter()
            .map(|w| WarningOut {
                field: &w.field,
                target: &w.target,
                problem: &w.problem,
                message: w.message(id),
            })
            .collect(),
    })
}

fn record_error_line(e: &RecordError) -> Line<'_> {
    Line::Error(ErrorOut {
        id: e.id(),
        source: e.position(),
        error: ErrorDetail { code: e.kind().code(), message: e.message(), help: e.help_text(), first: e.first() },
    })
}

/// Writes one JSON object per outcome, one per line.
pub fn write_json(
    w: &mut impl Write,
    program: &Program,
    store: &dyn Records,
    outcomes: &[Outcome<'_>],
) -> io::Result<()> {
    for outcome in outcomes {
        let line = match outcome {
            Outcome::Verdict(v) => verdict_line(program, store, v),
            Outcome::RecordError(e) => record_error_line(e),
            Outcome::EvalError(e) => Line::Error(ErrorOut {
                id: Some(e.id()),
                source: e.position(),
                error: ErrorDetail {
                    code: e.kind().code(),
                    message: e.message(),
                    help: Some(e.help_text()),
                    first: None,
                },
            }),
        };
        serde_json::to_writer(&mut *w, &line)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::chain_text;

    #[test]
    fn chain_text_reads_like_the_design() {
        let o = Observed {
            chain: vec![
                crate::eval::Hop {
                    via: String::new(),
                    to: Shown::Record { id: "v-12".into(), record_type: "venue".into(), name: None },
                },
                crate::eval::Hop {
                    via: ".operator".into(),
                    to: Shown::Record { id: "p-7".into(), record_type: "person".into(), name: Some("Kim".into()) },
                },
                crate::eval::Hop { via: ".nationality".into(), to: Shown::Value("KR".into()) },
            ],
            value: Shown::Value("KR".into()),
        };
        assert_eq!(chain_text(&o), "venue v-12 → operator p-7 \"Kim\" → nationality \"KR\"");
    }
}
