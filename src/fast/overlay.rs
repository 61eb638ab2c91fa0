//! New records judged against a stored graph without loading it again.
//!
//! `check` over the stored records plus a few new ones gives the new ones
//! verdicts that can depend only on what judging them can read: the stored
//! records their rules follow links to (and on, through hop ranges), those
//! whose verdicts they read (`is`, and so on through those records' own
//! rules), and those a quantifier over a type finds (a reverse lookup
//! `where x.f == p` finds the records holding a key). [`Overlay`] keeps the
//! stored graph loaded and, for a request, collects that part of it — a
//! superset worked out from the program alone ([`reads`]) — and hands back
//! it and the new records as inputs to judge: the stored part in input
//! order first, then the request, so every list a quantifier sees, every
//! lookup and every budget spent is what the whole graph would give, and
//! the verdicts are byte for byte those of `check` over all the records.

mod reads;

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use self::reads::{Reads, Scan};
use super::store::{FVal, FastEntry, FastStore};
use crate::check::{FieldId, Program};
use crate::records::load::{Piece, split};
use crate::records::{Input, RecordError, RecordIdx, Records};

/// The stored graph, loaded once, and what a program reads of it.
pub struct Overlay<'a> {
    store: FastStore<'a>,
    /// Each stored record's text, by record index.
    texts: Vec<&'a [u8]>,
    /// Per record type with rules: what judging one of its records reads.
    reads: Vec<Reads>,
    /// Record type → its entry in `reads`.
    contexts: HashMap<String, u16>,
    /// Per reverse lookup the program makes (type, field): key → holders.
    reverse: HashMap<(String, FieldId), HashMap<String, Vec<RecordIdx>>>,
    /// The program's string constants.
    constants: HashSet<String>,
}

/// A record reached: stored, or one of the request's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Node {
    Stored(RecordIdx),
    New(RecordIdx),
}

impl<'a> Overlay<'a> {
    /// Loads the stored records for `program`.
    pub fn new(inputs: &'a [Result<Input, RecordError>], program: &Program) -> Overlay<'a> {
        let store = FastStore::load(inputs, program);
        let texts = record_texts(inputs, &store);
        let (by_type, constants) = reads::of_program(program);
        let mut contexts = HashMap::new();
        let mut reads = Vec::new();
        for (ty, r) in by_type {
            contexts.insert(ty, u16::try_from(reads.len()).unwrap_or(u16::MAX));
            reads.push(r);
        }
        let mut overlay = Overlay { store, texts, reads, contexts, reverse: HashMap::new(), constants };
        overlay.index_reverse_lookups();
        overlay
    }

    /// The stored records as loaded.
    pub fn store(&self) -> &FastStore<'a> {
        &self.store
    }

    /// The inputs that judge the records of `request` as `check` would over
    /// the stored records and them: the stored records judging them can
    /// read (one JSON Lines input), then `request`; and how many entries
    /// the first gives (the request's verdicts follow them).
    ///
    /// `None` when a new record has a stored record's id: its duplicate-id
    /// error names where the stored one is, which only the whole stored
    /// inputs tell.
    pub fn inputs_for(&self, request: &Input, program: &Program) -> Option<(Vec<Result<Input, RecordError>>, usize)> {
        let parsed = [Ok(request.clone())];
        let new = FastStore::load(&parsed, program);
        if (0..new.len()).any(|i| self.store.lookup(new.id(RecordIdx(i as u32))).is_some()) {
            return None;
        }
        let reached = self.reach(&new);
        let mut bytes = Vec::new();
        for r in &reached {
            // One line each: JSON strings hold no raw line breaks.
            let text = self.texts.get(r.index()).copied().unwrap_or_default();
            bytes.extend(text.iter().map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b }));
            bytes.push(b'\n');
        }
        let [request] = parsed;
        Some((vec![Ok(Input::new("stored", bytes)), request], reached.len()))
    }

    /// The stored records judging `new`'s can read, in input order.
    fn reach(&self, new: &FastStore<'_>) -> Vec<RecordIdx> {
        let mut walk = Reach { overlay: self, new, seen: HashSet::new(), queue: Vec::new(), contexts: HashSet::new() };
        for i in 0..new.len() {
            let r = RecordIdx(i as u32);
            walk.judge(Node::New(r));
            // Link warnings name what each link field finds.
            for (_, v) in new.record(r).fields.iter() {
                for_each_value(v, &mut |s| walk.found(s));
            }
        }
        walk.run();
        let mut reached: Vec<RecordIdx> = (walk.seen.into_iter())
            .filter_map(|(n, _)| match n {
                Node::Stored(r) => Some(r),
                Node::New(_) => None,
            })
            .collect();
        reached.sort_unstable();
        reached.dedup();
        reached
    }

    /// The maps of the reverse lookups the program makes, over the stored records.
    fn index_reverse_lookups(&mut self) {
        let scans: HashSet<(String, FieldId)> = (self.reads.iter().flat_map(|r| &r.scans))
            .filter_map(|s| s.by.as_ref().map(|(_, f)| (s.record_type.clone(), *f)))
            .collect();
        for (ty, field) in scans {
            let mut index: HashMap<String, Vec<RecordIdx>> = HashMap::new();
            let records = self.store.type_id(&ty).map_or(&[][..], |t| self.store.by_type[t.0 as usize].as_slice());
            for &r in records {
                // The id too: a lookup on `x.id` finds the record by it.
                let mut keys = vec![self.store.id(r).to_string()];
                if let Some(v) = self.store.record(r).get(field) {
                    for_each_key(&self.store, v, &mut |k| keys.push(k.to_string()));
                }
                keys.sort_unstable();
                keys.dedup();
                for k in keys {
                    index.entry(k).or_default().push(r);
                }
            }
            self.reverse.insert((ty, field), index);
        }
    }
}

