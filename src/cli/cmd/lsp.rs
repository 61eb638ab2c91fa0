//! `interdict lsp`: the language server (`crate::lsp`) on stdin and stdout.

use std::io;

use crate::cli::exit::Exit;
use crate::date::Date;

pub(in crate::cli) fn run(as_of: Date) -> io::Result<Exit> {
    crate::lsp::run_stdio(as_of)?;
    Ok(Exit::Clean)
}
