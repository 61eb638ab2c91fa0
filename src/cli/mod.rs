//! The command line: clap arguments → validated configuration → the library.
//! The only module that sees paths, stdin/stdout, colour and exit codes.

mod check;
mod common;
mod compile;
mod coverage;
mod diff;
mod explain;
mod export;
mod fmt;
mod snapshot;
mod snapshot_cmd;
mod test;

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::date::Date;
use crate::eval::Limits;

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
    /// Explain one record: every rule of its type, fired or not and why, and
    /// the linked records whose verdicts it read
    Explain(ExplainArgs),
    /// Evaluate two rule sets on the same records: which verdicts change, grouped by rule
    Diff(DiffArgs),
    /// Run the `*.test.yaml` files beside a rule set: expected verdicts and decision snapshots
    Test(TestArgs),
    /// Record (or check) a decision snapshot of every record: decision, rules, evidence
    Snapshot(SnapshotArgs),
    /// Warn about rules that check but are probably not what was meant
    Lint(LintArgs),
    /// Rewrite rule files in the canonical layout (comments kept)
    Fmt(FmtArgs),
    /// Compile a rule set to SQL for DataFusion, DuckDB, Spark or Trino
    Compile(CompileArgs),
    /// Write the records as Parquet tables for the compiled SQL (see docs/sql.md)
    Export(ExportArgs),
}

#[derive(Args, Debug)]
struct CompileArgs {
    /// A `.rules` file or a folder of them (with `entity` declarations)
    rules: PathBuf,
    /// The SQL engine
    #[arg(long, value_enum)]
    target: Target,
    /// Fold `effective from … to …` and `as_of` against this day [default: today]
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    /// Write one file per step and a `manifest.json` here instead of the script to stdout
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run the script on the embedded DataFusion over this `interdict export --parquet`
    /// folder and write its rows to stdout as JSON Lines (needs `--target datafusion`)
    #[cfg(feature = "sql")]
    #[arg(long, value_name = "PARQUET_DIR")]
    run: Option<PathBuf>,
    /// Colour in diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Target {
    /// Apache DataFusion
    Datafusion,
    /// DuckDB
    Duckdb,
    /// Spark SQL 4.1 or later
    Spark,
    /// Trino
    Trino,
}

impl From<Target> for crate::sql::Dialect {
    fn from(t: Target) -> Self {
        match t {
            Target::Datafusion => crate::sql::Dialect::DataFusion,
            Target::Duckdb => crate::sql::Dialect::DuckDb,
            Target::Spark => crate::sql::Dialect::Spark,
            Target::Trino => crate::sql::Dialect::Trino,
        }
    }
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// A `.rules` file or a folder of them
    rules: PathBuf,
    /// Record files (JSON array, JSON Lines, CSV, YAML, FtM); `-` reads stdin
    #[arg(required = true)]
    records: Vec<String>,
    #[command(flatten)]
    input: InputArgs,
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
    /// Verdicts without evidence (faster, smaller output; `--format summary` implies it)
    #[arg(long)]
    no_evidence: bool,
    /// Which evaluator: the parallel one, or the simple reference (same output)
    #[arg(long, value_enum, default_value_t = Engine::Fast)]
    engine: Engine,
    /// Per-record limits
    #[command(flatten)]
    limits: LimitArgs,
}

/// How much one rule may spend on one record before the record gets an
/// error instead of a verdict (`eval::Limits`; docs/guarantees.md has the details).
#[derive(Args, Debug, Clone, Copy)]
struct LimitArgs {
    /// Conditions one rule may evaluate on one record
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT_STEPS)]
    max_steps: u64,
    /// Records one rule may reach through hop ranges and `any TYPE x` on one record
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT_VISITED)]
    max_visited: u64,
}

impl LimitArgs {
    fn get(self) -> Limits {
        Limits { max_steps: self.max_steps, max_visited: self.max_visited }
    }
}

/// How record files are read.
#[derive(Args, Debug, Clone)]
struct InputArgs {
    /// The format of the record files [default: by extension: `.csv`, `.yaml`/`.yml`, else JSON]
    #[arg(long = "input", value_enum)]
    input_format: Option<InputChoice>,
    /// CSV: the type of every row of a file that has no `type` column
    #[arg(long = "type", value_name = "TYPE")]
    input_type: Option<String>,
    /// CSV: what separates the values of a cell declared as a list
    #[arg(long, default_value_t = ';')]
    list_separator: char,
}

