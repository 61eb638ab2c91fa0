//! All records of a run in one store, so that links can be followed.

use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;

use serde_json::{Map, Value};

use super::error::{RecordError, RecordErrorKind};
use super::load::{self, Input, Loaded};
use crate::source::Position;

/// Index of a record in the store (input order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordIdx(pub(crate) u32);

impl RecordIdx {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// One record: its id, type and every field as read (`id` and `type` included).
#[derive(Debug)]
pub struct Record {
    id: String,
    record_type: String,
    fields: Map<String, Value>,
    file: u32,
    line: u32,
    column: u32,
}

impl Record {
    /// The unique id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The record type.
    pub fn record_type(&self) -> &str {
        &self.record_type
    }

    /// A field's value.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields.get(field)
    }

    /// All fields.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// A label for people (see [`super::Records::name`]): `name` if it is a
    /// string, else `caption` if it is one, else the first of a `name` list.
    pub fn name(&self) -> Option<&str> {
        let name = self.fields.get("name");
        name.and_then(Value::as_str)
            .or_else(|| self.fields.get("caption").and_then(Value::as_str))
            .or_else(|| name.and_then(Value::as_array).and_then(|names| names.first()).and_then(Value::as_str))
    }
}

/// One input record in input order: read, or rejected.
#[derive(Debug)]
pub enum Entry {
    /// A record in the store.
    Record(RecordIdx),
    /// An input record that could not be read.
    Error(Box<RecordError>),
}

/// Every record of a run, indexed by id and by type.
#[derive(Debug, Default)]
pub struct RecordStore {
    files: Vec<String>,
    records: Vec<Record>,
    by_id: HashMap<String, RecordIdx>,
    by_type: HashMap<String, Vec<RecordIdx>>,
    entries: Vec<Entry>,
}

impl RecordStore {
    /// Reads all inputs in order. Bad records become error entries in their
    /// place; a later record reusing an id is an error naming both places.
    pub fn load(inputs: impl IntoIterator<Item = Input>) -> RecordStore {
        let mut store = RecordStore::default();
        for input in inputs {
            store.add_input(&input);
        }
        store
    }

    /// Reads one more input after those already loaded.
    pub fn add_input(&mut self, input: &Input) {
        let file = self.files.len() as u32;
        self.files.push(input.name.clone());
        for loaded in load::read(input) {
            match loaded {
                Loaded::Record(raw) => self.add(raw, file),
                Loaded::Error(e) => self.entries.push(Entry::Error(Box::new(e))),
            }
        }
    }

    /// Adds an error entry that concerns a whole input (e.g. unreadable file).
    pub fn push_error(&mut self, error: RecordError) {
        self.entries.push(Entry::Error(Box::new(error)));
    }

    /// An error for an input that could not be read at all.
    pub fn io_error(name: &str, message: &str) -> RecordError {
        RecordError::new(
            RecordErrorKind::Io,
            format!("cannot read `{name}`: {message}"),
            Position { file: name.to_string(), line: 1, column: 1 },
        )
    }

    fn add(&mut self, raw: load::RawRecord, file: u32) {
        let idx = RecordIdx(self.records.len() as u32);
        match self.by_id.entry(raw.id) {
            MapEntry::Occupied(first) => {
                let first_pos = self.records[first.get().index()].position_in(&self.files);
                let id = first.key().clone();
                let pos = Position {
                    file: self.files[file as usize].clone(),
                    line: raw.line as usize,
                    column: raw.column as usize,
                };
                self.entries.push(Entry::Error(Box::new(
                    RecordError::new(RecordErrorKind::DuplicateId, format!("duplicate id `{id}`"), pos)
                        .with_id(id)
                        .with_first(first_pos)
                        .with_help("ids must be unique across all inputs; this record was not evaluated"),
                )));
            }
            MapEntry::Vacant(slot) => {
                let id = slot.key().clone();
                slot.insert(idx);
                self.by_type.entry(raw.record_type.clone()).or_default().push(idx);
                self.records.push(Record {
                    id,
                    record_type: raw.record_type,
                    fields: raw.fields,
                    file,
                    line: raw.line,
                    column: raw.column,
                });
                self.entries.push(Entry::Record(idx));
            }
        }
    }

