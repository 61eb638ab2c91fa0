//! What the test binaries share: one way to run the `interdict` binary
//! (from the project root, as a user would, without colour and at a fixed
//! width: snapshots depend on both), scratch folders, the example rule
//! sets, both engines over one input, and proptest's settings.

#![allow(dead_code)] // each test binary uses a part

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use interdict::date::Date;
use interdict::fast::{Evidence, FastEngine, FastStore};
use interdict::{Engine, EvalOptions, Input, RecordStore, RuleSet, report};

/// The day the example rule sets are judged on, unless a test says otherwise.
pub const AS_OF: &str = "2023-06-01";

/// The project root: where the binary runs and fixture paths start.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One run of the binary, set up step by step:
/// `Interdict::new(&["check", …]).width(80).in_dir(&dir).stdin("…").run()`.
pub struct Interdict {
    command: Command,
    stdin: Option<Vec<u8>>,
}

impl Interdict {
    /// From the project root, without colour, 100 columns wide, and not in
    /// CI (which would stop `test` and `snapshot` writing pending files)
    /// whatever the environment of the test run.
    pub fn new(args: &[&str]) -> Interdict {
        let mut command = Command::new(env!("CARGO_BIN_EXE_interdict"));
        command.args(args).current_dir(root()).env("NO_COLOR", "1").env("COLUMNS", "100").env_remove("CI");
        Interdict { command, stdin: None }
    }

    pub fn width(mut self, columns: usize) -> Interdict {
        self.command.env("COLUMNS", columns.to_string());
        self
    }

    /// Diagnostics never wrapped: for output that names a scratch folder,
    /// whose path length (and so where a line would wrap) depends on where
    /// the project is checked out.
    pub fn unwrapped(self) -> Interdict {
        self.width(10_000)
    }

    pub fn in_dir(mut self, dir: &Path) -> Interdict {
        self.command.current_dir(dir);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Interdict {
        self.command.env(key, value);
        self
    }

    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Interdict {
        self.stdin = Some(bytes.into());
        self
    }

    pub fn run(mut self) -> Output {
        let Some(bytes) = self.stdin else {
            return self.command.output().unwrap_or_else(|e| panic!("cannot run interdict: {e}"));
        };
        self.command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = self.command.spawn().unwrap_or_else(|e| panic!("cannot run interdict: {e}"));
        let mut input = child.stdin.take().unwrap_or_else(|| panic!("no stdin"));
        input.write_all(&bytes).unwrap_or_else(|e| panic!("cannot write stdin: {e}"));
        drop(input);
        child.wait_with_output().unwrap_or_else(|e| panic!("interdict did not finish: {e}"))
    }
}

/// The common case: `args` from the project root.
pub fn interdict(args: &[&str]) -> Output {
    Interdict::new(args).run()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit code, stdout and stderr of a run: what snapshots of a whole run hold.
pub fn shown(out: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().map_or("signal".to_string(), |c| c.to_string()),
        stdout(out),
        stderr(out)
    )
}

/// [`shown`], with `dir` written as `DIR` so snapshots do not depend on
/// where the scratch folder is.
pub fn shown_in(out: &Output, dir: &Path) -> String {
    shown(out).replace(&dir.display().to_string(), "DIR")
}

/// An empty scratch folder for one test, under the target's temporary
/// folder (what an earlier run left there is removed). Tests of one binary
/// run in parallel: each passes a name no other test uses.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// An example rule set of `rules/`, with its records, as paths from the
/// project root.
pub struct Example {
    pub dir: String,
    pub records: Vec<String>,
}

/// The example rule sets: folders of `rules/` with a `records/` folder,
/// each with its JSON records (by file name).
pub fn examples() -> Vec<Example> {
    let mut sets = Vec::new();
    for dir in sorted_entries(&root().join("rules")) {
        let records_dir = dir.join("records");
        if !records_dir.is_dir() {
            continue;
        }
        let records = sorted_entries(&records_dir)
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "jsonl"))
            .map(|p| from_root(&p))
            .collect();
        sets.push(Example { dir: from_root(&dir), records });
    }
    assert!(!sets.is_empty(), "no example rule sets under rules/");
    sets
}

/// The example rule set whose folder is `rules/NAME`.
pub fn example(name: &str) -> Example {
    let dir = format!("rules/{name}");
    examples().into_iter().find(|e| e.dir == dir).unwrap_or_else(|| panic!("no example rule set {dir}"))
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut paths: Vec<PathBuf> = entries.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>().unwrap_or_default();
    paths.sort();
    paths
}

fn from_root(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

/// A file under the project root, as an input named by its path.
pub fn input(path: &str) -> Input {
    let bytes = std::fs::read(root().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    Input::new(path, bytes)
}

pub fn date(text: &str) -> Date {
    Date::parse_exact(text).unwrap_or_else(|| panic!("not a date: {text}"))
}

/// `check --format json` of the reference engine, through the library.
pub fn reference_json(rules: &RuleSet, inputs: &[Input], as_of: Date) -> String {
    let store = RecordStore::load(inputs.to_vec());
    let outcomes = Engine::new(rules.program(), &store, EvalOptions { as_of }).evaluate();
    let mut out = Vec::new();
    report::write_json(&mut out, rules.program(), &store, &outcomes).unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
}

/// `check --format json` of the fast engine (with evidence), through the library.
pub fn fast_json(rules: &RuleSet, inputs: &[Input], as_of: Date) -> String {
    let sources: Vec<_> = inputs.iter().cloned().map(Ok).collect();
    let store = FastStore::load(&sources, rules.program());
    let outcomes = FastEngine::new(rules.program(), &store, EvalOptions { as_of }, Evidence::Full).evaluate();
    let mut out = Vec::new();
    report::write_json(&mut out, rules.program(), &store, &outcomes).unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(out).unwrap_or_else(|e| panic!("{e}"))
}

/// Both engines over the same input must write the same bytes; returns them.
#[track_caller]
pub fn engines_agree(rules: &RuleSet, inputs: &[Input], as_of: Date, what: &str) -> String {
    let reference = reference_json(rules, inputs, as_of);
    let fast = fast_json(rules, inputs, as_of);
    assert!(fast == reference, "{what}: the engines disagree");
    fast
}

/// `cases` generated cases, and regressions kept beside the test's source
/// file (`NAME.proptest-regressions`), as proptest does for a test file
/// of its own; its default would write them to `tests/proptest-regressions/`.
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, FileFailurePersistence};
    Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..Config::with_cases(cases)
    }
}
