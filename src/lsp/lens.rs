//! Code lenses over each rule: "fires on N of M records" in the rule set's
//! test fixtures (the records of the `*.test.yaml` files, judged by the
//! reference engine on each file's `as_of`), and "▶ run tests".
//!
//! A record read by several test files (often the same records file on
//! different days) is counted once, by its type and id: it counts as
//! fired when the rule fires on it in any of them.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use lsp_types::{CodeLens, Command};

use super::text::loc_range;
use super::workspace::RuleSetState;
use crate::check::Program;
use crate::date::Date;
use crate::eval::{EvalOptions, Outcome};
use crate::fixtures::{TestFile, find_tests};
use crate::reference::Engine;

/// A record of the fixtures: its type and id.
type RecordKey = (String, String);

/// What the fixtures say about each rule.
#[derive(Default, Debug)]
pub(crate) struct FireCounts {
    /// The records of each type.
    records: HashMap<String, BTreeSet<RecordKey>>,
    /// The records each rule fires on, waived or not.
    fired: HashMap<String, BTreeSet<RecordKey>>,
    /// The records on which it fired and was waived.
    waived: HashMap<String, BTreeSet<RecordKey>>,
    /// The field names seen on the records of each type.
    pub(crate) fields: HashMap<String, BTreeSet<String>>,
    /// How many test files there are.
    pub(crate) tests: usize,
    /// Test files that could not be read, with why.
    pub(crate) broken: Vec<String>,
}

impl FireCounts {
    /// Judges the records of every test file under `folder`.
    pub(crate) fn new(program: &Program, folder: &Path, default_day: Date) -> FireCounts {
        let mut counts = FireCounts::default();
        for file in find_tests(folder).unwrap_or_default() {
            counts.tests += 1;
            if let Err(why) = counts.add_file(program, &file, default_day) {
                counts.broken.push(format!("{}: {why}", file.display()));
            }
        }
        counts
    }

    fn add_file(&mut self, program: &Program, file: &Path, default_day: Date) -> Result<(), String> {
        let text = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
        let test = TestFile::parse(&text)?;
        let as_of = test.day(default_day)?;
        let store = test.records(file, program)?;
        let engine = Engine::new(program, &store, EvalOptions { as_of });
        for outcome in engine.evaluate() {
            let Outcome::Verdict(v) = outcome else { continue };
            let record = store.record(v.record);
            let key = (record.record_type().to_string(), record.id().to_string());
            self.records.entry(key.0.clone()).or_default().insert(key.clone());
            self.fields.entry(key.0.clone()).or_default().extend(record.fields().keys().cloned());
            for f in &v.fired {
                self.fired.entry(program.rule(f.rule).name.clone()).or_default().insert(key.clone());
            }
            for w in &v.waived {
                let rule = program.rule(w.rule).name.clone();
                self.fired.entry(rule.clone()).or_default().insert(key.clone());
                self.waived.entry(rule).or_default().insert(key.clone());
            }
        }
        Ok(())
    }

    /// "fires on 3 of 12 `person` records in tests (1 waived)".
    pub(crate) fn label(&self, rule: &str, record_type: &str) -> String {
        let n = self.fired.get(rule).map_or(0, BTreeSet::len);
        let m = self.records.get(record_type).map_or(0, BTreeSet::len);
        let waived = self.waived.get(rule).map_or(0, BTreeSet::len);
        let waived = if waived > 0 { format!(" ({waived} waived)") } else { String::new() };
        format!("fires on {n} of {m} `{record_type}` records in tests{waived}")
    }
}

/// The lenses of one file: over each rule, its fire count (when the rule
/// set checks and has test files) and "▶ run tests".
pub(crate) fn lenses(set: &RuleSetState, file: &str, counts: Option<&FireCounts>, folder: &Path) -> Vec<CodeLens> {
    let Some((_, parsed)) = set.analysis.files.iter().find(|(src, _)| src.name() == file) else { return Vec::new() };
    let mut out = Vec::new();
    for item in &parsed.items {
        let crate::ast::Item::Rule(rule) = item else { continue };
        let range = loc_range(&rule.name.loc);
        if let Some(counts) = counts.filter(|c| c.tests > 0) {
            let title = counts.label(&rule.name.name, &rule.record_type.name);
            out.push(CodeLens {
                range,
                command: Some(Command { title, command: String::new(), arguments: None }),
                data: None,
            });
        }
        let run = Command {
            title: "▶ run tests".to_string(),
            command: "interdict.runTests".to_string(),
            arguments: Some(vec![serde_json::Value::String(folder.display().to_string())]),
        };
        out.push(CodeLens { range, command: Some(run), data: None });
    }
    out
}
