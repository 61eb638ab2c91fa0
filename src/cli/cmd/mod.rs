//! One module per command; each `run` takes the command's configuration
//! and returns its exit code.

pub(super) mod check;
pub(super) mod compile;
pub(super) mod completions;
pub(super) mod diff;
pub(super) mod explain;
pub(super) mod export;
pub(super) mod fmt;
pub(super) mod lint;
pub(super) mod lsp;
pub(super) mod man;
#[cfg(feature = "serve")]
pub(super) mod serve;
pub(super) mod snapshot;
pub(super) mod test;
pub(super) mod validate;
