//! The reverse index behind `any T x where x.f == p`: the records of type
//! `T` whose field `f` holds a key (a string, an id, or one of a list's),
//! in input order, each once — what a scan would find, without the scan.

use std::collections::HashMap;

use crate::records::RecordIdx;

/// Key → the records holding it, in input order.
#[derive(Debug, Default)]
pub(crate) struct ReverseIndex<'s> {
    records: HashMap<&'s str, Vec<RecordIdx>>,
}

impl<'s> ReverseIndex<'s> {
    /// Indexes each record (in input order) under each of its keys.
    pub(crate) fn new<K: IntoIterator<Item = &'s str>>(records: impl Iterator<Item = (RecordIdx, K)>) -> Self {
        let mut index = ReverseIndex::default();
        for (rec, keys) in records {
            for key in keys {
                let holders = index.records.entry(key).or_default();
                // A list holding a key twice names its record once.
                if holders.last() != Some(&rec) {
                    holders.push(rec);
                }
            }
        }
        index
    }

    /// The records holding `key`, in input order.
    pub(crate) fn get(&self, key: &str) -> &[RecordIdx] {
        self.records.get(key).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_record_once_in_input_order() {
        let (a, b) = (RecordIdx(0), RecordIdx(1));
        let index = ReverseIndex::new([(a, vec!["p1", "p1"]), (b, vec!["p2", "p1"])].into_iter());
        assert_eq!(index.get("p1"), [a, b]);
        assert_eq!(index.get("p2"), [b]);
        assert!(index.get("p3").is_empty());
    }
}
