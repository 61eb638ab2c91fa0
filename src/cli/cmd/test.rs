//! `interdict test`: run the `*.test.yaml` files that live beside a rule set
//! (format in docs/testing.md): expected decisions and rules per record, and
//! decision snapshots.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::check::{ExemptionId, Program, RuleId, did_you_mean};
use crate::cli::config::Format;
use crate::cli::config::TestConfig;
use crate::cli::coverage::Coverage;
use crate::cli::exit::Exit;
use crate::cli::load::load_rules;
use crate::cli::snapshot_files::{self, Compared};
use crate::date::Date;
use crate::eval::{Decision, EvalOptions, Outcome, Verdict};
use crate::fixtures::{Expect, SnapshotContent, TestFile, find_tests};
use crate::records::RecordStore;
use crate::reference::Engine;
use crate::report::{self, plural};

/// Tallies of a run.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    pending: Vec<PathBuf>,
}

pub(in crate::cli) fn run(config: &TestConfig) -> io::Result<Exit> {
    let Some(rules) = load_rules(std::slice::from_ref(&config.path), config.style)? else { return Ok(Exit::Rules) };
    let files = find_tests(&config.path)?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    if files.is_empty() {
        writeln!(out, "no `*.test.yaml` files under {}", config.path.display())?;
        out.flush()?;
        return Ok(Exit::Denied);
    }
    let mut runner = Runner {
        config,
        program: rules.program(),
        out: &mut out,
        tally: Tally::default(),
        coverage: config.coverage.map(|_| Coverage::new(rules.program())),
    };
    let mut broken = false;
    for file in &files {
        if let FileResult::Broken(message) = runner.run_file(file)? {
            broken = true;
            writeln!(runner.out, "error {}: {message}", file.display())?;
        }
    }
    runner.write_totals()?;
    let Runner { tally, .. } = runner;
    out.flush()?;
    drop(out);
    if config.review && !tally.pending.is_empty() {
        let (accepted, rejected, skipped) = snapshot_files::review(&tally.pending)?;
        println!("{accepted} accepted, {rejected} rejected, {skipped} skipped");
        if skipped == 0 && rejected == 0 {
            return Ok(if broken { Exit::Rules } else { Exit::Clean });
        }
    }
    if broken {
        return Ok(Exit::Rules);
    }
    Ok(if tally.failed > 0 { Exit::Denied } else { Exit::Clean })
}

enum FileResult {
    Ran,
    Broken(String),
}

/// A test file that was read and judged.
struct Judged<'a> {
    /// The file's name, as shown.
    name: String,
    /// Its folder: record files and snapshots are found from here.
    dir: &'a Path,
    test: TestFile,
    store: RecordStore,
}

/// What the test files of a run share, and what they add to.
struct Runner<'a, W: Write> {
    config: &'a TestConfig,
    program: &'a Program,
    out: W,
    tally: Tally,
    coverage: Option<Coverage>,
}

