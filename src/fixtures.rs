//! The `*.test.yaml` files that live beside a rule set (format in
//! docs/testing.md): what they hold, finding them, and their records read
//! into a store. `interdict test` runs them; the language server counts the
//! records each rule fires on.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::check::{Base, Program};
use crate::date::Date;
use crate::eval::Decision;
use crate::records::convert::{Column, ConvertOptions, InputFormat, Scalar, convert};
use crate::records::{Input, RecordStore};

/// One test file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// The day `effective` clauses are judged against.
    pub as_of: Option<String>,
    /// Record files, relative to the test file.
    #[serde(default)]
    pub records: Vec<String>,
    /// Records written in the test file.
    #[serde(default)]
    pub inline: Vec<serde_json::Value>,
    /// Expectations per record.
    #[serde(default)]
    pub expect: Vec<Expect>,
    /// A decision snapshot of every record, in `snapshots/NAME.snap` beside the test file.
    pub snapshot: Option<String>,
    /// What the snapshot holds.
    #[serde(default)]
    pub snapshot_content: SnapshotContent,
}

/// What a test file's decision snapshot holds.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotContent {
    /// Decisions, fired and waived rules, and their evidence.
    #[default]
    Full,
    /// Decisions and the names of the fired and waived rules (and
    /// exemptions) only.
    Decisions,
}

/// What one record is expected to come out as.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The record's id.
    pub id: String,
    /// Its decision.
    pub decision: Option<Decision>,
    /// Rules that must fire.
    #[serde(default)]
    pub fires: Vec<String>,
    /// Rules that must not fire.
    #[serde(default)]
    pub does_not_fire: Vec<String>,
    /// rule → the exemption that must waive it.
    #[serde(default)]
    pub waived: BTreeMap<String, String>,
}

impl TestFile {
    /// Reads a test file's YAML; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<TestFile, String> {
        serde_yaml_ng::from_str(text).map_err(|e| e.to_string())
    }

    /// The file's `as_of`, else `default`.
    pub fn day(&self, default: Date) -> Result<Date, String> {
        match &self.as_of {
            None => Ok(default),
            Some(d) => Date::parse_exact(d).ok_or_else(|| format!("`as_of: {d}` is not a date (YYYY-MM-DD)")),
        }
    }

    /// The test's record files (typed by extension: `.csv`, `.yaml`,
    /// `.ftm.json`…, as `check` does) and inline records, in one store.
    /// `file` is the test file, whose folder record files are found from.
    pub fn records(&self, file: &Path, program: &Program) -> Result<RecordStore, String> {
        let dir = file.parent().unwrap_or(Path::new("."));
        let mut store = RecordStore::default();
        let options = ConvertOptions { columns: declared_columns(program), ..ConvertOptions::default() };
        for r in &self.records {
            let path = dir.join(r);
            let bytes = std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            let input = Input::new(path.display().to_string(), bytes);
            let format = InputFormat::from_name(&input.name);
            store.add_input(&convert(input, format, &options));
        }
        if !self.inline.is_empty() {
            let mut bytes = Vec::new();
            for record in &self.inline {
                bytes.extend(serde_json::to_vec(record).unwrap_or_default());
                bytes.push(b'\n');
            }
            store.add_input(&Input::new(format!("{} (inline record)", file.display()), bytes));
        }
        Ok(store)
    }
}

/// The `*.test.yaml` files at `path` (itself, or found below it), sorted.
pub fn find_tests(path: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    find_tests_in(path, &mut out)?;
    out.sort();
    Ok(out)
}

fn find_tests_in(path: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    if path.is_file() {
        if path.to_string_lossy().ends_with(".test.yaml") {
            out.push(path.to_path_buf());
        }
        return Ok(());
    }
    for entry in std::fs::read_dir(path)? {
        let p = entry?.path();
        if p.is_dir() {
            find_tests_in(&p, out)?;
        } else if p.to_string_lossy().ends_with(".test.yaml") {
            out.push(p);
        }
    }
    Ok(())
}

/// The declared fields of each entity as CSV columns: CSV cells are typed
/// by the entity declarations.
pub fn declared_columns(program: &Program) -> HashMap<String, HashMap<String, Column>> {
    let mut columns: HashMap<String, HashMap<String, Column>> = HashMap::new();
    for entity in program.schema().map(|s| s.entities.values()).into_iter().flatten() {
        let fields = entity.fields.iter().map(|(name, t)| {
            let scalar = match t.base {
                Base::Num => Scalar::Num,
                Base::Bool => Scalar::Bool,
                Base::Date => Scalar::Date,
                Base::Str | Base::Entity(_) => Scalar::Str,
            };
            (name.clone(), Column { scalar, list: t.list })
        });
        columns.insert(entity.name.clone(), fields.collect());
    }
    columns
}
