//! CSV, YAML and FollowTheMoney inputs → JSON Lines with origins.
//!
//! The one entry point for every input that is not JSON: [`convert`] turns
//! it into an [`Input`] whose bytes are JSON Lines (one record per line) and
//! whose [`Origin`]s say where each line came from (the row or document in
//! the original file), or which error stands in its place. Both stores then
//! read it with the JSON loader, so every format has the same records,
//! positions and errors in both engines.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::error::{RecordError, RecordErrorKind as K};
use super::load::{Input, Origin};
use crate::date::Period;
use crate::source::Position;

/// How an input's bytes are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    /// A JSON array of records, or JSON Lines.
    Json,
    /// A header row, then one record per row.
    Csv,
    /// A list of records, or one record per document.
    Yaml,
    /// FollowTheMoney entities, one JSON object per line.
    Ftm,
}

impl InputFormat {
    /// The format a file name implies: `.csv`, `.yaml`/`.yml`,
    /// `.ftm.json`/`.ftm.jsonl` (FtM, as OpenSanctions names its exports),
    /// else JSON.
    pub fn from_name(name: &str) -> InputFormat {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".ftm.json") || lower.ends_with(".ftm.jsonl") {
            InputFormat::Ftm
        } else if lower.ends_with(".csv") {
            InputFormat::Csv
        } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            InputFormat::Yaml
        } else {
            InputFormat::Json
        }
    }
}

/// The declared kind of a CSV column's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    /// Kept as text (also links).
    Str,
    /// A JSON number.
    Num,
    /// `true` or `false`.
    Bool,
    /// Text that must read as a date.
    Date,
}

/// A declared field, as CSV conversion needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// The kind of each value.
    pub scalar: Scalar,
    /// A list or multi-link: the cell is split on the list separator.
    pub list: bool,
}

/// What conversion needs beyond the bytes.
#[derive(Clone, Debug)]
pub struct ConvertOptions {
    /// CSV: the type of every row of a file without a `type` column.
    pub record_type: Option<String>,
    /// CSV: what separates the values of a list cell.
    pub list_separator: char,
    /// CSV: declared fields by record type, then field name.
    pub columns: HashMap<String, HashMap<String, Column>>,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        ConvertOptions { record_type: None, list_separator: ';', columns: HashMap::new() }
    }
}

/// Converts an input to JSON Lines with origins; JSON is returned as it is.
pub fn convert(input: Input, format: InputFormat, options: &ConvertOptions) -> Input {
    match format {
        InputFormat::Json => input,
        InputFormat::Csv => Builder::new(&input.name).finish(csv(&input, options)),
        InputFormat::Yaml => Builder::new(&input.name).finish(yaml(&input)),
        InputFormat::Ftm => Builder::new(&input.name).finish(ftm(&input)),
    }
}

/// Converted lines being collected.
struct Builder {
    name: String,
    bytes: Vec<u8>,
    origins: Vec<Origin>,
}

/// One converted record, or the error in its place.
type Row = Result<(Map<String, Value>, Position), RecordError>;

impl Builder {
    fn new(name: &str) -> Self {
        Builder { name: name.to_string(), bytes: Vec::new(), origins: Vec::new() }
    }

    fn finish(mut self, rows: Vec<Row>) -> Input {
        for row in rows {
            match row {
                Ok((fields, at)) => {
                    // Writing a map of JSON values to a Vec cannot fail.
                    let _ = serde_json::to_writer(&mut self.bytes, &fields);
                    self.origins.push(Origin::At {
                        line: u32::try_from(at.line).unwrap_or(u32::MAX),
                        column: u32::try_from(at.column).unwrap_or(u32::MAX),
                    });
                }
                Err(e) => {
                    self.bytes.extend_from_slice(b"null");
                    self.origins.push(Origin::Error(e));
                }
            }
            self.bytes.push(b'\n');
        }
        Input { name: self.name, bytes: self.bytes, origins: self.origins }
    }
}

fn position(name: &str, line: usize, column: usize) -> Position {
    Position { file: name.to_string(), line, column }
}

// ---------------------------------------------------------------- CSV

