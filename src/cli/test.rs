//! `interdict test`: run the `*.test.yaml` files that live beside a rule set
//! (format in docs/testing.md): expected decisions and rules per record, and
//! decision snapshots.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::common::{convert_options, load_rules, width};
use super::coverage::Coverage;
use super::snapshot::{self, Compared, Policy};
use super::{Exit, Format, InputArgs, TestArgs};
use crate::check::{Program, did_you_mean};
use crate::date::Date;
use crate::eval::{Decision, EvalOptions, Outcome, Verdict};
use crate::records::convert::{InputFormat, convert};
use crate::records::{Input, RecordStore};
use crate::reference::Engine;
use crate::report;

/// One test file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    /// The day `effective` clauses are judged against.
    as_of: Option<String>,
    /// Record files, relative to the test file.
    #[serde(default)]
    records: Vec<String>,
    /// Records written in the test file.
    #[serde(default)]
    inline: Vec<serde_json::Value>,
    /// Expectations per record.
    #[serde(default)]
    expect: Vec<Expect>,
    /// A decision snapshot of every record, in `snapshots/NAME.snap` beside the test file.
    snapshot: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    id: String,
    decision: Option<Decision>,
    #[serde(default)]
    fires: Vec<String>,
    #[serde(default)]
    does_not_fire: Vec<String>,
    /// rule → the exemption that must waive it.
    #[serde(default)]
    waived: BTreeMap<String, String>,
}

/// Tallies of a run.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    pending: Vec<PathBuf>,
}

