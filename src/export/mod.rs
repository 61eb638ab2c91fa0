//! The record store as tables, for SQL engines (`interdict export --parquet`).
//!
//! [`build_tables`] turns a [`RecordStore`] (and, when given, the entity
//! declarations) into Arrow record batches; [`write_parquet`] writes one of
//! them to any `impl Write`. The layout — `interdict_record`, one table per type, one
//! per list field — is the contract with the compiled SQL of `crate::sql`
//! and is documented in `docs/sql.md` ("Exported tables").
//!
//! Takes a store, never opens a path: the CLI names the files.

mod error;
mod text;

pub use error::ExportError;
pub use text::batch_text;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema as ArrowSchema};
use serde_json::Value;

use crate::check::{Base, Entity, FieldType, Schema};
use crate::records::{RecordIdx, RecordStore};

/// How every table interdict names itself begins: this one and the
/// working tables of the compiled SQL. No record type may begin with it,
/// so those tables never clash with a type's.
pub const TABLE_PREFIX: &str = "interdict_";

/// The table of every exported record: `id`, `type`, `seq`.
pub const RECORD_TABLE: &str = "interdict_record";

/// The column every type table starts with, after `id`: the record's
/// position in the store.
pub const SEQ: &str = "seq";

/// One table: its name (the file name without `.parquet`) and its rows.
#[derive(Debug)]
pub struct Table {
    /// `interdict_record`, a record type, or `TYPE__FIELD`.
    pub name: String,
    /// The columns and rows.
    pub batch: RecordBatch,
}

/// What [`build_tables`] made of a store.
#[derive(Debug, Default)]
pub struct Export {
    /// `interdict_record` first, then each type's table followed by its list tables,
    /// types in name order.
    pub tables: Vec<Table>,
    /// Values exported as missing because they did not fit their column.
    pub warnings: Vec<ExportWarning>,
    /// Records and fields that could not be exported at all.
    pub errors: Vec<ExportError>,
    /// Records exported (rows of `interdict_record`).
    pub records: usize,
    /// Type tables written.
    pub types: usize,
}

/// The kind of a scalar column or of a list's elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Utf8: strings, dates and links.
    Str,
    /// Float64.
    Num,
    /// Boolean.
    Bool,
}

impl Kind {
    fn of(value: &Value) -> Option<Kind> {
        match value {
            Value::String(_) => Some(Kind::Str),
            Value::Number(_) => Some(Kind::Num),
            Value::Bool(_) => Some(Kind::Bool),
            _ => None,
        }
    }

    fn declared(base: &Base) -> Kind {
        match base {
            Base::Num => Kind::Num,
            Base::Bool => Kind::Bool,
            Base::Str | Base::Date | Base::Entity(_) => Kind::Str,
        }
    }

    fn data_type(self) -> DataType {
        match self {
            Kind::Str => DataType::Utf8,
            Kind::Num => DataType::Float64,
            Kind::Bool => DataType::Boolean,
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Kind::Str => "strings",
            Kind::Num => "numbers",
            Kind::Bool => "booleans",
        }
    }
}

/// How a field is exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// One value per record.
    Scalar(Kind),
    /// The list's length in the type table (Int64), its elements in a
    /// `TYPE__FIELD` table.
    List(Kind),
}

impl ColumnType {
    fn declared(t: &FieldType) -> ColumnType {
        let kind = Kind::declared(&t.base);
        if t.list { ColumnType::List(kind) } else { ColumnType::Scalar(kind) }
    }
}

/// What did not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A value that is not of the column's kind (nested objects and arrays
    /// included).
    NotKind(Kind),
    /// A value of a list field that is not an array.
    NotList,
    /// An element of a list that is not of the elements' kind (nested
    /// objects and arrays included).
    ElementNotKind(Kind),
}

/// Values of one field exported as missing (NULL) because they did not fit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportWarning {
    /// The record type.
    pub record_type: String,
    /// The field.
    pub field: String,
    /// How many values (or elements).
    pub count: usize,
    /// What they are not.
    pub problem: Problem,
}

impl fmt::Display for ExportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.count;
        let (what, not) = match self.problem {
            Problem::NotKind(k) => ("value", k.plural()),
            Problem::NotList => ("value", "lists"),
            Problem::ElementNotKind(k) => ("element", k.plural()),
        };
        let (s, are) = if n == 1 { ("", "is") } else { ("s", "are") };
        let not = if n == 1 { not.trim_end_matches('s') } else { not };
        let article = if n == 1 { "a " } else { "" };
        write!(f, "{n} {what}{s} of {}.{} {are} not {article}{not}; exported as missing", self.record_type, self.field)
    }
}

