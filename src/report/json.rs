//! JSON Lines output: one object per input record, in input order.
//!
//! # Wire format (stable)
//!
//! Every line is an object with `"kind"`:
//!
//! - `"verdict"`: `id`, `type`, `decision` (`allow|flag|deny`), `rules` (the
//!   names of the rules that fired, then of those waived, then of the
//!   exemptions that waived them: the decision in one list), `source`
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
//! `count`, `witness` with `depth` and `position`, `evidence`), `sum`
//! (`var`, `over`, `of_type`, `terms`: each value added, `total`, `op`,
//! `right`, `evidence`: why each term counts, its filter's facts in term
//! order), `call`
//! (`def`, `args`, `evidence`), `value` (`value`). A value seen is
//! `{chain, …}` plus one of `value`, `record`+`type`+`name`, `list`,
//! `missing: true`, `unresolved`; `chain` lists the hops `{via, …}` from the
//! binder's record to it.

use std::io::{self, Write};

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct, Serializer};

use super::fact_text;
use crate::check::Program;
use crate::eval::{Decision, Fact, FactKind, Hop, LinkProblem, Observed, Outcome, Shown, Verdict};
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
    rules: Vec<&'a str>,
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
    location: LocJson<'a>,
    evidence: FactsJson<'a>,
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
    location: LocJson<'a>,
    evidence: FactsJson<'a>,
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

/// Evidence, streamed straight into the serializer: a list of facts, each
/// a map. (Evidence is written for every fired rule of every record, so no
/// intermediate tree is built.)
pub(crate) struct FactsJson<'a>(pub(crate) &'a [Fact]);

impl Serialize for FactsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for f in self.0 {
            seq.serialize_element(&FactJson(f))?;
        }
        seq.end()
    }
}

struct FactJson<'a>(&'a Fact);

impl Serialize for FactJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let mut m = s.serialize_map(None)?;
        match &f.kind {
            FactKind::Compare { lhs, op, rhs } => {
                m.serialize_entry("kind", "compare")?;
                m.serialize_entry("left", &ObservedJson(lhs))?;
                m.serialize_entry("op", op.as_str())?;
                m.serialize_entry("right", &ObservedJson(rhs))?;
            }
            FactKind::Matches { subject, pattern } => {
                m.serialize_entry("kind", "matches")?;
                m.serialize_entry("subject", &ObservedJson(subject))?;
                m.serialize_entry("pattern", pattern)?;
            }
            FactKind::Exists { path } => {
                m.serialize_entry("kind", "exists")?;
                m.serialize_entry("path", &ObservedJson(path))?;
            }
            FactKind::Is { subject, verdict, by, decision, rules } => {
                m.serialize_entry("kind", "is")?;
                m.serialize_entry("subject", &ObservedJson(subject))?;
                m.serialize_entry("verdict", verdict.as_str())?;
                m.serialize_entry("by", by)?;
                m.serialize_entry("decision", decision)?;
                m.serialize_entry("rules", rules)?;
            }
            FactKind::Quantifier { quantifier, var, over, of_type, count, witness, body } => {
                m.serialize_entry("kind", "quantifier")?;
                m.serialize_entry("quantifier", quantifier.as_str())?;
                m.serialize_entry("var", var)?;
                m.serialize_entry("over", over)?;
                m.serialize_entry("of_type", of_type)?;
                m.serialize_entry("count", count)?;
                m.serialize_entry("witness", &witness.as_ref().map(WitnessJson))?;
                m.serialize_entry("evidence", &FactsJson(body))?;
            }
            FactKind::Sum { var, over, of_type, terms, total, op, rhs, body } => {
                m.serialize_entry("kind", "sum")?;
                m.serialize_entry("var", var)?;
                m.serialize_entry("over", over)?;
                m.serialize_entry("of_type", of_type)?;
                m.serialize_entry("terms", &ObservedsJson(terms))?;
                m.serialize_entry("total", total)?;
                m.serialize_entry("op", op.as_str())?;
                m.serialize_entry("right", &ObservedJson(rhs))?;
                m.serialize_entry("evidence", &FactsJson(body))?;
            }
            FactKind::Call { def, args, body } => {
                m.serialize_entry("kind", "call")?;
                m.serialize_entry("def", def)?;
                m.serialize_entry("args", &ObservedsJson(args))?;
                m.serialize_entry("evidence", &FactsJson(body))?;
            }
            FactKind::Truthy { value } => {
                m.serialize_entry("kind", "value")?;
                m.serialize_entry("value", &ObservedJson(value))?;
            }
        }
        m.serialize_entry("text", f.loc.text())?;
        m.serialize_entry("location", &LocJson(&f.loc))?;
        m.serialize_entry("holds", &f.holds)?;
        m.serialize_entry("summary", &fact_text(f))?;
        m.end()
    }
}

