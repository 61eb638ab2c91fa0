//! The open documents and the rule sets they belong to. A rule set is the
//! open file's folder, read as `validate` reads it (every `.rules` file
//! below it), with the editor's unsaved text in place of what is on disk.
//! Each rule set is read again, whole, when one of its files changes: the
//! check needs every file anyway, and a rule set is a folder of text.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::index::Index;
use super::lens::FireCounts;
use crate::check::LintWarning;
use crate::date::Date;
use crate::source::SourceFile;
use crate::{Analysis, rule_files};

/// An open document.
pub(crate) struct Doc {
    /// The editor's text.
    pub(crate) text: String,
    /// The editor's version of it.
    pub(crate) version: i32,
}

/// A rule set read as far as it goes, with what the editor asks of it.
pub(crate) struct RuleSetState {
    /// Files, errors and program.
    pub(crate) analysis: Analysis,
    /// Lint warnings (when the rule set checks).
    pub(crate) lint: Vec<LintWarning>,
    /// Every name.
    pub(crate) index: Index,
}

impl RuleSetState {
    /// The text of one of its files, by name.
    pub(crate) fn source(&self, name: &str) -> Option<&Arc<SourceFile>> {
        self.analysis.files.iter().map(|(src, _)| src).find(|src| src.name() == name)
    }
}

/// Everything the server holds.
pub(crate) struct Workspace {
    /// Open documents by path.
    pub(crate) docs: HashMap<PathBuf, Doc>,
    /// Rule sets by folder; `None` when one of their files changed since.
    sets: HashMap<PathBuf, Option<RuleSetState>>,
    /// Fire counts by folder, refreshed when a file is opened or saved.
    pub(crate) fire_counts: HashMap<PathBuf, FireCounts>,
    /// The day lint judges `effective` ranges against.
    pub(crate) as_of: Date,
}

impl Workspace {
    pub(crate) fn new(as_of: Date) -> Workspace {
        Workspace { docs: HashMap::new(), sets: HashMap::new(), fire_counts: HashMap::new(), as_of }
    }

    /// Marks the rule set holding `path` as changed.
    pub(crate) fn touch(&mut self, path: &Path) {
        if let Some(folder) = path.parent() {
            self.sets.insert(folder.to_path_buf(), None);
        }
    }

    /// Reads the rule set in `folder` again if one of its files changed.
    pub(crate) fn refresh(&mut self, folder: &Path) {
        if !matches!(self.sets.get(folder), Some(Some(_))) {
            let state = self.read(folder);
            self.sets.insert(folder.to_path_buf(), Some(state));
        }
    }

    /// The rule set in `folder`, as last read.
    pub(crate) fn get(&self, folder: &Path) -> Option<&RuleSetState> {
        self.sets.get(folder).and_then(Option::as_ref)
    }

    /// Reads and checks the rule set in `folder`.
    fn read(&self, folder: &Path) -> RuleSetState {
        let sources = self.texts(folder).into_iter().map(|(path, text)| SourceFile::new(path.display().to_string(), text));
        let analysis = Analysis::new(sources.collect(), &[folder.to_path_buf()]);
        let lint = analysis.lint(self.as_of);
        let index = Index::new(&analysis.files);
        RuleSetState { analysis, lint, index }
    }

    /// The rule files of `folder` (and the open ones not yet on disk), each
    /// with the editor's text when open, else the disk's.
    fn texts(&self, folder: &Path) -> BTreeMap<PathBuf, String> {
        let mut texts = BTreeMap::new();
        for path in rule_files(folder).unwrap_or_default() {
            if let Ok(bytes) = std::fs::read(&path) {
                texts.insert(path, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
        for (path, doc) in &self.docs {
            if path.starts_with(folder) && path.extension().is_some_and(|e| e == "rules") {
                texts.insert(path.clone(), doc.text.clone());
            }
        }
        texts
    }
}