fn csv(input: &Input, options: &ConvertOptions) -> Vec<Row> {
    let name = input.name.as_str();
    let bytes = input.bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&input.bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(bytes);
    let headers: Vec<String> = match reader.byte_headers() {
        Ok(h) => h.iter().map(|c| String::from_utf8_lossy(c).trim().to_string()).collect(),
        Err(e) => return vec![Err(csv_error(name, &e))],
    };
    if headers.iter().all(String::is_empty) {
        return Vec::new();
    }
    let at = |col: &str| headers.iter().position(|h| h == col);
    let (Some(id_col), type_col) = (at("id"), at("type")) else {
        return vec![Err(RecordError::new(K::Csv, "the header row has no `id` column", position(name, 1, 1))
            .with_help("the first row names the columns; one must be `id`"))];
    };
    if type_col.is_none() && options.record_type.is_none() {
        return vec![Err(RecordError::new(K::Csv, "the header row has no `type` column", position(name, 1, 1))
            .with_help("add a `type` column, or give the type of every row with `--type TYPE`"))];
    }
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                rows.push(Err(csv_error(name, &e)));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        let offset = record.position().map_or(0, |p| p.byte() as usize);
        if record.len() == 1 && record.get(0).is_some_and(<[u8]>::is_empty) {
            continue; // a blank line
        }
        let columns = cell_columns(bytes, offset);
        let cell_at = |i: usize| position(name, line, columns.get(i).copied().unwrap_or(1));
        if record.len() != headers.len() {
            rows.push(Err(RecordError::new(
                K::Csv,
                format!("this row has {} cells but the header row has {}", record.len(), headers.len()),
                position(name, line, 1),
            )
            .with_help("every row needs one cell per column; quote cells that contain the delimiter")));
            continue;
        }
        rows.push(csv_row(&record, &headers, id_col, type_col, options, &cell_at, position(name, line, 1)));
    }
    rows
}

fn csv_row(
    record: &csv::ByteRecord,
    headers: &[String],
    id_col: usize,
    type_col: Option<usize>,
    options: &ConvertOptions,
    cell_at: &dyn Fn(usize) -> Position,
    row_at: Position,
) -> Row {
    let mut cells = Vec::with_capacity(record.len());
    for (i, cell) in record.iter().enumerate() {
        match std::str::from_utf8(cell) {
            Ok(s) => cells.push(s.trim()),
            Err(_) => {
                return Err(RecordError::new(K::Csv, "this cell is not valid UTF-8", cell_at(i))
                    .with_help("save the file as UTF-8"));
            }
        }
    }
    let record_type = match type_col {
        Some(t) => cells[t].to_string(),
        None => options.record_type.clone().unwrap_or_default(),
    };
    let declared = options.columns.get(&record_type);
    let mut fields = Map::new();
    for (i, (header, cell)) in headers.iter().zip(&cells).enumerate() {
        // An empty cell is an absent field; in a column declared as a list,
        // the empty list (CSV has no other way to write one).
        let list_column = declared.and_then(|d| d.get(header)).is_some_and(|c| c.list);
        if header.is_empty() || (cell.is_empty() && i != id_col && Some(i) != type_col && !list_column) {
            continue;
        }
        let value = if i == id_col || Some(i) == type_col {
            Value::String((*cell).to_string())
        } else {
            match declared.and_then(|d| d.get(header)) {
                None => Value::String((*cell).to_string()),
                Some(column) => typed(cell, *column, options.list_separator).map_err(|what| {
                    RecordError::new(K::Csv, format!("`{header}` is declared {what}, found `{cell}`"), cell_at(i))
                        .with_id(cells[id_col])
                        .with_help(format!(
                            "write {what} here, or leave the cell empty; `entity {record_type}` declares `{header}`"
                        ))
                })?,
            }
        };
        fields.insert(header.clone(), value);
    }
    if type_col.is_none() {
        fields.insert("type".to_string(), Value::String(record_type));
    }
    Ok((fields, row_at))
}

/// A cell as its declared type; `Err` names the type expected.
fn typed(cell: &str, column: Column, separator: char) -> Result<Value, &'static str> {
    if column.list {
        let items = cell.split(separator).map(str::trim).filter(|s| !s.is_empty());
        let values = items.map(|s| scalar(s, column.scalar)).collect::<Result<Vec<_>, _>>();
        return values.map(Value::Array).map_err(|what| match what {
            "a number" => "a list of numbers",
            "`true` or `false`" => "a list of bools",
            _ => "a list of dates",
        });
    }
    scalar(cell, column.scalar)
}

