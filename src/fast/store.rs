//! A compact store for one program: records parsed in parallel straight
//! from the input bytes (no `serde_json::Value` per record), keeping only
//! the fields the program reads, strings borrowed from the input, links
//! resolved to record indexes once.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use smallvec::SmallVec;

use crate::check::{FieldId, Program};
use crate::eval::{Conformance, Declared, JsonView, Kind, LinkWarning};
use crate::records::json::{JsonValue, Skip};
use crate::records::lines::{LineParts, Source};
use crate::records::load::{self, Found, Piece, Reader};
use crate::records::{Input, RecordError, RecordErrorKind, RecordIdx, RecordStore, Records};
use crate::source::Position;

mod entries;
mod ids;
mod names;
mod scan;
mod texts;

use entries::Entries;
pub(crate) use entries::FastEntry;
pub(crate) use ids::{FastMap, Text, TypeId, id_prefix};
use ids::{Filed, IdMap};
use names::NameTable;
pub(crate) use texts::Texts;

/// Records parsed at a time while the part before them is added.
const PARSE_PART: usize = 1 << 16;

/// Runs of JSON Lines parsed at a time while the part before them is
/// added: 4 MB, some 37,000 bench records.
const RUNS_PER_PART: usize = 64;

/// Records of an input read whole (not JSON Lines) parsed, and their texts
/// copied, as one run.
const PIECES_PER_RUN: usize = 512;

/// A field's value.
#[derive(Debug)]
pub(crate) enum FVal<'a> {
    Null,
    Bool(bool),
    /// As written: `3` stays an integer when shown.
    Num(serde_json::Number),
    Str(Text<'a>),
    /// A string in a link field that names a record (of the declared type).
    Link(RecordIdx),
    /// A list of link strings that all name records: compact, for fast walks.
    Links(Box<[RecordIdx]>),
    /// A list of strings in a link field, as read until links are
    /// resolved: the input from the first string's first byte to the last
    /// one's last, the strings parted by `","` (see `joined`). Never seen
    /// once the store is linked.
    Unlinked(&'a str),
    List(Box<[FVal<'a>]>),
    /// A nested object (rare: kept as JSON).
    Json(Box<Value>),
}

#[derive(Debug)]
pub(crate) struct FastRecord<'a> {
    pub(crate) id: Text<'a>,
    pub(crate) ty: TypeId,
    /// In the order written.
    pub(crate) fields: Box<[(FieldId, FVal<'a>)]>,
    file: u32,
    line: u32,
    column: u32,
}

impl<'a> FastRecord<'a> {
    /// A field's value. Records have few fields, in the order written; the
    /// last of a key written twice counts, as in a JSON object read by serde.
    pub(crate) fn get(&self, field: FieldId) -> Option<&FVal<'a>> {
        self.fields.iter().rev().find(|(f, _)| *f == field).map(|(_, v)| v)
    }
}

/// The records of a run, as one program needs them.
#[derive(Debug)]
pub struct FastStore<'a> {
    files: Vec<String>,
    pub(crate) records: Vec<FastRecord<'a>>,
    types: Vec<String>,
    /// Looked up for every record loaded: a fast hash (SipHash was 1.5 %
    /// of a 100k-record run).
    type_ids: FastMap<String, TypeId>,
    pub(crate) by_type: Vec<Vec<RecordIdx>>,
    by_id: IdMap<'a>,
    pub(crate) entries: Entries,
    /// With `entity` declarations: the records that do not fit theirs,
    /// with the warnings that say how (worked out while parsing, when
    /// every key is seen).
    pub(crate) misfits: FastMap<RecordIdx, Box<[LinkWarning]>>,
    /// A bit per record, set when a field the link warnings read holds
    /// something other than resolved links (see `links_resolved`); `None`
    /// when links were not resolved.
    unresolved: Option<Vec<u64>>,
}

/// What parsing a record needs to know: the fields to keep and, with
/// `entity` declarations, what to check them against.
struct Wanted<'p> {
    /// Field name → id: the program's fields, then (with declarations) the
    /// other declared fields, with ids past the program's, read to be
    /// checked and then dropped.
    ids: NameTable<'p, FieldId>,
    fit: Option<Fit<'p>>,
    /// By field id: whether the field is a link field of some type (its
    /// lists of strings are kept as [`FVal::Unlinked`]).
    link_lists: Vec<bool>,
}

struct Fit<'p> {
    conformance: Conformance<'p>,
    /// Field names by id.
    names: Vec<&'p str>,
    /// How many of the ids are the program's.
    program_fields: usize,
    /// Per declared entity: its declaration, and the slot of each field
    /// id in it (one lookup a record finds both).
    entities: NameTable<'p, (Declared<'p>, Vec<Option<u16>>)>,
}

