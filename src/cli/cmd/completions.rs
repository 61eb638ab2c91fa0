//! `interdict completions SHELL`: a completion script on stdout, generated
//! from the same clap definition that parses the command line.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::args::Cli;
use crate::cli::exit::Exit;

pub(in crate::cli) fn run(shell: Shell) -> io::Result<Exit> {
    // Generated into memory first: clap_complete's generators cannot
    // return a write error (they panic), and a closed pipe is a clean exit.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "interdict", &mut script);
    let mut out = io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(Exit::Clean)
}
