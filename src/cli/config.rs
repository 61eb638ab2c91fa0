//! High args: what each command runs with, turned once from clap's
//! structures ([`super::args`], the low args) into validated values: the
//! `--as-of` day, the record inputs and how to read them, the output format,
//! the limits, colour, `--fail-on`, the engine and whether to build evidence.
//!
//! This is the one place in the crate that reads the clock (`--as-of`
//! defaults to today) and the environment that shapes a run (`NO_COLOR`,
//! `COLUMNS`, `CI`); commands take a configuration, never clap's structures.

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use clap_complete::Shell;

use super::args::{
    CheckArgs, ColorChoice, Command, CompileArgs, DiffArgs, EvidenceChoice, ExplainArgs, ExportArgs, FmtArgs,
    InputArgs, InputChoice, LimitArgs, LintArgs, SnapshotArgs, Target, TestArgs, ValidateArgs,
};
// Choices that are already plain values: the configuration keeps them as
// they are, so commands name them from here, never from `args`.
pub(super) use super::args::{EngineChoice, FailOn, Format};
use super::snapshot_files::Policy;
use crate::date::Date;
use crate::eval::Limits;
use crate::fast::Evidence;
use crate::records::convert::InputFormat;
use crate::sql::Dialect;

/// A command and everything it runs with.
pub(super) enum Config {
    Check(CheckConfig),
    Validate(ValidateConfig),
    Lint(LintConfig),
    Fmt(FmtConfig),
    Explain(ExplainConfig),
    Diff(DiffConfig),
    Test(TestConfig),
    Snapshot(SnapshotConfig),
    Compile(CompileConfig),
    Export(ExportConfig),
    Completions(Shell),
    Man,
    /// `interdict lsp`: the day lint judges `effective` ranges against.
    Lsp(Date),
    #[cfg(feature = "serve")]
    Serve(ServeConfig),
    #[cfg(feature = "serve")]
    Replay(ReplayConfig),
}

impl Config {
    /// Validates and defaults the parsed command line.
    pub(super) fn new(command: Command) -> Config {
        match command {
            Command::Check(args) => Config::Check(CheckConfig::new(args)),
            Command::Validate(args) => Config::Validate(ValidateConfig::new(args)),
            Command::Lint(args) => Config::Lint(LintConfig::new(args)),
            Command::Fmt(args) => Config::Fmt(FmtConfig::new(args)),
            Command::Explain(args) => Config::Explain(ExplainConfig::new(args)),
            Command::Diff(args) => Config::Diff(DiffConfig::new(args)),
            Command::Test(args) => Config::Test(TestConfig::new(args)),
            Command::Snapshot(args) => Config::Snapshot(SnapshotConfig::new(args)),
            Command::Compile(args) => Config::Compile(CompileConfig::new(args)),
            Command::Export(args) => Config::Export(ExportConfig::new(args)),
            Command::Completions(args) => Config::Completions(args.shell),
            Command::Man => Config::Man,
            Command::Lsp(args) => Config::Lsp(as_of_or_today(args.as_of)),
            #[cfg(feature = "serve")]
            Command::Serve(args) => Config::Serve(ServeConfig::new(args)),
            #[cfg(feature = "serve")]
            Command::Replay(args) => Config::Replay(ReplayConfig::new(args)),
        }
    }
}

/// `--as-of`, or today (UTC): the only reading of the clock.
fn as_of_or_today(as_of: Option<Date>) -> Date {
    as_of.unwrap_or_else(Date::today)
}

/// Colour and width, decided once for each stream.
#[derive(Clone, Copy, Debug)]
pub(super) struct Style {
    /// Colour in what goes to stdout (reports).
    pub(super) stdout_color: bool,
    /// Colour in what goes to stderr (diagnostics).
    pub(super) stderr_color: bool,
    /// The width diagnostics and the human format are laid out for:
    /// `COLUMNS`, else 100.
    pub(super) width: usize,
}

impl Style {
    fn new(choice: ColorChoice) -> Style {
        let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(100);
        Style {
            stdout_color: color_enabled(choice, io::stdout().is_terminal()),
            stderr_color: color_enabled(choice, io::stderr().is_terminal()),
            width,
        }
    }
}

