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

mod readers;
mod reads;
mod values;

use std::collections::{HashMap, HashSet};

use self::readers::{Back, Incoming};
use self::reads::{Reads, Scan, Used};
use self::values::{for_each_key, for_each_value, links_of};
use super::store::{FVal, FastEntry, FastStore};
use crate::check::{FieldId, Program};
use crate::records::load::{Piece, split};
use crate::records::{Input, Origin, RecordError, RecordIdx, Records};

/// The stored graph, loaded once, and what a program reads of it.
pub struct Overlay<'a> {
    store: FastStore<'a>,
    /// Each stored record's input (its index) and text, by record index.
    texts: Vec<(u32, &'a [u8])>,
    inputs: &'a [Result<Input, RecordError>],
    /// Per record type with rules: what judging one of its records reads.
    reads: Vec<Reads>,
    /// Record type → its entry in `reads`.
    contexts: HashMap<String, u16>,
    /// Per reverse lookup the program makes (type, field): key → holders.
    reverse: HashMap<(String, FieldId), HashMap<String, Vec<RecordIdx>>>,
    /// The program's string constants.
    constants: HashSet<String>,
    /// Who links to each stored record.
    incoming: Incoming,
    /// Per field, the most links along it to walk back or on.
    back_limits: reads::Limits,
}