impl<'p> Wanted<'p> {
    fn new(program: &'p Program) -> Wanted<'p> {
        let mut names: Vec<&str> = program.field_names().iter().map(String::as_str).collect();
        let program_fields = names.len();
        let conformance = Conformance::of(program);
        if let Some(c) = &conformance {
            let mut declared: Vec<&str> = c.declared_names().filter(|n| !names.contains(n)).collect();
            declared.sort_unstable();
            declared.dedup();
            names.extend(declared);
        }
        let ids = NameTable::new(names.iter().enumerate().map(|(i, n)| (*n, FieldId(i as u32))));
        let fit = conformance.map(|conformance| {
            let slot = |decl: &Declared<'_>, n: &str| decl.slot(n).and_then(|s| u16::try_from(s).ok());
            let entities = NameTable::new(
                (conformance.entities())
                    .map(|(ty, decl)| (ty, (decl.clone(), names.iter().map(|n| slot(decl, n)).collect()))),
            );
            Fit { conformance, names, program_fields, entities }
        });
        let links = program.link_fields();
        let by_type = links.by_type.values().flat_map(|fields| fields.keys());
        let link_names: std::collections::HashSet<&str> = by_type.chain(&links.any_type).map(String::as_str).collect();
        let link_lists = program.field_names().iter().map(|n| link_names.contains(n.as_str())).collect();
        Wanted { ids, fit, link_lists }
    }
}

impl Fit<'_> {
    /// The warnings of a record of `record_type` that does not fit its
    /// declaration; drops the fields read only to be checked.
    fn check(
        &self,
        record_type: &str,
        fields: &mut Vec<(FieldId, FVal<'_>)>,
        skipped: &mut [Text<'_>],
    ) -> Vec<LinkWarning> {
        let warnings = match self.entities.get(record_type) {
            Some((decl, slots)) => self.misfits(decl, slots, fields, skipped),
            None => Vec::new(),
        };
        if fields.iter().any(|(f, _)| f.0 as usize >= self.program_fields) {
            fields.retain(|(f, _)| (f.0 as usize) < self.program_fields);
        }
        warnings
    }

    fn misfits(
        &self,
        decl: &Declared<'_>,
        slots: &[Option<u16>],
        fields: &[(FieldId, FVal<'_>)],
        skipped: &mut [Text<'_>],
    ) -> Vec<LinkWarning> {
        let slot = |f: FieldId| slots.get(f.0 as usize).copied().flatten().map(usize::from);
        // Most records fit: known without building the list `check` reads.
        if skipped.is_empty() && self.conformance.fits(decl, fields.iter().map(|(f, v)| (slot(*f), v))) {
            return Vec::new();
        }
        // A key written twice counts once, with its last value (as in the reference store).
        let last = |i: usize, f: FieldId| !fields.get(i + 1..).is_some_and(|rest| rest.iter().any(|(g, _)| *g == f));
        // On the stack: this runs for every record.
        let seen: SmallVec<[(&str, Option<usize>, &FVal<'_>); 16]> = (fields.iter().enumerate())
            .filter(|(i, (f, _))| last(*i, *f))
            .map(|(_, (f, v))| (self.names.get(f.0 as usize).copied().unwrap_or(""), slot(*f), v))
            .collect();
        skipped.sort_unstable_by(|a, b| a.as_str().cmp(b.as_str()));
        let mut keys: Vec<&str> = skipped.iter().map(Text::as_str).collect();
        keys.dedup();
        self.conformance.check(decl, &seen, &keys)
    }
}

impl JsonView for FVal<'_> {
    fn kind(&self) -> Kind<'_, Self> {
        match self {
            FVal::Null => Kind::Null,
            FVal::Bool(_) => Kind::Bool,
            FVal::Num(_) => Kind::Num,
            FVal::Str(s) => Kind::Str(s.as_str()),
            FVal::Link(_) => Kind::Id,
            FVal::Links(_) | FVal::Unlinked(_) => Kind::Ids,
            FVal::List(items) => Kind::List(items),
            FVal::Json(_) => Kind::Object,
        }
    }

    /// Records are checked as they are parsed, before links are resolved:
    /// a link shows as `null` here, and is never shown.
    fn to_json(&self) -> Value {
        match self {
            FVal::Null | FVal::Link(_) | FVal::Links(_) | FVal::Unlinked(_) => Value::Null,
            FVal::Bool(b) => Value::Bool(*b),
            FVal::Num(n) => Value::Number(n.clone()),
            FVal::Str(s) => Value::String(s.as_str().to_string()),
            FVal::List(items) => Value::Array(items.iter().map(JsonView::to_json).collect()),
            FVal::Json(v) => (**v).clone(),
        }
    }
}

/// A record as parsed, before ids are checked across inputs.
struct Parsed<'a> {
    id: Text<'a>,
    record_type: Text<'a>,
    /// Boxed on the parsing threads: shrinking the vector is a copy.
    fields: Box<[(FieldId, FVal<'a>)]>,
    line: u32,
    column: u32,
    /// How it does not fit its declaration.
    misfits: Vec<LinkWarning>,
}

impl<'a> FastStore<'a> {
    /// Reads every input (an input that could not be read is an error in
    /// its place), keeping the fields `program` reads. Records are parsed in
    /// parallel; the result (entries, errors, positions) is the same as
    /// [`crate::RecordStore::load`]'s.
    pub fn load(inputs: &'a [Result<Input, RecordError>], program: &Program) -> FastStore<'a> {
        let mut store = FastStore::parse(inputs, program);
        store.link(program);
        store
    }

    /// The first half of [`FastStore::load`]: every record parsed, but not
    /// yet filed by id nor its links resolved ([`FastStore::link`]).
    pub(crate) fn parse(inputs: &'a [Result<Input, RecordError>], program: &Program) -> FastStore<'a> {
        let wanted = Wanted::new(program);
        let mut store = FastStore::empty();
        for input in inputs {
            match input {
                Ok(input) => store.load_input(input, &wanted),
                Err(unreadable) => store.entries.push_error(Box::new(unreadable.clone())),
            }
        }
        store
    }

    /// The records of `sources`, each source read and then dropped in
    /// turn (JSON Lines a part at a time), the texts the store keeps
    /// copied into `texts`; not yet linked ([`FastStore::link`]).
    pub(crate) fn parse_sources(
        sources: Vec<Result<Source, RecordError>>,
        texts: &'a Texts,
        program: &Program,
    ) -> FastStore<'a> {
        let wanted = Wanted::new(program);
        let mut store = FastStore::empty();
        for source in sources {
            match source {
                Ok(Source::Whole(input)) => store.load_copied(&input, texts, &wanted),
                Ok(Source::Lines(parts)) => store.load_parts(parts, texts, &wanted),
                Err(unreadable) => store.entries.push_error(Box::new(unreadable)),
            }
        }
        store
    }

    fn empty() -> FastStore<'a> {
        FastStore {
            files: Vec::new(),
            records: Vec::new(),
            types: Vec::new(),
            type_ids: FastMap::default(),
            by_type: Vec::new(),
            by_id: IdMap::default(),
            entries: Entries::default(),
            misfits: FastMap::default(),
            unresolved: None,
        }
    }

    /// The second half of [`FastStore::load`]: files every record by id and
    /// resolves the links.
    pub(crate) fn link(&mut self, program: &Program) {
        self.file_ids();
        self.resolve_links(program);
    }

    /// Reads one input: its records are parsed a part at a time on all
    /// cores, and each part is added (on one thread; ids are filed later,
    /// by `file_ids`) while the next is parsed on the others. JSON Lines are cut into runs of lines
    /// and each run is read on its own, lines found and all (splitting 1M
    /// bench records first took 65 ms on one core).
    fn load_input(&mut self, input: &'a Input, wanted: &Wanted<'_>) {
        let file = self.new_file(&input.name);
        if let Some((reader, runs, newlines)) = load::line_runs(input) {
            let parts = runs.chunks(RUNS_PER_PART);
            let parse_part = |part: &[load::LineRun]| part.par_iter().map(|r| parse_run(&reader, r, wanted)).collect();
            self.add_in_parts(newlines + 1, file, parts, parse_part);
            return;
        }
        let (reader, pieces) = load::split(input);
        let total = pieces.len();
        let mut pieces = pieces.into_iter();
        let parts = std::iter::from_fn(|| {
            let part: Vec<Piece> = pieces.by_ref().take(PARSE_PART).collect();
            (!part.is_empty()).then_some(part)
        });
        self.add_in_parts(total, file, parts, |part| {
            let parse = |fields: &mut Vec<_>, piece| parse_piece(&reader, piece, wanted, fields);
            vec![part.into_par_iter().with_min_len(256).map_init(Vec::new, parse).collect()]
        });
    }

    /// An input read whole (an array, converted records): parsed as
    /// [`FastStore::load_input`] parses it, each run of records then moved
    /// onto a copy of its texts in `texts`, so the input can go.
    fn load_copied(&mut self, input: &Input, texts: &'a Texts, wanted: &Wanted<'_>) {
        let file = self.new_file(&input.name);
        if let Some((reader, runs, newlines)) = load::line_runs(input) {
            let parse_part = |part: &[load::LineRun]| {
                let rooms = texts.block(part.len());
                part.par_iter().zip(rooms).map(|(run, room)| keep(parse_run(&reader, run, wanted), room)).collect()
            };
            return self.add_in_parts(newlines + 1, file, runs.chunks(RUNS_PER_PART), parse_part);
        }
        let (reader, pieces) = load::split(input);
        let total = pieces.len();
        let mut pieces = pieces.into_iter();
        let parts = std::iter::from_fn(|| {
            let part: Vec<Vec<Piece>> = (0..PARSE_PART / PIECES_PER_RUN)
                .map(|_| pieces.by_ref().take(PIECES_PER_RUN).collect::<Vec<_>>())
                .take_while(|run| !run.is_empty())
                .collect();
            (!part.is_empty()).then_some(part)
        });
        self.add_in_parts(total, file, parts, |part| {
            let rooms = texts.block(part.len());
            let parse = |(run, room): (Vec<Piece>, _)| {
                let mut fields = Vec::new();
                let parsed = run.into_iter().map(|p| parse_piece(&reader, p, wanted, &mut fields)).collect();
                keep(parsed, room)
            };
            part.into_par_iter().zip(rooms).map(parse).collect()
        });
    }

    /// JSON Lines read a part at a time: each part parsed on all cores in
    /// runs of lines, each run moved onto a copy of its texts in `texts`
    /// by the thread that parsed it, and the part dropped (its buffer read
    /// into again) while the next is parsed.
    fn load_parts(&mut self, parts: LineParts, texts: &'a Texts, wanted: &Wanted<'_>) {
        let file = self.new_file(parts.name());
        // Room for twice the lines the first part suggests: a file's first
        // lines need not be like the rest (1M bench records: people first,
        // 703,000 lines estimated), and growing the records past the room
        // copied them to a block twice as large, the old one then kept by
        // the allocator (a peak 40 MB higher). Room never written takes
        // no memory.
        let (name, spare) = (parts.name().to_string(), parts.spare());
        let expected = parts.lines_expected().saturating_mul(2);
        let mut first_line = 0;
        let mut unreadable = None;
        let parse_part = |part: std::io::Result<Vec<u8>>| {
            let bytes = match part {
                Ok(bytes) => bytes,
                Err(e) => {
                    unreadable = Some(RecordStore::io_error(&name, &e.to_string()));
                    return Vec::new();
                }
            };
            let reader = Reader::part(&name, &bytes, first_line);
            let (runs, newlines) = reader.runs();
            first_line += newlines;
            let rooms = texts.block(runs.len());
            let parsed =
                (runs.par_iter().zip(rooms)).map(|(run, room)| keep(parse_run(&reader, run, wanted), room)).collect();
            spare.give(bytes);
            parsed
        };
        self.add_in_parts(expected, file, parts, parse_part);
        if let Some(e) = unreadable {
            self.entries.push_error(Box::new(e));
        }
    }

    /// The number of a new input file named `name`.
    fn new_file(&mut self, name: &str) -> u32 {
        self.files.push(name.to_string());
        self.files.len() as u32 - 1
    }

    /// Parses the parts `parts` gives, each while the one before is added
    /// and the one after is taken (read, for parts read from a file).
    /// `expected`: about how many records there are, to make room.
    fn add_in_parts<P: Send>(
        &mut self,
        expected: usize,
        file: u32,
        parts: impl Iterator<Item = P> + Send,
        mut parse_part: impl FnMut(P) -> Vec<Vec<Result<Parsed<'a>, RecordError>>> + Send,
    ) {
        self.reserve(expected);
        let mut parts = parts.fuse();
        let mut next = parts.next();
        let mut parsed: Vec<Vec<Result<Parsed<'a>, RecordError>>> = Vec::new();
        while next.is_some() || !parsed.is_empty() {
            let done = std::mem::take(&mut parsed);
            let part = next.take();
            let parse = || part.map(&mut parse_part).unwrap_or_default();
            (parsed, next) = rayon::join(parse, || {
                self.add_parsed(done, file);
                parts.next()
            });
        }
    }

    fn add_parsed(&mut self, parsed: Vec<Vec<Result<Parsed<'a>, RecordError>>>, file: u32) {
        for p in parsed.into_iter().flatten() {
            match p {
                Ok(p) => self.add(p, file),
                Err(e) => self.entries.push_error(Box::new(e)),
            }
        }
    }

    fn reserve(&mut self, n: usize) {
        self.records.reserve(n);
    }

    /// Adds a record; ids are checked once all are added (`file_ids`).
    fn add(&mut self, p: Parsed<'a>, file: u32) {
        let idx = RecordIdx(self.records.len() as u32);
        let ty = self.type_of(p.record_type.as_str());
        self.by_type[ty.0 as usize].push(idx);
        self.records.push(FastRecord { id: p.id, ty, fields: p.fields, file, line: p.line, column: p.column });
        if !p.misfits.is_empty() {
            self.misfits.insert(idx, p.misfits.into_boxed_slice());
        }
        self.entries.push_record();
    }

    /// The id of a record type, new if it is.
    fn type_of(&mut self, name: &str) -> TypeId {
        // Records of a type mostly come together: the last one's, unhashed.
        if let Some(last) = self.records.last()
            && self.types.get(last.ty.0 as usize).is_some_and(|t| t == name)
        {
            return last.ty;
        }
        if let Some(t) = self.type_ids.get(name) {
            return *t;
        }
        let t = TypeId(self.types.len() as u32);
        self.types.push(name.to_string());
        self.type_ids.insert(name.to_string(), t);
        self.by_type.push(Vec::new());
        t
    }

    /// Files every record by id, on all cores (see `ids`). A record whose
    /// id an earlier one has becomes a duplicate-id error in its place, and
    /// the records after it move up, as if it had never been added.
    fn file_ids(&mut self) {
        let (by_id, duplicates) = IdMap::build(&self.records, |r| (&r.id, r.ty));
        self.by_id = by_id;
        if !duplicates.is_empty() {
            // Rare: the indexes after a duplicate moved, so file them again.
            self.drop_duplicates(&duplicates);
            self.by_id = IdMap::build(&self.records, |r| (&r.id, r.ty)).0;
        }
    }

    /// Takes out `duplicates` (each with the record that has its id first).
    fn drop_duplicates(&mut self, duplicates: &[(RecordIdx, RecordIdx)]) {
        let mut errors: FastMap<RecordIdx, Box<RecordError>> =
            duplicates.iter().map(|&(d, first)| (d, Box::new(self.duplicate_id(d, first)))).collect();
        // Each record's index with the duplicates out; `None` for those.
        let mut kept = 0;
        let renumbered: Vec<Option<RecordIdx>> = (0..self.records.len() as u32)
            .map(|i| {
                (!errors.contains_key(&RecordIdx(i))).then(|| {
                    kept += 1;
                    RecordIdx(kept - 1)
                })
            })
            .collect();
        // Types are numbered in the order they first appear, in records kept.
        let (records, types) = (std::mem::take(&mut self.records), std::mem::take(&mut self.types));
        self.type_ids.clear();
        self.by_type.clear();
        for (mut r, new) in records.into_iter().zip(&renumbered) {
            if let Some(new) = new {
                r.ty = self.type_of(types.get(r.ty.0 as usize).map_or("", String::as_str));
                self.by_type[r.ty.0 as usize].push(*new);
                self.records.push(r);
            }
        }
        self.entries = std::mem::take(&mut self.entries).with_errors(|r| errors.remove(&r));
        let misfits = std::mem::take(&mut self.misfits).into_iter();
        self.misfits = misfits.filter_map(|(r, w)| Some((renumbered.get(r.index()).copied().flatten()?, w))).collect();
    }

    /// The error of record `r`, whose id record `first` has.
    fn duplicate_id(&self, r: RecordIdx, first: RecordIdx) -> RecordError {
        let id = self.id(r).to_string();
        RecordError::new(RecordErrorKind::DuplicateId, format!("duplicate id `{id}`"), self.position(r))
            .with_id(id)
            .with_first(self.position(first))
            .with_help("ids must be unique across all inputs; this record was not evaluated")
    }

    /// Turns link strings into record indexes: declared link fields (to a
    /// record of the declared type) with entities, else the fields the
    /// rules follow.
    fn resolve_links(&mut self, program: &Program) {
        let field_ids: HashMap<&str, FieldId> =
            program.field_names().iter().enumerate().map(|(i, n)| (n.as_str(), FieldId(i as u32))).collect();
        // (type, field) → required target type (None: any).
        let mut links: FastMap<(TypeId, FieldId), Option<TypeId>> = FastMap::default();
        let link_fields = program.link_fields();
        for (ty_name, ty) in &self.type_ids {
            if program.is_typed() {
                for (field, target) in link_fields.by_type.get(ty_name).into_iter().flatten() {
                    let Some(fid) = field_ids.get(field.as_str()) else { continue };
                    let target = target.as_ref().map(|t| self.type_ids.get(t).copied().unwrap_or(TypeId(u32::MAX)));
                    links.insert((*ty, *fid), target);
                }
            } else {
                for field in &link_fields.any_type {
                    if let Some(fid) = field_ids.get(field.as_str()) {
                        links.insert((*ty, *fid), None);
                    }
                }
            }
        }
        if links.is_empty() {
            self.records.par_iter_mut().for_each(|r| r.fields.iter_mut().for_each(|(_, v)| unjoin(v)));
            return;
        }
        let checked = self.checked_links(program, &field_ids);
        let unresolved: Vec<AtomicU64> = (0..self.records.len().div_ceil(64)).map(|_| AtomicU64::new(0)).collect();
        let (links, unresolved_ref) = (&links, &unresolved);
        self.by_id.find_each(
            &mut self.records,
            |r, visit| {
                for (field, value) in &r.fields {
                    if links.contains_key(&(r.ty, *field)) {
                        link_texts(value, visit);
                    }
                }
            },
            |i, r, next| {
                for (field, value) in r.fields.iter_mut() {
                    match links.get(&(r.ty, *field)) {
                        Some(target) => resolve(value, *target, next),
                        None => unjoin(value),
                    }
                }
                let fields = checked.get(r.ty.0 as usize).map_or(&[][..], Vec::as_slice);
                let resolved =
                    |f: &FieldId| matches!(r.get(*f), None | Some(FVal::Null | FVal::Link(_) | FVal::Links(_)));
                if !fields.iter().all(resolved)
                    && let Some(bits) = unresolved_ref.get(i / 64)
                {
                    bits.fetch_or(1 << (i % 64), Ordering::Relaxed);
                }
            },
        );
        self.unresolved = Some(unresolved.into_iter().map(AtomicU64::into_inner).collect());
    }

    /// Per type: the fields whose values the link warnings read (those of
    /// `Program::checked_links`).
    fn checked_links(&self, program: &Program, field_ids: &HashMap<&str, FieldId>) -> Vec<Vec<FieldId>> {
        (self.types.iter())
            .map(|ty| program.checked_links(ty).iter().filter_map(|(f, _)| field_ids.get(f).copied()).collect())
            .collect()
    }

    /// Whether every field of record `r` that the link warnings read is
    /// absent, `null` or resolved (then it has no link warnings); `false`
    /// when not known.
    pub(crate) fn links_resolved(&self, r: RecordIdx) -> bool {
        let Some(unresolved) = &self.unresolved else { return false };
        unresolved.get(r.index() / 64).is_some_and(|bits| bits & (1 << (r.index() % 64)) == 0)
    }

    /// A record by id.
    pub fn lookup(&self, id: &str) -> Option<RecordIdx> {
        self.by_id.get(id).map(|found| found.idx)
    }

    pub(crate) fn record(&self, r: RecordIdx) -> &FastRecord<'a> {
        &self.records[r.index()]
    }

    pub(crate) fn type_name(&self, t: TypeId) -> &str {
        self.types.get(t.0 as usize).map_or("", String::as_str)
    }

    pub(crate) fn type_id(&self, name: &str) -> Option<TypeId> {
        self.type_ids.get(name).copied()
    }

    /// Number of records (errors excluded).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// No records at all.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

impl Records for FastStore<'_> {
    fn id(&self, r: RecordIdx) -> &str {
        self.record(r).id.as_str()
    }
    fn record_type(&self, r: RecordIdx) -> &str {
        self.type_name(self.record(r).ty)
    }
    fn name(&self, r: RecordIdx) -> Option<&str> {
        // The rule of `Record::name`: `name`, else `caption`, else the first `name`.
        fn text<'v>(v: Option<&'v FVal<'_>>) -> Option<&'v str> {
            if let Some(FVal::Str(s)) = v { Some(s.as_str()) } else { None }
        }
        let (rec, name) = (self.record(r), self.record(r).get(FieldId::NAME));
        text(name).or_else(|| text(rec.get(FieldId::CAPTION))).or_else(|| match name {
            Some(FVal::List(names)) => text(names.first()),
            _ => None,
        })
    }
    fn position(&self, r: RecordIdx) -> Position {
        let rec = self.record(r);
        Position {
            file: self.files.get(rec.file as usize).cloned().unwrap_or_default(),
            line: rec.line as usize,
            column: rec.column as usize,
        }
    }
    fn source(&self, r: RecordIdx) -> (std::borrow::Cow<'_, str>, usize, usize) {
        let rec = self.record(r);
        let file = self.files.get(rec.file as usize).map_or("", String::as_str);
        (std::borrow::Cow::Borrowed(file), rec.line as usize, rec.column as usize)
    }
}

/// The texts of a link field's value that may name records, in order:
/// the value itself if it is a string, or the strings of a list.
fn link_texts<'v>(value: &'v FVal<'_>, visit: &mut dyn FnMut(&'v str)) {
    match value {
        FVal::Str(s) => visit(s.as_str()),
        FVal::Unlinked(texts) => pieces(texts).for_each(visit),
        FVal::List(items) => {
            for item in items {
                if let FVal::Str(s) = item {
                    visit(s.as_str());
                }
            }
        }
        _ => {}
    }
}

/// Turns the texts `link_texts` gave into links where `next` found their
/// record (of the `target` type, if there is one); a list that is all
/// links becomes compact.
fn resolve(value: &mut FVal<'_>, target: Option<TypeId>, next: &mut dyn FnMut() -> Option<Filed>) {
    let mut one = |v: &mut FVal<'_>| {
        if let FVal::Str(_) = v
            && let Some(found) = next()
            && target.is_none_or(|t| found.ty == t)
        {
            let text = std::mem::replace(v, FVal::Link(found.idx));
            // Most are borrowed: nothing to drop (a call to drop it was 10 % of resolving).
            if let FVal::Str(Text::Owned(owned)) = text {
                drop(owned);
            }
        }
    };
    match value {
        FVal::Unlinked(texts) => {
            let texts: &str = texts;
            *value = resolve_texts(texts, target, next);
        }
        FVal::List(items) => {
            items.iter_mut().for_each(&mut one);
            if items.iter().all(|i| matches!(i, FVal::Link(_))) {
                // Allocated once, to fit (collected, it grew as a vector and was shrunk).
                let mut links = Vec::with_capacity(items.len());
                links.extend(items.iter().filter_map(|i| if let FVal::Link(r) = i { Some(*r) } else { None }));
                *value = FVal::Links(links.into_boxed_slice());
            }
        }
        other => one(other),
    }
}

/// The texts of an [`FVal::Unlinked`], in order. Byte by byte: they are
/// short, and `str::split` spent 4 times the instructions.
fn pieces(texts: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(texts);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.bytes().position(|b| b == b'"') {
            Some(at) => {
                rest = text.get(at + SEPARATOR.len()..);
                text.get(..at)
            }
            None => rest.take(),
        }
    })
}