/// Whether a list field (or, with [`valid_type_name`]'s further rules, a
/// record type) can name a file.
pub fn valid_table_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether a record type can name a table: a valid file name that does not
/// begin with `_` (Spark and Hive-style catalogs skip such files as hidden)
/// nor with [`TABLE_PREFIX`] (kept for interdict's own tables).
pub fn valid_type_name(name: &str) -> bool {
    valid_table_name(name) && !name.starts_with('_') && !name.starts_with(TABLE_PREFIX)
}

/// Builds every table of the store. With a schema, declared field types win
/// and every declared entity gets a table (empty if no record has its type);
/// otherwise each (type, field)'s type is inferred from its values.
pub fn build_tables(store: &RecordStore, schema: Option<&Schema>) -> Export {
    let mut export = Export::default();
    let mut by_type: BTreeMap<&str, Vec<RecordIdx>> = BTreeMap::new();
    for entity in schema.map(|s| s.entities.keys()).into_iter().flatten() {
        by_type.entry(entity.as_str()).or_default();
    }
    for (idx, record) in store.iter() {
        by_type.entry(record.record_type()).or_default().push(idx);
    }
    by_type.retain(|record_type, records| {
        if !valid_type_name(record_type) {
            export.errors.push(match records.first() {
                Some(&first) => ExportError::TypeName {
                    record_type: record_type.to_string(),
                    count: records.len(),
                    first: store.position(first),
                },
                None => ExportError::EntityName { entity: record_type.to_string() },
            });
            false
        } else {
            true
        }
    });

    let mut names: BTreeSet<String> = by_type.keys().map(|t| t.to_string()).collect();
    names.insert(RECORD_TABLE.to_string());
    let mut rows: Vec<RecordIdx> = Vec::new();
    for (record_type, records) in &by_type {
        let entity = schema.and_then(|s| s.entity(record_type));
        let built = TypeTable::build(&TypeRecords { store, record_type, records }, entity, &mut names);
        match built {
            Ok(mut built) => {
                export.types += 1;
                export.tables.append(&mut built.tables);
                export.warnings.append(&mut built.warnings);
                export.errors.append(&mut built.errors);
                rows.extend_from_slice(records);
            }
            Err(e) => export.errors.push(write_error(record_type, &e)),
        }
    }
    rows.sort_unstable();
    export.records = rows.len();
    match record_table(store, &rows) {
        Ok(table) => export.tables.insert(0, table),
        Err(e) => export.errors.push(write_error(RECORD_TABLE, &e)),
    }
    export
}

fn write_error(table: &str, e: &ArrowError) -> ExportError {
    ExportError::Write { table: table.to_string(), message: e.to_string() }
}

/// Writes one table as Parquet (Snappy-compressed) to `out`.
pub fn write_parquet(table: &Table, out: impl Write + Send) -> Result<(), ExportError> {
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;

    let fail =
        |e: parquet::errors::ParquetError| ExportError::Write { table: table.name.clone(), message: e.to_string() };
    let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
    let mut writer = ArrowWriter::try_new(out, table.batch.schema(), Some(props)).map_err(fail)?;
    writer.write(&table.batch).map_err(fail)?;
    writer.close().map_err(fail)?;
    Ok(())
}

/// `interdict_record`: `id`, `type`, `seq` of every exported record, in store order.
fn record_table(store: &RecordStore, rows: &[RecordIdx]) -> Result<Table, ArrowError> {
    let mut id = StringBuilder::new();
    let mut record_type = StringBuilder::new();
    let mut seq = Int64Builder::new();
    for &r in rows {
        let record = store.record(r);
        id.append_value(record.id());
        record_type.append_value(record.record_type());
        seq.append_value(r.index() as i64);
    }
    let schema = ArrowSchema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("type", DataType::Utf8, false),
        Field::new(SEQ, DataType::Int64, false),
    ]);
    let columns: Vec<ArrayRef> = vec![Arc::new(id.finish()), Arc::new(record_type.finish()), Arc::new(seq.finish())];
    Ok(Table { name: RECORD_TABLE.to_string(), batch: RecordBatch::try_new(Arc::new(schema), columns)? })
}

/// The kinds of non-null values seen in one field of one type.
#[derive(Default)]
struct Seen {
    values: Counts,
    arrays: usize,
    elements: Counts,
}

#[derive(Default)]
struct Counts {
    str: usize,
    num: usize,
    bool: usize,
}

