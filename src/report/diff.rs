//! `diff`: which records a rule change flips, grouped by rule, with examples.

use std::collections::BTreeMap;
use std::io::{self, Write};

use miette::Severity;
use serde::Serialize;

use super::human::{drawn, indent, record_header, render_diagnostic};
use super::text::{clean, plural};
use crate::check::Program;
use crate::eval::{Decision, Fact, Outcome, Verdict};
use crate::records::Records;

/// What a record's verdict is made of, by rule name (comparable across rule sets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// The decision.
    pub decision: Decision,
    /// Rules that fired and were not waived.
    pub fired: Vec<String>,
    /// Rules that fired and were waived, with the exemption.
    pub waived: Vec<(String, String)>,
}

impl Standing {
    fn of(program: &Program, v: &Verdict) -> Standing {
        Standing {
            decision: v.decision,
            fired: v.fired.iter().map(|f| program.rule(f.rule).name.clone()).collect(),
            waived: v
                .waived
                .iter()
                .map(|w| (program.rule(w.rule).name.clone(), program.exemption(w.exemption).name.clone()))
                .collect(),
        }
    }

    fn state_of(&self, rule: &str) -> RuleState {
        if self.fired.iter().any(|r| r == rule) {
            RuleState::Fired
        } else if self.waived.iter().any(|(r, _)| r == rule) {
            RuleState::Waived
        } else {
            RuleState::Quiet
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RuleState {
    Quiet,
    Fired,
    Waived,
}

/// How a rule's standing on records changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// It fires (not waived) where it did not fire before.
    NowFires,
    /// It fired (or was waived) and now does not fire at all.
    StopsFiring,
    /// It fired and is now waived.
    NowWaived,
    /// It was waived and now fires.
    NoLongerWaived,
}

impl Change {
    fn describe(self) -> &'static str {
        match self {
            Change::NowFires => "now fires",
            Change::StopsFiring => "stops firing",
            Change::NowWaived => "is now waived",
            Change::NoLongerWaived => "is no longer waived",
        }
    }
}

/// One record whose verdict changed.
#[derive(Debug, Clone, Serialize)]
pub struct ChangedRecord {
    /// Its id.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub record_type: String,
    /// Under the old rules.
    pub old: Standing,
    /// Under the new rules.
    pub new: Standing,
}

/// The records where one rule's standing changed in one way.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// The rule's name.
    pub rule: String,
    /// How.
    pub change: Change,
    /// The records, in input order.
    pub records: Vec<String>,
    /// Decision changes among them: `"allow → deny"` → count.
    pub transitions: BTreeMap<String, usize>,
}

/// The comparison of two runs over the same records.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// Records compared (verdicts in both runs).
    pub compared: usize,
    /// Records whose decision or fired/waived rules changed, in input order.
    pub changed: Vec<ChangedRecord>,
    /// Grouped by rule and kind of change.
    pub groups: Vec<Group>,
    /// Decision changes over all records: `"allow → deny"` → count.
    pub transitions: BTreeMap<String, usize>,
}

impl Diff {
    /// Compares the outcomes of two rule sets over one store (same order).
    pub fn new(runs: &ComparedRuns<'_>) -> Diff {
        let ComparedRuns { old, new, store } = *runs;
        let mut changed = Vec::new();
        let mut compared = 0;
        for (a, b) in old.1.iter().zip(new.1) {
            let (Outcome::Verdict(va), Outcome::Verdict(vb)) = (a, b) else { continue };
            compared += 1;
            let (sa, sb) = (Standing::of(old.0, va), Standing::of(new.0, vb));
            if sa != sb {
                changed.push(ChangedRecord {
                    id: store.id(va.record).to_string(),
                    record_type: store.record_type(va.record).to_string(),
                    old: sa,
                    new: sb,
                });
            }
        }
        Diff::from_changed(compared, changed)
    }

