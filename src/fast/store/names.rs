//! A table of a rule set's names (fields, record types), looked up for
//! every key of every record loaded: open addressing over a table a
//! quarter full, keyed by a name's first 16 bytes as two integers and its
//! length, which are compared before any text. A hash map of strings
//! hashed every key in full and compared it with `memcmp`: some 75
//! instructions a key (the bench's records have five keys).
//!
//! The names are the rule set's, not input: a key from the input that
//! falls where names cluster costs at most the length of the cluster.

use super::ids::padded;

pub(crate) struct NameTable<'p, T> {
    slots: Box<[Option<Entry<'p, T>>]>,
    /// The table has `2^bits` slots.
    bits: u32,
}

impl<'p, T> NameTable<'p, T> {
    /// The table of `entries`; of a name given twice, the last counts (as
    /// when collected into a map).
    pub(crate) fn new(entries: impl IntoIterator<Item = (&'p str, T)>) -> Self {
        let entries: Vec<(&'p str, T)> = entries.into_iter().collect();
        let bits = (entries.len() * 4).next_power_of_two().max(16).trailing_zeros();
        let mut slots: Box<[Option<Entry<'p, T>>]> = (0..1usize << bits).map(|_| None).collect();
        for (name, value) in entries {
            let words = words(name);
            let mut at = spot(words, name, bits);
            loop {
                match slots.get_mut(at) {
                    Some(slot @ None) => {
                        *slot = Some(Entry { words, name, value });
                        break;
                    }
                    Some(Some(taken)) if taken.name == name => {
                        taken.value = value;
                        break;
                    }
                    Some(Some(_)) => at = (at + 1) & ((1 << bits) - 1),
                    // Not reached: `spot` is below the length.
                    None => break,
                }
            }
        }
        NameTable { slots, bits }
    }

    #[inline]
    pub(crate) fn get(&self, key: &str) -> Option<&T> {
        let words = words(key);
        let mut at = spot(words, key, self.bits);
        loop {
            match self.slots.get(at)? {
                Some(e) if e.words == words && e.name.len() == key.len() && (key.len() <= 16 || e.name == key) => {
                    return Some(&e.value);
                }
                Some(_) => at = (at + 1) & ((1 << self.bits) - 1),
                None => return None,
            }
        }
    }
}

struct Entry<'p, T> {
    /// The name's first 16 bytes, zero-padded (see [`words`]).
    words: (u64, u64),
    name: &'p str,
    value: T,
}

/// A name's bytes 0–7 and 8–15 as two integers, zero-padded: with the
/// length, names of up to 16 bytes are equal when these are.
fn words(name: &str) -> (u64, u64) {
    let bytes = name.as_bytes();
    (padded(bytes), bytes.get(8..).map_or(0, padded))
}

/// Where a name's search starts: its first bytes and its length, mixed
/// into the high bits.
fn spot((head, tail): (u64, u64), name: &str, bits: u32) -> usize {
    let h = (head ^ tail.rotate_left(29) ^ name.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> (64 - bits)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_is_found_and_nothing_else() {
        // Names alike in their first 8 bytes and length share a start.
        let names = [
            "id",
            "name",
            "nationality",
            "nationalityX",
            "nationalityY",
            "",
            "é",
            "a",
            "b",
            "contacts",
            "a_name_longer_than_16_a",
            "a_name_longer_than_16_b",
        ];
        let table = NameTable::new(names.iter().enumerate().map(|(i, n)| (*n, i)));
        for (i, n) in names.iter().enumerate() {
            assert_eq!(table.get(n), Some(&i), "{n:?}");
        }
        let missing = [
            "nam",
            "names",
            "nationalityZ",
            "nationality ",
            "e",
            "contacts\0",
            "a\0",
            "A",
            "a_name_longer_than_16_c",
            "a_name_longer_than_16",
        ];
        for missing in missing {
            assert_eq!(table.get(missing), None, "{missing:?}");
        }
        let many: Vec<String> = (0..200).map(|i| format!("field_{i}")).collect();
        let table = NameTable::new(many.iter().map(|n| (n.as_str(), n.len())));
        assert!(many.iter().all(|n| table.get(n) == Some(&n.len())));
        assert_eq!(table.get("field_200"), None);
    }

    #[test]
    fn of_a_name_given_twice_the_last_counts() {
        let table = NameTable::new([("a", 1), ("b", 2), ("a", 3)]);
        assert_eq!((table.get("a"), table.get("b")), (Some(&3), Some(&2)));
    }
}
