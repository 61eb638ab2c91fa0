//! Who reads a record: the stored records whose verdicts can change when
//! it changes. The converse of what judging a record reads ([`super::Reach`]),
//! as coarse: a record is read by those linking to it through a field the
//! program follows, by those whose reverse lookup finds it (the record its
//! key names; every record of the looking type when the key is not an id),
//! by every record of a type whose rules range over all of its type, and so
//! on, transitively.

use std::collections::{HashMap, HashSet};

use super::{Overlay, for_each_key};
use crate::check::FieldId;
use crate::fast::store::FastStore;
use crate::records::{RecordIdx, Records};

/// Links between stored records, turned round.
#[derive(Default)]
pub(super) struct Incoming {
    /// Record `t`'s readers are `from[starts[t]..starts[t + 1]]`.
    starts: Vec<u32>,
    from: Vec<RecordIdx>,
    /// Link strings that name no stored record → the records holding them.
    dangling: HashMap<String, Vec<RecordIdx>>,
}

impl Incoming {
    /// Every link in a followed field of a stored record, turned round;
    /// strings of link fields that name no record kept by string.
    pub(super) fn new(store: &FastStore<'_>, followed: &HashSet<FieldId>, links: &HashSet<FieldId>) -> Incoming {
        let mut edges: Vec<(RecordIdx, RecordIdx)> = Vec::new();
        let mut dangling: HashMap<String, Vec<RecordIdx>> = HashMap::new();
        for i in 0..store.len() {
            let r = RecordIdx(i as u32);
            for (f, v) in store.record(r).fields.iter().filter(|(f, _)| followed.contains(f)) {
                let mut targets = Vec::new();
                super::links_of(v, &mut targets);
                edges.extend(targets.into_iter().map(|t| (t, r)));
                super::for_each_value(v, &mut |s| match store.lookup(s) {
                    Some(t) => edges.push((t, r)),
                    None if links.contains(f) => dangling.entry(s.to_string()).or_default().push(r),
                    None => {}
                });
            }
        }
        edges.sort_unstable();
        edges.dedup();
        let mut starts = vec![0u32; store.len() + 1];
        for (t, _) in &edges {
            if let Some(s) = starts.get_mut(t.index() + 1) {
                *s += 1;
            }
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        Incoming { starts, from: edges.into_iter().map(|(_, r)| r).collect(), dangling }
    }

    fn of(&self, t: RecordIdx) -> &[RecordIdx] {
        match (self.starts.get(t.index()), self.starts.get(t.index() + 1)) {
            (Some(&a), Some(&b)) => self.from.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// The walk back from changed records to their readers.
struct Back<'o, 'a> {
    overlay: &'o Overlay<'a>,
    seen: HashSet<RecordIdx>,
    queue: Vec<RecordIdx>,
    /// Types whose every record was added already.
    whole: HashSet<String>,
}

impl<'a> Overlay<'a> {
    /// The stored records whose verdicts can change when the records of
    /// `changed` change (their versions before and after: ids, types and
    /// field values) and the loaded records `gone` are taken out, in input
    /// order. `changed` may name stored records and records not stored.
    pub fn readers(&self, changed: &FastStore<'_>, gone: &[RecordIdx]) -> Vec<RecordIdx> {
        let mut back = Back { overlay: self, seen: HashSet::new(), queue: Vec::new(), whole: HashSet::new() };
        for &r in gone {
            back.add(r);
            if self.constants.contains(self.store.id(r)) {
                back.everything();
            }
        }
        for i in 0..changed.len() {
            let c = RecordIdx(i as u32);
            let id = changed.id(c);
            if let Some(r) = self.store.lookup(id) {
                back.add(r);
            }
            for &r in self.incoming.dangling.get(id).map_or(&[][..], Vec::as_slice) {
                back.add(r);
            }
            if self.constants.contains(id) {
                back.everything();
            }
            back.found_by_scans(changed, c);
        }
        while let Some(r) = back.queue.pop() {
            for &reader in self.incoming.of(r) {
                back.add(reader);
            }
            back.found_by_scans(&self.store, r);
        }
        let mut readers: Vec<RecordIdx> = back.seen.into_iter().collect();
        readers.sort_unstable();
        readers
    }
}

impl Back<'_, '_> {
    fn add(&mut self, r: RecordIdx) {
        if self.seen.insert(r) {
            self.queue.push(r);
        }
    }

    fn everything(&mut self) {
        for i in 0..self.overlay.store.len() {
            self.add(RecordIdx(i as u32));
        }
    }

    fn all_of(&mut self, record_type: &str) {
        if !self.whole.insert(record_type.to_string()) {
            return;
        }
        let store = &self.overlay.store;
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
        let overlay = self.overlay;
        let ty = store.record_type(c);
        for (looking, reads) in overlay.contexts.iter().filter_map(|(t, &i)| Some((t, overlay.reads.get(usize::from(i))?))) {
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
                    match overlay.store.lookup(&key) {
                        Some(r) if !overlay.constants.contains(&key) => self.add(r),
                        _ => self.all_of(looking),
                    }
                }
            }
        }
    }
}