/// Each stored record's text in its input, by record index.
fn record_texts<'a>(inputs: &'a [Result<Input, RecordError>], store: &FastStore<'a>) -> Vec<&'a [u8]> {
    let mut texts: Vec<&'a [u8]> = vec![&[]; store.len()];
    let mut entries = store.entries.iter();
    for input in inputs {
        let Ok(input) = input else {
            entries.next();
            continue;
        };
        // `FastStore::load` makes one entry of each piece, in order.
        let (reader, pieces) = split(input);
        for piece in pieces {
            if let (Piece::Value { start, end, .. }, Some(FastEntry::Record(r))) = (piece, entries.next())
                && let (Some(slot), Some(text)) = (texts.get_mut(r.index()), reader.bytes.get(start..end))
            {
                *slot = text;
            }
        }
    }
    texts
}

/// The walk over what judging the new records reads: (record, the type
/// whose rules read it) pairs.
struct Reach<'o, 'a, 'n> {
    overlay: &'o Overlay<'a>,
    new: &'n FastStore<'n>,
    seen: HashSet<(Node, u16)>,
    queue: Vec<(Node, u16)>,
    /// The contexts met so far.
    contexts: HashSet<u16>,
}

impl Reach<'_, '_, '_> {
    fn run(&mut self) {
        while let Some((node, context)) = self.queue.pop() {
            self.visit(node, context);
        }
    }

    /// `node` is judged: its own type's rules read it.
    fn judge(&mut self, node: Node) {
        let ty = match node {
            Node::Stored(r) => self.overlay.store.record_type(r),
            Node::New(r) => self.new.record_type(r),
        };
        if let Some(&context) = self.overlay.contexts.get(ty) {
            self.push(node, context);
        } else {
            self.mark(node);
        }
    }

    /// A stored record some link names: in the inputs, nothing more.
    fn found(&mut self, key: &str) {
        if let Some(r) = self.overlay.store.lookup(key) {
            self.mark(Node::Stored(r));
        }
    }

    fn mark(&mut self, node: Node) {
        self.seen.insert((node, u16::MAX));
    }

    fn push(&mut self, node: Node, context: u16) {
        if self.seen.insert((node, context)) {
            self.queue.push((node, context));
        }
        if self.contexts.insert(context) {
            self.enter(context);
        }
    }

    /// The first time a type's rules are read: every new record may be
    /// read by them too (through a link or a reverse lookup), and so may
    /// every record of a type they range over without a key, and records
    /// a constant names or is the key of.
    fn enter(&mut self, context: u16) {
        for i in 0..self.new.len() {
            self.push(Node::New(RecordIdx(i as u32)), context);
        }
        let overlay = self.overlay;
        if let Some(reads) = overlay.reads.get(usize::from(context)) {
            for scan in reads.scans.iter().filter(|s| s.by.as_ref().is_none_or(|(name, _)| name == "type")) {
                self.scan_all(scan, context);
            }
        }
        for c in &overlay.constants {
            if let Some(r) = overlay.store.lookup(c) {
                self.push(Node::Stored(r), context);
                self.judge(Node::Stored(r));
            }
            self.scan_key(c, context);
        }
    }

    fn visit(&mut self, node: Node, context: u16) {
        let overlay = self.overlay;
        let Some(reads) = overlay.reads.get(usize::from(context)) else { return };
        let (fields, id, ty) = match node {
            Node::Stored(r) => (&overlay.store.record(r).fields, overlay.store.id(r), overlay.store.record_type(r)),
            Node::New(r) => (&self.new.record(r).fields, self.new.id(r), self.new.record_type(r)),
        };
        let mut keys: Vec<String> = vec![id.to_string(), ty.to_string()];
        for (field, value) in fields.iter().filter(|(f, _)| reads.fields.contains(f)) {
            let judged = reads.judged.through(*field);
            self.follow(node, value, context, judged);
            for_each_value(value, &mut |s| keys.push(s.to_string()));
        }
        let lowered: Vec<String> = keys.iter().map(|k| k.to_lowercase()).filter(|l| !keys.contains(l)).collect();
        keys.extend(lowered);
        for key in &keys {
            self.scan_key(key, context);
        }
    }

    /// The records a field's value links to.
    fn follow(&mut self, from: Node, value: &FVal<'_>, context: u16, judged: bool) {
        let mut targets = Vec::new();
        links_of(value, &mut targets);
        let mut nodes: Vec<Node> = match from {
            Node::Stored(_) => targets.into_iter().map(Node::Stored).collect(),
            Node::New(_) => targets.into_iter().map(Node::New).collect(),
        };
        // A string may name a record (links of untyped rule sets, and
        // links from new records to stored ones).
        for_each_value(value, &mut |s| nodes.extend(self.overlay.store.lookup(s).map(Node::Stored)));
        for node in nodes {
            self.push(node, context);
            if judged || self.overlay.reads.get(usize::from(context)).is_some_and(|r| r.judged.all()) {
                self.judge(node);
            }
        }
    }

    /// The stored records a reverse lookup with `key` finds.
    fn scan_key(&mut self, key: &str, context: u16) {
        let overlay = self.overlay;
        let Some(reads) = overlay.reads.get(usize::from(context)) else { return };
        for scan in &reads.scans {
            let Some((_, field)) = &scan.by else { continue };
            let found = overlay.reverse.get(&(scan.record_type.clone(), *field)).and_then(|index| index.get(key));
            for &r in found.map_or(&[][..], Vec::as_slice) {
                self.push(Node::Stored(r), context);
                if reads.judged.all() {
                    self.judge(Node::Stored(r));
                }
            }
        }
    }

    /// Every stored record of a type a quantifier ranges over.
    fn scan_all(&mut self, scan: &Scan, context: u16) {
        let overlay = self.overlay;
        let all = overlay.reads.get(usize::from(context)).is_some_and(|r| r.judged.all());
        let store = &overlay.store;
        let records = store.type_id(&scan.record_type).map_or(&[][..], |t| store.by_type[t.0 as usize].as_slice());
        for &r in records {
            self.push(Node::Stored(r), context);
            if all {
                self.judge(Node::Stored(r));
            }
        }
    }
}

