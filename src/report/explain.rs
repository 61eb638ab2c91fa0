//! `explain`: every rule of a record's type with its standing and evidence
//! (why it fired, or which part was false and what was seen), and the linked
//! records whose verdicts it read, as a tree.

use std::io::{self, Write};

use miette::Severity;
use serde::Serialize;

use super::human::{Drawn, drawn, indent, record_header, render_diagnostic};
use super::json::{FactsJson, LocJson, WarningOut};
use super::text::clean;
use crate::check::Program;
use crate::date::Date;
use crate::eval::{Decision, Explanation, RuleExplanation, RuleStatus};
use crate::records::Records;
use crate::source::Position;

/// Writes an explanation for people.
pub fn write_explain_human(
    w: &mut impl Write,
    program: &Program,
    store: &dyn Records,
    e: &Explanation,
    as_of: Date,
    color: bool,
    width: usize,
) -> io::Result<()> {
    writeln!(w, "as of {as_of}")?;
    Tree { program, store, color, width }.write(w, e, 0)
}

/// What every level of the tree is drawn with.
struct Tree<'a> {
    program: &'a Program,
    store: &'a dyn Records,
    color: bool,
    width: usize,
}

impl Tree<'_> {
    /// The record's header, its rules, then the linked records a level deeper.
    fn write(&self, w: &mut impl Write, e: &Explanation, level: usize) -> io::Result<()> {
        let pad = "    ".repeat(level);
        let arrow = if level == 0 { "" } else { "↳ " };
        writeln!(w, "{pad}{arrow}{}", record_header(self.store, e.record, e.decision))?;
        for warning in &e.warnings {
            writeln!(w, "{pad}  warning: {}", clean(&warning.message(self.store.id(e.record))))?;
        }
        for r in &e.rules {
            self.write_rule(w, r, &pad)?;
        }
        for linked in &e.linked {
            self.write(w, linked, level + 1)?;
        }
        Ok(())
    }

    /// A rule's standing: its evidence drawn over its source, or one line
    /// when it is not in effect.
    fn write_rule(&self, w: &mut impl Write, r: &RuleExplanation, pad: &str) -> io::Result<()> {
        let rule = self.program.rule(r.rule);
        let name = format!("{} [{}]: {}", rule.name, rule.severity.as_str(), clean(&rule.title));
        if let RuleStatus::NotInEffect = r.status {
            let (from, to) = rule.effective.map_or((String::new(), String::new()), |(f, t)| {
                (f.to_string(), t.map(|t| format!(" to {t}")).unwrap_or_default())
            });
            return writeln!(w, "{pad}  not in effect: {name} (effective from {from}{to})");
        }
        for b in self.drawn(r, &name) {
            let text = indent(&render_diagnostic(&b, self.color, self.width.saturating_sub(pad.len())));
            for line in text.lines() {
                writeln!(w, "{pad}{line}")?;
            }
        }
        Ok(())
    }

    /// The rule (and, when waived, the exemption) as diagnostics over their
    /// source, labelled with the evidence.
    fn drawn(&self, r: &RuleExplanation, name: &str) -> Vec<Drawn> {
        let rule = self.program.rule(r.rule);
        match &r.status {
            RuleStatus::Fired => {
                let severity =
                    if rule.effect == crate::ast::Effect::Deny { Severity::Error } else { Severity::Warning };
                vec![drawn(format!("fired: {} by {name}", rule.effect.as_str()), severity, &rule.loc, &r.evidence)]
            }
            RuleStatus::Waived { exemption, evidence } => {
                let x = self.program.exemption(*exemption);
                vec![
                    drawn(
                        format!("waived by exemption {}: {} by {name}", x.name, rule.effect.as_str()),
                        Severity::Advice,
                        &rule.loc,
                        &r.evidence,
                    ),
                    drawn(
                        format!("exemption {} applies: {}", x.name, clean(&x.title)),
                        Severity::Advice,
                        &x.loc,
                        evidence,
                    ),
                ]
            }
            RuleStatus::NotFired => {
                vec![drawn(format!("not fired: {name}"), Severity::Advice, &rule.loc, &r.evidence)]
            }
            RuleStatus::NotInEffect => Vec::new(),
        }
    }
}

#[derive(Serialize)]
struct ExplanationOut<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    record_type: &'a str,
    decision: Decision,
    source: Position,
    rules: Vec<RuleOut<'a>>,
    warnings: Vec<WarningOut<'a>>,
    linked: Vec<ExplanationOut<'a>>,
}

#[derive(Serialize)]
struct RuleOut<'a> {
    rule: &'a str,
    title: &'a str,
    effect: &'static str,
    severity: &'static str,
    location: Position,
    status: &'static str,
    evidence: FactsJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exemption: Option<ExemptionOut<'a>>,
}

#[derive(Serialize)]
struct ExemptionOut<'a> {
    name: &'a str,
    title: &'a str,
    location: LocJson<'a>,
    evidence: FactsJson<'a>,
}

fn out<'a>(program: &'a Program, store: &'a dyn Records, e: &'a Explanation) -> ExplanationOut<'a> {
    ExplanationOut {
        id: store.id(e.record),
        record_type: store.record_type(e.record),
        decision: e.decision,
        source: store.position(e.record),
        rules: e
            .rules
            .iter()
            .map(|r| {
                let rule = program.rule(r.rule);
                let (status, exemption) = match &r.status {
                    RuleStatus::Fired => ("fired", None),
                    RuleStatus::Waived { exemption, evidence } => {
                        let x = program.exemption(*exemption);
                        let detail = ExemptionOut {
                            name: &x.name,
                            title: &x.title,
                            location: LocJson(&x.loc),
                            evidence: FactsJson(evidence),
                        };
                        ("waived", Some(detail))
                    }
                    RuleStatus::NotFired => ("not_fired", None),
                    RuleStatus::NotInEffect => ("not_in_effect", None),
                };
                RuleOut {
                    rule: &rule.name,
                    title: &rule.title,
                    effect: rule.effect.as_str(),
                    severity: rule.severity.as_str(),
                    location: rule.loc.position(),
                    status,
                    evidence: FactsJson(&r.evidence),
                    exemption,
                }
            })
            .collect(),
        warnings: e.warnings.iter().map(|w| WarningOut::of(w, store.id(e.record))).collect(),
        linked: e.linked.iter().map(|l| out(program, store, l)).collect(),
    }
}

/// Writes an explanation as one JSON object: `{id, type, decision, source,
/// rules: [{rule, title, effect, severity, location, status
/// (fired|waived|not_fired|not_in_effect), evidence, exemption?}], warnings
/// (as a verdict's), linked: […]}`.
pub fn write_explain_json(
    w: &mut impl Write,
    program: &Program,
    store: &dyn Records,
    e: &Explanation,
) -> io::Result<()> {
    serde_json::to_writer(&mut *w, &out(program, store, e))?;
    w.write_all(b"\n")
}
