//! What one request is answered from: a rule set, the stored records and
//! their verdicts, taken as one `Arc` when the request starts, so a reload
//! that swaps in a new snapshot never changes an answer half-way.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use super::judge::{Judged, Lines, Settings, content_hash, judge_from, judge_store};
use crate::date::Date;
use crate::fast::{Evidence, Judging, Overlay};
use crate::records::{Input, RecordError, RecordIdx, Records};
use crate::{RuleError, RuleSet};

/// The stored record graph: the inputs as read at start.
pub struct Data {
    /// The record inputs.
    pub inputs: Vec<Result<Input, RecordError>>,
}

self_cell::self_cell!(
    /// The stored records loaded for one rule set, kept beside the inputs
    /// they borrow from, so a request is judged without loading them again.
    pub struct Graph {
        owner: Arc<Data>,
        #[covariant]
        dependent: Overlay,
    }
);

/// A rule set over the stored records, with every stored record judged.
pub struct Snapshot {
    /// The rules.
    pub rules: Arc<RuleSet>,
    /// The rule set's content hash (its files and the list files they read).
    pub hash: String,
    /// The stored records.
    pub data: Arc<Data>,
    /// The stored records loaded for `rules`.
    pub graph: Arc<Graph>,
    /// The day the stored verdicts were judged on.
    pub as_of: Date,
    /// Every stored entry's answer as loaded, in input order (see
    /// [`Snapshot::verdict`] for a record's answer now).
    pub stored: Arc<Vec<Judged>>,
    /// Record id → its entry in `stored` (the first, for a repeated id).
    pub by_id: Arc<HashMap<String, usize>>,
    /// The records written since the graph was loaded.
    pub edits: Edits,
    /// The stored records' version: their content hash as loaded, then one
    /// more hash for each write.
    pub data_version: String,
}

impl Snapshot {
    /// Judges every stored record under `rules`.
    pub fn new(rules: RuleSet, data: Arc<Data>, as_of: Date, settings: Settings) -> io::Result<Snapshot> {
        let hash = rule_set_hash(&rules);
        let data_version = content_hash(data.inputs.iter().filter_map(|i| i.as_ref().ok()).map(|i| i.bytes.as_slice()));
        let graph = Graph::new(Arc::clone(&data), |data| Overlay::new(&data.inputs, rules.program()));
        let stored = graph.with_dependent(|_, overlay| {
            // Lines are rendered on request: a million of them is most of the memory.
            judge_store(rules.program(), overlay.store(), 0, as_of, settings, Evidence::Full, Lines::Left)
        })?;
        let (_, stored) = stored;
        let mut by_id = HashMap::with_capacity(stored.len());
        for (i, j) in stored.iter().enumerate() {
            if let (Some(id), Some(_)) = (&j.id, j.decision) {
                by_id.entry(id.clone()).or_insert(i);
            }
        }
        Ok(Snapshot {
            rules: Arc::new(rules),
            hash,
            data,
            graph: Arc::new(graph),
            as_of,
            stored: Arc::new(stored),
            by_id: Arc::new(by_id),
            edits: Edits::default(),
            data_version,
        })
    }

    /// New records judged with the stored ones, as `check --format json`
    /// over the stored inputs and `request` judges them: with the stored
    /// records judging them can read (see [`Overlay`]).
    pub fn judge_new(
        &self,
        request: &Input,
        as_of: Date,
        settings: Settings,
        evidence: Evidence,
    ) -> io::Result<Vec<Judged>> {
        let program = self.rules.program();
        let added = self.edits.added_input();
        let judging = Judging { removed: &self.edits.removed, added: &added, again: &[], request: Some(request) };
        let (inputs, stored) = self.graph.borrow_dependent().inputs_to_judge(&judging, program);
        Ok(judge_from(program, &inputs, stored + self.edits.added.len(), as_of, settings, evidence)?.1)
    }

