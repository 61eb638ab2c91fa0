//! Who reads a record: the stored records whose verdicts can change when
//! it changes. The converse of what judging a record reads ([`super::Reach`]),
//! as coarse: a record is read by those linking to it through a field the
//! program follows, by those whose reverse lookup finds it (the record its
//! key names; every record of the looking type when the key is not an id),
//! by every record of a type whose rules range over all of its type, and so
//! on, transitively — along a field no more links than the program's
//! paths take along it ([`super::reads::back_limits`]).

use std::collections::{HashMap, HashSet};

use super::reads::{Limits, Reads, Used};
use super::values::{for_each_key, for_each_value, links_of};
use crate::check::FieldId;
use crate::fast::store::FastStore;
use crate::records::{RecordIdx, Records};

/// Links between stored records, turned round.
#[derive(Default)]
pub(super) struct Incoming {
    /// Record `t`'s readers (and the field each links to it through) are
    /// `from[starts[t]..starts[t + 1]]`.
    starts: Vec<u32>,
    from: Vec<(RecordIdx, FieldId)>,
    /// Link strings that name no stored record → the records holding them.
    dangling: HashMap<String, Vec<RecordIdx>>,
}

impl Incoming {
    /// Every link in a followed field of a stored record, turned round;
    /// strings of link fields that name no record kept by string.
    pub(super) fn new(store: &FastStore<'_>, followed: &HashSet<FieldId>, links: &HashSet<FieldId>) -> Incoming {
        let mut edges: Vec<(RecordIdx, RecordIdx, FieldId)> = Vec::new();
        let mut dangling: HashMap<String, Vec<RecordIdx>> = HashMap::new();
        for i in 0..store.len() {
            let r = RecordIdx(i as u32);
            for (f, v) in store.record(r).fields.iter().filter(|(f, _)| followed.contains(f)) {
                let mut targets = Vec::new();
                links_of(v, &mut targets);
                edges.extend(targets.into_iter().map(|t| (t, r, *f)));
                for_each_value(v, &mut |s| match store.lookup(s) {
                    Some(t) => edges.push((t, r, *f)),
                    None if links.contains(f) => dangling.entry(s.to_string()).or_default().push(r),
                    None => {}
                });
            }
        }
        edges.sort_unstable();
        edges.dedup();
        let mut starts = vec![0u32; store.len() + 1];
        for (t, _, _) in &edges {
            if let Some(s) = starts.get_mut(t.index() + 1) {
                *s += 1;
            }
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        Incoming { starts, from: edges.into_iter().map(|(_, r, f)| (r, f)).collect(), dangling }
    }

    fn of(&self, t: RecordIdx) -> &[(RecordIdx, FieldId)] {
        match (self.starts.get(t.index()), self.starts.get(t.index() + 1)) {
            (Some(&a), Some(&b)) => self.from.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// The walk back from changed records to their readers, over what the
/// overlay knows of the stored graph.
pub(super) struct Back<'o, 'a> {
    pub(super) store: &'o FastStore<'a>,
    pub(super) reads: &'o [Reads],
    pub(super) contexts: &'o HashMap<String, u16>,
    pub(super) constants: &'o HashSet<String>,
    pub(super) incoming: &'o Incoming,
    pub(super) limits: &'o Limits,
    seen: HashSet<RecordIdx>,
    /// Per record, the links used to reach it (none within another).
    states: HashMap<RecordIdx, Vec<Used>>,
    queue: Vec<(RecordIdx, Used)>,
    /// Records whose type's scans were walked back already.
    scanned: HashSet<RecordIdx>,
    /// Types whose every record was added already.
    whole: HashSet<String>,
}

impl<'o, 'a> Back<'o, 'a> {
    pub(super) fn new(
        store: &'o FastStore<'a>,
        reads: &'o [Reads],
        contexts: &'o HashMap<String, u16>,
        constants: &'o HashSet<String>,
        incoming: &'o Incoming,
        limits: &'o Limits,
    ) -> Self {
        Back {
            store,
            reads,
            contexts,
            constants,
            incoming,
            limits,
            seen: HashSet::new(),
            states: HashMap::new(),
            queue: Vec::new(),
            scanned: HashSet::new(),
            whole: HashSet::new(),
        }
    }

    /// The stored records whose verdicts can change when the records of
    /// `changed` change (their versions before and after: ids, types and
    /// field values) and the loaded records `gone` are taken out, in input
    /// order. `changed` may name stored records and records not stored.
    pub(super) fn readers(mut self, changed: &FastStore<'_>, gone: &[RecordIdx]) -> Vec<RecordIdx> {
        for &r in gone {
            self.add(r);
            if self.constants.contains(self.store.id(r)) {
                self.everything();
            }
        }
        for i in 0..changed.len() {
            let c = RecordIdx(i as u32);
            let id = changed.id(c);
            if let Some(r) = self.store.lookup(id) {
                self.add(r);
            }
            for &r in self.incoming.dangling.get(id).map_or(&[][..], Vec::as_slice) {
                self.add(r);
            }
            if self.constants.contains(id) {
                self.everything();
            }
            self.found_by_scans(changed, c);
        }
        while let Some((r, used)) = self.queue.pop() {
            for &(reader, field) in self.incoming.of(r) {
                if let Some(next) = self.limits.after(&used, field) {
                    self.reach(reader, next);
                }
            }
            if self.scanned.insert(r) {
                let store = self.store;
                self.found_by_scans(store, r);
            }
        }
        let mut readers: Vec<RecordIdx> = self.seen.into_iter().collect();
        readers.sort_unstable();
        readers
    }
}

impl Back<'_, '_> {
    /// `r` reads what changed, whatever the links walked back to it.
    fn add(&mut self, r: RecordIdx) {
        let fresh = self.limits.fresh();
        self.reach(r, fresh);
    }

    /// `r` reached with `used` links: walked back from again unless it
    /// was reached with no more along every field.
    fn reach(&mut self, r: RecordIdx, used: Used) {
        let states = self.states.entry(r).or_default();
        if states.iter().any(|s| s.within(&used)) {
            return;
        }
        states.push(used.clone());
        self.seen.insert(r);
        self.queue.push((r, used));
    }

    fn everything(&mut self) {
        for i in 0..self.store.len() {
            self.add(RecordIdx(i as u32));
        }
    }

    fn all_of(&mut self, record_type: &str) {
        if !self.whole.insert(record_type.to_string()) {
            return;
        }
        let store = self.store;
        let records = store.type_id(record_type).map_or(&[][..], |t| store.by_type[t.0 as usize].as_slice());
        for &r in records {
            self.add(r);
        }
    }

    /// The readers that find record `c` of `store` by ranging over its
    /// type: through a reverse lookup, the record its key names (which
    /// reads it, or is read by what does), or every record of the looking
    /// type when the key names none; without one, every such record.
    fn found_by_scans(&mut self, store: &FastStore<'_>, c: RecordIdx) {
        let (reads_of, contexts) = (self.reads, self.contexts);
        let ty = store.record_type(c);
        for (looking, reads) in contexts.iter().filter_map(|(t, &i)| Some((t, reads_of.get(usize::from(i))?))) {
            for scan in reads.scans.iter().filter(|s| s.record_type == ty) {
                let field = match &scan.by {
                    Some((name, field)) if name != "type" => *field,
                    _ => {
                        self.all_of(looking);
                        continue;
                    }
                };
                let mut keys = vec![store.id(c).to_string()];
                if let Some(v) = store.record(c).get(field) {
                    for_each_key(store, v, &mut |k| keys.push(k.to_string()));
                }
                for key in keys {
                    match self.store.lookup(&key) {
                        Some(r) if !self.constants.contains(&key) => self.add(r),
                        _ => self.all_of(looking),
                    }
                }
            }
        }
    }
}
