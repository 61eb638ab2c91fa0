//! `interdict compile`: a rule set as SQL for DataFusion, DuckDB, Spark or
//! Trino — on stdout as one script, or with `--out` as one file per step
//! and a `manifest.json` that a runner follows.

use std::io::{self, Write};

use crate::cli::config::CompileConfig;
use crate::cli::exit::Exit;
use crate::cli::load::{load_rules, print_diagnostics};
use crate::report;
use crate::sql::{self, Script, StepKind};

pub(in crate::cli) fn run(config: &CompileConfig) -> io::Result<Exit> {
    let Some(rules) = load_rules(std::slice::from_ref(&config.rules), config.style)? else {
        return Ok(Exit::Rules);
    };
    let script = match sql::compile(rules.program(), config.dialect, config.as_of) {
        Ok(script) => script,
        Err(errors) => {
            print_diagnostics(&errors, config.style)?;
            let n = errors.len();
            eprintln!("error: {n} construct{} without a SQL translation", report::plural(n));
            return Ok(Exit::Rules);
        }
    };
    #[cfg(feature = "sql")]
    if let Some(parquet_dir) = &config.run {
        if let Some(dir) = &config.out {
            write_steps(&script, dir)?;
        }
        return run_on_datafusion(&script, parquet_dir, config);
    }
    match &config.out {
        None => io::stdout().lock().write_all(script_text(&script).as_bytes())?,
        Some(dir) => write_steps(&script, dir)?,
    }
    Ok(Exit::Clean)
}

/// One `NN-name.sql` file per step, and `manifest.json`, in `dir`.
fn write_steps(script: &Script, dir: &std::path::Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (i, step) in script.steps.iter().enumerate() {
        std::fs::write(dir.join(step_file(i, &step.name)), format!("{};\n", step.sql))?;
    }
    std::fs::write(dir.join("manifest.json"), manifest(script))?;
    eprintln!("wrote {} steps and manifest.json to {}", script.steps.len(), dir.display());
    Ok(())
}

/// `--run`: the script on the embedded DataFusion; its rows to stdout as
/// JSON Lines, the shape `scripts/run_sql.py` writes for the other engines.
#[cfg(feature = "sql")]
fn run_on_datafusion(script: &Script, parquet_dir: &std::path::Path, config: &CompileConfig) -> io::Result<Exit> {
    if script.dialect != sql::Dialect::DataFusion {
        eprintln!(
            "error: `--run` runs the script on the embedded DataFusion, but it was compiled for {}\n  help: compile with `--target datafusion`, or run the {} script with `scripts/run_sql.py`",
            script.dialect.name(),
            script.dialect.name()
        );
        return Ok(Exit::Rules);
    }
    let rows = match sql::run::run(script, parquet_dir) {
        Ok(rows) => rows,
        Err(e) => {
            print_diagnostics(std::slice::from_ref(&e), config.style)?;
            return Ok(Exit::Data);
        }
    };
    let mut out = io::BufWriter::new(io::stdout().lock());
    for row in &rows {
        serde_json::to_writer(&mut out, row)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    eprintln!("{} rows from {}", rows.len(), parquet_dir.display());
    Ok(Exit::Clean)
}

/// `01-hit_R.sql`: the step's number and its table without the prefix
/// every working table has.
fn step_file(i: usize, name: &str) -> String {
    let short = name.strip_prefix(crate::export::TABLE_PREFIX).unwrap_or(name);
    format!("{:02}-{short}.sql", i + 1)
}

/// The whole script, each step headed by a comment saying how to run it.
pub(crate) fn script_text(script: &Script) -> String {
    let mut out = format!(
        "-- interdict compile --target {} --as-of {}\n-- reads: {}\n",
        script.dialect.name(),
        script.as_of,
        script.inputs.join(", ")
    );
    for (i, step) in script.steps.iter().enumerate() {
        let how = match step.kind {
            StepKind::Statement => "run once".to_string(),
            StepKind::Loop { max_iterations } => {
                format!("repeat with {{depth}} = 1, 2, … until it inserts no row (at most {max_iterations} times)")
            }
            StepKind::Query => "the result: one row per fired rule, or per record where none fired".to_string(),
        };
        out.push_str(&format!("\n-- step {}: {} ({how})\n{};\n", i + 1, step.name, step.sql));
    }
    out
}

/// `manifest.json`: the steps in order, how to run each, and the inputs.
pub(crate) fn manifest(script: &Script) -> String {
    let steps: Vec<serde_json::Value> = script
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let mut v = serde_json::json!({
                "file": step_file(i, &step.name),
                "table": step.name,
                "kind": match step.kind {
                    StepKind::Statement => "statement",
                    StepKind::Loop { .. } => "loop",
                    StepKind::Query => "query",
                },
            });
            if let StepKind::Loop { max_iterations } = step.kind {
                v["max_iterations"] = max_iterations.into();
                v["placeholder"] = "{depth}".into();
            }
            v
        })
        .collect();
    let manifest = serde_json::json!({
        "target": script.dialect.name(),
        "as_of": script.as_of.to_string(),
        "inputs": script.inputs,
        "witnessed_rules": script.witnessed,
        "steps": steps,
    });
    let mut text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    text.push('\n');
    text
}