impl Counts {
    fn add(&mut self, value: &Value) {
        match Kind::of(value) {
            Some(Kind::Str) => self.str += 1,
            Some(Kind::Num) => self.num += 1,
            Some(Kind::Bool) => self.bool += 1,
            None => {}
        }
    }

    /// One kind only → that kind; mixed or none → strings.
    fn kind(&self) -> Kind {
        match (self.str, self.num, self.bool) {
            (0, n, 0) if n > 0 => Kind::Num,
            (0, 0, b) if b > 0 => Kind::Bool,
            _ => Kind::Str,
        }
    }
}

impl Seen {
    fn add(&mut self, value: &Value) {
        match value {
            Value::Array(items) => {
                self.arrays += 1;
                items.iter().for_each(|v| self.elements.add(v));
            }
            v => self.values.add(v),
        }
    }

    fn column_type(&self) -> ColumnType {
        if self.arrays > 0 { ColumnType::List(self.elements.kind()) } else { ColumnType::Scalar(self.values.kind()) }
    }
}

/// The columns of one type: declared fields with their declared types, the
/// others inferred from the records; `id` and `type` left out. Sorted by name.
fn columns(store: &RecordStore, records: &[RecordIdx], entity: Option<&Entity>) -> BTreeMap<String, ColumnType> {
    let mut seen: BTreeMap<&str, Seen> = BTreeMap::new();
    for &r in records {
        for (name, value) in store.record(r).fields() {
            if !value.is_null() {
                seen.entry(name.as_str()).or_default().add(value);
            } else {
                seen.entry(name.as_str()).or_default();
            }
        }
    }
    let mut columns: BTreeMap<String, ColumnType> =
        seen.iter().map(|(name, s)| (name.to_string(), s.column_type())).collect();
    for (name, t) in entity.map(|e| e.fields.iter()).into_iter().flatten() {
        columns.insert(name.clone(), ColumnType::declared(t));
    }
    columns.remove("id");
    columns.remove("type");
    columns
}

/// A column being built, of one kind.
enum Builder {
    Str(StringBuilder),
    Num(Float64Builder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(kind: Kind) -> Builder {
        match kind {
            Kind::Str => Builder::Str(StringBuilder::new()),
            Kind::Num => Builder::Num(Float64Builder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new()),
        }
    }

    /// Appends the value, or NULL when it is absent, null or of another
    /// kind; false for the last (a value that did not fit).
    fn push(&mut self, value: Option<&Value>) -> bool {
        match (self, value) {
            (Builder::Str(b), Some(Value::String(s))) => b.append_value(s),
            (Builder::Num(b), Some(Value::Number(n))) => b.append_option(n.as_f64()),
            (Builder::Bool(b), Some(Value::Bool(x))) => b.append_value(*x),
            (b, v) => {
                b.push_null();
                return matches!(v, None | Some(Value::Null));
            }
        }
        true
    }

    fn push_null(&mut self) {
        match self {
            Builder::Str(b) => b.append_null(),
            Builder::Num(b) => b.append_null(),
            Builder::Bool(b) => b.append_null(),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Str(b) => Arc::new(b.finish()),
            Builder::Num(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
        }
    }
}

/// One type's table and its list tables, with what went wrong on the way.
struct TypeTable {
    tables: Vec<Table>,
    warnings: Vec<ExportWarning>,
    errors: Vec<ExportError>,
}

impl TypeTable {
    /// `id`, `seq`, a column per field (a list field's column holds its
    /// length), then a `TYPE__FIELD` table per list field. `names` holds the
    /// table names taken so far.
    fn build(
        of: &TypeRecords<'_>,
        entity: Option<&Entity>,
        names: &mut BTreeSet<String>,
    ) -> Result<TypeTable, ArrowError> {
        let mut out = TypeTable { tables: Vec::new(), warnings: Vec::new(), errors: Vec::new() };
        let (mut fields, mut arrays) = of.id_columns();
        let mut lists = Vec::new();
        for (name, column) in columns(of.store, of.records, entity) {
            if name == SEQ {
                let record_type = of.record_type.to_string();
                out.errors.push(ExportError::ReservedField { record_type, field: name.clone() });
                continue;
            }
            match column {
                ColumnType::Scalar(kind) => {
                    let (array, bad) = of.scalar_column(&name, kind);
                    out.warnings.extend(of.warning(&name, bad, Problem::NotKind(kind)));
                    fields.push(Field::new(name.as_str(), kind.data_type(), true));
                    arrays.push(array);
                }
                ColumnType::List(kind) => {
                    let (array, bad) = of.list_lengths(&name);
                    out.warnings.extend(of.warning(&name, bad, Problem::NotList));
                    fields.push(Field::new(name.as_str(), DataType::Int64, true));
                    arrays.push(array);
                    match of.list_table_name(&name, names) {
                        Err(e) => out.errors.push(e),
                        Ok(table) => {
                            let (batch, bad) = of.list_table(&name, kind)?;
                            out.warnings.extend(of.warning(&name, bad, Problem::ElementNotKind(kind)));
                            lists.push(Table { name: table, batch });
                        }
                    }
                }
            }
        }
        let batch = RecordBatch::try_new(Arc::new(ArrowSchema::new(fields)), arrays)?;
        out.tables.push(Table { name: of.record_type.to_string(), batch });
        out.tables.append(&mut lists);
        Ok(out)
    }
}

/// The records of one type, in store order: what a type table is built from.
struct TypeRecords<'a> {
    store: &'a RecordStore,
    record_type: &'a str,
    records: &'a [RecordIdx],
}

impl TypeRecords<'_> {
    /// `id` and `seq`, the columns every type table starts with.
    fn id_columns(&self) -> (Vec<Field>, Vec<ArrayRef>) {
        let fields = vec![Field::new("id", DataType::Utf8, false), Field::new(SEQ, DataType::Int64, false)];
        let mut id = StringBuilder::new();
        let mut seq = Int64Builder::new();
        for &r in self.records {
            id.append_value(self.store.record(r).id());
            seq.append_value(r.index() as i64);
        }
        (fields, vec![Arc::new(id.finish()), Arc::new(seq.finish())])
    }