    /// A stored record's answer now, by id, its line rendered: as `check
    /// --format json` writes it for the stored records now, on the day the
    /// rule set was loaded.
    pub fn line(&self, id: &str, settings: Settings) -> io::Result<Option<Judged>> {
        let Some(now) = self.verdict(id) else { return Ok(None) };
        if !now.line.is_empty() {
            return Ok(Some(now.clone()));
        }
        let overlay = self.graph.borrow_dependent();
        let again: Vec<RecordIdx> =
            overlay.store().lookup(id).filter(|r| !self.edits.removed.contains(r)).into_iter().collect();
        let added = self.edits.added_input();
        let judging = Judging { removed: &self.edits.removed, added: &added, again: &again, request: None };
        let program = self.rules.program();
        let (inputs, _) = overlay.inputs_to_judge(&judging, program);
        let (_, judged) = judge_from(program, &inputs, 0, self.as_of, settings, Evidence::Full)?;
        Ok(judged.into_iter().find(|j| j.id.as_deref() == Some(id) && j.decision.is_some()))
    }

    /// A stored record's answer now, by id (its line may be left to
    /// [`Snapshot::line`]).
    pub fn verdict(&self, id: &str) -> Option<&Judged> {
        match self.edits.verdicts.get(id) {
            Some(now) => now.as_ref(),
            None => self.by_id.get(id).and_then(|&i| self.stored.get(i)),
        }
    }

    /// The stored records now: the inputs as loaded, or, after writes, the
    /// records that are left of them (in place) and those written.
    pub fn data_now(&self) -> Arc<Data> {
        if self.edits.is_empty() {
            return Arc::clone(&self.data);
        }
        let added = self.edits.added_input();
        Arc::new(Data { inputs: self.graph.borrow_dependent().inputs_now(&self.edits.removed, &added) })
    }

    /// How many stored entries there are (records and errors).
    pub fn entries(&self) -> usize {
        self.stored.len() + self.edits.added.len() - self.edits.removed.len()
    }

    /// Every stored record's answer now: the loaded ones as writes left
    /// them, in input order, then the records written that were not loaded.
    pub fn answers(&self) -> impl Iterator<Item = &Judged> {
        let loaded = self.stored.iter().filter_map(|j| {
            let written = j.id.as_ref().filter(|_| j.decision.is_some()).and_then(|id| self.edits.verdicts.get(id));
            written.map_or(Some(j), Option::as_ref)
        });
        let mut written: Vec<(&String, &Judged)> = (self.edits.verdicts.iter())
            .filter(|(id, _)| !self.by_id.contains_key(*id))
            .filter_map(|(id, j)| Some((id, j.as_ref()?)))
            .collect();
        written.sort_unstable_by_key(|(id, _)| *id);
        loaded.chain(written.into_iter().map(|(_, j)| j))
    }

    /// The stored records judged in both `self` and `newer`, by id:
    /// (before, after), in `newer`'s order.
    pub fn paired<'s>(&'s self, newer: &'s Snapshot) -> Vec<(&'s Judged, &'s Judged)> {
        (newer.answers().filter(|j| j.decision.is_some()))
            .filter_map(|after| Some((self.verdict(after.id.as_deref()?)?, after)))
            .filter(|(before, _)| before.decision.is_some())
            .collect()
    }

    /// A stored record's type, by id: from the loaded store, or from its
    /// rendered line for a record written since.
    pub fn record_type(&self, id: &str, settings: Settings) -> String {
        let store = self.graph.borrow_dependent().store();
        if let Some(r) = store.lookup(id).filter(|r| !self.edits.removed.contains(r)) {
            return store.record_type(r).to_string();
        }
        let line = self.line(id, settings).ok().flatten().map(|j| j.line).unwrap_or_default();
        let parsed: serde_json::Value = serde_json::from_slice(&line).unwrap_or_default();
        parsed["type"].as_str().unwrap_or_default().to_string()
    }
}

/// The records written since the graph was loaded.
#[derive(Clone, Default)]
pub struct Edits {
    /// Loaded records taken out (deleted, or replaced by one in `added`).
    pub removed: HashSet<RecordIdx>,
    /// The records written, latest version of each, in the order last
    /// written: (id, one JSON line).
    pub added: Vec<(String, Vec<u8>)>,
    /// Answers that differ from the loaded ones, by id (`None`: deleted).
    pub verdicts: HashMap<String, Option<Judged>>,
}

impl Edits {
    /// No writes.
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty()
    }

    /// The records written, as one JSON Lines input named `added`.
    pub fn added_input(&self) -> Input {
        let mut bytes = Vec::new();
        for (_, line) in &self.added {
            bytes.extend_from_slice(line);
            bytes.push(b'\n');
        }
        Input::new("added", bytes)
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