fn scalar(s: &str, kind: Scalar) -> Result<Value, &'static str> {
    match kind {
        Scalar::Str => Ok(Value::String(s.to_string())),
        Scalar::Num => s
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .and_then(|n| {
                // Whole numbers stay integers, as they would in JSON.
                s.parse::<i64>().map(Value::from).ok().or_else(|| serde_json::Number::from_f64(n).map(Value::Number))
            })
            .ok_or("a number"),
        Scalar::Bool => match s {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("`true` or `false`"),
        },
        Scalar::Date => {
            Period::parse_lenient(s).map(|_| Value::String(s.to_string())).ok_or("a date (YYYY-MM-DD, YYYY-MM or YYYY)")
        }
    }
}

/// The 1-based column where each cell of the row starting at `offset` begins.
fn cell_columns(bytes: &[u8], offset: usize) -> Vec<usize> {
    let mut columns = vec![1];
    let mut quoted = false;
    let mut i = offset;
    let line_start = offset;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => columns.push(i - line_start + 2),
            b'\n' if !quoted => break,
            _ => {}
        }
        i += 1;
    }
    columns
}

fn csv_error(name: &str, e: &csv::Error) -> RecordError {
    let line = e.position().map_or(1, |p| p.line() as usize);
    RecordError::new(K::Csv, format!("unreadable CSV: {e}"), position(name, line, 1))
        .with_help("a CSV file has a header row, then one record per row, with `,` between cells")
}

// ---------------------------------------------------------------- YAML

fn yaml(input: &Input) -> Vec<Row> {
    use serde::Deserialize;
    let name = input.name.as_str();
    let text = String::from_utf8_lossy(&input.bytes);
    let starts = yaml_starts(&text);
    let mut values = Vec::new();
    for document in serde_yaml_ng::Deserializer::from_str(&text) {
        match Value::deserialize(document) {
            Ok(v) => values.push(Ok(v)),
            Err(e) => {
                let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                values.push(Err(RecordError::new(
                    K::Yaml,
                    format!("unreadable YAML: {msg}"),
                    position(name, line, column),
                )
                .with_help("records are a YAML list of mappings, or one mapping per document (`---`)")));
                break;
            }
        }
    }
    let documents = values.iter().filter(|v| v.as_ref().is_ok_and(|v| !v.is_null())).count();
    let single_list = documents == 1 && values.iter().any(|v| matches!(v, Ok(Value::Array(_))));
    // Where each record starts: the top-level `- ` items of a single list, or
    // the documents; when the text does not show them plainly, line 1.
    let places = if single_list { &starts.items } else { &starts.documents };
    let mut next = 0usize;
    let mut place = || {
        let at = places.get(next).copied().unwrap_or((1, 1));
        next += 1;
        position(name, at.0, at.1)
    };
    let mut rows = Vec::new();
    for value in values {
        match value {
            Err(e) => rows.push(Err(e)),
            Ok(Value::Null) => {}
            Ok(Value::Array(items)) if single_list => {
                for item in items {
                    rows.push(yaml_record(item, place()));
                }
            }
            Ok(other) => rows.push(yaml_record(other, place())),
        }
    }
    rows
}

fn yaml_record(value: Value, at: Position) -> Row {
    match value {
        Value::Object(fields) => Ok((fields, at)),
        other => Err(RecordError::new(
            K::Yaml,
            format!("expected a record (a mapping), found {}", super::load::kind_of(&other)),
            at,
        )
        .with_help("each record is a mapping with an `id` and a `type`")),
    }
}

struct YamlStarts {
    /// `- ` at the start of a line, outside block scalars only roughly.
    items: Vec<(usize, usize)>,
    /// The first content line of each document.
    documents: Vec<(usize, usize)>,
}

fn yaml_starts(text: &str) -> YamlStarts {
    let mut items = Vec::new();
    let mut documents = Vec::new();
    let mut in_document = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed.starts_with("--- ") {
            in_document = false;
            let rest = trimmed.trim_start_matches('-').trim();
            if !rest.is_empty() && !rest.starts_with('#') {
                documents.push((i + 1, 5));
                in_document = true;
            }
            continue;
        }
        if trimmed == "..." {
            in_document = false;
            continue;
        }
        let content = !trimmed.trim().is_empty() && !trimmed.trim_start().starts_with('#');
        if content && !in_document {
            let column = line.len() - line.trim_start().len() + 1;
            documents.push((i + 1, column));
            in_document = true;
        }
        if trimmed == "-" || trimmed.starts_with("- ") {
            items.push((i + 1, 1));
        }
    }
    YamlStarts { items, documents }
}