pub(super) fn run(args: &TestArgs) -> io::Result<Exit> {
    let Some(rules) = load_rules(std::slice::from_ref(&args.path), args.color)? else { return Ok(Exit::Rules) };
    let program = rules.program();
    let mut files = Vec::new();
    find_tests(&args.path, &mut files)?;
    files.sort();
    let stdout = io::stdout();
    let color = args.color.enabled(stdout.is_terminal());
    let mut out = io::BufWriter::new(stdout.lock());
    if files.is_empty() {
        writeln!(out, "no `*.test.yaml` files under {}", args.path.display())?;
        out.flush()?;
        return Ok(Exit::Denied);
    }
    let policy = Policy::new(args.accept);
    let mut tally = Tally::default();
    let mut coverage = args.coverage.then(|| Coverage::new(program));
    let mut broken = false;
    for file in &files {
        match run_file(file, program, args, policy, color, &mut out, &mut tally, coverage.as_mut())? {
            FileResult::Ran => {}
            FileResult::Broken(message) => {
                broken = true;
                writeln!(out, "error {}: {message}", file.display())?;
            }
        }
    }
    writeln!(out, "{} passed, {} failed", tally.passed, tally.failed)?;
    if !tally.pending.is_empty() {
        writeln!(
            out,
            "{} snapshot{} pending review: run `interdict test {} --review` (or `--accept`)",
            tally.pending.len(),
            if tally.pending.len() == 1 { "" } else { "s" },
            args.path.display()
        )?;
    }
    if let Some(c) = &coverage {
        writeln!(out)?;
        match args.format {
            Format::Json => c.write_json(&mut out)?,
            Format::Human | Format::Summary => c.write_human(&mut out)?,
        }
    }
    out.flush()?;
    drop(out);
    if args.review && !tally.pending.is_empty() {
        let (accepted, rejected, skipped) = snapshot::review(&tally.pending)?;
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

fn find_tests(path: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    if path.is_file() {
        if path.to_string_lossy().ends_with(".test.yaml") {
            out.push(path.to_path_buf());
        }
        return Ok(());
    }
    for entry in std::fs::read_dir(path)? {
        let p = entry?.path();
        if p.is_dir() {
            find_tests(&p, out)?;
        } else if p.to_string_lossy().ends_with(".test.yaml") {
            out.push(p);
        }
    }
    Ok(())
}

enum FileResult {
    Ran,
    Broken(String),
}

#[allow(clippy::too_many_arguments)]
fn run_file(
    file: &Path,
    program: &Program,
    args: &TestArgs,
    policy: Policy,
    color: bool,
    out: &mut impl Write,
    tally: &mut Tally,
    coverage: Option<&mut Coverage>,
) -> io::Result<FileResult> {
    let text = std::fs::read_to_string(file)?;
    let test: TestFile = match serde_yaml_ng::from_str(&text) {
        Ok(t) => t,
        Err(e) => return Ok(FileResult::Broken(e.to_string())),
    };
    if let Some(problem) = unknown_names(&test, program) {
        return Ok(FileResult::Broken(problem));
    }
    let as_of = match (&test.as_of, args.as_of) {
        (Some(d), _) => match Date::parse_exact(d) {
            Some(d) => d,
            None => return Ok(FileResult::Broken(format!("`as_of: {d}` is not a date (YYYY-MM-DD)"))),
        },
        (None, Some(d)) => d,
        (None, None) => Date::today(),
    };
    let dir = file.parent().unwrap_or(Path::new("."));
    let mut store = RecordStore::default();
    for r in &test.records {
        let path = dir.join(r);
        match std::fs::read(&path) {
            Ok(bytes) => {
                // Typed by extension (`.csv`, `.yaml`, `.ftm.json`…), as `check` does.
                let input = Input::new(path.display().to_string(), bytes);
                let format = InputFormat::from_name(&input.name);
                store.add_input(&convert(input, format, &convert_options(&InputArgs::default(), Some(program))))
            }
            Err(e) => return Ok(FileResult::Broken(format!("cannot read `{}`: {e}", path.display()))),
        }
    }
    if !test.inline.is_empty() {
        let mut bytes = Vec::new();
        for record in &test.inline {
            bytes.extend(serde_json::to_vec(record).unwrap_or_default());
            bytes.push(b'\n');
        }
        store.add_input(&Input::new(format!("{} (inline record)", file.display()), bytes));
    }
    let mut engine = Engine::new(program, &store, EvalOptions { as_of }).with_limits(args.limits.get());
    if coverage.is_some() {
        engine.record_coverage();
    }
    let outcomes = engine.evaluate();
    if let Some(c) = coverage {
        c.add(&engine, &outcomes);
    }
    let name = file.display().to_string();

    // Input that could not be read fails the file: its records were not judged.
    let errors: Vec<String> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::RecordError(e) => Some(format!("{}: {}", e.position(), e.message())),
            Outcome::EvalError(e) => Some(format!("{}: {}", e.position(), e.message())),
            Outcome::Verdict(_) => None,
        })
        .collect();
    if !errors.is_empty() {
        tally.failed += 1;
        writeln!(out, "FAIL {name}: {} record error{}", errors.len(), if errors.len() == 1 { "" } else { "s" })?;
        for e in &errors {
            writeln!(out, "  {e}")?;
        }
    }

    for expect in &test.expect {
        let verdict = outcomes.iter().find_map(|o| match o {
            Outcome::Verdict(v) if store.record(v.record).id() == expect.id => Some(v),
            _ => None,
        });
        let Some(v) = verdict else {
            tally.failed += 1;
            writeln!(out, "FAIL {name}: `{}`: no such record in the test's inputs", expect.id)?;
            continue;
        };
        let problems = check_expect(expect, v, program);
        if problems.is_empty() {
            tally.passed += 1;
        } else {
            tally.failed += 1;
            writeln!(out, "FAIL {name}: `{}`", expect.id)?;
            for p in &problems {
                writeln!(out, "  {p}")?;
            }
            writeln!(out, "  what happened:")?;
            let mut shown = Vec::new();
            report::write_verdict(&mut shown, program, &store, v, color, width())?;
            for line in String::from_utf8_lossy(&shown).lines() {
                writeln!(out, "    {line}")?;
            }
        }
    }

    if let Some(snap) = &test.snapshot {
        let content = report::decision_snapshot(program, &store, &outcomes);
        let path = dir.join("snapshots").join(format!("{snap}.snap"));
        match snapshot::compare(&path, &name, &content, policy, false)? {
            Compared::Matched => tally.passed += 1,
            Compared::Written => {
                tally.passed += 1;
                writeln!(out, "wrote {}", path.display())?;
            }
            Compared::Differs { diff, pending } => {
                tally.failed += 1;
                let n = report::changed_records(&diff);
                if path.exists() {
                    writeln!(
                        out,
                        "FAIL {name}: snapshot `{snap}` differs on {n} record{}",
                        if n == 1 { "" } else { "s" }
                    )?;
                    for line in diff.lines() {
                        writeln!(out, "  {line}")?;
                    }
                } else {
                    writeln!(out, "FAIL {name}: snapshot `{snap}` is new ({n} records) and not accepted yet")?;
                }
                if let Some(p) = pending {
                    writeln!(out, "  pending: {}", p.display())?;
                    tally.pending.push(p);
                }
            }
        }
    }
    Ok(FileResult::Ran)
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