impl Default for InputArgs {
    /// Formats by extension, `;` between list values.
    fn default() -> Self {
        InputArgs { input_format: None, input_type: None, list_separator: ';' }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum InputChoice {
    /// A JSON array of records, or JSON Lines
    Json,
    /// A header row, then a record per row
    Csv,
    /// A list of records, or a record per document
    Yaml,
    /// FollowTheMoney entities (e.g. an OpenSanctions export), one per line
    Ftm,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Engine {
    /// Compact store, parallel evaluation
    Fast,
    /// The simple evaluator the fast one is tested against
    Reference,
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

#[derive(Args, Debug)]
struct ExplainArgs {
    /// A `.rules` file or a folder of them
    rules: PathBuf,
    /// Record files; `-` reads stdin
    #[arg(required = true)]
    records: Vec<String>,
    #[command(flatten)]
    input: InputArgs,
    /// The record to explain
    #[arg(long)]
    id: String,
    /// Per-record limits
    #[command(flatten)]
    limits: LimitArgs,
    /// Only this rule
    #[arg(long)]
    rule: Option<String>,
    /// Output format (`summary` is the human format here)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Judge `effective from … to …` against this day [default: today]
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    /// Colour
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Args, Debug)]
struct DiffArgs {
    /// The rules before: a path, or `REV:PATH` in git (e.g. `HEAD~1:rules/trade-screening`)
    old: String,
    /// The rules after: a path, or `REV:PATH`
    new: String,
    /// Record files; `-` reads stdin
    #[arg(required = true)]
    records: Vec<String>,
    #[command(flatten)]
    input: InputArgs,
    /// Output format (`summary`: the table only)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Judge `effective from … to …` against this day [default: today]
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    /// Exit 1 when any verdict changed
    #[arg(long)]
    fail_on_change: bool,
    /// Examples with evidence per group
    #[arg(long, default_value_t = 3)]
    examples: usize,
    /// Per-record limits
    #[command(flatten)]
    limits: LimitArgs,
    /// Colour
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Args, Debug)]
struct TestArgs {
    /// The rule set folder; its `*.test.yaml` files (searched recursively) are run
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Default as-of day for test files without `as_of`
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    /// Also report rules, exemptions and `and`/`or` terms no test exercised
    #[arg(long)]
    coverage: bool,
    /// Format of the coverage report
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Walk pending snapshot changes one by one: accept, reject or skip
    #[arg(long, conflicts_with = "accept")]
    review: bool,
    /// Accept every snapshot change
    #[arg(long)]
    accept: bool,
    /// Per-record limits
    #[command(flatten)]
    limits: LimitArgs,
    /// Colour
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Args, Debug)]
struct SnapshotArgs {
    /// A `.rules` file or a folder of them
    rules: PathBuf,
    /// Record files; `-` reads stdin
    #[arg(required = true)]
    records: Vec<String>,
    #[command(flatten)]
    input: InputArgs,
    /// The snapshot's name: `NAME.snap` in `--dir`
    #[arg(long)]
    name: String,
    /// Where snapshots live [default: `snapshots/` in the rule folder]
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Judge `effective from … to …` against this day [default: today]
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    /// Walk a pending change: accept, reject or skip
    #[arg(long, conflicts_with = "accept")]
    review: bool,
    /// Accept the change
    #[arg(long)]
    accept: bool,
    /// Per-record limits
    #[command(flatten)]
    limits: LimitArgs,
    /// Colour
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Args, Debug)]
struct LintArgs {
    /// `.rules` files or folders of them
    #[arg(required = true)]
    rules: Vec<PathBuf>,
    /// Judge whether `effective` ranges have ended against this day [default: today]
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    /// Exit 1 when there is any warning
    #[arg(long)]
    deny_warnings: bool,
    /// Colour
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Args, Debug)]
struct FmtArgs {
    /// `.rules` files or folders of them
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Change nothing; print a diff and exit 1 if a file is not in the canonical layout
    #[arg(long)]
    check: bool,
    /// Colour in diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Args, Debug)]
struct ExportArgs {
    /// Record files (JSON array, JSON Lines, CSV, YAML, FtM); `-` reads stdin
    #[arg(required = true)]
    records: Vec<String>,
    #[command(flatten)]
    input: InputArgs,
    /// Write `TABLE.parquet` files here (created if missing; tables of the same name are overwritten)
    #[arg(long, value_name = "DIR", required = true)]
    parquet: PathBuf,
    /// A `.rules` file or folder: its entity declarations type the columns (and CSV cells)
    #[arg(long, value_name = "RULES")]
    rules: Option<PathBuf>,
    /// Colour in diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Each fired rule drawn over its source, with the values found
    Human,
    /// JSON Lines: one object per record (the format: docs/json.md)
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
        Command::Check(args) => check::run(&args),
        Command::Validate(args) => common::validate(&args),
        Command::Lint(args) => common::lint(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Snapshot(args) => snapshot_cmd::run(&args),
        Command::Compile(args) => compile::run(&args),
        Command::Export(args) => export::run(&args),
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
