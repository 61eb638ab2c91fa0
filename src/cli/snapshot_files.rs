//! Snapshot files of `interdict test` and `interdict snapshot`: a decision
//! snapshot (the text of [`crate::report::decision_snapshot`]) in insta's
//! `.snap` format, so that the same habits (and `cargo insta review`) apply.
//! A pending change is written beside the accepted snapshot as
//! `NAME.snap.new`, never in CI; `review` walks pending changes.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use crate::report::{changed_records, snapshot_diff};

/// What to do with a snapshot that differs.
#[derive(Clone, Copy, Debug)]
pub(super) struct Policy {
    /// Overwrite the accepted snapshot.
    pub(super) accept: bool,
    /// In CI: never write anything.
    pub(super) ci: bool,
}

/// The result of comparing a run with its snapshot.
pub(super) enum Compared {
    /// Same content.
    Matched,
    /// Written (new, or accepted).
    Written,
    /// Differs (or is missing): the per-record diff, and the pending file if written.
    Differs { diff: String, pending: Option<PathBuf> },
}

const EXPRESSION: &str = "decisions";

/// The content of a `.snap` file (after its header), if it exists.
pub(super) fn read(path: &Path) -> io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(body(&text).to_string())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn body(text: &str) -> &str {
    // `---` header `---` then the content.
    text.strip_prefix("---\n").and_then(|rest| rest.split_once("\n---\n")).map_or(text, |(_, content)| content)
}

fn write(path: &Path, source: &str, content: &str) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, format!("---\nsource: {source}\nexpression: {EXPRESSION}\n---\n{content}"))
}

fn pending_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".new");
    PathBuf::from(p)
}

/// Compares `content` with the snapshot at `path` and applies the policy.
pub(super) fn compare(
    path: &Path,
    source: &str,
    content: &str,
    policy: Policy,
    create_missing: bool,
) -> io::Result<Compared> {
    let old = read(path)?;
    let pending = pending_path(path);
    if old.as_deref() == Some(content) {
        if pending.exists() && !policy.ci {
            std::fs::remove_file(&pending)?;
        }
        return Ok(Compared::Matched);
    }
    if !policy.ci && (policy.accept || (old.is_none() && create_missing)) {
        write(path, source, content)?;
        if pending.exists() {
            std::fs::remove_file(&pending)?;
        }
        return Ok(Compared::Written);
    }
    let diff = snapshot_diff(old.as_deref().unwrap_or(""), content);
    let pending = if policy.ci {
        None
    } else {
        write(&pending, source, content)?;
        Some(pending)
    };
    Ok(Compared::Differs { diff, pending })
}

/// Walks pending snapshots one by one: accept, reject or skip, read from stdin.
pub(super) fn review(pending: &[PathBuf]) -> io::Result<(usize, usize, usize)> {
    let (mut accepted, mut rejected, mut skipped) = (0, 0, 0);
    let stdin = io::stdin();
    let mut lines = stdin.lock().lines();
    for new_path in pending {
        let Some(accepted_path) = new_path.to_str().and_then(|p| p.strip_suffix(".new")).map(PathBuf::from) else {
            continue;
        };
        let new = read(new_path)?.unwrap_or_default();
        let old = read(&accepted_path)?.unwrap_or_default();
        let diff = snapshot_diff(&old, &new);
        let mut out = io::stdout().lock();
        writeln!(
            out,
            "── {} ({} record{} changed)",
            accepted_path.display(),
            changed_records(&diff),
            if changed_records(&diff) == 1 { "" } else { "s" }
        )?;
        out.write_all(diff.as_bytes())?;
        write!(out, "accept (a), reject (r) or skip (s)? ")?;
        out.flush()?;
        let answer = lines.next().transpose()?.unwrap_or_default();
        match answer.trim() {
            "a" | "accept" => {
                std::fs::rename(new_path, &accepted_path)?;
                accepted += 1;
            }
            "r" | "reject" => {
                std::fs::remove_file(new_path)?;
                rejected += 1;
            }
            _ => skipped += 1,
        }
    }
    Ok((accepted, rejected, skipped))
}
