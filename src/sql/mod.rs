//! Rule sets compiled to SQL, for engines that hold more records than one
//! machine: DataFusion, DuckDB, Spark SQL and Trino.
//!
//! The compiled form is a [`Script`]: statements that build one table per
//! relation (in dependency order, so `is denied` reads a finished table),
//! loops for hop closures (`{1..}`) that the runner repeats until nothing is
//! added, and one final query with a row per fired rule (and one per record
//! where none fired). The tables it reads are the ones `interdict export
//! --parquet` writes (see `docs/sql.md`).

mod error;
mod ir;
mod lower;
mod print;
mod script;

pub use error::{SqlError, SqlErrorKind};
pub use script::{Dialect, ResultRow, Script, Step, StepKind};

use crate::check::Program;

/// Compiles a checked program to a script in `dialect`, with `effective`
/// dates and `as_of` folded against `as_of`. Every construct without a SQL
/// translation is reported, located in the rule files.
pub fn compile(program: &Program, dialect: Dialect, as_of: crate::date::Date) -> Result<Script, Vec<SqlError>> {
    let lowered = lower::lower(program, as_of)?;
    let mut steps = Vec::new();
    for step in lowered.steps {
        let mut p = print::Printer::new(dialect);
        let (name, kind) = match step {
            lower::StepIr::Create { name, rel } => {
                p.create_table(&name, &rel);
                (name, StepKind::Statement)
            }
            lower::StepIr::Loop { name, rel, max_iterations } => {
                p.insert(&name, &rel);
                (name, StepKind::Loop { max_iterations })
            }
        };
        steps.push(Step { name, kind, sql: p.finish() });
    }
    let mut p = print::Printer::new(dialect);
    p.query(&lowered.result);
    steps.push(Step { name: "verdicts".into(), kind: StepKind::Query, sql: p.finish() });
    Ok(Script { dialect, as_of, inputs: lowered.inputs, steps, witnessed: lowered.witnessed })
}

#[cfg(feature = "sql")]
pub mod run;