fn piece_count(texts: &str) -> usize {
    texts.bytes().filter(|b| *b == b'"').count() / 2 + 1
}

/// An [`FVal::Unlinked`] in a field that is not a link field of its
/// record's type: the list of strings it is.
fn unjoin(value: &mut FVal<'_>) {
    if let FVal::Unlinked(texts) = value {
        let texts: &str = texts;
        let mut items = Vec::with_capacity(piece_count(texts));
        items.extend(pieces(texts).map(|t| FVal::Str(Text::Borrowed(t))));
        *value = FVal::List(items.into_boxed_slice());
    }
}

/// The links of the texts of an [`FVal::Unlinked`], as `resolve` makes
/// them of a list of strings: compact when every text found its record (of
/// the `target` type), else a list of links and strings. Allocated once,
/// to fit.
fn resolve_texts<'a>(texts: &'a str, target: Option<TypeId>, next: &mut dyn FnMut() -> Option<Filed>) -> FVal<'a> {
    let mut link = || next().filter(|found| target.is_none_or(|t| found.ty == t)).map(|found| found.idx);
    let count = piece_count(texts);
    let mut links = Vec::with_capacity(count);
    let mut texts = pieces(texts);
    while let Some(text) = texts.next() {
        let Some(found) = link() else {
            let mut items = Vec::with_capacity(count);
            items.extend(links.iter().map(|r| FVal::Link(*r)));
            items.push(FVal::Str(Text::Borrowed(text)));
            items.extend(texts.map(|text| link().map_or(FVal::Str(Text::Borrowed(text)), FVal::Link)));
            return FVal::List(items.into_boxed_slice());
        };
        links.push(found);
    }
    FVal::Links(links.into_boxed_slice())
}