    /// Groups records whose verdicts changed (`compared` in all), by rule
    /// and kind of change; for callers that compare verdicts they keep
    /// rather than outcomes (the service's reload).
    pub fn from_changed(compared: usize, changed: Vec<ChangedRecord>) -> Diff {
        let mut groups: BTreeMap<(String, Change), Group> = BTreeMap::new();
        let mut transitions = BTreeMap::new();
        for c in &changed {
            let flip = transition(c.old.decision, c.new.decision);
            if let Some(t) = &flip {
                *transitions.entry(t.clone()).or_default() += 1;
            }
            let mut rules: Vec<&String> = c.old.fired.iter().chain(&c.new.fired).collect();
            rules.extend(c.old.waived.iter().chain(&c.new.waived).map(|(r, _)| r));
            rules.sort();
            rules.dedup();
            for rule in rules {
                let change = match (c.old.state_of(rule), c.new.state_of(rule)) {
                    (RuleState::Quiet, RuleState::Fired) => Change::NowFires,
                    (RuleState::Waived, RuleState::Fired) => Change::NoLongerWaived,
                    (RuleState::Fired | RuleState::Waived, RuleState::Quiet) => Change::StopsFiring,
                    (RuleState::Fired | RuleState::Quiet, RuleState::Waived) => Change::NowWaived,
                    _ => continue,
                };
                let g = groups.entry((rule.clone(), change)).or_insert_with(|| Group {
                    rule: rule.clone(),
                    change,
                    records: Vec::new(),
                    transitions: BTreeMap::new(),
                });
                g.records.push(c.id.clone());
                if let Some(t) = &flip {
                    *g.transitions.entry(t.clone()).or_default() += 1;
                }
            }
        }
        Diff { compared, changed, groups: groups.into_values().collect(), transitions }
    }

    /// Whether anything changed.
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty()
    }
}

fn transition(a: Decision, b: Decision) -> Option<String> {
    (a != b).then(|| format!("{} → {}", a.as_str(), b.as_str()))
}

fn transitions_text(t: &BTreeMap<String, usize>) -> String {
    t.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", ")
}

/// The evidence of a named rule in a verdict (fired or waived).
fn evidence_of<'a>(program: &Program, v: &'a Verdict, rule: &str) -> Option<(&'a [Fact], crate::check::RuleId)> {
    v.fired
        .iter()
        .map(|f| (f.rule, &f.evidence))
        .chain(v.waived.iter().map(|w| (w.rule, &w.evidence)))
        .find(|(r, _)| program.rule(*r).name == rule)
        .map(|(r, e)| (e.as_slice(), r))
}

