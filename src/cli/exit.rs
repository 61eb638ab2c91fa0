//! The exit codes every command ends with.

use std::process::ExitCode;

/// Exit codes, as docs/cli.md documents them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// No record denied (or flagged, with `--fail-on flag`), no errors.
    Clean = 0,
    /// Some record denied (or flagged, with `--fail-on flag`).
    Denied = 1,
    /// Rule errors or bad usage.
    Rules = 2,
    /// Input data errors (these win over 1: the screening is incomplete).
    Data = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}