struct WitnessJson<'a>(&'a crate::eval::Witness);

impl Serialize for WitnessJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        observed_entries(&mut m, &self.0.element)?;
        m.serialize_entry("depth", &self.0.depth)?;
        m.serialize_entry("position", &self.0.position)?;
        m.end()
    }
}

struct ObservedsJson<'a>(&'a [Observed]);

impl Serialize for ObservedsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for o in self.0 {
            seq.serialize_element(&ObservedJson(o))?;
        }
        seq.end()
    }
}

struct ObservedJson<'a>(&'a Observed);

impl Serialize for ObservedJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        observed_entries(&mut m, self.0)?;
        m.end()
    }
}

/// `chain` and the value's own keys.
fn observed_entries<M: SerializeMap>(m: &mut M, o: &Observed) -> Result<(), M::Error> {
    m.serialize_entry("chain", &ChainJson(&o.chain))?;
    shown_entries(m, &o.value)
}

struct ChainJson<'a>(&'a [Hop]);

impl Serialize for ChainJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for h in self.0 {
            seq.serialize_element(&HopJson(h))?;
        }
        seq.end()
    }
}

struct HopJson<'a>(&'a Hop);

impl Serialize for HopJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("via", &(!h.via.is_empty()).then(|| h.via.trim_start_matches('.')))?;
        shown_entries(&mut m, &h.to)?;
        m.end()
    }
}

/// A value seen, as its own object: `{"record": …}`, `{"value": …}`, ….
struct ShownJson<'a>(&'a Shown);

impl Serialize for ShownJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        shown_entries(&mut m, self.0)?;
        m.end()
    }
}

fn shown_entries<M: SerializeMap>(m: &mut M, s: &Shown) -> Result<(), M::Error> {
    match s {
        Shown::Record { id, record_type, name } => {
            m.serialize_entry("record", id)?;
            m.serialize_entry("type", record_type)?;
            m.serialize_entry("name", name)
        }
        Shown::Value(v) => m.serialize_entry("value", v),
        Shown::List(items) => m.serialize_entry("list", &ShownsJson(items)),
        Shown::Missing => m.serialize_entry("missing", &true),
        Shown::Unresolved(id) => m.serialize_entry("unresolved", id),
    }
}

struct ShownsJson<'a>(&'a [Shown]);

impl Serialize for ShownsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for x in self.0 {
            seq.serialize_element(&ShownJson(x))?;
        }
        seq.end()
    }
}

/// `{"file", "line", "column"}` of a rule-text location, written without
/// building a [`Position`].
pub(crate) struct LocJson<'a>(pub(crate) &'a Loc);

impl Serialize for LocJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (line, column) = self.0.line_col();
        let mut m = s.serialize_struct("Position", 3)?;
        m.serialize_field("file", self.0.src.name())?;
        m.serialize_field("line", &line)?;
        m.serialize_field("column", &column)?;
        m.end()
    }
}

fn rule_out<'a>(program: &'a Program, rule: crate::check::RuleId, evidence: &'a [Fact]) -> RuleOut<'a> {
    let r = program.rule(rule);
    RuleOut {
        rule: &r.name,
        title: &r.title,
        effect: r.effect.as_str(),
        severity: r.severity.as_str(),
        location: LocJson(&r.loc),
        evidence: FactsJson(evidence),
    }
}

fn verdict_line<'a>(program: &'a Program, store: &'a dyn Records, v: &'a Verdict) -> Line<'a> {
    let id = store.id(v.record);
    let mut rules: Vec<&str> = v.fired.iter().map(|f| program.rule(f.rule).name.as_str()).collect();
    rules.extend(v.waived.iter().map(|w| program.rule(w.rule).name.as_str()));
    for w in &v.waived {
        let x = program.exemption(w.exemption).name.as_str();
        if !rules.contains(&x) {
            rules.push(x);
        }
    }
    Line::Verdict(VerdictOut {
        id,
        record_type: store.record_type(v.record),
        decision: v.decision,
        rules,
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
                        location: LocJson(&x.loc),
                        evidence: FactsJson(&w.exemption_evidence),
                    },
                }
            })
            .collect(),
        warnings: v
            .warnings
            .iter()
            .map(|w| WarningOut { field: &w.field, target: &w.target, problem: &w.problem, message: w.message(id) })
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