/// `items` in a block of their size. `into_boxed_slice` alone is not
/// enough: mimalloc keeps a block where it is when it shrinks to half its
/// size or more, so a record's fields (room for 8) or a list of 5 links
/// (room for 8) kept all their room: 1M bench records held 30 MB more
/// than they used, until the lists became links.
fn exact<T>(mut items: Vec<T>) -> Box<[T]> {
    if items.capacity() == items.len() {
        return items.into_boxed_slice();
    }
    let mut exact = Vec::with_capacity(items.len());
    exact.append(&mut items);
    exact.into_boxed_slice()
}

/// Parses the records of one run of lines.
fn parse_run<'i>(
    reader: &Reader<'i>,
    run: &load::LineRun,
    wanted: &Wanted<'_>,
) -> Vec<Result<Parsed<'i>, RecordError>> {
    let (mut parsed, mut fields) = (Vec::with_capacity(run.lines()), Vec::new());
    reader.run_pieces(run, |piece| parsed.push(parse_piece(reader, piece, wanted, &mut fields)));
    parsed
}

/// Parses one piece of an input. `fields`: room for a record's fields,
/// handed from record to record (a record's fields were a vector grown
/// and then shrunk to fit, two allocations a record).
fn parse_piece<'a>(
    reader: &Reader<'a>,
    piece: Piece,
    wanted: &Wanted<'_>,
    fields: &mut Vec<(FieldId, FVal<'a>)>,
) -> Result<Parsed<'a>, RecordError> {
    match piece {
        Piece::Value { start, end, line_mode, at } => parse(reader, (start, end), line_mode, at, wanted, fields),
        Piece::Error(e) => Err(e),
    }
}

