//! The command line: clap's arguments ([`args`], the low args) are turned
//! once into a validated configuration ([`config`], the high args: as-of
//! day, inputs, formats, limits, colour), and each command ([`cmd`]) runs
//! from its configuration. The only module that sees paths, stdin/stdout,
//! colour, the clock and exit codes.

mod args;
mod cmd;
mod config;
mod coverage;
mod exit;
mod load;
mod snapshot_files;

use std::io;
use std::process::ExitCode;

use clap::Parser;

pub use args::Cli;
use config::Config;
pub use exit::Exit;

/// The binary's entry point: parses arguments, runs on a thread with a
/// large stack (deep but legal rule files and long dependency chains must
/// not overflow), and turns the result into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(e) = cli.usage_error() {
        e.exit();
    }
    let worker = std::thread::Builder::new().stack_size(256 << 20).spawn(move || run(cli));
    match worker.map(|h| h.join()) {
        Ok(Ok(exit)) => exit.into(),
        _ => {
            eprintln!("interdict: internal error; please report it with the command that caused it");
            Exit::Rules.into()
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Exit {
    let result = match Config::new(cli.command) {
        Config::Check(config) => cmd::check::run(&config),
        Config::Validate(config) => cmd::validate::run(&config),
        Config::Lint(config) => cmd::lint::run(&config),
        Config::Fmt(config) => cmd::fmt::run(&config),
        Config::Explain(config) => cmd::explain::run(&config),
        Config::Diff(config) => cmd::diff::run(&config),
        Config::Test(config) => cmd::test::run(&config),
        Config::Snapshot(config) => cmd::snapshot::run(&config),
        Config::Compile(config) => cmd::compile::run(&config),
        Config::Export(config) => cmd::export::run(&config),
        Config::Completions(shell) => cmd::completions::run(shell),
        Config::Man => cmd::man::run(),
        Config::Lsp(as_of) => cmd::lsp::run(as_of),
        #[cfg(feature = "serve")]
        Config::Serve(config) => cmd::serve::run(config),
        #[cfg(feature = "serve")]
        Config::Replay(config) => cmd::serve::replay(&config),
    };
    match result {
        Ok(exit) => exit,
        // A closed pipe (`interdict … | head`) is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Exit::Clean,
        Err(e) => {
            eprintln!("interdict: {e}");
            Exit::Rules
        }
    }
}
