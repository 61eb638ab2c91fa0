//! A table as text, for tests and for looking at an export without a SQL
//! engine: the schema on one line, then one line per row.

use std::fmt::Write;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};

/// `id: Utf8 not null, seq: Int64 not null, age: Float64`, then a line per
/// row: strings quoted, `null` for NULL, `|` between columns.
pub fn batch_text(batch: &RecordBatch) -> String {
    let schema = batch.schema();
    let header: Vec<String> = schema
        .fields()
        .iter()
        .map(|f| format!("{}: {}{}", f.name(), f.data_type(), if f.is_nullable() { "" } else { " not null" }))
        .collect();
    let mut out = header.join(", ");
    out.push('\n');
    for row in 0..batch.num_rows() {
        let cells: Vec<String> = batch.columns().iter().map(|c| cell(c.as_ref(), row)).collect();
        let _ = writeln!(out, "{}", cells.join(" | "));
    }
    out
}

fn cell(column: &dyn Array, row: usize) -> String {
    if column.is_null(row) {
        return "null".to_string();
    }
    if let Some(a) = column.as_string_opt::<i32>() {
        return format!("{:?}", a.value(row));
    }
    if let Some(a) = column.as_primitive_opt::<Int64Type>() {
        return a.value(row).to_string();
    }
    if let Some(a) = column.as_primitive_opt::<Float64Type>() {
        return a.value(row).to_string();
    }
    if let Some(a) = column.as_boolean_opt() {
        return a.value(row).to_string();
    }
    format!("<{}>", column.data_type())
}