/// Parses one record's text, as the reference loader would judge it.
fn parse<'a>(
    reader: &Reader<'a>,
    (start, end): (usize, usize),
    line_mode: bool,
    at: Option<(u32, u32)>,
    wanted: &Wanted<'_>,
    room: &mut Vec<(FieldId, FVal<'a>)>,
) -> Result<Parsed<'a>, RecordError> {
    let text: &'a [u8] = &reader.bytes[start..end];
    let typed = wanted.fit.is_some();
    let parsed = match scanned(text, &wanted.ids, typed, std::mem::take(room)) {
        Some(head) => Ok(Shape::Object(head)),
        None => {
            let mut de = serde_json::Deserializer::from_slice(text);
            RecordSeed { wanted: &wanted.ids, typed }.deserialize(&mut de).and_then(|p| de.end().map(|()| p))
        }
    };
    let mut head = match parsed {
        Ok(Shape::Object(head)) => head,
        Ok(Shape::Other(kind)) => return Err(reader.not_an_object(&kind, start)),
        // The same error as the reference loader's, at the same place: the
        // fields skipped are parsed as it parses them (see `records::json`).
        Err(e) => return Err(reader.json_error(&e, text, start, line_mode)),
    };
    let (id, record_type) = match (head.id, head.record_type) {
        (Head::Str(id), Head::Str(ty)) if !id.as_str().is_empty() && !ty.as_str().is_empty() => (id, ty),
        (id, ty) => {
            // Let the reference loader phrase the error.
            return match reader.head(start, id.found(), ty.found()) {
                Err(e) => Err(e),
                Ok(_) => Err(reader.not_an_object("an object", start)),
            };
        }
    };
    let (line, column) = at.unwrap_or_else(|| {
        let (line, column) = reader.line_col(start);
        (u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(column).unwrap_or(u32::MAX))
    });
    let misfits = match &wanted.fit {
        Some(fit) => fit.check(record_type.as_str(), &mut head.fields, &mut head.skipped),
        None => Vec::new(),
    };
    for (f, v) in head.fields.iter_mut() {
        if wanted.link_lists.get(f.0 as usize).copied().unwrap_or(false)
            && let Some(texts) = joined(text, head.text, v)
        {
            *v = FVal::Unlinked(texts);
        }
    }
    // Allocated once, to fit (moved in one copy); the room goes back for the next record.
    let mut fields = Vec::with_capacity(head.fields.len());
    fields.append(&mut head.fields);
    *room = head.fields;
    Ok(Parsed { id, record_type, fields: fields.into_boxed_slice(), line, column, misfits })
}

/// Between the strings of a list written with no blanks.
const SEPARATOR: &[u8] = b"\",\"";

/// A list of strings as the part of `text` it is written in, from the
/// first string's first byte to the last one's last, when it is written
/// with no blanks and no escapes: a list of links kept so takes no
/// allocation until the links are resolved (its items' room, freed then
/// amid records kept, was not used again: 48 MB at 1M bench records).
/// `checked`: `text` as a `str`, if known.
fn joined<'a>(text: &'a [u8], checked: Option<&'a str>, value: &FVal<'a>) -> Option<&'a str> {
    let FVal::List(items) = value else { return None };
    let FVal::Str(Text::Borrowed(first)) = items.first()? else { return None };
    let base = text.as_ptr() as usize;
    let start = (first.as_ptr() as usize).checked_sub(base)?;
    let mut at = start;
    for (i, item) in items.iter().enumerate() {
        let FVal::Str(Text::Borrowed(s)) = item else { return None };
        if i > 0 {
            (text.get(at..at + SEPARATOR.len())? == SEPARATOR).then_some(())?;
            at += SEPARATOR.len();
        }
        (s.as_ptr() as usize == base + at).then_some(())?;
        at += s.len();
    }
    match checked {
        Some(checked) => checked.get(start..at),
        None => std::str::from_utf8(text.get(start..at)?).ok(),
    }
}

/// A record read by the fast path ([`scan`]), as the serde seeds file it;
/// its fields in `room` (emptied first).
fn scanned<'a>(
    text: &'a [u8],
    wanted: &NameTable<'_, FieldId>,
    typed: bool,
    room: Vec<(FieldId, FVal<'a>)>,
) -> Option<ObjectHead<'a>> {
    let head = scan::record::<FVal<'a>>(text, |k| wanted.get(k).copied(), typed, room)?;
    let text = |t: Option<&'a str>| t.map_or(Head::Missing, |t| Head::Str(Text::Borrowed(t)));
    Some(ObjectHead {
        id: text(head.id),
        record_type: text(head.record_type),
        fields: head.fields,
        skipped: head.skipped.into_iter().map(Text::Borrowed).collect(),
        text: Some(head.text),
    })
}

impl<'a> scan::Build<'a> for FVal<'a> {
    fn str(s: &'a str) -> Self {
        FVal::Str(Text::Borrowed(s))
    }
    fn bool(b: bool) -> Self {
        FVal::Bool(b)
    }
    fn null() -> Self {
        FVal::Null
    }
    fn list(items: Vec<Self>) -> Self {
        FVal::List(exact(items))
    }
}

enum Head<'a> {
    Missing,
    Str(Text<'a>),
    Other(String),
}

impl Head<'_> {
    fn found(&self) -> Found<'_> {
        match self {
            Head::Missing => Found::Missing,
            Head::Str(t) => Found::Str(t.as_str()),
            Head::Other(kind) => Found::Other(kind.clone()),
        }
    }
}

struct ObjectHead<'a> {
    id: Head<'a>,
    record_type: Head<'a>,
    fields: Vec<(FieldId, FVal<'a>)>,
    /// With `entity` declarations: the keys not read, which no entity declares.
    skipped: Vec<Text<'a>>,
    /// The record's text, when the fast path read it (checked to be UTF-8).
    text: Option<&'a str>,
}

enum Shape<'a> {
    Object(ObjectHead<'a>),
    /// Not an object: what it is, as the reference loader says it.
    Other(String),
}

struct RecordSeed<'w> {
    wanted: &'w NameTable<'w, FieldId>,
    /// Whether keys not read are kept, to be warned about.
    typed: bool,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Shape<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Shape<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

/// Describes a non-object the way `records::load::kind_of` does.
macro_rules! other_kinds {
    ($out:ident, $make:expr) => {
        fn visit_bool<E: de::Error>(self, b: bool) -> Result<$out<'de>, E> {
            Ok($make(format!("`{b}`")))
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<$out<'de>, E> {
            Ok($make(format!("the number `{}`", serde_json::Number::from(n))))
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<$out<'de>, E> {
            Ok($make(format!("the number `{}`", serde_json::Number::from(n))))
        }
        fn visit_f64<E: de::Error>(self, n: f64) -> Result<$out<'de>, E> {
            let shown = serde_json::Number::from_f64(n).map_or_else(|| n.to_string(), |n| n.to_string());
            Ok($make(format!("the number `{shown}`")))
        }
        fn visit_unit<E: de::Error>(self) -> Result<$out<'de>, E> {
            Ok($make("`null`".to_string()))
        }
        fn visit_none<E: de::Error>(self) -> Result<$out<'de>, E> {
            Ok($make("`null`".to_string()))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<$out<'de>, A::Error> {
            while seq.next_element_seed(Skip)?.is_some() {}
            Ok($make("an array".to_string()))
        }
    };
}

fn shape_other<'a>(kind: String) -> Shape<'a> {
    Shape::Other(kind)
}