impl<W: Write> Runner<'_, W> {
    /// Runs one test file: its records judged, then its record errors, its
    /// expectations and its snapshot reported.
    fn run_file(&mut self, file: &Path) -> io::Result<FileResult> {
        let text = std::fs::read_to_string(file)?;
        let test = match TestFile::parse(&text) {
            Ok(t) => t,
            Err(e) => return Ok(FileResult::Broken(e)),
        };
        if let Some(problem) = unknown_names(&test, self.program) {
            return Ok(FileResult::Broken(problem));
        }
        let as_of = match test.day(self.config.as_of) {
            Ok(day) => day,
            Err(problem) => return Ok(FileResult::Broken(problem)),
        };
        let dir = file.parent().unwrap_or(Path::new("."));
        let store = match test.records(file, self.program) {
            Ok(store) => store,
            Err(problem) => return Ok(FileResult::Broken(problem)),
        };
        let judged = Judged { name: file.display().to_string(), dir, test, store };
        let engine = self.engine(&judged.store, as_of);
        let outcomes = self.evaluate(&engine);
        self.report_record_errors(&judged, &outcomes)?;
        for expect in &judged.test.expect {
            self.check_expectation(&judged, expect, &outcomes, &engine)?;
        }
        if let Some(snap) = &judged.test.snapshot {
            self.check_snapshot(&judged, snap, &outcomes)?;
        }
        Ok(FileResult::Ran)
    }

    /// The reference engine over a test file's records, counting coverage
    /// when asked to.
    fn engine<'s>(&self, store: &'s RecordStore, as_of: Date) -> Engine<'s>
    where
        Self: 's,
    {
        let mut engine = Engine::new(self.program, store, EvalOptions { as_of })
            .with_limits(self.config.limits)
            .strict(self.config.strict);
        if self.coverage.is_some() {
            engine.record_coverage();
        }
        engine
    }

    /// Every record judged, counted for coverage.
    fn evaluate<'s>(&mut self, engine: &Engine<'s>) -> Vec<Outcome<'s>> {
        let outcomes = engine.evaluate();
        if let Some(c) = &mut self.coverage {
            c.add(engine, &outcomes);
        }
        outcomes
    }

    /// Input that could not be read fails the file: its records were not judged.
    fn report_record_errors(&mut self, judged: &Judged<'_>, outcomes: &[Outcome<'_>]) -> io::Result<()> {
        let errors: Vec<String> = outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::RecordError(e) => Some(format!("{}: {}", e.position(), e.message())),
                Outcome::EvalError(e) => Some(format!("{}: {}", e.position(), e.message())),
                Outcome::Verdict(_) => None,
            })
            .collect();
        if errors.is_empty() {
            return Ok(());
        }
        self.tally.failed += 1;
        writeln!(self.out, "FAIL {}: {} record error{}", judged.name, errors.len(), plural(errors.len()))?;
        for e in &errors {
            writeln!(self.out, "  {e}")?;
        }
        Ok(())
    }

    fn check_expectation(
        &mut self,
        judged: &Judged<'_>,
        expect: &Expect,
        outcomes: &[Outcome<'_>],
        engine: &Engine<'_>,
    ) -> io::Result<()> {
        let (name, store) = (&judged.name, &judged.store);
        let verdict = outcomes.iter().find_map(|o| match o {
            Outcome::Verdict(v) if store.record(v.record).id() == expect.id => Some(v),
            _ => None,
        });
        let Some(v) = verdict else {
            self.tally.failed += 1;
            return writeln!(self.out, "FAIL {name}: `{}`: no such record in the test's inputs", expect.id);
        };
        let problems = check_expect(expect, v, self.program);
        if problems.is_empty() {
            self.tally.passed += 1;
            return Ok(());
        }
        self.tally.failed += 1;
        writeln!(self.out, "FAIL {name}: `{}`", expect.id)?;
        for p in &problems {
            writeln!(self.out, "  {p}")?;
        }
        self.write_why_not(store, expect, v, engine)?;
        writeln!(self.out, "  what happened:")?;
        let mut shown = Vec::new();
        let style = self.config.style;
        report::write_verdict(&mut shown, self.program, store, v, style.stdout_color, style.width)?;
        for line in String::from_utf8_lossy(&shown).lines() {
            writeln!(self.out, "    {line}")?;
        }
        Ok(())
    }

    /// Under a failing expectation: why the rules expected to fire (or to
    /// decide) did not, and why the exemptions expected to waive did not.
    fn write_why_not(
        &mut self,
        store: &RecordStore,
        expect: &Expect,
        v: &Verdict,
        engine: &Engine<'_>,
    ) -> io::Result<()> {
        let mut shown = Vec::new();
        let style = self.config.style;
        for subject in why_not_subjects(expect, v, store.record(v.record).record_type(), self.program) {
            let explained = match subject {
                WhyNot::Rule(r) => engine.explain(v.record, Some(r), 0),
                WhyNot::Exemption(x) => engine.explain_exemption(v.record, x, 0),
            };
            match explained {
                Ok(e) => {
                    let (color, width) = (style.stdout_color, style.width);
                    report::write_standings_human(&mut shown, self.program, store, &e, "", color, width)?
                }
                Err(e) => writeln!(shown, "  {}", e.message())?,
            }
        }
        if shown.is_empty() {
            return Ok(());
        }
        writeln!(self.out, "  why not:")?;
        for line in String::from_utf8_lossy(&shown).lines() {
            writeln!(self.out, "    {line}")?;
        }
        Ok(())
    }

    /// Compares the file's decision snapshot with `snapshots/SNAP.snap`.
    fn check_snapshot(&mut self, judged: &Judged<'_>, snap: &str, outcomes: &[Outcome<'_>]) -> io::Result<()> {
        let name = &judged.name;
        let content = match judged.test.snapshot_content {
            SnapshotContent::Full => report::decision_snapshot(self.program, &judged.store, outcomes),
            SnapshotContent::Decisions => report::decisions_snapshot(self.program, &judged.store, outcomes),
        };
        let path = judged.dir.join("snapshots").join(format!("{snap}.snap"));
        match snapshot_files::compare(&path, name, &content, self.config.snapshots, false)? {
            Compared::Matched => self.tally.passed += 1,
            Compared::Written => {
                self.tally.passed += 1;
                writeln!(self.out, "wrote {}", path.display())?;
            }
            Compared::Differs { diff, pending } => {
                self.tally.failed += 1;
                let n = report::changed_records(&diff);
                if path.exists() {
                    writeln!(self.out, "FAIL {name}: snapshot `{snap}` differs on {n} record{}", plural(n))?;
                    for line in diff.lines() {
                        writeln!(self.out, "  {line}")?;
                    }
                } else {
                    writeln!(self.out, "FAIL {name}: snapshot `{snap}` is new ({n} records) and not accepted yet")?;
                }
                if let Some(p) = pending {
                    writeln!(self.out, "  pending: {}", p.display())?;
                    self.tally.pending.push(p);
                }
            }
        }
        Ok(())
    }

    /// The counts, the snapshots pending review, and the coverage report.
    fn write_totals(&mut self) -> io::Result<()> {
        let tally = &self.tally;
        writeln!(self.out, "{} passed, {} failed", tally.passed, tally.failed)?;
        if !tally.pending.is_empty() {
            writeln!(
                self.out,
                "{} snapshot{} pending review: run `interdict test {} --review` (or `--accept`)",
                tally.pending.len(),
                plural(tally.pending.len()),
                self.config.path.display()
            )?;
        }
        if let (Some(c), Some(format)) = (&self.coverage, self.config.coverage) {
            writeln!(self.out)?;
            match format {
                Format::Json => c.write_json(&mut self.out)?,
                Format::Human | Format::Summary => c.write_human(&mut self.out)?,
            }
        }
        Ok(())
    }
}

