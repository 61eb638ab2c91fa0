//! The summary format: counts per decision and per rule.

use std::io::{self, Write};

use crate::check::Program;
use crate::eval::{Decision, Outcome};
use crate::records::Records;

/// Counts over a run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Input records (verdicts and errors).
    pub records: usize,
    /// Records that could not be read or evaluated.
    pub errors: usize,
    /// Records denied.
    pub deny: usize,
    /// Records flagged.
    pub flag: usize,
    /// Records allowed.
    pub allow: usize,
    /// Records with at least one waived rule.
    pub waived: usize,
    /// Link warnings.
    pub warnings: usize,
    /// Per rule, in declaration order: (name, times fired, times waived).
    pub rules: Vec<(String, usize, usize)>,
    /// Per exemption, in declaration order: (name, times it waived a rule).
    pub exemptions: Vec<(String, usize)>,
}

impl Summary {
    /// Counts the outcomes of a run.
    pub fn new(program: &Program, _store: &dyn Records, outcomes: &[Outcome<'_>]) -> Summary {
        let mut s = Summary::empty(program);
        s.add(outcomes);
        s
    }

    /// No outcomes yet: zero counts for every rule and exemption of `program`.
    pub fn empty(program: &Program) -> Summary {
        Summary {
            rules: program.rules().map(|r| (r.name.clone(), 0, 0)).collect(),
            exemptions: program.exemptions().map(|x| (x.name.clone(), 0)).collect(),
            ..Summary::default()
        }
    }

    /// Counts more outcomes (a run written in batches).
    pub fn add(&mut self, outcomes: &[Outcome<'_>]) {
        for outcome in outcomes {
            self.records += 1;
            let Outcome::Verdict(v) = outcome else {
                self.errors += 1;
                continue;
            };
            match v.decision {
                Decision::Deny => self.deny += 1,
                Decision::Flag => self.flag += 1,
                Decision::Allow => self.allow += 1,
            }
            self.waived += usize::from(!v.waived.is_empty());
            self.warnings += v.warnings.len();
            for f in &v.fired {
                self.rules[f.rule.index()].1 += 1;
            }
            for w in &v.waived {
                self.rules[w.rule.index()].2 += 1;
                self.exemptions[w.exemption.index()].1 += 1;
            }
        }
    }

    /// Zero counts for the same rules and exemptions, their names left
    /// empty: a part of a run, to be added with [`Summary::merge`] (copying
    /// every name for each part cost a thousand allocations a part with a
    /// thousand rules).
    pub fn zeroed(&self) -> Summary {
        Summary {
            rules: self.rules.iter().map(|_| (String::new(), 0, 0)).collect(),
            exemptions: self.exemptions.iter().map(|_| (String::new(), 0)).collect(),
            ..Summary::default()
        }
    }

    /// Adds the counts of `other`, a summary of more records of the same program.
    pub fn merge(&mut self, other: &Summary) {
        self.records += other.records;
        self.errors += other.errors;
        self.deny += other.deny;
        self.flag += other.flag;
        self.allow += other.allow;
        self.waived += other.waived;
        self.warnings += other.warnings;
        for (mine, theirs) in self.rules.iter_mut().zip(&other.rules) {
            mine.1 += theirs.1;
            mine.2 += theirs.2;
        }
        for (mine, theirs) in self.exemptions.iter_mut().zip(&other.exemptions) {
            mine.1 += theirs.1;
        }
    }

    /// One line: `412 records: 37 deny, 58 flag, 314 allow, 3 errors, 2 warnings`.
    pub fn tally(&self) -> String {
        use super::text::plural;
        format!(
            "{} record{}: {} deny, {} flag, {} allow, {} waived, {} error{}, {} warning{}",
            self.records,
            plural(self.records),
            self.deny,
            self.flag,
            self.allow,
            self.waived,
            self.errors,
            plural(self.errors),
            self.warnings,
            plural(self.warnings)
        )
    }
}

/// Writes the tally and a table of rules and exemptions.
pub fn write_summary(
    w: &mut impl Write,
    program: &Program,
    store: &dyn Records,
    outcomes: &[Outcome<'_>],
) -> io::Result<()> {
    Summary::new(program, store, outcomes).write(w)
}

impl Summary {
    /// Writes the tally and a table of rules and exemptions.
    pub fn write(&self, w: &mut impl Write) -> io::Result<()> {
        let s = self;
        writeln!(w, "{}", s.tally())?;
        let width =
            s.rules.iter().map(|r| r.0.len()).chain(s.exemptions.iter().map(|x| x.0.len())).max().unwrap_or(4).max(4);
        writeln!(w)?;
        writeln!(w, "{:<width$}  {:>7}  {:>7}", "rule", "fired", "waived")?;
        for (name, fired, waived) in &s.rules {
            writeln!(w, "{name:<width$}  {fired:>7}  {waived:>7}")?;
        }
        if !s.exemptions.is_empty() {
            writeln!(w)?;
            writeln!(w, "{:<width$}  {:>7}", "exemption", "applied")?;
            for (name, n) in &s.exemptions {
                writeln!(w, "{name:<width$}  {n:>7}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::eval::EvalOptions;
    use crate::records::{Input, RecordStore};
    use crate::reference::Engine;
    use crate::{RuleSet, SourceFile};

    /// A run counted in parts (as `check` counts its runs on several
    /// threads) sums to the counts of the whole.
    #[test]
    fn parts_merged_count_as_the_whole() {
        let rules = "rule kr { deny person p when p.nationality == \"KR\" }\n\
                     rule cn { flag person p when p.nationality == \"CN\" }\n\
                     exempt ok { waive kr for person p when p.cleared }";
        let records = "{\"id\":\"a\",\"type\":\"person\",\"nationality\":\"KR\"}\n\
                       {\"id\":\"b\",\"type\":\"person\",\"nationality\":\"KR\",\"cleared\":true}\n\
                       {\"id\":\"c\",\"type\":\"person\",\"nationality\":\"CN\",\"spouse\":\"x\"}\n\
                       {\"id\":\n\
                       {\"id\":\"d\",\"type\":\"person\",\"nationality\":\"VN\"}\n";
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap_or_else(|e| panic!("{e:?}"));
        let program = rules.program();
        let store = RecordStore::load([Input::new("t.jsonl", records.as_bytes().to_vec())]);
        let options = EvalOptions { as_of: Date::parse_exact("2024-01-01").unwrap_or_else(|| panic!("a date")) };
        let outcomes = Engine::new(program, &store, options).evaluate();
        let whole = Summary::new(program, &store, &outcomes);
        let mut merged = Summary::empty(program);
        for part in outcomes.chunks(2) {
            let mut counted = merged.zeroed();
            counted.add(part);
            merged.merge(&counted);
        }
        assert_eq!(merged, whole);
        assert_eq!(
            (whole.records, whole.errors, whole.deny, whole.flag, whole.allow, whole.waived),
            (5, 1, 1, 1, 2, 1)
        );
        assert_eq!(whole.rules, vec![("kr".to_string(), 1, 1), ("cn".to_string(), 1, 0)]);
        assert_eq!(whole.exemptions, vec![("ok".to_string(), 1)]);
    }
}