// ---------------------------------------------------------------- FtM

/// FtM schema names → record types: `LegalEntity` → `legal_entity`.
pub fn ftm_type(schema: &str) -> String {
    let mut out = String::with_capacity(schema.len() + 4);
    for (i, c) in schema.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The top-level keys of an FtM entity kept beside its properties.
const FTM_KEPT: [&str; 6] = ["caption", "datasets", "target", "first_seen", "last_seen", "last_change"];

fn ftm(input: &Input) -> Vec<Row> {
    let name = input.name.as_str();
    let bytes = input.bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&input.bytes);
    let mut rows = Vec::new();
    for (i, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let Some(lead) = line.iter().position(|b| !b.is_ascii_whitespace()) else { continue };
        let at = position(name, i + 1, lead + 1);
        let entity: Map<String, Value> = match serde_json::from_slice(line) {
            Ok(Value::Object(o)) => o,
            Ok(other) => {
                rows.push(Err(RecordError::new(
                    K::NotAnObject,
                    format!("expected an FtM entity (a JSON object), found {}", super::load::kind_of(&other)),
                    at,
                )
                .with_help("each line is one entity: {\"id\": …, \"schema\": …, \"properties\": {…}}")));
                continue;
            }
            Err(e) => {
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                rows.push(Err(RecordError::new(
                    K::Json,
                    format!("malformed JSON: {msg}"),
                    position(name, i + 1, e.column()),
                )
                .with_help("FtM exports hold one entity per line")));
                continue;
            }
        };
        rows.push(ftm_entity(entity, at));
    }
    rows
}

fn ftm_entity(mut entity: Map<String, Value>, at: Position) -> Row {
    let schema = match entity.get("schema") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => {
            return Err(RecordError::new(K::BadType, "FtM entity without a string `schema`", at)
                .with_help("each entity names its schema, e.g. \"schema\": \"Person\""));
        }
    };
    let mut fields = Map::new();
    if let Some(id) = entity.remove("id") {
        fields.insert("id".to_string(), id);
    }
    fields.insert("type".to_string(), Value::String(ftm_type(&schema)));
    for key in FTM_KEPT {
        if let Some(v) = entity.remove(key) {
            fields.insert(key.to_string(), v);
        }
    }
    let model = super::ftm_model::SCHEMATA
        .binary_search_by(|(name, _, _)| (*name).cmp(schema.as_str()))
        .ok()
        .map(|i| super::ftm_model::SCHEMATA[i]);
    if let Some(Value::Object(properties)) = entity.remove("properties") {
        for (key, value) in properties {
            if key == "id" || key == "type" {
                continue; // never shadows the record's own id and type
            }
            let mut list = match value {
                Value::Array(items) => items,
                Value::Null => continue,
                one => vec![one],
            };
            let is = |names: &[&str]| names.binary_search(&key.as_str()).is_ok();
            if model.is_some_and(|(_, entities, _)| is(entities)) {
                // A nested entity (as in OpenSanctions' nested exports) is
                // linked by its id.
                for v in &mut list {
                    if let Value::Object(o) = v
                        && let Some(id @ Value::String(_)) = o.get("id")
                    {
                        *v = id.clone();
                    }
                }
            } else if key == "percentage" || model.is_some_and(|(_, _, numbers)| is(numbers)) {
                for v in &mut list {
                    if let Some(n) = v.as_str().and_then(ftm_number) {
                        *v = n;
                    }
                }
            }
            fields.insert(key, Value::Array(list));
        }
    }
    Ok((fields, at))
}