/// A rule or exemption named in an expectation that the rule set does not have.
fn unknown_names(test: &TestFile, program: &Program) -> Option<String> {
    let rules: Vec<&str> = program.rules().map(|r| r.name.as_str()).collect();
    let exemptions: Vec<&str> = program.exemptions().map(|x| x.name.as_str()).collect();
    for e in &test.expect {
        let named = e.fires.iter().chain(&e.does_not_fire).chain(e.waived.keys());
        for r in named {
            if !rules.contains(&r.as_str()) {
                let hint = did_you_mean(r, rules.iter().copied()).map(|h| format!("; {h}")).unwrap_or_default();
                return Some(format!("`{}`: unknown rule `{r}`{hint}", e.id));
            }
        }
        for x in e.waived.values() {
            if !exemptions.contains(&x.as_str()) {
                let hint = did_you_mean(x, exemptions.iter().copied()).map(|h| format!("; {h}")).unwrap_or_default();
                return Some(format!("`{}`: unknown exemption `{x}`{hint}", e.id));
            }
        }
    }
    None
}

/// What a failing expectation's why-not explains.
enum WhyNot {
    Rule(RuleId),
    Exemption(ExemptionId),
}

/// The rules expected to fire (by `fires`, `waived`, or a `decision` that
/// needs them) that did not, and the exemptions expected to waive that did
/// not: what the why-not under a failing expectation explains, each once.
fn why_not_subjects(e: &Expect, v: &Verdict, record_type: &str, program: &Program) -> Vec<WhyNot> {
    let fired_or_waived = |r: RuleId| v.fired.iter().any(|f| f.rule == r) || v.waived.iter().any(|w| w.rule == r);
    let mut rules: Vec<RuleId> = e.fires.iter().chain(e.waived.keys()).filter_map(|n| program.rule_named(n)).collect();
    if let Some(d) = e.decision
        && d > v.decision
    {
        let of_type = program.rules_for(record_type);
        rules.extend(of_type.iter().copied().filter(|r| Decision::from(program.rule(*r).effect) == d));
    }
    let mut subjects = Vec::new();
    for r in rules {
        if !fired_or_waived(r) && !subjects.iter().any(|s| matches!(s, WhyNot::Rule(x) if *x == r)) {
            subjects.push(WhyNot::Rule(r));
        }
    }
    for (r, x) in &e.waived {
        let (Some(r), Some(x)) = (program.rule_named(r), program.exemption_named(x)) else { continue };
        if !v.waived.iter().any(|w| w.rule == r && w.exemption == x) {
            subjects.push(WhyNot::Exemption(x));
        }
    }
    subjects
}

/// What differs from the expectation, one line each.
fn check_expect(e: &Expect, v: &Verdict, program: &Program) -> Vec<String> {
    let fired: Vec<&str> = v.fired.iter().map(|f| program.rule(f.rule).name.as_str()).collect();
    let waived: BTreeMap<&str, &str> = v
        .waived
        .iter()
        .map(|w| (program.rule(w.rule).name.as_str(), program.exemption(w.exemption).name.as_str()))
        .collect();
    let mut problems = Vec::new();
    if let Some(d) = e.decision
        && d != v.decision
    {
        problems.push(format!("expected decision {}, got {}", d.as_str(), v.decision.as_str()));
    }
    for r in &e.fires {
        if !fired.contains(&r.as_str()) {
            let how = if waived.contains_key(r.as_str()) { "it fired but was waived" } else { "it did not" };
            problems.push(format!("expected `{r}` to fire; {how}"));
        }
    }
    for r in &e.does_not_fire {
        if fired.contains(&r.as_str()) || waived.contains_key(r.as_str()) {
            problems.push(format!("expected `{r}` not to fire; it fired"));
        }
    }
    for (r, x) in &e.waived {
        match waived.get(r.as_str()) {
            Some(got) if got == x => {}
            Some(got) => problems.push(format!("expected `{r}` waived by `{x}`; it was waived by `{got}`")),
            None if fired.contains(&r.as_str()) => {
                problems.push(format!("expected `{r}` waived by `{x}`; it fired unwaived"))
            }
            None => problems.push(format!("expected `{r}` waived by `{x}`; it did not fire")),
        }
    }
    problems
}