fn head_other<'a>(kind: String) -> Head<'a> {
    Head::Other(kind)
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = Shape<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record")
    }

    other_kinds!(Shape, shape_other);

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Shape<'de>, E> {
        Ok(Shape::Other(if s.is_empty() { "an empty string" } else { "a string" }.to_string()))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Shape<'de>, E> {
        Ok(Shape::Other(if s.is_empty() { "an empty string" } else { "a string" }.to_string()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape<'de>, A::Error> {
        // Checked records keep their declared fields until checked: room for them.
        let fields = if self.typed { Vec::with_capacity(8) } else { Vec::new() };
        let mut head =
            ObjectHead { id: Head::Missing, record_type: Head::Missing, fields, skipped: Vec::new(), text: None };
        while let Some(key) = map.next_key_seed(KeySeed)? {
            match key.as_str() {
                "id" => head.id = map.next_value_seed(HeadSeed)?,
                "type" => head.record_type = map.next_value_seed(HeadSeed)?,
                k => match self.wanted.get(k) {
                    Some(fid) => head.fields.push((*fid, map.next_value_seed(ValSeed)?)),
                    None => {
                        map.next_value_seed(Skip)?;
                        if self.typed {
                            head.skipped.push(key);
                        }
                    }
                },
            }
        }
        Ok(Shape::Object(head))
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Text<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Text<'de>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Text<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Text<'de>, E> {
        Ok(Text::Borrowed(s))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Text<'de>, E> {
        Ok(Text::Owned(s.into()))
    }
}

/// `id` and `type`: a string, or what else was there.
struct HeadSeed;

impl<'de> DeserializeSeed<'de> for HeadSeed {
    type Value = Head<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Head<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for HeadSeed {
    type Value = Head<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    other_kinds!(Head, head_other);
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Head<'de>, E> {
        Ok(Head::Str(Text::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Head<'de>, E> {
        Ok(Head::Str(Text::Owned(s.into())))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Head<'de>, A::Error> {
        Skip.visit_map(map)?;
        Ok(Head::Other("an object".to_string()))
    }
}

/// Any other field's value.
struct ValSeed;

impl<'de> DeserializeSeed<'de> for ValSeed {
    type Value = FVal<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<FVal<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValSeed {
    type Value = FVal<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<FVal<'de>, E> {
        Ok(FVal::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<FVal<'de>, E> {
        Ok(FVal::Num(n.into()))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<FVal<'de>, E> {
        Ok(FVal::Num(n.into()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<FVal<'de>, E> {
        Ok(serde_json::Number::from_f64(n).map_or(FVal::Null, FVal::Num))
    }
    fn visit_unit<E: de::Error>(self) -> Result<FVal<'de>, E> {
        Ok(FVal::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<FVal<'de>, E> {
        Ok(FVal::Null)
    }
    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<FVal<'de>, E> {
        Ok(FVal::Str(Text::Borrowed(s)))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<FVal<'de>, E> {
        Ok(FVal::Str(Text::Owned(s.into())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FVal<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(4));
        while let Some(v) = seq.next_element_seed(ValSeed)? {
            items.push(v);
        }
        Ok(FVal::List(exact(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FVal<'de>, A::Error> {
        Ok(FVal::Json(Box::new(JsonValue.visit_map(map)?)))
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    /// Hop walks are bound by memory latency: a record must stay within
    /// one cache line and a field value within three words.
    #[test]
    fn records_and_values_stay_small() {
        assert!(std::mem::size_of::<FastRecord<'_>>() <= 64);
        assert!(std::mem::size_of::<FVal<'_>>() <= 24);
        assert!(std::mem::size_of::<(FieldId, FVal<'_>)>() <= 32);
    }
}

#[cfg(test)]
mod load_tests {
    use super::*;
    use crate::records::Entry;
    use crate::records::Input;
    use crate::{RecordStore, RuleSet, SourceFile};

    /// Records are parsed a part at a time while the part before is added:
    /// entries stay in input order, and an id first seen parts earlier
    /// still makes a duplicate, as in the reference loader.
    #[test]
    fn records_added_part_by_part_are_the_reference_loaders() {
        let n = PARSE_PART * 2 + 100;
        let mut text = String::new();
        for i in 0..n {
            match i {
                _ if i == PARSE_PART + 5 => text.push_str("{\"id\":\n"),
                _ if i == n - 1 => text.push_str("{\"id\":\"r7\",\"type\":\"t\"}\n"),
                _ if i == PARSE_PART => text.push_str("{\"id\":\"r1\",\"type\":\"t\"}\n"),
                _ => text.push_str(&format!("{{\"id\":\"r{i}\",\"type\":\"t\",\"next\":\"r{}\"}}\n", (i + 1) % n)),
            }
        }
        let rules =
            RuleSet::from_sources(vec![SourceFile::new("t.rules", "rule r { flag t x when x.next.next == x }")])
                .unwrap_or_else(|e| panic!("{e:?}"));
        let input = Input::new("t.jsonl", text.into_bytes());
        let reference = RecordStore::load([input.clone()]);
        let inputs = vec![Ok(input)];
        let store = FastStore::load(&inputs, rules.program());
        let outcome = |e: FastEntry<'_>| match e {
            FastEntry::Record(r) => format!("{} at {}", store.id(r), store.position(r)),
            FastEntry::Error(e) => format!("error at {}: {}", e.position(), e.message()),
        };
        let fast: Vec<String> = store.entries.iter().map(outcome).collect();
        let expected: Vec<String> = reference
            .entries()
            .iter()
            .map(|e| match e {
                Entry::Record(r) => format!("{} at {}", reference.record(*r).id(), reference.position(*r)),
                Entry::Error(e) => format!("error at {}: {}", e.position(), e.message()),
            })
            .collect();
        assert_eq!(fast.len(), n);
        assert_eq!(fast, expected);
        assert_eq!(fast.iter().filter(|e| e.starts_with("error")).count(), 3);
        assert_eq!(store.lookup("r7").map(|r| store.position(r).line), Some(8));
    }
}

#[cfg(test)]
mod duplicate_tests {
    use super::*;
    use crate::{RuleSet, SourceFile};

    /// Duplicates are found once every record is added: each becomes an
    /// error in its place, and the store is as if it had never been added —
    /// indexes, types (numbered as they first appear in the records kept),
    /// misfits, links.
    #[test]
    fn a_duplicate_leaves_no_trace_but_its_error() {
        let rules = "entity t1 { n: string? }\nentity t3 { n: string? }\nentity t2 { to: t1? }\n\
                     rule r { flag t2 x when x.to.n == \"A\" }";
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap_or_else(|e| panic!("{e:?}"));
        let text = concat!(
            "{\"id\":\"a\",\"type\":\"t1\",\"n\":\"A\"}\n",
            "{\"id\":\"a\",\"type\":\"t2\",\"extra\":1}\n",
            "{\"id\":\"b\",\"type\":\"t3\"}\n",
            "{\"id\":\"c\",\"type\":\"t2\",\"to\":\"a\"}\n",
            "{\"id\":\"b\",\"type\":\"t1\",\"extra\":2}\n",
            "{\"id\":\"d\",\"type\":\"t1\",\"extra\":3}\n",
        );
        let inputs = vec![Ok(Input::new("t.jsonl", text.as_bytes().to_vec()))];
        let store = FastStore::load(&inputs, rules.program());
        let entries: Vec<String> = (store.entries.iter())
            .map(|e| match e {
                FastEntry::Record(r) => format!("{} {} {}", r.0, store.id(r), store.record_type(r)),
                FastEntry::Error(e) => format!("{} at {}", e.message(), e.position()),
            })
            .collect();
        assert_eq!(
            entries,
            [
                "0 a t1",
                "duplicate id `a` at t.jsonl:2:1",
                "1 b t3",
                "2 c t2",
                "duplicate id `b` at t.jsonl:5:1",
                "3 d t1"
            ]
        );
        assert_eq!(store.types, ["t1", "t3", "t2"]);
        let by_type: Vec<Vec<u32>> = store.by_type.iter().map(|rs| rs.iter().map(|r| r.0).collect()).collect();
        assert_eq!(by_type, [vec![0, 3], vec![1], vec![2]]);
        let found = |id: &str| store.lookup(id).map(|r| r.0);
        assert_eq!([found("a"), found("b"), found("c"), found("d")], [Some(0), Some(1), Some(2), Some(3)]);
        let misfits: Vec<u32> = store.misfits.keys().map(|r| r.0).collect();
        assert_eq!(misfits, [3], "the misfits of the duplicates are gone");
        let to = store.type_id("t2").and_then(|_| store.record(RecordIdx(2)).fields.first());
        assert!(matches!(to, Some((_, FVal::Link(RecordIdx(0))))), "{to:?}");
    }
}

#[cfg(test)]
mod link_tests {
    use super::*;
    use crate::{RuleSet, SourceFile};

    /// Loading knows which records' link fields all resolved: the link
    /// warnings skip those, and only those.
    #[test]
    fn records_whose_links_all_resolved_are_known() {
        let rules = "entity p { knows: [p]?, boss: p? }\nentity q { n: string? }\n\
                     rule r { flag p x when x.boss.boss == x }";
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap_or_else(|e| panic!("{e:?}"));
        let text = concat!(
            "{\"id\":\"a\",\"type\":\"p\",\"knows\":[\"b\"],\"boss\":\"b\"}\n",
            "{\"id\":\"b\",\"type\":\"p\",\"boss\":null}\n",
            "{\"id\":\"c\",\"type\":\"p\",\"knows\":[\"a\",\"nobody\"]}\n",
            "{\"id\":\"d\",\"type\":\"p\",\"boss\":\"e\"}\n",
            "{\"id\":\"e\",\"type\":\"q\"}\n",
            "{\"id\":\"f\",\"type\":\"p\",\"boss\":1}\n",
        );
        let inputs = vec![Ok(Input::new("t.jsonl", text.as_bytes().to_vec()))];
        let store = FastStore::load(&inputs, rules.program());
        let resolved: Vec<&str> = ["a", "b", "c", "d", "e", "f"]
            .into_iter()
            .filter(|id| store.lookup(id).is_some_and(|r| store.links_resolved(r)))
            .collect();
        assert_eq!(resolved, ["a", "b", "e"], "c: no record `nobody`; d: a link to a `q`; f: not an id");
    }
}

#[cfg(test)]
mod fit_tests {
    use super::*;
    use crate::{RuleSet, SourceFile};

    /// Declared fields the rules do not read are read to be checked, then
    /// dropped: the store keeps what the program reads, and the misfits.
    #[test]
    fn declared_fields_are_checked_then_dropped() {
        let rules = "entity t { name: string, seen: date, unread: number, list: [string]? }\n\
                     rule r { flag t x when x.seen > 2020-01-01 }";
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap_or_else(|e| panic!("{e:?}"));
        let text = concat!(
            "{\"unread\":1,\"type\":\"t\",\"id\":\"a\",\"name\":\"A\",\"seen\":\"2021\",\"Extra\":[1]}\n",
            "{\"id\":\"b\",\"type\":\"t\",\"name\":\"B\",\"seen\":\"2021-01-01\",\"unread\":\"x\",\"unread\":2}\n",
        );
        let inputs = vec![Ok(Input::new("t.jsonl", text.as_bytes().to_vec()))];
        let store = FastStore::load(&inputs, rules.program());
        let program_fields = rules.program().field_names().len();
        for r in &store.records {
            assert!(r.fields.iter().all(|(f, _)| (f.0 as usize) < program_fields), "only the program's fields");
        }
        let misfits = |id: &str| -> Vec<String> {
            let r = store.lookup(id).unwrap_or_else(|| panic!("{id}"));
            store.misfits.get(&r).into_iter().flatten().map(|w| w.message(id)).collect()
        };
        assert_eq!(misfits("a"), ["`a` has the key `Extra`, which its entity does not declare"]);
        assert_eq!(misfits("b"), Vec::<String>::new(), "a key written twice counts with its last value");
    }
}

impl FastStore<'_> {
    /// A stored value as the JSON it was read from.
    pub(crate) fn json(&self, v: &FVal<'_>) -> Value {
        match v {
            FVal::Null => Value::Null,
            FVal::Bool(b) => Value::Bool(*b),
            FVal::Num(n) => Value::Number(n.clone()),
            FVal::Str(s) => Value::String(s.as_str().to_string()),
            FVal::Link(r) => Value::String(self.id(*r).to_string()),
            FVal::List(items) => Value::Array(items.iter().map(|i| self.json(i)).collect()),
            FVal::Links(ids) => Value::Array(ids.iter().map(|r| Value::String(self.id(*r).to_string())).collect()),
            FVal::Unlinked(texts) => Value::Array(pieces(texts).map(|t| Value::String(t.to_string())).collect()),
            FVal::Json(v) => (**v).clone(),
        }
    }
}

/// `parsed` moved onto a copy of the texts it borrows, put in `room`:
/// ids, types (a type the record before has is not copied again) and
/// strings, in record order. Texts decoded from escapes stay owned.
fn keep<'p, 'a>(
    parsed: Vec<Result<Parsed<'p>, RecordError>>,
    room: &'a OnceLock<String>,
) -> Vec<Result<Parsed<'a>, RecordError>> {
    let mut len = 0;
    each_text(&parsed, |s| len += s.len());
    let mut copy = String::with_capacity(len);
    each_text(&parsed, |s| copy.push_str(s));
    let mut ours = false;
    let kept = room.get_or_init(|| {
        ours = true;
        copy
    });
    // A room filled before (never, rooms are a run's own): each text a copy of its own.
    let mut rest = Kept { rest: ours.then_some(kept.as_str()) };
    let mut last_type: Option<(&'p str, &'a str)> = None;
    (parsed.into_iter())
        .map(|p| {
            let p = p?;
            let record_type = match (p.record_type, last_type) {
                (Text::Borrowed(ty), Some((was, kept))) if ty == was => Text::Borrowed(kept),
                (Text::Borrowed(ty), _) => {
                    let kept = rest.take(Text::Borrowed(ty));
                    if let Text::Borrowed(kept) = kept {
                        last_type = Some((ty, kept));
                    }
                    kept
                }
                (Text::Owned(owned), _) => Text::Owned(owned),
            };
            let id = rest.take(p.id);
            let fields = p.fields.into_vec().into_iter();
            Ok(Parsed {
                // The type first: the order `each_text` copied them in.
                record_type,
                id,
                fields: fields.map(|(f, v)| (f, rest.value(v))).collect(),
                line: p.line,
                column: p.column,
                misfits: p.misfits,
            })
        })
        .collect()
}

/// What is left of a run's copy of its texts, taken in the order they
/// were copied.
struct Kept<'a> {
    rest: Option<&'a str>,
}

impl<'a> Kept<'a> {
    /// The next `len` bytes of the copy.
    fn span(&mut self, len: usize) -> Option<&'a str> {
        let (here, after) = self.rest?.split_at_checked(len)?;
        self.rest = Some(after);
        Some(here)
    }

    fn take(&mut self, t: Text<'_>) -> Text<'a> {
        match t {
            Text::Owned(s) => Text::Owned(s),
            Text::Borrowed(s) => match self.span(s.len()) {
                Some(here) => {
                    debug_assert_eq!(here, s, "texts taken in the order they were copied");
                    Text::Borrowed(here)
                }
                None => Text::Owned(s.into()),
            },
        }
    }

    /// A value with its texts taken, in the order `each_text` copied them.
    fn value(&mut self, v: FVal<'_>) -> FVal<'a> {
        match v {
            FVal::Null => FVal::Null,
            FVal::Bool(b) => FVal::Bool(b),
            FVal::Num(n) => FVal::Num(n),
            FVal::Str(t) => FVal::Str(self.take(t)),
            FVal::Link(r) => FVal::Link(r),
            FVal::Links(rs) => FVal::Links(rs),
            FVal::Unlinked(texts) => match self.span(texts.len()) {
                Some(here) => FVal::Unlinked(here),
                None => FVal::List(pieces(texts).map(|t| FVal::Str(Text::Owned(t.into()))).collect()),
            },
            FVal::List(items) => FVal::List(items.into_vec().into_iter().map(|i| self.value(i)).collect()),
            FVal::Json(j) => FVal::Json(j),
        }
    }
}

/// Each text the records of `parsed` borrow, in the order `keep` takes
/// them: a record's type (unless the one before has it), its id, its
/// strings.
fn each_text<'p>(parsed: &[Result<Parsed<'p>, RecordError>], mut visit: impl FnMut(&'p str)) {
    fn val<'p>(v: &FVal<'p>, visit: &mut impl FnMut(&'p str)) {
        match v {
            FVal::Str(Text::Borrowed(s)) | FVal::Unlinked(s) => visit(s),
            FVal::List(items) => items.iter().for_each(|i| val(i, visit)),
            _ => {}
        }
    }
    let mut last_type = None;
    for p in parsed.iter().flatten() {
        if let Text::Borrowed(ty) = p.record_type
            && last_type != Some(ty)
        {
            visit(ty);
            last_type = Some(ty);
        }
        if let Text::Borrowed(id) = p.id {
            visit(id);
        }
        p.fields.iter().for_each(|(_, v)| val(v, &mut visit));
    }
}

#[cfg(test)]
mod part_tests {
    use super::*;
    use crate::records::lines::Source;
    use crate::{RuleSet, SourceFile};

    /// Each entry of a store: a record's id, type, position and fields,
    /// or an error's position and message; and how ids are looked up.
    fn described(store: &FastStore<'_>, ids: &[&str]) -> Vec<String> {
        let mut out: Vec<String> = (store.entries.iter())
            .map(|e| match e {
                FastEntry::Record(r) => {
                    let fields: Vec<String> =
                        store.record(r).fields.iter().map(|(f, v)| format!("{}={}", f.0, store.json(v))).collect();
                    format!("{} {} at {}: {}", store.id(r), store.record_type(r), store.position(r), fields.join(" "))
                }
                FastEntry::Error(e) => format!("error at {}: {e:?}", e.position()),
            })
            .collect();
        out.extend(ids.iter().map(|id| format!("{id} -> {:?}", store.lookup(id).map(|r| r.0))));
        out
    }

    /// JSON Lines read a part at a time, parts as small as a byte, load as
    /// the whole input does: every record once, in order, with its
    /// position; errors where they are, line numbers counted across parts;
    /// a byte order mark, blank and CRLF lines, escapes, lists, links, a
    /// duplicate id parts apart, no newline at the end.
    #[test]
    fn parts_of_any_size_load_as_the_whole_input() {
        let rules = "rule r { flag t x when any c in x.knows: c.name == \"B\" and x.tag == \"k\" }";
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap_or_else(|e| panic!("{e:?}"));
        let text = concat!(
            "\u{feff}{\"id\":\"a\",\"type\":\"t\",\"name\":\"A\",\"knows\":[\"b\",\"a-very-long-record-id-indeed\"],\"tag\":\"k\"}\n",
            "\n",
            "  {\"id\":\"a-very-long-record-id-indeed\",\"type\":\"t\",\"name\":\"L\\u00e9\",\"knows\":\"nobody\"}\r\n",
            "{\"id\":\"\\u0062\",\"type\":\"t\",\"name\":\"B\",\"knows\":[\"a\",\"dangling\"],\"tag\":{\"deep\":[1]}}\n",
            "not json\n",
            "{\"id\":\"mid-size-id\",\"type\":\"u\",\"name\":[\"x\",\"y\"],\"tag\":2.5}\n",
            "{\"id\":\n",
            "   [1, 2]\n",
            "{\"id\":\"a\",\"type\":\"u\"}\n",
            "{\"type\":\"u\"}\n",
            "\t{\"id\":\"last\",\"type\":\"t\",\"knows\":[\"mid-size-id\"],\"name\":\"Z\"}",
        );
        let ids = ["a", "b", "a-very-long-record-id-indeed", "mid-size-id", "last", "nobody"];
        let inputs = vec![Ok(Input::new("t.jsonl", text))];
        let expected = described(&FastStore::load(&inputs, rules.program()), &ids);
        assert_eq!(expected.len(), 10 + ids.len());
        assert!(expected.iter().filter(|e| e.starts_with("error")).count() == 5, "{expected:#?}");
        for part_bytes in (1..40).chain([100, 200, text.len()]) {
            let source = Source::json("t.jsonl".into(), Box::new(std::io::Cursor::new(text)), None, part_bytes);
            let texts = Texts::default();
            let sources = vec![source.map_err(|e| RecordStore::io_error("t.jsonl", &e.to_string()))];
            let mut store = FastStore::parse_sources(sources, &texts, rules.program());
            store.link(rules.program());
            assert_eq!(described(&store, &ids), expected, "parts of {part_bytes} bytes");
        }
    }

    /// Lists of strings in link fields are kept joined until links are
    /// resolved: once linked, the store is the one loaded from the input
    /// borrowed, value for value, and knows the same records' links
    /// resolved — lists all of whose strings name a record (of the declared
    /// type), lists with a string that does not, lists with blanks or a
    /// string decoded from an escape, empty strings, and a list in a field
    /// that links only on another type.
    #[test]
    fn link_lists_kept_joined_resolve_as_when_borrowed() {
        let rules = "entity p { knows: [p]?, tags: [string]? }\nentity q { knows: [string]? }\n\
                     rule r { flag p x when any c in x.knows: \"x\" in c.tags }";
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap_or_else(|e| panic!("{e:?}"));
        let text = concat!(
            "{\"id\":\"a\",\"type\":\"p\",\"knows\":[\"b\",\"c\"],\"tags\":[\"x\",\"\"]}\n",
            "{\"id\":\"b\",\"type\":\"p\",\"knows\":[\"a\", \"nobody\",\"c\"]}\n",
            "{\"id\":\"g\",\"type\":\"p\",\"knows\":[\"a\",\"nobody\",\"c\"]}\n",
            "{\"id\":\"c\",\"type\":\"p\",\"knows\":[\"q1\"]}\n",
            "{\"id\":\"d\",\"type\":\"p\",\"knows\":[\"\\u0061\",\"b\"]}\n",
            "{\"id\":\"e\",\"type\":\"p\",\"knows\":[],\"tags\":[\"\"]}\n",
            "{\"id\":\"f\",\"type\":\"p\",\"knows\":[\"\",\"a\"]}\n",
            "{\"id\":\"q1\",\"type\":\"q\",\"knows\":[\"a\",\"b\"]}\n",
        );
        let shapes = |store: &FastStore<'_>| -> Vec<String> {
            let shape = |v: &FVal<'_>| match v {
                FVal::Links(ls) => format!("links {}", ls.len()),
                FVal::List(items) => format!("list {}", items.len()),
                other => format!("{other:?}"),
            };
            (0..store.len() as u32)
                .map(RecordIdx)
                .map(|r| {
                    let fields: Vec<String> = store.record(r).fields.iter().map(|(_, v)| shape(v)).collect();
                    format!("{} {:?} resolved {}", store.id(r), fields, store.links_resolved(r))
                })
                .collect()
        };
        let ids = ["a", "b", "q1"];
        let inputs = vec![Ok(Input::new("t.jsonl", text))];
        let borrowed = FastStore::load(&inputs, rules.program());
        let expected = (described(&borrowed, &ids), shapes(&borrowed));
        assert_eq!(expected.1[0], "a [\"links 2\", \"list 2\"] resolved true");
        assert_eq!(expected.1[1], "b [\"list 3\"] resolved false");
        assert_eq!(expected.1[2], "g [\"list 3\"] resolved false");
        assert_eq!(expected.1[7], "q1 [\"list 2\"] resolved true");
        for part_bytes in [1, 30, 100, text.len()] {
            let source = Source::json("t.jsonl".into(), Box::new(std::io::Cursor::new(text)), None, part_bytes);
            let texts = Texts::default();
            let sources = vec![source.map_err(|e| RecordStore::io_error("t.jsonl", &e.to_string()))];
            let mut store = FastStore::parse_sources(sources, &texts, rules.program());
            store.link(rules.program());
            assert_eq!((described(&store, &ids), shapes(&store)), expected, "parts of {part_bytes} bytes");
        }
    }

    /// An input read whole (a JSON array here) is parsed a run of records
    /// at a time, each run moved onto a copy of its texts: it loads as
    /// the input does when borrowed.
    #[test]
    fn an_input_read_whole_loads_as_when_borrowed() {
        let rules = "rule r { flag t x when any c in x.knows: c.name == \"B\" }";
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap_or_else(|e| panic!("{e:?}"));
        let n = PIECES_PER_RUN * 2 + 7;
        let records: Vec<String> = (0..n)
            .map(|i| match i % 97 {
                5 => "{\"id\": 5}".to_string(),
                6 => "{\"id\":\"r1\",\"type\":\"t\"}".to_string(),
                7 => format!("{{\"id\":\"r\\u0031{i}\",\"type\":\"u\",\"name\":\"\\u0042\"}}"),
                _ => format!("{{\"id\":\"r{i}\",\"type\":\"t\",\"name\":\"N{i}\",\"knows\":[\"r{}\"]}}", (i * 7) % n),
            })
            .collect();
        let text = format!("[\n{}\n]\n", records.join(",\n"));
        let ids: Vec<String> = (0..n).step_by(13).map(|i| format!("r{i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let inputs = vec![Ok(Input::new("t.json", text))];
        let expected = described(&FastStore::load(&inputs, rules.program()), &ids);
        let texts = Texts::default();
        let sources = inputs.into_iter().map(|i| i.map(Source::Whole)).collect();
        let mut store = FastStore::parse_sources(sources, &texts, rules.program());
        store.link(rules.program());
        assert_eq!(described(&store, &ids), expected);
        assert!(expected.iter().filter(|e| e.starts_with("error")).count() >= 10);
    }

    /// A source that fails after `ok` bytes.
    struct Failing {
        bytes: std::io::Cursor<Vec<u8>>,
        ok: u64,
    }

    impl std::io::Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.bytes.position() >= self.ok {
                return Err(std::io::Error::other("the disk is gone"));
            }
            let room = (self.ok - self.bytes.position()).min(buf.len() as u64) as usize;
            self.bytes.read(&mut buf[..room])
        }
    }

    /// An input that cannot be read to its end keeps the records of the
    /// parts read before, then says why it stopped.
    #[test]
    fn a_read_that_fails_midway_is_an_error_after_the_records_read() {
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", "rule r { flag t x when x.n == \"1\" }")])
            .unwrap_or_else(|e| panic!("{e:?}"));
        let text: String = (0..100).map(|i| format!("{{\"id\":\"r{i}\",\"type\":\"t\"}}\n")).collect();
        let failing = Failing { bytes: std::io::Cursor::new(text.into_bytes()), ok: 1000 };
        let source = Source::json("t.jsonl".into(), Box::new(failing), None, 256);
        let texts = Texts::default();
        let sources = vec![source.map_err(|e| RecordStore::io_error("t.jsonl", &e.to_string()))];
        let store = FastStore::parse_sources(sources, &texts, rules.program());
        let entries: Vec<String> = (store.entries.iter())
            .map(|e| match e {
                FastEntry::Record(r) => store.id(r).to_string(),
                FastEntry::Error(e) => e.message().to_string(),
            })
            .collect();
        let last = entries.last().map_or("", String::as_str);
        assert_eq!(last, "cannot read `t.jsonl`: the disk is gone");
        let read: Vec<String> = (0..entries.len() - 1).map(|i| format!("r{i}")).collect();
        assert_eq!(entries[..entries.len() - 1], read[..]);
        assert!(read.len() >= 20 && read.len() < 50, "{}", read.len());
    }
}