fn color_enabled(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Whether snapshots may be written: never in CI (`CI` set, and not
/// `false` or `0`).
fn snapshot_policy(accept: bool) -> Policy {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    Policy { accept, ci }
}

fn limits(args: LimitArgs) -> Limits {
    Limits { max_steps: args.max_steps, max_visited: args.max_visited, max_rounds: args.max_rounds }
}

/// The record inputs named on the command line and how to read them.
#[derive(Debug)]
pub(super) struct Inputs {
    /// Record files, in order; `-` is stdin.
    pub(super) paths: Vec<String>,
    pub(super) read: ReadOptions,
}

/// How record files are read.
#[derive(Debug, Clone)]
pub(super) struct ReadOptions {
    /// `--input`: every file in this format; none: by each file's extension.
    pub(super) format: Option<InputFormat>,
    /// CSV: the type of every row of a file that has no `type` column.
    pub(super) record_type: Option<String>,
    /// CSV: what separates the values of a cell declared as a list.
    pub(super) list_separator: char,
}

impl Default for ReadOptions {
    /// Formats by extension, `;` between list values.
    fn default() -> Self {
        ReadOptions { format: None, record_type: None, list_separator: ';' }
    }
}

impl Inputs {
    fn new(paths: Vec<String>, args: InputArgs) -> Inputs {
        let format = args.input_format.map(|choice| match choice {
            InputChoice::Json => InputFormat::Json,
            InputChoice::Csv => InputFormat::Csv,
            InputChoice::Yaml => InputFormat::Yaml,
            InputChoice::Ftm => InputFormat::Ftm,
        });
        let read = ReadOptions { format, record_type: args.input_type, list_separator: args.list_separator };
        Inputs { paths, read }
    }
}

/// `interdict check`.
pub(super) struct CheckConfig {
    pub(super) rules: PathBuf,
    pub(super) inputs: Inputs,
    pub(super) format: Format,
    pub(super) as_of: Date,
    pub(super) fail_on: FailOn,
    pub(super) style: Style,
    /// Print `load_s=… eval_s=…` on stderr.
    pub(super) timings: bool,
    /// Evidence is omitted with `--no-evidence`, and for `--format summary`
    /// (it shows counts only: evidence would be built to be dropped).
    pub(super) evidence: Evidence,
    /// `--evidence compact`: JSON lines that refer to tables of the rules
    /// and conditions, written first.
    pub(super) compact: bool,
    pub(super) engine: EngineChoice,
    pub(super) limits: Limits,
    /// `--strict`: records that do not fit their declaration are errors.
    pub(super) strict: bool,
}

impl CheckConfig {
    fn new(args: CheckArgs) -> CheckConfig {
        CheckConfig {
            rules: args.rules,
            inputs: Inputs::new(args.records, args.input),
            evidence: if args.no_evidence || args.evidence == EvidenceChoice::None || args.format == Format::Summary {
                Evidence::Omitted
            } else {
                Evidence::Full
            },
            compact: args.evidence == EvidenceChoice::Compact,
            format: args.format,
            as_of: as_of_or_today(args.as_of),
            fail_on: args.fail_on,
            style: Style::new(args.color),
            timings: args.timings,
            engine: args.engine,
            limits: limits(args.limits),
            strict: args.strict,
        }
    }
}

/// `interdict validate`.
pub(super) struct ValidateConfig {
    pub(super) rules: Vec<PathBuf>,
    /// Today: lint warnings about `effective` ranges that have ended.
    pub(super) as_of: Date,
    pub(super) style: Style,
}

impl ValidateConfig {
    fn new(args: ValidateArgs) -> ValidateConfig {
        ValidateConfig { rules: args.rules, as_of: as_of_or_today(None), style: Style::new(args.color) }
    }
}

/// `interdict lint`.
pub(super) struct LintConfig {
    pub(super) rules: Vec<PathBuf>,
    pub(super) as_of: Date,
    /// Exit 1 when there is any warning.
    pub(super) deny_warnings: bool,
    pub(super) style: Style,
}

impl LintConfig {
    fn new(args: LintArgs) -> LintConfig {
        LintConfig {
            rules: args.rules,
            as_of: as_of_or_today(args.as_of),
            deny_warnings: args.deny_warnings,
            style: Style::new(args.color),
        }
    }
}

/// `interdict fmt`.
pub(super) struct FmtConfig {
    pub(super) paths: Vec<PathBuf>,
    /// Change nothing; print a diff and exit 1 if a file would change.
    pub(super) check: bool,
    pub(super) style: Style,
}

impl FmtConfig {
    fn new(args: FmtArgs) -> FmtConfig {
        FmtConfig { paths: args.paths, check: args.check, style: Style::new(args.color) }
    }
}

/// `interdict explain`.
pub(super) struct ExplainConfig {
    pub(super) rules: PathBuf,
    pub(super) inputs: Inputs,
    /// The record to explain.
    pub(super) id: String,
    /// Only this rule.
    pub(super) rule: Option<String>,
    /// `--full`: long chains shown whole.
    pub(super) full: bool,
    pub(super) limits: Limits,
    /// `--strict`: records that do not fit their declaration are errors.
    pub(super) strict: bool,
    pub(super) format: Format,
    pub(super) as_of: Date,
    pub(super) style: Style,
}

impl ExplainConfig {
    fn new(args: ExplainArgs) -> ExplainConfig {
        ExplainConfig {
            rules: args.rules,
            inputs: Inputs::new(args.records, args.input),
            id: args.id,
            rule: args.rule,
            full: args.full,
            limits: limits(args.limits),
            strict: args.strict,
            format: args.format,
            as_of: as_of_or_today(args.as_of),
            style: Style::new(args.color),
        }
    }
}

/// `interdict diff`.
pub(super) struct DiffConfig {
    /// The rules before: a path, or `REV:PATH` in git.
    pub(super) old: String,
    /// The rules after.
    pub(super) new: String,
    pub(super) inputs: Inputs,
    pub(super) format: Format,
    pub(super) as_of: Date,
    /// Exit 1 when any verdict changed.
    pub(super) fail_on_change: bool,
    /// Examples with evidence per group.
    pub(super) examples: usize,
    pub(super) limits: Limits,
    /// `--strict`: records that do not fit their declaration are errors.
    pub(super) strict: bool,
    pub(super) style: Style,
}

impl DiffConfig {
    fn new(args: DiffArgs) -> DiffConfig {
        DiffConfig {
            old: args.old,
            new: args.new,
            inputs: Inputs::new(args.records, args.input),
            format: args.format,
            as_of: as_of_or_today(args.as_of),
            fail_on_change: args.fail_on_change,
            examples: args.examples,
            limits: limits(args.limits),
            strict: args.strict,
            style: Style::new(args.color),
        }
    }
}

/// `interdict test`.
pub(super) struct TestConfig {
    /// The rule set folder (or one test file).
    pub(super) path: PathBuf,
    /// The day of test files without `as_of`.
    pub(super) as_of: Date,
    /// Report what no test exercised, in this format.
    pub(super) coverage: Option<Format>,
    /// Walk pending snapshot changes one by one.
    pub(super) review: bool,
    pub(super) snapshots: Policy,
    pub(super) limits: Limits,
    /// `--strict`: records that do not fit their declaration are errors.
    pub(super) strict: bool,
    pub(super) style: Style,
}

impl TestConfig {
    fn new(args: TestArgs) -> TestConfig {
        TestConfig {
            path: args.path,
            as_of: as_of_or_today(args.as_of),
            coverage: args.coverage.then_some(args.format),
            review: args.review,
            snapshots: snapshot_policy(args.accept),
            limits: limits(args.limits),
            strict: args.strict,
            style: Style::new(args.color),
        }
    }
}

/// `interdict snapshot`.
pub(super) struct SnapshotConfig {
    pub(super) rules: PathBuf,
    pub(super) inputs: Inputs,
    /// The snapshot's name.
    pub(super) name: String,
    /// Its file: `NAME.snap` in `--dir`, by default `snapshots/` in the rule folder.
    pub(super) path: PathBuf,
    pub(super) as_of: Date,
    /// Walk a pending change.
    pub(super) review: bool,
    pub(super) policy: Policy,
    pub(super) limits: Limits,
    /// `--strict`: records that do not fit their declaration are errors.
    pub(super) strict: bool,
    pub(super) style: Style,
}

impl SnapshotConfig {
    fn new(args: SnapshotArgs) -> SnapshotConfig {
        let rule_folder = if args.rules.is_dir() {
            args.rules.clone()
        } else {
            args.rules.parent().map(|p| p.to_path_buf()).unwrap_or_default()
        };
        let dir = args.dir.unwrap_or_else(|| rule_folder.join("snapshots"));
        SnapshotConfig {
            path: dir.join(format!("{}.snap", args.name)),
            rules: args.rules,
            inputs: Inputs::new(args.records, args.input),
            name: args.name,
            as_of: as_of_or_today(args.as_of),
            review: args.review,
            policy: snapshot_policy(args.accept),
            limits: limits(args.limits),
            strict: args.strict,
            style: Style::new(args.color),
        }
    }
}

/// `interdict compile`.
pub(super) struct CompileConfig {
    pub(super) rules: PathBuf,
    pub(super) dialect: Dialect,
    pub(super) as_of: Date,
    /// One file per step and a manifest here, instead of the script on stdout.
    pub(super) out: Option<PathBuf>,
    /// Run the script on the embedded DataFusion over this Parquet folder.
    #[cfg(feature = "sql")]
    pub(super) run: Option<PathBuf>,
    pub(super) style: Style,
}

impl CompileConfig {
    fn new(args: CompileArgs) -> CompileConfig {
        let dialect = match args.target {
            Target::Datafusion => Dialect::DataFusion,
            Target::Duckdb => Dialect::DuckDb,
            Target::Spark => Dialect::Spark,
            Target::Trino => Dialect::Trino,
        };
        CompileConfig {
            rules: args.rules,
            dialect,
            as_of: as_of_or_today(args.as_of),
            out: args.out,
            #[cfg(feature = "sql")]
            run: args.run,
            style: Style::new(args.color),
        }
    }
}

/// `interdict export`.
pub(super) struct ExportConfig {
    pub(super) inputs: Inputs,
    /// Where the `TABLE.parquet` files go.
    pub(super) parquet: PathBuf,
    /// Rules whose entity declarations type the columns.
    pub(super) rules: Option<PathBuf>,
    pub(super) style: Style,
}

impl ExportConfig {
    fn new(args: ExportArgs) -> ExportConfig {
        ExportConfig {
            inputs: Inputs::new(args.records, args.input),
            parquet: args.parquet,
            rules: args.rules,
            style: Style::new(args.color),
        }
    }
}

/// `interdict serve`.
#[cfg(feature = "serve")]
pub(super) struct ServeConfig {
    pub(super) rules: PathBuf,
    pub(super) inputs: Inputs,
    pub(super) listen: std::net::SocketAddr,
    pub(super) as_of: Option<Date>,
    pub(super) token_file: Option<PathBuf>,
    pub(super) decision_log: Option<PathBuf>,
    pub(super) log_evidence: bool,
    pub(super) limits: crate::serve::RequestLimits,
    pub(super) header_timeout: std::time::Duration,
    pub(super) settings: crate::serve::Settings,
    pub(super) style: Style,
}

#[cfg(feature = "serve")]
impl ServeConfig {
    fn new(args: super::args::ServeArgs) -> ServeConfig {
        use std::time::Duration;
        ServeConfig {
            rules: args.rules,
            inputs: Inputs::new(args.records, args.input),
            listen: args.listen,
            as_of: args.as_of,
            token_file: args.token_file,
            decision_log: args.decision_log,
            log_evidence: args.log_evidence,
            limits: crate::serve::RequestLimits {
                max_body: args.max_body,
                max_records: args.max_records,
                request_timeout: Duration::from_secs(args.request_timeout.max(1)),
            },
            header_timeout: Duration::from_secs(args.header_timeout.max(1)),
            settings: crate::serve::Settings { limits: limits(args.limits), strict: args.strict },
            style: Style::new(ColorChoice::Auto),
        }
    }
}

/// `interdict replay`.
#[cfg(feature = "serve")]
pub(super) struct ReplayConfig {
    pub(super) log: PathBuf,
    pub(super) rules: PathBuf,
    pub(super) inputs: Inputs,
    pub(super) settings: crate::serve::Settings,
    pub(super) style: Style,
}

#[cfg(feature = "serve")]
impl ReplayConfig {
    fn new(args: super::args::ReplayArgs) -> ReplayConfig {
        ReplayConfig {
            log: args.log,
            rules: args.rules,
            inputs: Inputs::new(args.records, args.input),
            settings: crate::serve::Settings { limits: limits(args.limits), strict: args.strict },
            style: Style::new(ColorChoice::Auto),
        }
    }
}