    /// A field's values, and how many were not of `kind` (exported as NULL).
    fn scalar_column(&self, field: &str, kind: Kind) -> (ArrayRef, usize) {
        let mut b = Builder::new(kind);
        let bad = self.records.iter().filter(|&&r| !b.push(self.store.record(r).get(field))).count();
        (b.finish(), bad)
    }

    /// A list field's lengths, and how many values were not lists (exported
    /// as NULL).
    fn list_lengths(&self, field: &str) -> (ArrayRef, usize) {
        let mut len = Int64Builder::new();
        let mut bad = 0;
        for &r in self.records {
            match self.store.record(r).get(field) {
                Some(Value::Array(items)) => len.append_value(items.len() as i64),
                None | Some(Value::Null) => len.append_null(),
                Some(_) => {
                    len.append_null();
                    bad += 1;
                }
            }
        }
        (Arc::new(len.finish()), bad)
    }

    /// `TYPE__FIELD`, taken into `names`; an error when the field cannot
    /// name a file or the name is taken.
    fn list_table_name(&self, field: &str, names: &mut BTreeSet<String>) -> Result<String, ExportError> {
        let record_type = self.record_type;
        let table = format!("{record_type}__{field}");
        if !valid_table_name(field) {
            Err(ExportError::FieldName { record_type: record_type.to_string(), field: field.to_string() })
        } else if !names.insert(table.clone()) {
            Err(ExportError::TableClash { table, what: format!("list field `{record_type}.{field}`") })
        } else {
            Ok(table)
        }
    }

    /// `TYPE__FIELD`: a row per element of every array (`src`, `pos`,
    /// `dst`); also how many non-null elements were not of `kind`.
    fn list_table(&self, field: &str, kind: Kind) -> Result<(RecordBatch, usize), ArrowError> {
        let mut src = StringBuilder::new();
        let mut pos = Int64Builder::new();
        let mut dst = Builder::new(kind);
        let mut bad = 0;
        for &r in self.records {
            let record = self.store.record(r);
            let Some(Value::Array(items)) = record.get(field) else { continue };
            for (i, item) in items.iter().enumerate() {
                src.append_value(record.id());
                pos.append_value(i as i64);
                if !dst.push(Some(item)) {
                    bad += 1;
                }
            }
        }
        let schema = ArrowSchema::new(vec![
            Field::new("src", DataType::Utf8, false),
            Field::new("pos", DataType::Int64, false),
            Field::new("dst", kind.data_type(), true),
        ]);
        let columns: Vec<ArrayRef> = vec![Arc::new(src.finish()), Arc::new(pos.finish()), dst.finish()];
        Ok((RecordBatch::try_new(Arc::new(schema), columns)?, bad))
    }

    /// The warning for `count` values of a field that did not fit, if any.
    fn warning(&self, field: &str, count: usize, problem: Problem) -> Option<ExportWarning> {
        (count > 0).then(|| ExportWarning {
            record_type: self.record_type.to_string(),
            field: field.to_string(),
            count,
            problem,
        })
    }
}

#[cfg(test)]
mod tests;