    /// Input records in input order, as records or errors.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// A record by index.
    pub fn record(&self, idx: RecordIdx) -> &Record {
        &self.records[idx.index()]
    }

    /// A record by id.
    pub fn lookup(&self, id: &str) -> Option<RecordIdx> {
        self.by_id.get(id).copied()
    }

    /// Records of a type, in input order.
    pub fn of_type(&self, record_type: &str) -> &[RecordIdx] {
        self.by_type.get(record_type).map_or(&[], Vec::as_slice)
    }

    /// Number of records (errors excluded).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// No records at all.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Where a record was read.
    pub fn position(&self, idx: RecordIdx) -> Position {
        self.record(idx).position_in(&self.files)
    }

    /// All records with their indexes, in input order.
    pub fn iter(&self) -> impl Iterator<Item = (RecordIdx, &Record)> {
        self.records.iter().enumerate().map(|(i, r)| (RecordIdx(i as u32), r))
    }
}

impl Record {
    fn position_in(&self, files: &[String]) -> Position {
        Position {
            file: files.get(self.file as usize).cloned().unwrap_or_default(),
            line: self.line as usize,
            column: self.column as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, text: &str) -> Input {
        Input::new(name, text.as_bytes().to_vec())
    }

    #[test]
    fn a_record_is_named_by_name_then_caption_then_its_first_name() {
        let store = RecordStore::load([input(
            "a.jsonl",
            concat!(
                "{\"id\":\"a\",\"type\":\"t\",\"name\":\"Ann\",\"caption\":\"A.\"}\n",
                "{\"id\":\"b\",\"type\":\"t\",\"name\":[\"B one\",\"B two\"],\"caption\":\"Bee\"}\n",
                "{\"id\":\"c\",\"type\":\"t\",\"name\":[\"C one\",\"C two\"]}\n",
                "{\"id\":\"d\",\"type\":\"t\",\"name\":[3],\"caption\":[\"D\"]}\n",
            ),
        )]);
        let name = |id: &str| store.lookup(id).and_then(|r| store.record(r).name());
        assert_eq!(name("a"), Some("Ann"));
        assert_eq!(name("b"), Some("Bee"));
        assert_eq!(name("c"), Some("C one"));
        assert_eq!(name("d"), None);
    }

    #[test]
    fn duplicate_ids_across_files_name_both_places() {
        let store = RecordStore::load([
            input("a.jsonl", "{\"id\":\"p-1\",\"type\":\"person\"}\n"),
            input("b.jsonl", "{\"id\":\"p-2\",\"type\":\"person\"}\n{\"id\":\"p-1\",\"type\":\"venue\"}\n"),
        ]);
        assert_eq!(store.len(), 2);
        assert_eq!(store.entries().len(), 3);
        let Entry::Error(e) = &store.entries()[2] else { panic!("expected an error entry") };
        assert_eq!(e.kind(), RecordErrorKind::DuplicateId);
        assert_eq!(e.position().to_string(), "b.jsonl:2:1");
        assert_eq!(e.first().map(ToString::to_string).as_deref(), Some("a.jsonl:1:1"));
        assert_eq!(store.record(store.lookup("p-1").unwrap()).record_type(), "person");
    }

    #[test]
    fn indexes_by_type_in_input_order() {
        let store = RecordStore::load([input(
            "x",
            "{\"id\":\"v1\",\"type\":\"venue\"}\n{\"id\":\"p1\",\"type\":\"person\"}\n{\"id\":\"v2\",\"type\":\"venue\"}\n",
        )]);
        let ids: Vec<&str> = store.of_type("venue").iter().map(|i| store.record(*i).id()).collect();
        assert_eq!(ids, ["v1", "v2"]);
        assert!(store.of_type("product").is_empty());
    }
}
