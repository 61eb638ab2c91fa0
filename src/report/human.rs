//! The human format: each fired rule drawn like a diagnostic, its source
//! lines with labels under the sub-conditions, annotated with the values found.

use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, Severity};

use super::summary::Summary;
use super::text::{clean, fact_text, misses_text};
use crate::check::Program;
use crate::eval::{Decision, Fact, FactKind, Outcome, Verdict};
use crate::records::{RecordError, Records};
use crate::source::{Loc, SourceFile};

/// Renders any diagnostic as text (with or without colour, at a width).
pub fn render_diagnostic(diagnostic: &dyn Diagnostic, color: bool, width: usize) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(width).with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, diagnostic).is_err() {
        out = format!("{diagnostic}\n");
    }
    out
}

/// A fired (or waived, or waiving) rule as a diagnostic over its source.
#[derive(Debug)]
pub(crate) struct Drawn {
    message: String,
    severity: Severity,
    src: Arc<SourceFile>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
}

impl fmt::Display for Drawn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Drawn {}

impl Diagnostic for Drawn {
    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&*self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
}

/// Labels for the facts located inside `within` (the rule's text); facts
/// elsewhere (in a def's body) are folded into their parent's label text.
/// A quantifier's misses (`explain`'s why-not) go to `notes`, shown below
/// the source.
fn labels(facts: &[Fact], within: &Loc, out: &mut Vec<LabeledSpan>, notes: &mut Vec<String>) -> Vec<String> {
    let mut elsewhere = Vec::new();
    for f in facts {
        notes.extend(misses_text(f));
        let nested = match &f.kind {
            FactKind::Quantifier { body, .. } | FactKind::Call { body, .. } | FactKind::Sum { body, .. } => {
                body.as_slice()
            }
            _ => &[],
        };
        let mut text = fact_text(f);
        let folded = labels(nested, within, out, notes);
        if !folded.is_empty() {
            text = format!("{text}: {}", folded.join("; "));
        }
        let inside = Arc::ptr_eq(&f.loc.src, &within.src)
            && within.span.start <= f.loc.span.start
            && f.loc.span.end <= within.span.end;
        if inside {
            out.push(LabeledSpan::new_with_span(Some(text), f.loc.span));
        } else {
            elsewhere.push(text);
        }
    }
    elsewhere
}

pub(crate) fn drawn(what: String, severity: Severity, rule: &Loc, facts: &[Fact]) -> Drawn {
    let (mut spans, mut notes) = (Vec::new(), Vec::new());
    let mut help = labels(facts, rule, &mut spans, &mut notes);
    help.append(&mut notes);
    Drawn {
        message: what,
        severity,
        src: Arc::clone(&rule.src),
        labels: spans,
        help: (!help.is_empty()).then(|| help.join("\n")),
    }
}

fn record_line(store: &dyn Records, v: &Verdict) -> String {
    record_header(store, v.record, v.decision)
}

/// `deny  venue v-02 "Pyongyang House"  (file:line:column)`.
pub(crate) fn record_header(store: &dyn Records, rec: crate::records::RecordIdx, decision: Decision) -> String {
    let name =
        store.name(rec).map(|n| format!(" {}", serde_json::Value::String(clean(n).into_owned()))).unwrap_or_default();
    format!(
        "{:<5} {} {}{name}  ({})",
        decision.as_str(),
        clean(store.record_type(rec)),
        clean(store.id(rec)),
        store.position(rec)
    )
}

/// Writes every outcome for people, then a one-line tally.
pub fn write_human(
    w: &mut impl Write,
    program: &Program,
    store: &dyn Records,
    outcomes: &[Outcome<'_>],
    color: bool,
    width: usize,
) -> io::Result<()> {
    write_human_outcomes(w, program, store, outcomes, color, width)?;
    let summary = Summary::new(program, store, outcomes);
    writeln!(w, "{}", summary.tally())
}

/// Writes outcomes for people, without the tally (a run written in batches).
pub fn write_human_outcomes(
    w: &mut impl Write,
    program: &Program,
    store: &dyn Records,
    outcomes: &[Outcome<'_>],
    color: bool,
    width: usize,
) -> io::Result<()> {
    for outcome in outcomes {
        match outcome {
            Outcome::Verdict(v) => write_verdict(w, program, store, v, color, width)?,
            Outcome::RecordError(e) => write_record_error(w, e, color, width)?,
            Outcome::EvalError(e) => {
                writeln!(w, "error {}", e.position())?;
                w.write_all(render_diagnostic(e, color, width).as_bytes())?;
            }
        }
    }
    Ok(())
}

/// Writes a record that could not be read: `error FILE:LINE:COLUMN`, then
/// the diagnostic.
pub fn write_record_error(w: &mut impl Write, e: &RecordError, color: bool, width: usize) -> io::Result<()> {
    writeln!(w, "error {}", e.position())?;
    w.write_all(render_diagnostic(e, color, width).as_bytes())
}

/// Writes one verdict for people: its header line, each fired and waived
/// rule drawn over its source, and its warnings.
pub fn write_verdict(
    w: &mut impl Write,
    program: &Program,
    store: &dyn Records,
    v: &Verdict,
    color: bool,
    width: usize,
) -> io::Result<()> {
    writeln!(w, "{}", record_line(store, v))?;
    for f in &v.fired {
        let rule = program.rule(f.rule);
        let severity = if v.decision == Decision::Deny && rule.effect == crate::ast::Effect::Deny {
            Severity::Error
        } else {
            Severity::Warning
        };
        let what =
            format!("{} by {} [{}]: {}", rule.effect.as_str(), rule.name, rule.severity.as_str(), clean(&rule.title));
        let d = drawn(what, severity, &rule.loc, &f.evidence);
        w.write_all(indent(&render_diagnostic(&d, color, width)).as_bytes())?;
    }
    for wv in &v.waived {
        let rule = program.rule(wv.rule);
        let x = program.exemption(wv.exemption);
        let what = format!(
            "{} by {} [{}] waived by exemption {}: {}",
            rule.effect.as_str(),
            rule.name,
            rule.severity.as_str(),
            x.name,
            clean(&rule.title)
        );
        let d = drawn(what, Severity::Advice, &rule.loc, &wv.evidence);
        w.write_all(indent(&render_diagnostic(&d, color, width)).as_bytes())?;
        let what = format!("exemption {} applies: {}", x.name, clean(&x.title));
        let d = drawn(what, Severity::Advice, &x.loc, &wv.exemption_evidence);
        w.write_all(indent(&render_diagnostic(&d, color, width)).as_bytes())?;
    }
    for warning in &v.warnings {
        writeln!(w, "  warning: {}", clean(&warning.message(store.id(v.record))))?;
    }
    Ok(())
}

pub(crate) fn indent(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
