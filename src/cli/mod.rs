//! The command line: clap arguments → validated configuration → the library.
//! The only module that sees paths, stdin/stdout, colour and exit codes.

use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::date::Date;
use crate::eval::{Decision, Engine, EvalOptions, Outcome};
use crate::records::{Input, RecordStore};
use crate::report;
use crate::{RuleError, RuleSet};

/// Screen entity records against declarative rules, with evidence.
#[derive(Parser, Debug)]
#[command(name = "interdict", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Evaluate records against a rule set: one verdict (or error) per record
    Check(CheckArgs),
    /// Parse and check a rule set; print diagnostics only
    Validate(ValidateArgs),
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// A `.rules` file or a folder of them
    rules: PathBuf,
    /// JSON (array) or JSON Lines record files; `-` reads stdin
    #[arg(required = true)]
    records: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Judge `effective from … to …` against this day (YYYY-MM-DD) [default: today]
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    /// Which decision makes the exit code 1
    #[arg(long, value_enum, default_value_t = FailOn::Deny)]
    fail_on: FailOn,
    /// Colour in the human format and diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Print `load_s=… eval_s=…` on stderr
    #[arg(long)]
    timings: bool,
}

#[derive(Args, Debug)]
struct ValidateArgs {
    /// `.rules` files or folders of them
    #[arg(required = true)]
    rules: Vec<PathBuf>,
    /// Colour in diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Each fired rule drawn over its source, with the values found
    Human,
    /// JSON Lines: one object per record (see the README for the shape)
    Json,
    /// Counts per decision and per rule
    Summary,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// Exit 1 when a record is denied
    Deny,
    /// Exit 1 when a record is denied or flagged
    Flag,
    /// Never exit 1 for decisions
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    /// When writing to a terminal and `NO_COLOR` is not set
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    fn enabled(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
}

/// Exit codes (DESIGN.md §4).
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

/// The binary's entry point: parses arguments, runs on a thread with a
/// large stack (deep but legal rule files and long dependency chains must
/// not overflow), and turns the result into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
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
    let result = match cli.command {
        Command::Check(args) => check(&args),
        Command::Validate(args) => validate(&args),
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

fn width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100)
}

fn print_rule_errors(errors: &[RuleError], color: ColorChoice) -> io::Result<()> {
    let color = color.enabled(io::stderr().is_terminal());
    let mut err = io::stderr().lock();
    for e in errors {
        err.write_all(report::render_diagnostic(e, color, width()).as_bytes())?;
    }
    let n = errors.len();
    writeln!(err, "error: {n} problem{} in the rule set", if n == 1 { "" } else { "s" })
}

fn load_rules(paths: &[PathBuf], color: ColorChoice) -> io::Result<Option<RuleSet>> {
    match RuleSet::load(paths) {
        Ok(rules) => Ok(Some(rules)),
        Err(errors) => {
            print_rule_errors(&errors, color)?;
            Ok(None)
        }
    }
}

fn validate(args: &ValidateArgs) -> io::Result<Exit> {
    let Some(rules) = load_rules(&args.rules, args.color)? else { return Ok(Exit::Rules) };
    let p = rules.program();
    let files = p.files().len();
    println!(
        "ok: {} rule{}, {} exemption{} in {files} file{}",
        p.rules().count(),
        if p.rules().count() == 1 { "" } else { "s" },
        p.exemptions().count(),
        if p.exemptions().count() == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" }
    );
    Ok(Exit::Clean)
}

/// Reads the record inputs into a store; an unreadable input is an error entry.
fn load_records(paths: &[String]) -> RecordStore {
    let mut store = RecordStore::default();
    for path in paths {
        let read = if path == "-" {
            let mut bytes = Vec::new();
            io::stdin().lock().read_to_end(&mut bytes).map(|_| bytes)
        } else {
            std::fs::read(path)
        };
        let name = if path == "-" { "<stdin>".to_string() } else { path.clone() };
        match read {
            Ok(bytes) => store.add_input(&Input { name, bytes }),
            Err(e) => store.push_error(RecordStore::io_error(&name, &e.to_string())),
        }
    }
    store
}

fn check(args: &CheckArgs) -> io::Result<Exit> {
    let started = Instant::now();
    let Some(rules) = load_rules(std::slice::from_ref(&args.rules), args.color)? else { return Ok(Exit::Rules) };
    let store = load_records(&args.records);
    let loaded = started.elapsed();
    let progress = io::stderr().is_terminal() && store.len() >= 100_000;
    if progress {
        eprintln!("interdict: loaded {} records in {:.1}s; evaluating…", store.len(), loaded.as_secs_f64());
    }
    let options = EvalOptions { as_of: args.as_of.unwrap_or_else(Date::today) };
    let engine = Engine::new(rules.program(), &store, options);
    let outcomes = engine.evaluate();
    let evaluated = started.elapsed() - loaded;
    if args.timings {
        eprintln!("load_s={:.4} eval_s={:.4}", loaded.as_secs_f64(), evaluated.as_secs_f64());
    }

    let stdout = io::stdout();
    let color = args.color.enabled(stdout.is_terminal());
    let mut out = io::BufWriter::new(stdout.lock());
    let program = rules.program();
    match args.format {
        Format::Human => report::write_human(&mut out, program, &store, &outcomes, color, width())?,
        Format::Json => report::write_json(&mut out, program, &store, &outcomes)?,
        Format::Summary => report::write_summary(&mut out, program, &store, &outcomes)?,
    }
    out.flush()?;
    if progress {
        eprintln!("interdict: done in {:.1}s", started.elapsed().as_secs_f64());
    }
    Ok(exit_for(&outcomes, args.fail_on))
}

fn exit_for(outcomes: &[Outcome<'_>], fail_on: FailOn) -> Exit {
    let mut worst = Decision::Allow;
    for o in outcomes {
        match o {
            Outcome::Verdict(v) => worst = worst.max(v.decision),
            Outcome::RecordError(_) | Outcome::EvalError(_) => return Exit::Data,
        }
    }
    let fails = match fail_on {
        FailOn::Deny => worst == Decision::Deny,
        FailOn::Flag => worst >= Decision::Flag,
        FailOn::Never => false,
    };
    if fails { Exit::Denied } else { Exit::Clean }
}
