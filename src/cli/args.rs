//! Low args: clap's structures, a direct mirror of the flags. Nothing here
//! is defaulted from the clock or the environment, and no command reads
//! these: [`super::config`] turns them into the configuration commands take.

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

use crate::date::Date;
use crate::eval::Limits;

/// Screen entity records against declarative rules, with evidence.
#[derive(Parser, Debug)]
#[command(name = "interdict", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub(super) command: Command,
}

impl Cli {
    /// What clap cannot see when it parses: flags that each are right but
    /// do not go together. A usage error, as clap reports its own (exit 2).
    pub(super) fn usage_error(&self) -> Option<clap::Error> {
        let Command::Check(args) = &self.command else { return None };
        if args.evidence != EvidenceChoice::Compact || args.format == Format::Json {
            return None;
        }
        let message = "`--evidence compact` is a shape of the JSON output: use it with `--format json`";
        let mut cli = Cli::command();
        cli.build();
        Some(match cli.find_subcommand_mut("check") {
            Some(check) => check.error(ErrorKind::ArgumentConflict, message),
            None => cli.error(ErrorKind::ArgumentConflict, message),
        })
    }
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
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
    /// Serve the Language Server Protocol on stdin and stdout, for editors
    ///
    /// Diagnostics while typing, hover, go to definition, references, rename, completion,
    /// formatting, outline, folding and fire counts over each rule (see docs/editor.md).
    Lsp(LspArgs),
    /// Serve verdicts over HTTP: the rules and records loaded once, rules reloaded live (docs/serve.md)
    #[cfg(feature = "serve")]
    Serve(ServeArgs),
    /// Judge every decision in a `serve --decision-log` again; report those that now differ
    #[cfg(feature = "serve")]
    Replay(ReplayArgs),
    /// Print a completion script for a shell
    ///
    /// For example `interdict completions bash > ~/.local/share/bash-completion/completions/interdict`,
    /// `interdict completions zsh > ~/.zfunc/_interdict` (with `~/.zfunc` in `fpath`), or
    /// `interdict completions fish > ~/.config/fish/completions/interdict.fish`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) of interdict and every command
    ///
    /// For example `interdict man > ~/.local/share/man/man1/interdict.1`, then `man interdict`.
    Man,
}

#[derive(Args, Debug)]
pub(super) struct CompileArgs {
    /// A `.rules` file or a folder of them (with `entity` declarations)
    pub(super) rules: PathBuf,
    /// The SQL engine
    #[arg(long, value_enum)]
    pub(super) target: Target,
    /// Fold `effective from … to …` and `as_of` against this day [default: today]
    #[arg(long, value_parser = parse_date)]
    pub(super) as_of: Option<Date>,
    /// Write one file per step and a `manifest.json` here instead of the script to stdout
    #[arg(long, value_name = "DIR")]
    pub(super) out: Option<PathBuf>,
    /// Run the script on the embedded DataFusion over this `interdict export --parquet`
    /// folder and write its rows to stdout as JSON Lines (needs `--target datafusion`)
    #[cfg(feature = "sql")]
    #[arg(long, value_name = "PARQUET_DIR")]
    pub(super) run: Option<PathBuf>,
    /// Colour in diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(super) color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Target {
    /// Apache DataFusion
    Datafusion,
    /// DuckDB
    Duckdb,
    /// Spark SQL 4.1 or later
    Spark,
    /// Trino
    Trino,
}

