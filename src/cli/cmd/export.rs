//! `interdict export RECORDS... --parquet DIR`: the record store as Parquet
//! tables for the compiled SQL (layout: `docs/sql.md`, "Exported tables").

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::check::Program;
use crate::cli::config::ExportConfig;
use crate::cli::exit::Exit;
use crate::cli::load::{load_records, load_rules};
use crate::export;
use crate::records::Entry;
use crate::report::{self, plural};

pub(in crate::cli) fn run(config: &ExportConfig) -> io::Result<Exit> {
    let rules = match &config.rules {
        Some(path) => match load_rules(std::slice::from_ref(path), config.style)? {
            Some(rules) => Some(rules),
            None => return Ok(Exit::Rules),
        },
        None => None,
    };
    let program = rules.as_ref().map(|r| r.program());
    let store = load_records(&config.inputs, program);
    let (color, width) = (config.style.stderr_color, config.style.width);
    let mut err = io::stderr().lock();
    let mut failed = false;
    for entry in store.entries() {
        if let Entry::Error(e) = entry {
            report::write_record_error(&mut err, e, color, width)?;
            failed = true;
        }
    }
    let export = export::build_tables(&store, program.and_then(Program::schema));
    for e in &export.errors {
        err.write_all(report::render_diagnostic(e, color, width).as_bytes())?;
        failed = true;
    }
    for w in &export.warnings {
        writeln!(err, "warning: {w}")?;
    }
    let dir = &config.parquet;
    write_tables(&export.tables, dir)?;
    let (n, k, t) = (export.records, export.types, export.tables.len());
    writeln!(
        err,
        "exported {n} record{} of {k} type{} to {} ({t} table{})",
        plural(n),
        plural(k),
        dir.display(),
        plural(t)
    )?;
    Ok(if failed { Exit::Data } else { Exit::Clean })
}

/// `TABLE.parquet` for each table, in `dir` (created if missing).
fn write_tables(tables: &[export::Table], dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| at(dir, &e))?;
    for table in tables {
        let path = dir.join(format!("{}.parquet", table.name));
        let mut out = BufWriter::new(File::create(&path).map_err(|e| at(&path, &e))?);
        export::write_parquet(table, &mut out).map_err(|e| at(&path, &e))?;
        out.flush().map_err(|e| at(&path, &e))?;
    }
    Ok(())
}

/// An error writing `path`, naming it.
fn at(path: &Path, e: &dyn std::fmt::Display) -> io::Error {
    io::Error::other(format!("cannot write `{}`: {e}", path.display()))
}
