//! `interdict export --parquet`: runs the binary, reads the Parquet files
//! back with the parquet crate's Arrow reader and snapshots each table
//! (schema, row count, first and last rows).

use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use interdict::export::batch_text;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::common::{Interdict, example, interdict, scratch, shown_in as shown};

/// An empty output folder for one test.
fn out_dir(name: &str) -> PathBuf {
    scratch(&format!("export-{name}"))
}

/// Every table of a folder, by name: its compression, schema, row count,
/// the first three rows and the last.
fn dump(dir: &Path) -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut out = String::new();
    for path in files {
        let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap()).unwrap();
        let meta = builder.metadata().clone();
        let compression: Vec<String> =
            meta.row_groups().iter().flat_map(|g| g.columns().iter().map(|c| c.compression().to_string())).collect();
        let header = batch_text(&RecordBatch::new_empty(builder.schema().clone())).trim_end().to_string();
        let mut rows = Vec::new();
        for batch in builder.build().unwrap() {
            rows.extend(batch_text(&batch.unwrap()).lines().skip(1).map(str::to_string));
        }
        let name = path.file_name().unwrap().to_string_lossy();
        let mut compression = compression;
        compression.dedup();
        out.push_str(&format!("== {name}: {} rows, {}\n{header}\n", rows.len(), compression.join(",")));
        let shown = if rows.len() <= 4 { rows.clone() } else { [&rows[..3], &rows[rows.len() - 1..]].concat() };
        for (i, row) in shown.iter().enumerate() {
            if rows.len() > 4 && i == 3 {
                out.push_str("…\n");
            }
            out.push_str(row);
            out.push('\n');
        }
    }
    out
}

#[test]
fn trade_screening_records_as_parquet_tables() {
    let dir = out_dir("trade-screening");
    let d = dir.display().to_string();
    let set = example("trade-screening");
    let mut args: Vec<&str> = vec!["export"];
    args.extend(set.records.iter().map(String::as_str));
    args.extend(["--rules", "rules/trade-screening", "--parquet", &d]);
    let out = interdict(&args);
    insta::assert_snapshot!("trade-screening-run", shown(&out, &dir));
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("trade-screening-tables", dump(&dir));
}

#[test]
fn bad_records_are_reported_and_the_others_exported() {
    let dir = out_dir("bad");
    let d = dir.display().to_string();
    let out = interdict(&["export", "tests/fixtures/export/bad.jsonl", "--parquet", &d]);
    insta::assert_snapshot!("bad-run", shown(&out, &dir));
    assert_eq!(out.status.code(), Some(3));
    insta::assert_snapshot!("bad-tables", dump(&dir));
}

#[test]
fn records_from_stdin_and_existing_tables_overwritten() {
    let dir = out_dir("stdin");
    std::fs::write(dir.join("person.parquet"), b"old").unwrap();
    std::fs::write(dir.join("other.parquet"), b"kept").unwrap();
    let d = dir.display().to_string();
    let out = Interdict::new(&["export", "-", "--parquet", &d])
        .stdin("{\"id\":\"p-1\",\"type\":\"person\",\"age\":30}\n")
        .run();
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out, &dir));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).replace(&d, "DIR"),
        "exported 1 record of 1 type to DIR (2 tables)\n"
    );
    assert_eq!(std::fs::read(dir.join("other.parquet")).unwrap(), b"kept");
    std::fs::remove_file(dir.join("other.parquet")).unwrap();
    assert_eq!(
        dump(&dir),
        "== interdict_record.parquet: 1 rows, SNAPPY\nid: Utf8 not null, type: Utf8 not null, seq: Int64 not null\n\
         \"p-1\" | \"person\" | 0\n\
         == person.parquet: 1 rows, SNAPPY\nid: Utf8 not null, seq: Int64 not null, age: Float64\n\"p-1\" | 0 | 30\n"
    );
}