#[derive(Args, Debug)]
pub(super) struct CheckArgs {
    /// A `.rules` file or a folder of them
    pub(super) rules: PathBuf,
    /// Record files (JSON array, JSON Lines, CSV, YAML, FtM); `-` reads stdin
    #[arg(required = true)]
    pub(super) records: Vec<String>,
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(super) format: Format,
    /// Judge `effective from … to …` against this day (YYYY-MM-DD) [default: today]
    #[arg(long, value_parser = parse_date)]
    pub(super) as_of: Option<Date>,
    /// Which decision makes the exit code 1
    #[arg(long, value_enum, default_value_t = FailOn::Deny)]
    pub(super) fail_on: FailOn,
    /// Colour in the human format and diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(super) color: ColorChoice,
    /// Print `load_s=… eval_s=…` on stderr
    #[arg(long)]
    pub(super) timings: bool,
    /// Verdicts without evidence (faster, smaller output; `--format summary` implies it);
    /// the same as `--evidence none`
    #[arg(long)]
    pub(super) no_evidence: bool,
    /// How verdicts show their evidence: `compact` refers to tables of the rules and conditions
    /// written first (`--format json` only; docs/json.md)
    #[arg(long, value_enum, value_name = "SHAPE", conflicts_with = "no_evidence", default_value_t = EvidenceChoice::Full)]
    pub(super) evidence: EvidenceChoice,
    /// Which evaluator: the parallel one, or the simple reference (same output)
    #[arg(long, value_enum, default_value_t = EngineChoice::Fast)]
    pub(super) engine: EngineChoice,
    /// Per-record limits
    #[command(flatten)]
    pub(super) limits: LimitArgs,
    /// A record that does not fit its `entity` declaration is an error (exit 3), not a warning
    #[arg(long)]
    pub(super) strict: bool,
}

#[cfg(feature = "serve")]
#[derive(Args, Debug)]
pub(super) struct ServeArgs {
    /// A `.rules` file or a folder of them (read again on `POST /v1/reload` and SIGHUP)
    pub(super) rules: PathBuf,
    /// The stored record files (JSON array, JSON Lines, CSV, YAML, FtM)
    #[arg(required = true)]
    pub(super) records: Vec<String>,
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// Address to listen on (loopback unless you say otherwise)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(super) listen: std::net::SocketAddr,
    /// Judge `effective from … to …` against this day [default: the day of each request, UTC]
    #[arg(long, value_parser = parse_date)]
    pub(super) as_of: Option<Date>,
    /// A file holding the bearer token every request but `/healthz` must carry
    #[arg(long, value_name = "FILE")]
    pub(super) token_file: Option<PathBuf>,
    /// Append one JSON line per decision served to this file
    #[arg(long, value_name = "FILE")]
    pub(super) decision_log: Option<PathBuf>,
    /// Each decision-log entry holds the verdict line answered, evidence included
    #[arg(long, requires = "decision_log")]
    pub(super) log_evidence: bool,
    /// Bytes in one request body
    #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
    pub(super) max_body: usize,
    /// Records in one request body
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub(super) max_records: usize,
    /// Seconds to answer one request, its body read included
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub(super) request_timeout: u64,
    /// Seconds a connection may take to send a request's headers
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub(super) header_timeout: u64,
    /// Per-record limits
    #[command(flatten)]
    pub(super) limits: LimitArgs,
    /// A record that does not fit its `entity` declaration is an error, not a warning
    #[arg(long)]
    pub(super) strict: bool,
}

#[cfg(feature = "serve")]
#[derive(Args, Debug)]
pub(super) struct ReplayArgs {
    /// The decision log (`serve --decision-log`)
    pub(super) log: PathBuf,
    /// A `.rules` file or a folder of them
    pub(super) rules: PathBuf,
    /// The stored record files
    #[arg(required = true)]
    pub(super) records: Vec<String>,
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// Per-record limits
    #[command(flatten)]
    pub(super) limits: LimitArgs,
    /// A record that does not fit its `entity` declaration is an error, not a warning
    #[arg(long)]
    pub(super) strict: bool,
}

/// How much one rule may spend on one record before the record gets an
/// error instead of a verdict (`eval::Limits`; docs/guarantees.md has the details).
#[derive(Args, Debug, Clone, Copy)]
pub(super) struct LimitArgs {
    /// Conditions one rule may evaluate on one record
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT_STEPS)]
    pub(super) max_steps: u64,
    /// Records one rule may reach through hop ranges and `any TYPE x` on one record
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT_VISITED)]
    pub(super) max_visited: u64,
    /// Rounds a recursive rule's least fixpoint may take over the whole store
    #[arg(long, value_name = "N", default_value_t = Limits::DEFAULT_ROUNDS)]
    pub(super) max_rounds: u64,
}

