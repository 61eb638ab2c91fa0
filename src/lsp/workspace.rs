//! The open documents and the rule sets they belong to. A rule set is the
//! open file's folder, read as `validate` reads it (every `.rules` file
//! below it), with the editor's unsaved text in place of what is on disk.
//! Each rule set is checked again, whole, when one of its files changes:
//! the check needs every file anyway. Parsing is what costs, so each file
//! keeps its parsed declarations and only those whose text changed are
//! parsed again.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::index::Index;
use crate::check::LintWarning;
use crate::date::Date;
use crate::source::SourceFile;
use crate::syntax::{Reparse, reparse};
use crate::{Analysis, rule_files};

/// A rule set of at most this many declarations is linted every time it
/// is read. A larger one is linted when the editor pauses, when one of its
/// files is opened, saved or closed, and before the server shuts down, so
/// that a keystroke gets its errors without waiting for lint (which costs
/// about as much as parsing and checking together on a file of 9,000 rules).
pub(crate) const LINT_AT_ONCE: usize = 1_000;

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
    /// Lint warnings (when the rule set checks); until a large rule set
    /// is linted, those of the last lint in files that have not changed since.
    pub(crate) lint: Vec<LintWarning>,
    /// Whether `lint` is this text's.
    pub(crate) linted: bool,
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
    /// Rule sets by folder, as last read.
    sets: HashMap<PathBuf, RuleSetState>,
    /// The rule sets one of whose files changed since they were read, and
    /// whether to lint them when they are read again whatever their size
    /// (a file opened, saved or closed; not a keystroke).
    stale: HashMap<PathBuf, bool>,
    /// The rule files on disk by folder, and their text: listed and read
    /// when a rule set is first read, and again after a file is opened,
    /// saved, closed or changed on disk (not on every keystroke).
    disk: HashMap<PathBuf, BTreeMap<PathBuf, String>>,
    /// Each rule file's declarations as last parsed, re-used when their
    /// text has not changed.
    parses: HashMap<PathBuf, Reparse>,
    /// The day lint judges `effective` ranges against.
    pub(crate) as_of: Date,
}

impl Workspace {
    pub(crate) fn new(as_of: Date) -> Workspace {
        Workspace {
            docs: HashMap::new(),
            sets: HashMap::new(),
            stale: HashMap::new(),
            disk: HashMap::new(),
            parses: HashMap::new(),
            as_of,
        }
    }

    /// Marks the rule sets holding `path` as changed (its folder's, and
    /// those of the folders above it that were read: a rule set holds the
    /// files below its folder), on disk too when `disk`; returns their folders.
    pub(crate) fn touch(&mut self, path: &Path, disk: bool) -> Vec<PathBuf> {
        let mut folders: Vec<PathBuf> = self.sets.keys().filter(|f| path.starts_with(f)).cloned().collect();
        if let Some(folder) = path.parent().filter(|f| !folders.iter().any(|known| known == f)) {
            folders.push(folder.to_path_buf());
        }
        for folder in &folders {
            *self.stale.entry(folder.clone()).or_default() |= disk;
            if disk {
                self.disk.remove(folder);
            }
        }
        folders
    }

    /// Reads the rule set in `folder` again if one of its files changed.
    pub(crate) fn refresh(&mut self, folder: &Path) {
        if !self.disk.contains_key(folder) {
            self.disk.insert(folder.to_path_buf(), on_disk(folder));
        }
        if !self.sets.contains_key(folder) || self.stale.contains_key(folder) {
            let lint_now = self.stale.remove(folder).unwrap_or(true);
            let state = self.read(folder, lint_now);
            self.sets.insert(folder.to_path_buf(), state);
        }
    }

    /// The rule set in `folder`, as last read (`None` if it changed since).
    pub(crate) fn get(&self, folder: &Path) -> Option<&RuleSetState> {
        self.sets.get(folder).filter(|_| !self.stale.contains_key(folder))
    }