/// The records a value links to (a list's links too).
fn links_of(value: &FVal<'_>, out: &mut Vec<RecordIdx>) {
    match value {
        FVal::Link(t) => out.push(*t),
        FVal::Links(ts) => out.extend(ts.iter().copied()),
        FVal::List(items) => items.iter().for_each(|item| links_of(item, out)),
        _ => {}
    }
}

/// Calls `f` on every string in a value (list items and nested objects too).
fn for_each_value(value: &FVal<'_>, f: &mut impl FnMut(&str)) {
    match value {
        FVal::Str(s) => f(s.as_str()),
        FVal::List(items) => items.iter().for_each(|item| for_each_value(item, f)),
        FVal::Json(v) => for_each_json(v, f),
        FVal::Null | FVal::Bool(_) | FVal::Num(_) | FVal::Link(_) | FVal::Links(_) => {}
    }
}

fn for_each_json(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|item| for_each_json(item, f)),
        Value::Object(map) => map.values().for_each(|item| for_each_json(item, f)),
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The keys a reverse index files a field's value under, as the engine's.
fn for_each_key(store: &FastStore<'_>, value: &FVal<'_>, f: &mut impl FnMut(&str)) {
    match value {
        FVal::Str(s) => f(s.as_str()),
        FVal::Link(t) => f(store.record(*t).id.as_str()),
        FVal::Links(ts) => ts.iter().for_each(|t| f(store.record(*t).id.as_str())),
        FVal::List(items) => items.iter().for_each(|item| for_each_key(store, item, f)),
        _ => {}
    }
}