/// How record files are read.
#[derive(Args, Debug, Clone)]
pub(super) struct InputArgs {
    /// The format of the record files [default: by extension: `.csv`, `.yaml`/`.yml`, else JSON]
    #[arg(long = "input", value_enum)]
    pub(super) input_format: Option<InputChoice>,
    /// CSV: the type of every row of a file that has no `type` column
    #[arg(long = "type", value_name = "TYPE")]
    pub(super) input_type: Option<String>,
    /// CSV: what separates the values of a cell declared as a list
    #[arg(long, default_value_t = ';')]
    pub(super) list_separator: char,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum InputChoice {
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
pub(super) enum EngineChoice {
    /// Compact store, parallel evaluation
    Fast,
    /// The simple evaluator the fast one is tested against
    Reference,
}

#[derive(Args, Debug)]
pub(super) struct LspArgs {
    /// Talk over stdin and stdout (the only transport; accepted because editors pass it)
    #[arg(long)]
    pub(super) stdio: bool,
    /// Lint `effective … to …` against this day [default: today]
    #[arg(long, value_parser = parse_date)]
    pub(super) as_of: Option<Date>,
}

#[derive(Args, Debug)]
pub(super) struct ValidateArgs {
    /// `.rules` files or folders of them
    #[arg(required = true)]
    pub(super) rules: Vec<PathBuf>,
    /// Colour in diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(super) color: ColorChoice,
}

#[derive(Args, Debug)]
pub(super) struct ExplainArgs {
    /// A `.rules` file or a folder of them
    pub(super) rules: PathBuf,
    /// Record files; `-` reads stdin
    #[arg(required = true)]
    pub(super) records: Vec<String>,
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// The record to explain
    #[arg(long)]
    pub(super) id: String,
    /// Per-record limits
    #[command(flatten)]
    pub(super) limits: LimitArgs,
    /// A record that does not fit its `entity` declaration is an error (exit 3), not a warning
    #[arg(long)]
    pub(super) strict: bool,
    /// Only this rule
    #[arg(long)]
    pub(super) rule: Option<String>,
    /// Show every hop of a long chain (by default a chain of more than 16 hops shows its first and last 8)
    #[arg(long)]
    pub(super) full: bool,
    /// Output format (`summary` is the human format here)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(super) format: Format,
    /// Judge `effective from … to …` against this day [default: today]
    #[arg(long, value_parser = parse_date)]
    pub(super) as_of: Option<Date>,
    /// Colour
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(super) color: ColorChoice,
}

#[derive(Args, Debug)]
pub(super) struct DiffArgs {
    /// The rules before: a path, or `REV:PATH` in git (e.g. `HEAD~1:rules/trade-screening`)
    pub(super) old: String,
    /// The rules after: a path, or `REV:PATH`
    pub(super) new: String,
    /// Record files; `-` reads stdin
    #[arg(required = true)]
    pub(super) records: Vec<String>,
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// Output format (`summary`: the table only)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(super) format: Format,
    /// Judge `effective from … to …` against this day [default: today]
    #[arg(long, value_parser = parse_date)]
    pub(super) as_of: Option<Date>,
    /// Exit 1 when any verdict changed
    #[arg(long)]
    pub(super) fail_on_change: bool,
    /// Examples with evidence per group
    #[arg(long, default_value_t = 3)]
    pub(super) examples: usize,
    /// Per-record limits
    #[command(flatten)]
    pub(super) limits: LimitArgs,
    /// A record that does not fit its `entity` declaration is an error (exit 3), not a warning
    #[arg(long)]
    pub(super) strict: bool,
    /// Colour
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(super) color: ColorChoice,
}

#[derive(Args, Debug)]
pub(super) struct TestArgs {
    /// The rule set folder; its `*.test.yaml` files (searched recursively) are run
    #[arg(default_value = ".")]
    pub(super) path: PathBuf,
    /// Default as-of day for test files without `as_of`
    #[arg(long, value_parser = parse_date)]
    pub(super) as_of: Option<Date>,
    /// Also report rules, exemptions and `and`/`or` terms no test exercised
    #[arg(long)]
    pub(super) coverage: bool,
    /// Format of the coverage report
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(super) format: Format,
    /// Walk pending snapshot changes one by one: accept, reject or skip
    #[arg(long, conflicts_with = "accept")]
    pub(super) review: bool,
    /// Accept every snapshot change
    #[arg(long)]
    pub(super) accept: bool,
    /// Per-record limits
    #[command(flatten)]
    pub(super) limits: LimitArgs,
    /// A record that does not fit its `entity` declaration is an error (exit 3), not a warning
    #[arg(long)]
    pub(super) strict: bool,
    /// Colour
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(super) color: ColorChoice,
}

#[derive(Args, Debug)]
pub(super) struct SnapshotArgs {
    /// A `.rules` file or a folder of them
    pub(super) rules: PathBuf,
    /// Record files; `-` reads stdin
    #[arg(required = true)]
    pub(super) records: Vec<String>,
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// The snapshot's name: `NAME.snap` in `--dir`
    #[arg(long)]
    pub(super) name: String,
    /// Where snapshots live [default: `snapshots/` in the rule folder]
    #[arg(long)]
    pub(super) dir: Option<PathBuf>,
    /// Judge `effective from … to …` against this day [default: today]
    #[arg(long, value_parser = parse_date)]
    pub(super) as_of: Option<Date>,
    /// Walk a pending change: accept, reject or skip
    #[arg(long, conflicts_with = "accept")]
    pub(super) review: bool,
    /// Accept the change
    #[arg(long)]
    pub(super) accept: bool,
    /// Per-record limits
    #[command(flatten)]
    pub(super) limits: LimitArgs,
    /// A record that does not fit its `entity` declaration is an error (exit 3), not a warning
    #[arg(long)]
    pub(super) strict: bool,
    /// Colour
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(super) color: ColorChoice,
}

#[derive(Args, Debug)]
pub(super) struct LintArgs {
    /// `.rules` files or folders of them
    #[arg(required = true)]
    pub(super) rules: Vec<PathBuf>,
    /// Judge whether `effective` ranges have ended against this day [default: today]
    #[arg(long, value_parser = parse_date)]
    pub(super) as_of: Option<Date>,
    /// Exit 1 when there is any warning
    #[arg(long)]
    pub(super) deny_warnings: bool,
    /// Colour
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(super) color: ColorChoice,
}

#[derive(Args, Debug)]
pub(super) struct FmtArgs {
    /// `.rules` files or folders of them
    #[arg(required = true)]
    pub(super) paths: Vec<PathBuf>,
    /// Change nothing; print a diff and exit 1 if a file is not in the canonical layout
    #[arg(long)]
    pub(super) check: bool,
    /// Colour in diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(super) color: ColorChoice,
}

#[derive(Args, Debug)]
pub(super) struct ExportArgs {
    /// Record files (JSON array, JSON Lines, CSV, YAML, FtM); `-` reads stdin
    #[arg(required = true)]
    pub(super) records: Vec<String>,
    #[command(flatten)]
    pub(super) input: InputArgs,
    /// Write `TABLE.parquet` files here (created if missing; tables of the same name are overwritten)
    #[arg(long, value_name = "DIR", required = true)]
    pub(super) parquet: PathBuf,
    /// A `.rules` file or folder: its entity declarations type the columns (and CSV cells)
    #[arg(long, value_name = "RULES")]
    pub(super) rules: Option<PathBuf>,
    /// Colour in diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub(super) color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    /// Each fired rule drawn over its source, with the values found
    Human,
    /// JSON Lines: one object per record (the format: docs/json.md)
    Json,
    /// Counts per decision and per rule
    Summary,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum EvidenceChoice {
    /// Each fact with its text, location and summary, each record with its type and name
    Full,
    /// Facts, rules and records refer to tables (`--format json` only)
    Compact,
    /// No evidence (as `--no-evidence`)
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum FailOn {
    /// Exit 1 when a record is denied
    Deny,
    /// Exit 1 when a record is denied or flagged
    Flag,
    /// Never exit 1 for decisions
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum ColorChoice {
    /// When writing to a terminal and `NO_COLOR` is not set
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub(super) struct CompletionsArgs {
    /// The shell to complete in
    #[arg(value_enum)]
    pub(super) shell: Shell,
}

fn parse_date(s: &str) -> Result<Date, String> {
    s.parse()
}