/// Two runs over the same records, in the same order: the rule sets and
/// their outcomes, and the store they read.
#[derive(Clone, Copy)]
pub struct ComparedRuns<'a> {
    /// The old rule set and its outcomes.
    pub old: (&'a Program, &'a [Outcome<'a>]),
    /// The new rule set and its outcomes.
    pub new: (&'a Program, &'a [Outcome<'a>]),
    /// The records both ran over.
    pub store: &'a dyn Records,
}

impl ComparedRuns<'_> {
    /// The verdict on the record with this id in one run's outcomes.
    fn verdict_of<'o>(&self, outcomes: &'o [Outcome<'_>], id: &str) -> Option<&'o Verdict> {
        outcomes.iter().find_map(|o| match o {
            Outcome::Verdict(v) if self.store.id(v.record) == id => Some(v),
            _ => None,
        })
    }
}

/// Writes the diff for people: a sentence and examples with evidence per
/// group, then a table.
pub fn write_diff_human(
    w: &mut impl Write,
    diff: &Diff,
    runs: &ComparedRuns<'_>,
    examples: usize,
    color: bool,
    width: usize,
) -> io::Result<()> {
    if diff.is_empty() {
        return writeln!(w, "no changes: {} records have the same verdicts", diff.compared);
    }
    let shown = Examples { runs, at_most: examples, color, width };
    for g in &diff.groups {
        writeln!(w, "{}", group_sentence(g))?;
        shown.write(w, g)?;
        writeln!(w)?;
    }
    write_diff_table(w, diff)
}

/// "`r` now fires on 3 records, of which 2 change allow → deny".
fn group_sentence(g: &Group) -> String {
    let n = g.records.len();
    let changing: usize = g.transitions.values().sum();
    let flips = match g.transitions.keys().next() {
        None => "none of them changes decision".to_string(),
        Some(only) if g.transitions.len() == 1 => format!("of which {changing} change {only}"),
        Some(_) => format!("of which {changing} change decision: {}", transitions_text(&g.transitions)),
    };
    format!("`{}` {} on {n} record{}, {flips}", g.rule, g.change.describe(), plural(n))
}

/// The first records of each group, with the evidence drawn.
struct Examples<'a> {
    runs: &'a ComparedRuns<'a>,
    at_most: usize,
    color: bool,
    width: usize,
}

impl Examples<'_> {
    /// A group's first records, then how many more.
    fn write(&self, w: &mut impl Write, g: &Group) -> io::Result<()> {
        for id in g.records.iter().take(self.at_most) {
            self.write_record(w, g, id)?;
        }
        if g.records.len() > self.at_most {
            let more = g.records.len() - self.at_most;
            writeln!(w, "  … and {more} more: {}", g.records[self.at_most..].join(", "))?;
        }
        Ok(())
    }

    /// One record: its header and decision before, and the evidence from
    /// the side where the rule fired.
    fn write_record(&self, w: &mut impl Write, g: &Group, id: &str) -> io::Result<()> {
        let ComparedRuns { old, new, store } = self.runs;
        let (program, outcomes, label) = match g.change {
            Change::StopsFiring => (old.0, old.1, "before"),
            _ => (new.0, new.1, "after"),
        };
        let Some(v) = self.runs.verdict_of(outcomes, id) else { return Ok(()) };
        let before = self.runs.verdict_of(old.1, id).map(|v| v.decision);
        let after = self.runs.verdict_of(new.1, id).map(|v| v.decision);
        let header = record_header(*store, v.record, after.unwrap_or(v.decision));
        let was = before.map(|d| format!("  (was {})", d.as_str())).unwrap_or_default();
        writeln!(w, "  {header}{was}")?;
        if let Some((evidence, rule)) = evidence_of(program, v, &g.rule) {
            let r = program.rule(rule);
            let waived = if g.change == Change::NowWaived { " (waived)" } else { "" };
            let what = format!("{label}: {} by {}{waived}: {}", r.effect.as_str(), r.name, clean(&r.title));
            self.draw(w, what, &r.loc, evidence)?;
        }
        match g.change {
            Change::NowWaived => self.write_exemption(w, new.0, self.runs.verdict_of(new.1, id), &g.rule, "after"),
            Change::NoLongerWaived => {
                self.write_exemption(w, old.0, self.runs.verdict_of(old.1, id), &g.rule, "before")
            }
            Change::NowFires | Change::StopsFiring => Ok(()),
        }
    }

    /// The exemption that waived `rule` in a verdict, drawn with its
    /// evidence: what a change that waives a rule (or stops waiving it) is
    /// about.
    fn write_exemption(
        &self,
        w: &mut impl Write,
        program: &Program,
        v: Option<&Verdict>,
        rule: &str,
        label: &str,
    ) -> io::Result<()> {
        let waived = v.and_then(|v| v.waived.iter().find(|x| program.rule(x.rule).name == rule));
        let Some(waived) = waived else { return Ok(()) };
        let x = program.exemption(waived.exemption);
        let what = format!("{label}: exemption {} applies: {}", x.name, clean(&x.title));
        self.draw(w, what, &x.loc, &waived.exemption_evidence)
    }

    /// A rule or exemption drawn over its source, indented under its record.
    fn draw(&self, w: &mut impl Write, what: String, loc: &crate::source::Loc, evidence: &[Fact]) -> io::Result<()> {
        let d = drawn(what, Severity::Advice, loc, evidence);
        w.write_all(indent(&indent(&render_diagnostic(&d, self.color, self.width))).as_bytes())
    }
}

/// The summary table.
pub fn write_diff_table(w: &mut impl Write, diff: &Diff) -> io::Result<()> {
    let mut by_rule: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
    for g in &diff.groups {
        let col = match g.change {
            Change::NowFires => 0,
            Change::StopsFiring => 1,
            Change::NowWaived => 2,
            Change::NoLongerWaived => 3,
        };
        by_rule.entry(&g.rule).or_default()[col] += g.records.len();
    }
    let width = by_rule.keys().map(|r| r.len()).max().unwrap_or(4).max(4);
    writeln!(
        w,
        "{:<width$}  {:>9}  {:>12}  {:>10}  {:>8}",
        "rule", "now fires", "stops firing", "now waived", "unwaived"
    )?;
    for (rule, c) in &by_rule {
        writeln!(w, "{rule:<width$}  {:>9}  {:>12}  {:>10}  {:>8}", c[0], c[1], c[2], c[3])?;
    }
    let n = diff.changed.len();
    let t = if diff.transitions.is_empty() {
        String::new()
    } else {
        format!("; decisions: {}", transitions_text(&diff.transitions))
    };
    writeln!(w, "\n{n} of {} record{} changed{t}", diff.compared, plural(diff.compared))
}

/// Writes the diff as one JSON object: `{compared, changed: [{id, type, old,
/// new}], groups: [{rule, change, records, transitions}], transitions}`, where
/// `old`/`new` are `{decision, fired, waived: [[rule, exemption]]}` and
/// `change` is `now_fires|stops_firing|now_waived|no_longer_waived`.
pub fn write_diff_json(w: &mut impl Write, diff: &Diff) -> io::Result<()> {
    serde_json::to_writer(&mut *w, diff)?;
    w.write_all(b"\n")
}