    /// The folders of the rule sets read but not linted yet (and not
    /// changed since).
    pub(crate) fn unlinted(&self) -> Vec<PathBuf> {
        let waiting = |(folder, set): &(&PathBuf, &RuleSetState)| !set.linted && !self.stale.contains_key(*folder);
        self.sets.iter().filter(waiting).map(|(folder, _)| folder.clone()).collect()
    }

    /// Lints the rule set in `folder` if it was read but not linted;
    /// whether it was.
    pub(crate) fn lint(&mut self, folder: &Path) -> bool {
        let as_of = self.as_of;
        let Some(set) = self.sets.get_mut(folder).filter(|set| !set.linted) else { return false };
        set.lint = set.analysis.lint(as_of);
        set.linted = true;
        true
    }

    /// Reads and checks the rule set in `folder`, parsing again only the
    /// declarations that changed; lints it too if `lint_now` or if it is
    /// small (see [`LINT_AT_ONCE`]).
    fn read(&mut self, folder: &Path, lint_now: bool) -> RuleSetState {
        let mut before = self.sets.remove(folder);
        // The last parse's trees go back to be re-used.
        if let Some(set) = &mut before {
            for (src, file) in std::mem::take(&mut set.analysis.files) {
                if let Some(last) = self.parses.get_mut(Path::new(src.name())) {
                    last.give_back(&src, file);
                }
            }
        }
        let texts = self.texts(folder);
        // Forget the files that are gone.
        self.parses.retain(|path, _| !path.starts_with(folder) || texts.contains_key(path));
        let mut parsed = Vec::new();
        for (path, text) in texts {
            let src = SourceFile::new(path.display().to_string(), text);
            parsed.push((reparse(&src, self.parses.entry(path).or_default()), src));
        }
        let analysis = Analysis::from_parsed(parsed, &[folder.to_path_buf()]);
        let index = Index::new(&analysis.files);
        let declarations: usize = analysis.files.iter().map(|(_, file)| file.items.len()).sum();
        let mut set = RuleSetState { analysis, lint: Vec::new(), linted: false, index };
        if lint_now || declarations <= LINT_AT_ONCE {
            set.lint = set.analysis.lint(self.as_of);
            set.linted = true;
        } else if let Some(before) = before.filter(|_| set.analysis.program.is_some()) {
            set.lint = unchanged(before.lint, &set.analysis.files);
        }
        set
    }

    /// The rule files of `folder` (and the open ones not yet on disk), each
    /// with the editor's text when open, else the disk's.
    fn texts(&self, folder: &Path) -> BTreeMap<PathBuf, String> {
        let mut texts = self.disk.get(folder).cloned().unwrap_or_default();
        for (path, doc) in &self.docs {
            if path.starts_with(folder) && path.extension().is_some_and(|e| e == "rules") {
                texts.insert(path.clone(), doc.text.clone());
            }
        }
        texts
    }
}

/// The lint warnings of `before` whose every place is in a file whose text
/// is `files`'s: they still hold, at the same places.
fn unchanged(before: Vec<LintWarning>, files: &[(Arc<SourceFile>, crate::ast::File)]) -> Vec<LintWarning> {
    let now: HashMap<&str, &str> = files.iter().map(|(src, _)| (src.name(), src.text())).collect();
    // Each file's texts compared once.
    let mut same: HashMap<String, bool> = HashMap::new();
    let mut holds = |loc: &crate::source::Loc| {
        *same.entry(loc.src.name().to_string()).or_insert_with(|| now.get(loc.src.name()) == Some(&loc.src.text()))
    };
    before
        .into_iter()
        .filter(|w| {
            let at = w.located();
            holds(&at.loc) && at.also.iter().all(|(loc, _)| holds(loc))
        })
        .collect()
}

/// The rule files of `folder` as saved, and their text.
fn on_disk(folder: &Path) -> BTreeMap<PathBuf, String> {
    let mut texts = BTreeMap::new();
    for path in rule_files(folder).unwrap_or_default() {
        if let Ok(bytes) = std::fs::read(&path) {
            texts.insert(path, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    texts
}
