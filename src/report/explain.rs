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
use crate::eval::{Decision, ExemptionExplanation, ExemptionStatus, Explanation, RuleExplanation, RuleStatus};
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

/// Writes, for people, only the rules' and exemptions' standings of an
/// explanation (no record header, no linked records), each line after
/// `pad`: the why-not under a failing test expectation.
pub fn write_standings_human(
    w: &mut impl Write,
    program: &Program,
    store: &dyn Records,
    e: &Explanation,
    pad: &str,
    color: bool,
    width: usize,
) -> io::Result<()> {
    let tree = Tree { program, store, color, width };
    for r in &e.rules {
        tree.write_rule(w, r, pad)?;
    }
    for x in &e.exemptions {
        tree.write_exemption(w, x, e.record, pad)?;
    }
    Ok(())
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
        for x in &e.exemptions {
            self.write_exemption(w, x, e.record, &pad)?;
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

    /// An exemption's standing: its condition drawn with the evidence (why
    /// it applies, or the part that was false), or one line when it is for
    /// another type of record.
    fn write_exemption(
        &self,
        w: &mut impl Write,
        x: &ExemptionExplanation,
        rec: crate::records::RecordIdx,
        pad: &str,
    ) -> io::Result<()> {
        let exemption = self.program.exemption(x.exemption);
        let name = format!("exemption {}: {}", exemption.name, clean(&exemption.title));
        let what = match x.status {
            ExemptionStatus::OtherType => {
                let (id, record_type) = (clean(self.store.id(rec)), clean(self.store.record_type(rec)));
                return writeln!(
                    w,
                    "{pad}  does not apply: {name} (it waives rules on `{}` records; `{id}` is a `{record_type}`)",
                    clean(&exemption.record_type)
                );
            }
            ExemptionStatus::DoesNotApply => format!("does not apply: {name}"),
            ExemptionStatus::Applies if x.waived.is_empty() => format!("applies (waived nothing here): {name}"),
            ExemptionStatus::Applies => {
                let rules: Vec<&str> = x.waived.iter().map(|r| self.program.rule(*r).name.as_str()).collect();
                format!("applies (waives {}): {name}", rules.join(", "))
            }
        };
        let d = drawn(what, Severity::Advice, &exemption.loc, &x.evidence);
        let text = indent(&render_diagnostic(&d, self.color, self.width.saturating_sub(pad.len())));
        for line in text.lines() {
            writeln!(w, "{pad}{line}")?;
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
    #[serde(skip_serializing_if = "Vec::is_empty")]
    exemptions: Vec<ExemptionStandingOut<'a>>,
    warnings: Vec<WarningOut<'a>>,
    linked: Vec<ExplanationOut<'a>>,
}

/// `explain --rule EXEMPTION`: where the exemption stands on the record.
#[derive(Serialize)]
struct ExemptionStandingOut<'a> {
    exemption: &'a str,
    title: &'a str,
    #[serde(rename = "type")]
    record_type: &'a str,
    location: LocJson<'a>,
    status: &'static str,
    waived: Vec<&'a str>,
    evidence: FactsJson<'a>,
}

fn exemption_out<'a>(program: &'a Program, x: &'a ExemptionExplanation) -> ExemptionStandingOut<'a> {
    let exemption = program.exemption(x.exemption);
    ExemptionStandingOut {
        exemption: &exemption.name,
        title: &exemption.title,
        record_type: &exemption.record_type,
        location: LocJson(&exemption.loc),
        status: match x.status {
            ExemptionStatus::Applies => "applies",
            ExemptionStatus::DoesNotApply => "does_not_apply",
            ExemptionStatus::OtherType => "other_type",
        },
        waived: x.waived.iter().map(|r| program.rule(*r).name.as_str()).collect(),
        evidence: FactsJson(&x.evidence),
    }
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
        exemptions: e.exemptions.iter().map(|x| exemption_out(program, x)).collect(),
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