/// `"50"`, `"12.5"`, `" 50 %"` → a JSON number; anything else stays text.
fn ftm_number(s: &str) -> Option<Value> {
    let s = s.trim();
    let s = s.strip_suffix('%').unwrap_or(s).trim_end();
    let n: f64 = s.parse().ok().filter(|n: &f64| n.is_finite())?;
    s.parse::<i64>().map(Value::from).ok().or_else(|| serde_json::Number::from_f64(n).map(Value::Number))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{Entry, RecordStore};

    fn lines(text: &str, format: InputFormat, options: &ConvertOptions) -> Vec<String> {
        let input = convert(Input::new("in", text), format, options);
        let store = RecordStore::load([input]);
        store
            .entries()
            .iter()
            .map(|e| match e {
                Entry::Record(r) => {
                    let p = store.position(*r);
                    let rec = store.record(*r);
                    format!("{}:{} {}", p.line, p.column, serde_json::to_string(rec.fields()).unwrap_or_default())
                }
                Entry::Error(e) => {
                    let p = e.position();
                    format!("{}:{} error: {}", p.line, p.column, e.message())
                }
            })
            .collect()
    }

    #[test]
    fn csv_rows_with_declared_types() {
        let mut options = ConvertOptions::default();
        let person = HashMap::from([
            ("age".to_string(), Column { scalar: Scalar::Num, list: false }),
            ("contacts".to_string(), Column { scalar: Scalar::Str, list: true }),
        ]);
        options.columns.insert("person".to_string(), person);
        let text =
            "id,type,age,contacts,note\np-1,person,42,p-2; p-3,\"a, b\"\np-2,person,,,\np-3,person,old,,\np-4,person\n";
        let got = lines(text, InputFormat::Csv, &options);
        assert_eq!(
            got,
            [
                r#"2:1 {"age":42,"contacts":["p-2","p-3"],"id":"p-1","note":"a, b","type":"person"}"#,
                // An empty cell is absent, but in a list column the empty list.
                r#"3:1 {"contacts":[],"id":"p-2","type":"person"}"#,
                "4:12 error: `age` is declared a number, found `old`",
                "5:1 error: this row has 2 cells but the header row has 5",
            ]
        );
    }

    #[test]
    fn csv_type_from_options() {
        let options = ConvertOptions { record_type: Some("good".into()), ..ConvertOptions::default() };
        assert_eq!(
            lines("id,name\ng-1,rice\n", InputFormat::Csv, &options),
            [r#"2:1 {"id":"g-1","name":"rice","type":"good"}"#]
        );
        let got = lines("id,name\ng-1,rice\n", InputFormat::Csv, &ConvertOptions::default());
        assert_eq!(got, ["1:1 error: the header row has no `type` column"]);
    }

    #[test]
    fn yaml_list_and_documents() {
        let options = ConvertOptions::default();
        let list = "# people\n- id: p-1\n  type: person\n- {id: p-2, type: person}\n- 3\n";
        assert_eq!(
            lines(list, InputFormat::Yaml, &options),
            [
                r#"2:1 {"id":"p-1","type":"person"}"#,
                r#"4:1 {"id":"p-2","type":"person"}"#,
                "5:1 error: expected a record (a mapping), found the number `3`"
            ]
        );
        let docs = "id: p-1\ntype: person\n---\nid: p-2\ntype: person\n";
        assert_eq!(
            lines(docs, InputFormat::Yaml, &options),
            [r#"1:1 {"id":"p-1","type":"person"}"#, r#"4:1 {"id":"p-2","type":"person"}"#]
        );
        let bad = "- id: p-1\n  type: [unclosed\n";
        let got = lines(bad, InputFormat::Yaml, &options);
        assert_eq!(got.len(), 1);
        assert!(got[0].contains("error: unreadable YAML"), "{got:?}");
    }

    #[test]
    fn the_ftm_model_table_is_sorted() {
        let t = super::super::ftm_model::SCHEMATA;
        assert!(t.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(t.iter().all(|(_, e, n)| e.is_sorted() && n.is_sorted()));
        assert_eq!(ftm_type("CallForTenders"), "call_for_tenders");
    }

    #[test]
    fn ftm_entities() {
        let text = r#"{"id":"o1","schema":"Ownership","properties":{"owner":[{"id":"p1","schema":"Person"}],"asset":["c1"],"percentage":["60 %", "about half"]},"datasets":["x"]}
{"id":"p1","schema":"LegalEntity","properties":{"name":["A"]}}
{"id":"p2"}
"#;
        assert_eq!(
            lines(text, InputFormat::Ftm, &ConvertOptions::default()),
            [
                r#"1:1 {"asset":["c1"],"datasets":["x"],"id":"o1","owner":["p1"],"percentage":[60,"about half"],"type":"ownership"}"#,
                r#"2:1 {"id":"p1","name":["A"],"type":"legal_entity"}"#,
                "3:1 error: FtM entity without a string `schema`",
            ]
        );
    }
}
