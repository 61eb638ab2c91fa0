//! What the CLI tests share: running the binary from the project root, as a
//! user would, without colour and at a fixed width (snapshots depend on both).

use std::process::{Command, Output};

pub fn interdict(args: &[&str]) -> Output {
    interdict_at_width(args, 100)
}

/// A run whose diagnostics are never wrapped: for output that names a
/// scratch folder, whose path length (and so where a line would wrap)
/// depends on where the project is checked out.
#[allow(dead_code)] // not every test file writes files
pub fn interdict_unwrapped(args: &[&str]) -> Output {
    interdict_at_width(args, 10_000)
}

fn interdict_at_width(args: &[&str], columns: usize) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interdict"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", columns.to_string())
        .output()
        .unwrap_or_else(|e| panic!("cannot run interdict: {e}"))
}

/// An empty scratch folder for one test, under the target's temporary
/// folder (what an earlier run left there is removed).
#[allow(dead_code)] // not every test file writes files
pub fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Exit code, stdout and stderr of a run, with `dir` written as `DIR` so
/// snapshots do not depend on where the target folder is.
#[allow(dead_code)]
pub fn shown_in(out: &Output, dir: &std::path::Path) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "DIR")
    )
}
