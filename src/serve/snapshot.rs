//! What one request is answered from: a rule set, the stored records and
//! their verdicts, taken as one `Arc` when the request starts, so a reload
//! that swaps in a new snapshot never changes an answer half-way.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use super::judge::{Judged, Settings, content_hash, judge_from};
use crate::date::Date;
use crate::fast::Evidence;
use crate::records::{Input, RecordError};
use crate::{RuleError, RuleSet};

/// The stored record graph: the inputs as read at start.
pub struct Data {
    /// The record inputs.
    pub inputs: Vec<Result<Input, RecordError>>,
}

/// A rule set over the stored records, with every stored record judged.
pub struct Snapshot {
    /// The rules.
    pub rules: RuleSet,
    /// The rule set's content hash (its files and the list files they read).
    pub hash: String,
    /// The stored records.
    pub data: Arc<Data>,
    /// The day the stored verdicts were judged on.
    pub as_of: Date,
    /// Every stored entry's answer, in input order.
    pub stored: Vec<Judged>,
    /// Record id → its entry in `stored` (the first, for a repeated id).
    pub by_id: HashMap<String, usize>,
}

impl Snapshot {
    /// Judges every stored record under `rules`.
    pub fn new(rules: RuleSet, data: Arc<Data>, as_of: Date, settings: Settings) -> io::Result<Snapshot> {
        let hash = rule_set_hash(&rules);
        let (_, stored) = judge_from(rules.program(), &data.inputs, 0, as_of, settings, Evidence::Full)?;
        let mut by_id = HashMap::with_capacity(stored.len());
        for (i, j) in stored.iter().enumerate() {
            if let (Some(id), Some(_)) = (&j.id, j.decision) {
                by_id.entry(id.clone()).or_insert(i);
            }
        }
        Ok(Snapshot { rules, hash, data, as_of, stored, by_id })
    }

    /// How many stored entries there are (records and errors).
    pub fn entries(&self) -> usize {
        self.stored.len()
    }
}

/// The snapshot requests are answered from; replaced whole on reload.
pub struct Current {
    snapshot: RwLock<Arc<Snapshot>>,
}

impl Current {
    /// Starts with `snapshot`.
    pub fn new(snapshot: Snapshot) -> Current {
        Current { snapshot: RwLock::new(Arc::new(snapshot)) }
    }

    /// The snapshot now (a request keeps it to its end).
    pub fn get(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(s) => Arc::clone(&s),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Puts `snapshot` in place for the requests that start from now on.
    pub fn replace(&self, snapshot: Arc<Snapshot>) {
        match self.snapshot.write() {
            Ok(mut s) => *s = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }
}

/// Loads the rule set at `path` again (for a reload).
pub fn load_rules(path: &Path) -> Result<RuleSet, Vec<RuleError>> {
    RuleSet::load(std::slice::from_ref(&path.to_path_buf()))
}

/// The content hash of a rule set: its files' names and texts, and the
/// list files they read (`list("FILE")`), so editing a list changes it.
pub fn rule_set_hash(rules: &RuleSet) -> String {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for file in rules.program().files() {
        parts.push(file.name().as_bytes().to_vec());
        parts.push(file.text().as_bytes().to_vec());
        for list in list_files(file.name(), file.text()) {
            // Unreadable now: the rule set checked, so it was read then;
            // its path still tells the hash what it was.
            parts.push(list.display().to_string().into_bytes());
            parts.push(std::fs::read(&list).unwrap_or_default());
        }
    }
    content_hash(parts.iter().map(Vec::as_slice))
}

/// The paths `list("…")` names in a rule file, beside it.
fn list_files(rule_file: &str, text: &str) -> Vec<PathBuf> {
    let Ok(pattern) = regex::Regex::new(r#"list\(\s*"((?:[^"\\]|\\.)*)""#) else { return Vec::new() };
    let folder = Path::new(rule_file).parent().unwrap_or(Path::new("."));
    pattern.captures_iter(text).filter_map(|c| c.get(1)).map(|m| folder.join(m.as_str())).collect()
}
