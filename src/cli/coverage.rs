//! `interdict test --coverage`: which rules and exemptions no test made fire,
//! and which `and`/`or` terms never made the difference (never decided
//! their chain).

use std::io::{self, Write};

use serde::Serialize;

use crate::check::Program;
use crate::eval::Outcome;
use crate::reference::Engine;
use crate::source::Position;

/// An `and`/`or` chain: its owner, operator, and each term's text and position.
type Chain = (String, &'static str, Vec<(String, Position)>);

/// Counts summed over every test file of a run.
pub(super) struct Coverage {
    fired: Vec<u64>,
    waived: Vec<u64>,
    applied: Vec<u64>,
    decisive: Vec<Vec<u64>>,
    rules: Vec<(String, String)>,
    exemptions: Vec<String>,
    branches: Vec<Chain>,
}

impl Coverage {
    pub(super) fn new(program: &Program) -> Coverage {
        Coverage {
            fired: vec![0; program.rules().count()],
            waived: vec![0; program.rules().count()],
            applied: vec![0; program.exemptions().count()],
            decisive: program.branches().iter().map(|b| vec![0; b.terms.len()]).collect(),
            rules: program.rules().map(|r| (r.name.clone(), r.record_type.clone())).collect(),
            exemptions: program.exemptions().map(|x| x.name.clone()).collect(),
            branches: program
                .branches()
                .iter()
                .map(|b| {
                    (b.owner.clone(), b.op, b.terms.iter().map(|t| (t.text().to_string(), t.position())).collect())
                })
                .collect(),
        }
    }

    pub(super) fn add(&mut self, engine: &Engine<'_>, outcomes: &[Outcome<'_>]) {
        for o in outcomes {
            if let Outcome::Verdict(v) = o {
                for f in &v.fired {
                    self.fired[f.rule.index()] += 1;
                }
                for w in &v.waived {
                    self.waived[w.rule.index()] += 1;
                    self.applied[w.exemption.index()] += 1;
                }
            }
        }
        if let Some(counts) = engine.coverage() {
            for (total, add) in self.decisive.iter_mut().zip(counts) {
                for (t, a) in total.iter_mut().zip(add) {
                    *t += a;
                }
            }
        }
    }

    fn never_decisive(&self) -> Vec<(&str, &'static str, &str, &Position)> {
        let mut out = Vec::new();
        for ((owner, op, terms), counts) in self.branches.iter().zip(&self.decisive) {
            for ((text, pos), n) in terms.iter().zip(counts) {
                if *n == 0 {
                    out.push((owner.as_str(), *op, text.as_str(), pos));
                }
            }
        }
        out
    }

    pub(super) fn write_human(&self, w: &mut impl Write) -> io::Result<()> {
        writeln!(w, "coverage")?;
        let width = self.rules.iter().map(|r| r.0.len()).max().unwrap_or(4).max(9);
        writeln!(w, "  {:<width$}  {:>6}  {:>6}  {:>8}", "rule", "fired", "waived", "branches")?;
        for (i, (name, _)) in self.rules.iter().enumerate() {
            let (hit, all) = self.branch_counts(name);
            let branches = if all == 0 { "-".to_string() } else { format!("{hit}/{all}") };
            writeln!(w, "  {name:<width$}  {:>6}  {:>6}  {branches:>8}", self.fired[i], self.waived[i])?;
        }
        writeln!(w, "  {:<width$}  {:>6}", "exemption", "waived")?;
        for (i, name) in self.exemptions.iter().enumerate() {
            writeln!(w, "  {name:<width$}  {:>6}", self.applied[i])?;
        }
        let never: Vec<&str> = self
            .rules
            .iter()
            .enumerate()
            .filter(|(i, _)| self.fired[*i] + self.waived[*i] == 0)
            .map(|(_, r)| r.0.as_str())
            .collect();
        let unused: Vec<&str> = self
            .exemptions
            .iter()
            .enumerate()
            .filter(|(i, _)| self.applied[*i] == 0)
            .map(|(_, x)| x.as_str())
            .collect();
        writeln!(w, "rules no test made fire: {}", if never.is_empty() { "none".into() } else { never.join(", ") })?;
        writeln!(
            w,
            "exemptions no test applied: {}",
            if unused.is_empty() { "none".into() } else { unused.join(", ") }
        )?;
        let branches = self.never_decisive();
        if branches.is_empty() {
            writeln!(w, "every condition made the difference in at least one test")?;
        } else {
            writeln!(w, "conditions that never made the difference:")?;
            writeln!(
                w,
                "  (in no test was one the first false part of its `and`, or the first true part of its `or`: \
                 no test shows what it is for)"
            )?;
            for (owner, op, text, pos) in branches {
                writeln!(w, "  {pos}  {owner} ({op}): {text}")?;
            }
        }
        Ok(())
    }

    /// (terms that decided at least once, all terms) of a rule's own chains.
    fn branch_counts(&self, owner: &str) -> (usize, usize) {
        let mut hit = 0;
        let mut all = 0;
        for ((o, _, _), counts) in self.branches.iter().zip(&self.decisive) {
            if o == owner {
                all += counts.len();
                hit += counts.iter().filter(|n| **n > 0).count();
            }
        }
        (hit, all)
    }

    pub(super) fn write_json(&self, w: &mut impl Write) -> io::Result<()> {
        let out =
            CoverageOut { rules: self.rules_out(), exemptions: self.exemptions_out(), branches: self.branches_out() };
        serde_json::to_writer(&mut *w, &out)?;
        w.write_all(b"\n")
    }

    fn rules_out(&self) -> Vec<RuleOut<'_>> {
        let rules = self.rules.iter().enumerate();
        rules
            .map(|(i, (rule, ty))| RuleOut { rule, record_type: ty, fired: self.fired[i], waived: self.waived[i] })
            .collect()
    }

    fn exemptions_out(&self) -> Vec<ExemptionOut<'_>> {
        let exemptions = self.exemptions.iter().enumerate();
        exemptions.map(|(i, x)| ExemptionOut { exemption: x, waived: self.applied[i] }).collect()
    }

    fn branches_out(&self) -> Vec<BranchOut<'_>> {
        self.branches
            .iter()
            .zip(&self.decisive)
            .flat_map(|((owner, op, terms), counts)| {
                terms.iter().zip(counts).map(move |((text, location), n)| BranchOut {
                    owner,
                    op,
                    text,
                    location,
                    decisive: *n,
                })
            })
            .collect()
    }
}

/// `--coverage --format json`: one line.
#[derive(Serialize)]
struct CoverageOut<'a> {
    rules: Vec<RuleOut<'a>>,
    exemptions: Vec<ExemptionOut<'a>>,
    branches: Vec<BranchOut<'a>>,
}

#[derive(Serialize)]
struct RuleOut<'a> {
    rule: &'a str,
    #[serde(rename = "type")]
    record_type: &'a str,
    fired: u64,
    waived: u64,
}

#[derive(Serialize)]
struct ExemptionOut<'a> {
    exemption: &'a str,
    waived: u64,
}

#[derive(Serialize)]
struct BranchOut<'a> {
    owner: &'a str,
    op: &'static str,
    text: &'a str,
    location: &'a Position,
    decisive: u64,
}
