//! Loading what commands run on: rule sets (their diagnostics printed on
//! stderr) and record inputs (files or stdin, converted from CSV, YAML or
//! FtM when they are not JSON).

use std::io::{self, Read, Write};
use std::path::PathBuf;

use miette::Diagnostic;

use super::config::{Inputs, ReadOptions, Style};
use crate::check::Program;
use crate::fixtures::declared_columns;
use crate::records::convert::{ConvertOptions, InputFormat, convert};
use crate::records::lines::{PART_BYTES, Source};
use crate::records::{Input, RecordError, RecordStore};
use crate::report::{self, plural};
use crate::{RuleError, RuleSet};

/// Writes diagnostics on stderr, each drawn over its source.
pub(super) fn print_diagnostics<D: Diagnostic>(diagnostics: &[D], style: Style) -> io::Result<()> {
    let mut err = io::stderr().lock();
    for d in diagnostics {
        err.write_all(report::render_diagnostic(d, style.stderr_color, style.width).as_bytes())?;
    }
    Ok(())
}

/// Rule errors on stderr, then how many there were.
pub(super) fn print_rule_errors(errors: &[RuleError], style: Style) -> io::Result<()> {
    print_diagnostics(errors, style)?;
    let n = errors.len();
    writeln!(io::stderr().lock(), "error: {n} problem{} in the rule set", plural(n))
}

/// The rule set at `paths`, or `None` when it has errors (printed).
pub(super) fn load_rules(paths: &[PathBuf], style: Style) -> io::Result<Option<RuleSet>> {
    match RuleSet::load(paths) {
        Ok(rules) => Ok(Some(rules)),
        Err(errors) => {
            print_rule_errors(&errors, style)?;
            Ok(None)
        }
    }
}

/// What converting the inputs needs: the options given and the entity
/// declarations (CSV cells are typed by them).
pub(super) fn convert_options(read: &ReadOptions, program: Option<&Program>) -> ConvertOptions {
    let columns = program.map(declared_columns).unwrap_or_default();
    ConvertOptions { record_type: read.record_type.clone(), list_separator: read.list_separator, columns }
}

/// Reads the record inputs (`-`: stdin), converted to JSON Lines when they
/// are CSV, YAML or FtM; an unreadable one is an error in its place.
pub(super) fn read_inputs(inputs: &Inputs, program: Option<&Program>) -> Vec<Result<Input, RecordError>> {
    let options = convert_options(&inputs.read, program);
    inputs
        .paths
        .iter()
        .map(|path| {
            let read = read_input(path);
            let name = if path == "-" { "<stdin>".to_string() } else { path.clone() };
            let format = inputs.read.format.unwrap_or_else(|| InputFormat::from_name(&name));
            read.map(|bytes| convert(Input::new(name.clone(), bytes), format, &options))
                .map_err(|e| RecordStore::io_error(&name, &e.to_string()))
        })
        .collect()
}

/// The record inputs as `check` reads them: JSON a part at a time (see
/// [`Source::json`]), other formats read whole and converted as
/// [`read_inputs`] reads them; an unreadable one is an error in its place.
pub(super) fn open_inputs(inputs: &Inputs, program: Option<&Program>) -> Vec<Result<Source, RecordError>> {
    let options = convert_options(&inputs.read, program);
    inputs
        .paths
        .iter()
        .map(|path| {
            let name = if path == "-" { "<stdin>".to_string() } else { path.clone() };
            let format = inputs.read.format.unwrap_or_else(|| InputFormat::from_name(&name));
            let source = match format {
                InputFormat::Json => open_json(path, name.clone()),
                _ => read_input(path)
                    .map(|bytes| Source::Whole(convert(Input::new(name.clone(), bytes), format, &options))),
            };
            source.map_err(|e| RecordStore::io_error(&name, &e.to_string()))
        })
        .collect()
}

/// A JSON input (`-`: stdin), read a part at a time.
fn open_json(path: &str, name: String) -> io::Result<Source> {
    if path == "-" {
        return Source::json(name, Box::new(io::stdin()), None, PART_BYTES);
    }
    let file = std::fs::File::open(path)?;
    let len = file.metadata().ok().filter(|m| m.is_file()).map(|m| m.len());
    Source::json(name, Box::new(file), len, PART_BYTES)
}

/// An input's bytes (`-`: stdin).
fn read_input(path: &str) -> io::Result<Vec<u8>> {
    if path == "-" {
        let mut bytes = Vec::new();
        return io::stdin().lock().read_to_end(&mut bytes).map(|_| bytes);
    }
    read_file(path)
}

/// Bytes read by one thread at a time, at least.
const READ_SLICE: usize = 1 << 22;

/// A file's bytes, as `std::fs::read` reads them, but a large one read on
/// all cores, a slice of it each: reading the 1M bench records' 108 MB on
/// one thread took 65 ms (the copy out of the page cache, and the page
/// faults of the new buffer), all of it before anything else could start.
#[cfg(unix)]
fn read_file(path: &str) -> io::Result<Vec<u8>> {
    use std::io::{Seek, SeekFrom};
    use std::os::unix::fs::FileExt;

    use rayon::prelude::*;

    let mut file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    let len = usize::try_from(meta.len()).unwrap_or(usize::MAX);
    if !meta.is_file() || len < 2 * READ_SLICE {
        return std::fs::read(path);
    }
    let mut bytes = vec![0u8; len];
    let size = READ_SLICE.max(len.div_ceil(rayon::current_num_threads() * 4));
    let read = bytes.par_chunks_mut(size).enumerate().try_for_each(|(i, slice)| {
        let at = i.saturating_mul(size).try_into().unwrap_or(u64::MAX);
        file.read_exact_at(slice, at)
    });
    match read {
        // Shorter than it was a moment ago: read it again as it is now.
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return std::fs::read(path),
        other => other?,
    }
    // Anything written to it since its length was taken, as `read` would.
    file.seek(SeekFrom::Start(meta.len()))?;
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(not(unix))]
fn read_file(path: &str) -> io::Result<Vec<u8>> {
    std::fs::read(path)
}

/// Reads the record inputs into a store; an unreadable input is an error entry.
pub(super) fn load_records(inputs: &Inputs, program: Option<&Program>) -> RecordStore {
    let mut store = RecordStore::default();
    for input in read_inputs(inputs, program) {
        match input {
            Ok(input) => store.add_input(&input),
            Err(e) => store.push_error(e),
        }
    }
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file read in slices on all cores is the file, to the last byte,
    /// however its length falls across the slices.
    #[test]
    fn a_large_file_read_in_slices_is_the_file() {
        let dir = std::env::temp_dir().join(format!("interdict-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        for len in [2 * READ_SLICE - 1, 2 * READ_SLICE, 5 * READ_SLICE + 12_345] {
            let path = dir.join(format!("{len}.jsonl"));
            let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
            let read = read_file(&path.to_string_lossy()).unwrap_or_else(|e| panic!("{e}"));
            assert!(read == bytes, "{len} bytes");
        }
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    }
}