/// What to judge over the stored graph as it is now.
pub struct Judging<'i> {
    /// Stored records taken out (deleted, or replaced by one in `added`).
    pub removed: &'i HashSet<RecordIdx>,
    /// The records added since the store was loaded (JSON Lines).
    pub added: &'i Input,
    /// Stored records to judge again (besides the added ones).
    pub again: &'i [RecordIdx],
    /// Records to judge that are not stored (they come last).
    pub request: Option<&'i Input>,
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
        let followed: HashSet<FieldId> = reads.iter().flat_map(|r| r.fields.iter().copied()).collect();
        let links = link_fields(program);
        // Link warnings read every link field: a link that resolves now, or
        // no longer, changes them.
        let read: HashSet<FieldId> = followed.union(&links).copied().collect();
        let incoming = Incoming::new(&store, &read, &links);
        let back_limits = reads::back_limits(program, &links);
        let mut overlay = Overlay {
            store,
            texts,
            inputs,
            reads,
            contexts,
            reverse: HashMap::new(),
            constants,
            incoming,
            back_limits,
        };
        overlay.index_reverse_lookups();
        overlay
    }

    /// The stored records whose verdicts can change when the records of
    /// `changed` change (their versions before and after) and the loaded
    /// records `gone` are taken out, in input order.
    pub fn readers(&self, changed: &FastStore<'_>, gone: &[RecordIdx]) -> Vec<RecordIdx> {
        Back::new(&self.store, &self.reads, &self.contexts, &self.constants, &self.incoming, &self.back_limits)
            .readers(changed, gone)
    }

    /// The stored records as loaded.
    pub fn store(&self) -> &FastStore<'a> {
        &self.store
    }

    /// The inputs that judge the records of `request` as `check` would over
    /// the stored records and them (see [`Overlay::inputs_to_judge`]).
    pub fn inputs_for(&self, request: &Input, program: &Program) -> (Vec<Result<Input, RecordError>>, usize) {
        let (removed, added) = (HashSet::new(), Input::new("added", Vec::new()));
        let judging = Judging { removed: &removed, added: &added, again: &[], request: Some(request) };
        // The empty input of added records gives no entry.
        self.inputs_to_judge(&judging, program)
    }

    /// The inputs that judge `judging`'s records as `check` would over the
    /// graph they make: the stored records judging them can read, each
    /// input's in one input of the same name that keeps their positions,
    /// then the records added, then the request; and how many entries come
    /// before the added records'.
    pub fn inputs_to_judge(
        &self,
        judging: &Judging<'_>,
        program: &Program,
    ) -> (Vec<Result<Input, RecordError>>, usize) {
        let mut parsed = vec![Ok(judging.added.clone())];
        parsed.extend(judging.request.map(|r| Ok(r.clone())));
        let new = FastStore::load(&parsed, program);
        let mut reached = self.reach(&new, judging.again);
        reached.retain(|r| !judging.removed.contains(r));
        let mut inputs = self.stored_inputs(&reached);
        inputs.extend(parsed);
        (inputs, reached.len())
    }

    /// The stored inputs less the records `removed`, then `added`: what
    /// `check` reads for the graph as written to. An input that lost records
    /// is one record a line, each keeping its position (errors too).
    pub fn inputs_now(&self, removed: &HashSet<RecordIdx>, added: &Input) -> Vec<Result<Input, RecordError>> {
        let mut out = Vec::with_capacity(self.inputs.len() + 1);
        let mut entries = self.store.entries.iter();
        for input in self.inputs {
            let Ok(whole) = input else {
                entries.next();
                out.push(input.clone());
                continue;
            };
            let (_, pieces) = split(whole);
            let mine: Vec<FastEntry<'_>> = entries.by_ref().take(pieces.len()).collect();
            let lost = mine.iter().any(|e| matches!(e, FastEntry::Record(r) if removed.contains(r)));
            if !lost {
                out.push(input.clone());
                continue;
            }
            let mut left = Input::new(whole.name.clone(), Vec::new());
            for entry in mine {
                match entry {
                    FastEntry::Record(r) if removed.contains(&r) => {}
                    FastEntry::Record(r) => self.push_line(&mut left, r),
                    FastEntry::Error(e) => {
                        left.bytes.extend_from_slice(b"{}\n");
                        left.origins.push(Origin::Error(e.clone()));
                    }
                }
            }
            out.push(Ok(left));
        }
        out.push(Ok(added.clone()));
        out
    }

    /// Stored record `r` as one line of `input`, with its position.
    fn push_line(&self, input: &mut Input, r: RecordIdx) {
        let text = self.texts.get(r.index()).map_or(&[][..], |(_, t)| t);
        // One line: JSON strings hold no raw line breaks.
        input.bytes.extend(text.iter().map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b }));
        input.bytes.push(b'\n');
        let at = self.store.position(r);
        let fit = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        input.origins.push(Origin::At { line: fit(at.line), column: fit(at.column) });
    }

    /// Stored records (in input order) as inputs: one per input they are
    /// from, named as it is, each record on one line with its position.
    fn stored_inputs(&self, records: &[RecordIdx]) -> Vec<Result<Input, RecordError>> {
        let mut out: Vec<(u32, Input)> = Vec::new();
        for &r in records {
            let Some(&(from, _)) = self.texts.get(r.index()) else { continue };
            if out.last().is_none_or(|(i, _)| *i != from) {
                let name = match self.inputs.get(from as usize) {
                    Some(Ok(input)) => input.name.clone(),
                    _ => String::new(),
                };
                out.push((from, Input::new(name, Vec::new())));
            }
            if let Some((_, input)) = out.last_mut() {
                self.push_line(input, r);
            }
        }
        out.into_iter().map(|(_, input)| Ok(input)).collect()
    }

    /// The stored records judging `new`'s and `again` can read, in input order.
    fn reach(&self, new: &FastStore<'_>, again: &[RecordIdx]) -> Vec<RecordIdx> {
        let mut walk = Reach {
            overlay: self,
            new,
            seen: HashSet::new(),
            states: HashMap::new(),
            queue: Vec::new(),
            contexts: HashSet::new(),
        };
        for &r in again {
            walk.judge(Node::Stored(r));
            // Link warnings name what each link field finds.
            for (_, v) in self.store.record(r).fields.iter() {
                let mut targets = Vec::new();
                links_of(v, &mut targets);
                targets.into_iter().for_each(|t| walk.mark(Node::Stored(t)));
                for_each_value(v, &mut |s| walk.found(s));
            }
        }
        for i in 0..new.len() {
            let r = RecordIdx(i as u32);
            walk.judge(Node::New(r));
            // A stored record with its id makes it a duplicate; link
            // warnings name what each link field finds.
            walk.found(new.id(r));
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

/// The ids of an input's records, in order, or the first error in it.
pub fn record_ids(input: &Input, program: &Program) -> Result<Vec<String>, RecordError> {
    let inputs = [Ok(input.clone())];
    let store = FastStore::load(&inputs, program);
    (store.entries.iter())
        .map(|e| match e {
            FastEntry::Record(r) => Ok(store.id(r).to_string()),
            FastEntry::Error(e) => Err(e.clone()),
        })
        .collect()
}

/// The fields that hold links, for any type.
fn link_fields(program: &Program) -> HashSet<FieldId> {
    let links = program.link_fields();
    let names: HashSet<&str> = (links.by_type.values().flat_map(|fields| fields.keys()))
        .chain(links.any_type.iter())
        .map(String::as_str)
        .collect();
    (0u32..).zip(program.field_names()).filter(|(_, n)| names.contains(n.as_str())).map(|(i, _)| FieldId(i)).collect()
}

/// Each stored record's text in its input, by record index.
fn record_texts<'a>(inputs: &'a [Result<Input, RecordError>], store: &FastStore<'a>) -> Vec<(u32, &'a [u8])> {
    let mut texts: Vec<(u32, &'a [u8])> = vec![(0, &[]); store.len()];
    let mut entries = store.entries.iter();
    for (from, input) in (0u32..).zip(inputs) {
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
                *slot = (from, text);
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
    /// Per pair, the links used to reach it (none within another): judging
    /// takes no more than [`reads::back_limits`], walked on as back.
    states: HashMap<(Node, u16), Vec<Used>>,
    queue: Vec<(Node, u16, Used)>,
    /// The contexts met so far.
    contexts: HashSet<u16>,
}

impl Reach<'_, '_, '_> {
    fn run(&mut self) {
        while let Some((node, context, used)) = self.queue.pop() {
            self.visit(node, context, &used);
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
        let fresh = self.overlay.back_limits.fresh();
        self.push_along(node, context, fresh);
    }

    /// `node` read by `context`'s rules, reached with `used` links: visited
    /// again unless it was reached with no more along every field.
    fn push_along(&mut self, node: Node, context: u16, used: Used) {
        self.seen.insert((node, context));
        let states = self.states.entry((node, context)).or_default();
        if !states.iter().any(|s| s.within(&used)) {
            states.push(used.clone());
            self.queue.push((node, context, used));
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

    fn visit(&mut self, node: Node, context: u16, used: &Used) {
        let overlay = self.overlay;
        let Some(reads) = overlay.reads.get(usize::from(context)) else { return };
        let (fields, id, ty) = match node {
            Node::Stored(r) => (&overlay.store.record(r).fields, overlay.store.id(r), overlay.store.record_type(r)),
            Node::New(r) => (&self.new.record(r).fields, self.new.id(r), self.new.record_type(r)),
        };
        let mut keys: Vec<String> = vec![id.to_string(), ty.to_string()];
        for (field, value) in fields.iter().filter(|(f, _)| reads.fields.contains(f)) {
            let judged = reads.judged.through(*field);
            if let Some(next) = overlay.back_limits.after(used, *field) {
                self.follow(node, value, context, judged, &next);
            }
            for_each_value(value, &mut |s| keys.push(s.to_string()));
        }
        let lowered: Vec<String> = keys.iter().map(|k| k.to_lowercase()).filter(|l| !keys.contains(l)).collect();
        keys.extend(lowered);
        for key in &keys {
            self.scan_key(key, context);
        }
    }

    /// The records a field's value links to.
    fn follow(&mut self, from: Node, value: &FVal<'_>, context: u16, judged: bool, used: &Used) {
        let mut targets = Vec::new();
        links_of(value, &mut targets);
        let mut nodes: Vec<Node> = match from {
            Node::Stored(_) => targets.into_iter().map(Node::Stored).collect(),
            // A new record's link to an id a stored record has too leads
            // to the stored one (the first of a repeated id), as in `check`.
            Node::New(_) => (targets.into_iter())
                .flat_map(|t| [Some(Node::New(t)), self.overlay.store.lookup(self.new.id(t)).map(Node::Stored)])
                .flatten()
                .collect(),
        };
        // A string may name a record (links of untyped rule sets, and
        // links from new records to stored ones).
        for_each_value(value, &mut |s| nodes.extend(self.overlay.store.lookup(s).map(Node::Stored)));
        for node in nodes {
            self.push_along(node, context, used.clone());
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
