//! `interdict diff`: evaluate two rule sets on the same records and report
//! every record whose verdict changed, grouped by rule.

use std::io::{self, Write};
use std::path::Path;
use std::process::Command;

use crate::cli::config::DiffConfig;
use crate::cli::config::Format;
use crate::cli::exit::Exit;
use crate::cli::load::{load_records, print_rule_errors};
use crate::eval::{EvalOptions, Outcome};
use crate::reference::Engine;
use crate::report::{self, ComparedRuns, Diff};
use crate::{RuleError, RuleSet, SourceFile};

pub(in crate::cli) fn run(config: &DiffConfig) -> io::Result<Exit> {
    let old = load_rule_spec(&config.old);
    let new = load_rule_spec(&config.new);
    let (old, new) = match (old, new) {
        (Ok(o), Ok(n)) => (o, n),
        (o, n) => {
            let errors: Vec<RuleError> = [o.err(), n.err()].into_iter().flatten().flatten().collect();
            print_rule_errors(&errors, config.style)?;
            return Ok(Exit::Rules);
        }
    };
    let store = load_records(&config.inputs, Some(new.program()));
    let options = EvalOptions { as_of: config.as_of };
    let old_engine = Engine::new(old.program(), &store, options).with_limits(config.limits).strict(config.strict);
    let new_engine = Engine::new(new.program(), &store, options).with_limits(config.limits).strict(config.strict);
    let old_out = old_engine.evaluate();
    let new_out = new_engine.evaluate();
    let runs = ComparedRuns { old: (old.program(), &old_out), new: (new.program(), &new_out), store: &store };
    let diff = Diff::new(&runs);

    let mut out = io::BufWriter::new(io::stdout().lock());
    match config.format {
        Format::Json => report::write_diff_json(&mut out, &diff)?,
        Format::Summary => report::write_diff_table(&mut out, &diff)?,
        Format::Human => report::write_diff_human(
            &mut out,
            &diff,
            &runs,
            config.examples,
            config.style.stdout_color,
            config.style.width,
        )?,
    }
    out.flush()?;
    if old_out.iter().chain(&new_out).any(|o| !matches!(o, Outcome::Verdict(_))) {
        return Ok(Exit::Data);
    }
    Ok(if config.fail_on_change && !diff.is_empty() { Exit::Denied } else { Exit::Clean })
}

/// A rule set given as a path, or as `REV:PATH` (a folder or file of a git revision).
fn load_rule_spec(spec: &str) -> Result<RuleSet, Vec<RuleError>> {
    if Path::new(spec).exists() {
        return RuleSet::load(&[spec]);
    }
    let Some((rev, path)) = spec.split_once(':') else {
        return RuleSet::load(&[spec]);
    };
    let io = |message: String| vec![RuleError::Io { path: spec.to_string(), message }];
    let git = |args: &[&str]| -> Result<Vec<u8>, Vec<RuleError>> {
        let out = Command::new("git").args(args).output().map_err(|e| io(format!("cannot run git: {e}")))?;
        if !out.status.success() {
            return Err(io(String::from_utf8_lossy(&out.stderr).trim().to_string()));
        }
        Ok(out.stdout)
    };
    // `git ls-tree` names files relative to the repository root; `REV:PATH`
    // in git's own syntax is relative to it too.
    let listing = git(&["ls-tree", "-r", "--name-only", "--full-tree", rev, "--", path])?;
    let mut files = Vec::new();
    for name in String::from_utf8_lossy(&listing).lines() {
        if !(name.ends_with(".rules") || name == path) {
            continue;
        }
        let text = git(&["show", &format!("{rev}:{name}")])?;
        let text = String::from_utf8(text).map_err(|_| io(format!("`{rev}:{name}` is not UTF-8 text")))?;
        files.push(SourceFile::new(format!("{rev}:{name}"), text));
    }
    if files.is_empty() {
        return Err(io(format!("no `.rules` files at `{path}` in revision `{rev}`")));
    }
    RuleSet::from_sources(files)
}
