//! The compact evidence shape of `check --format json --evidence compact`
//! (docs/json.md, "Compact evidence"): the rule set's tables first — a
//! line per rule, exemption and condition — then verdict lines that refer
//! to them: a rule by its name, a fact by its condition's `ref`, a record
//! shown by its id, with one table per line of the records it shows.
//!
//! The lines, the tables' included, are written by [`super::json`]'s
//! writer, which differs from the full shape only where a table is
//! referred to; this module numbers the conditions and gathers a line's
//! records.

use std::sync::Arc;

use super::text::quoted_into;
use crate::check::{Cond, Program};
use crate::source::Loc;

type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A condition's location by its source's address and span: the program
/// holds its sources for the run, so the address names one source.
type ConditionKey = (usize, usize, usize);

fn key(loc: &Loc) -> ConditionKey {
    (Arc::as_ptr(&loc.src) as usize, loc.span.start, loc.span.end)
}

/// The conditions evidence can refer to, numbered for the run: each
/// condition a fact can be about, in the order the rules, then the
/// exemptions, then the defs hold them (a condition before its parts),
/// once per place in the rule text.
pub struct CompactTables {
    conditions: Vec<Loc>,
    refs: HashMap<ConditionKey, usize>,
}

impl CompactTables {
    /// The tables of `program`'s conditions.
    pub fn new(program: &Program) -> CompactTables {
        let mut tables = CompactTables { conditions: Vec::new(), refs: HashMap::default() };
        for (_, cond) in program.conditions() {
            cond.visit(&mut |c| {
                if let Some(loc) = fact_loc(c)
                    && !tables.refs.contains_key(&key(loc))
                {
                    tables.refs.insert(key(loc), tables.conditions.len());
                    tables.conditions.push(loc.clone());
                }
            });
        }
        tables
    }

    /// The conditions, in the order of their numbers.
    pub(super) fn conditions(&self) -> &[Loc] {
        &self.conditions
    }

    /// The `ref` of the condition a fact at `loc` is about.
    pub(super) fn condition_ref(&self, loc: &Loc) -> Option<usize> {
        self.refs.get(&key(loc)).copied()
    }
}

/// Where a fact about condition `c` is (the location the evaluator gives
/// it); `None` for the conditions that make no fact of their own (`and`,
/// `or`, `not`, a constant).
fn fact_loc(c: &Cond) -> Option<&Loc> {
    match c {
        Cond::Cmp { loc, .. }
        | Cond::InSet { loc, .. }
        | Cond::Matches { loc, .. }
        | Cond::Exists { loc, .. }
        | Cond::Is { loc, .. }
        | Cond::Call { loc, .. }
        | Cond::Truthy { loc, .. } => Some(loc),
        Cond::Quant(q) => Some(&q.head),
        Cond::Sum(s) => Some(&s.loc),
        Cond::And(..) | Cond::Or(..) | Cond::Not(_) | Cond::Const(_) => None,
    }
}

/// What a compact verdict line refers to: the tables, and the records its
/// evidence has shown so far, as the entries of its `records` object.
pub(super) struct CompactLine<'t> {
    tables: &'t CompactTables,
    shown: RecordsShown,
}

/// The records a line has shown: `"id":{"type": …,"name": …}` for each,
/// comma first but the first's, and for each its id's address and length
/// and where its key is. Kept by each thread from line to line, so that
/// a line does not grow its buffers again.
#[derive(Default)]
struct RecordsShown {
    entries: Vec<u8>,
    ids: Vec<(usize, usize, std::ops::Range<usize>)>,
}

thread_local! {
    static RECORDS_SHOWN: std::cell::Cell<RecordsShown> = std::cell::Cell::new(RecordsShown::default());
}

impl<'t> CompactLine<'t> {
    pub(super) fn new(tables: &'t CompactTables) -> CompactLine<'t> {
        CompactLine { tables, shown: RECORDS_SHOWN.take() }
    }

    pub(super) fn condition_ref(&self, loc: &Loc) -> Option<usize> {
        self.tables.condition_ref(loc)
    }

    /// Adds a record shown to the line's table, unless it is there (ids
    /// are unique, so one id is one record). A line shows few records: a
    /// scan finds one, by its id's address (the evidence shares a record's
    /// strings) or else by its text.
    pub(super) fn note_record(&mut self, id: &str, record_type: &str, name: Option<&str>) {
        let RecordsShown { entries, ids } = &mut self.shown;
        let address = (id.as_ptr() as usize, id.len());
        if ids.iter().any(|&(at, len, _)| (at, len) == address) {
            return;
        }
        let start = entries.len();
        if start > 0 {
            entries.push(b',');
        }
        let at = entries.len();
        quoted_into(entries, id);
        let key = at..entries.len();
        if ids.iter().any(|(_, _, seen)| entries[seen.clone()] == entries[key.clone()]) {
            entries.truncate(start);
            return;
        }
        ids.push((address.0, address.1, key));
        entries.extend_from_slice(b":{\"type\":");
        quoted_into(entries, record_type);
        entries.extend_from_slice(b",\"name\":");
        match name {
            Some(name) => quoted_into(entries, name),
            None => entries.extend_from_slice(b"null"),
        }
        entries.push(b'}');
    }

    /// `{…the records shown}` onto `out`.
    pub(super) fn write_records(self, out: &mut Vec<u8>) {
        let mut shown = self.shown;
        out.push(b'{');
        out.extend_from_slice(&shown.entries);
        out.push(b'}');
        shown.entries.clear();
        shown.ids.clear();
        RECORDS_SHOWN.set(shown);
    }
}
