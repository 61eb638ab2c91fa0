//! What the CLI tests share: running the binary from the project root, as a
//! user would, without colour and at a fixed width (snapshots depend on both).

use std::process::{Command, Output};

pub fn interdict(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interdict"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .unwrap_or_else(|e| panic!("cannot run interdict: {e}"))
}
