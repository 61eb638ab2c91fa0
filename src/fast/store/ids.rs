//! Records by id: the id map, built and probed a part at a time.
//!
//! The map is cut into parts by a hash of the id, a few thousand ids a
//! part, so that one part's map fits in a core's cache (up to a few
//! hundred parts: see [`MAX_PART_BITS`]). Ids are filed a
//! part at a time, the parts on all cores; links are looked up a round of
//! records at a time, gathered by part first, so each part's map is read
//! once a round instead of once a link. At 1M bench records the whole map
//! is some 34 MB, and a lookup straight into it was a cache and TLB miss
//! (resolving the 3.5M links took 225 ms on 2 cores, the most of any one
//! thing in a verdict-only run).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use rayon::prelude::*;

use crate::records::RecordIdx;

/// A hash map with a fast, seeded hasher (ids are attacker-controlled input,
/// so the seed matters; SipHash's cost does not).
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Text borrowed from the input, or owned when JSON escapes had to be decoded.
#[derive(Clone, Debug)]
pub(crate) enum Text<'a> {
    Borrowed(&'a str),
    Owned(Box<str>),
}

impl Text<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Text::Borrowed(s) => s,
            Text::Owned(s) => s,
        }
    }
}

/// Index of a record type in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct TypeId(pub(crate) u32);

/// A record id's first 8 bytes as one integer, zero-padded: ids compare
/// as these do, unless these tie.
pub(crate) fn id_prefix(id: &str) -> u64 {
    padded(id.as_bytes())
}

/// The first 8 of `bytes` as a big-endian integer, zero-padded. In whole
/// words where it can (a copy of variable length would be a `memcpy`
/// call; byte by byte, 40 instructions a key).
pub(super) fn padded(bytes: &[u8]) -> u64 {
    if let Some(word) = bytes.first_chunk::<8>() {
        return u64::from_be_bytes(*word);
    }
    if let (Some(head), Some(tail)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        // 4 to 7 bytes: two words that overlap in the middle.
        let tail = u64::from(u32::from_be_bytes(*tail)) << (8 * (8 - bytes.len()));
        return u64::from(u32::from_be_bytes(*head)) << 32 | tail;
    }
    (0..3).fold(0u64, |p, i| p << 8 | u64::from(bytes.get(i).copied().unwrap_or(0))) << 40
}

/// Where an id's record is, and its type: a link is checked against the
/// type it must have without reading the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Filed {
    pub(crate) idx: RecordIdx,
    pub(crate) ty: TypeId,
}

/// An id as a map key. An id of up to 7 bytes (`p-123`, most ids) is its
/// own key as one integer: its bytes, zero-padded, with its length in the
/// last byte; such an entry takes 16 bytes where a text key takes 32, and
/// compares without reading the input. An id of 8 to 15 bytes is its own
/// key as two integers (the bench's ids are that long from 1M records on,
/// `p1234567`, and keyed by their text they made every lookup read the
/// input too: at 10M records a third of the load). Longer ids are keyed
/// by their text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key<S> {
    Short(u64),
    Mid(u64, u64),
    Long(S),
}

impl<S: AsRef<str>> Key<S> {
    fn new(id: &str, long: impl FnOnce() -> S) -> Self {
        if id.len() <= 7 {
            return Key::Short(id_prefix(id) | id.len() as u64);
        }
        let bytes = id.as_bytes();
        match (bytes.get(..8), bytes.get(8..)) {
            (Some(first), Some(rest)) if rest.len() <= 7 => Key::Mid(padded(first), padded(rest) | bytes.len() as u64),
            _ => Key::Long(long()),
        }
    }

    /// Which of `2^bits` parts the key is filed in.
    #[inline]
    fn part(&self, bits: u32) -> usize {
        if bits == 0 {
            return 0;
        }
        let h = match self {
            Key::Short(k) => mix(*k),
            Key::Mid(a, b) => mix(a ^ mix(*b)),
            Key::Long(s) => {
                use std::hash::BuildHasher;
                mix(foldhash::fast::FixedState::with_seed(0).hash_one(s.as_ref()))
            }
        };
        (h >> (64 - bits)) as usize
    }
}

/// Scrambles every bit of `x` into the high ones (SplitMix64's finish):
/// the parts are taken from the high bits. Not seeded: ids made to fall in
/// one part make that part large, not the maps slow (theirs are seeded).
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A long id as a map key, with its first 8 bytes kept beside it: ids
/// compare mostly without reading the input they are borrowed from.
#[derive(Clone, Copy, Debug, Eq)]
struct LongKey<'a> {
    prefix: u64,
    id: &'a str,
}

impl<'a> LongKey<'a> {
    fn new(id: &'a str) -> Self {
        LongKey { prefix: id_prefix(id), id }
    }
}

impl PartialEq for LongKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.prefix == other.prefix
            && self.id.len() == other.id.len()
            && (self.id.len() <= 8 || self.id.as_bytes()[8..] == other.id.as_bytes()[8..])
    }
}

impl std::hash::Hash for LongKey<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.id.hash(h);
    }
}

/// One part of the map. Long ids are borrowed from the input or, when
/// JSON escapes were decoded, owned.
#[derive(Debug, Default)]
struct Part<'a> {
    short: FastMap<u64, Filed>,
    mid: FastMap<(u64, u64), Filed>,
    long: FastMap<LongKey<'a>, Filed>,
    owned: FastMap<Box<str>, Filed>,
}

impl<'a> Part<'a> {
    fn get(&self, key: &Key<&str>) -> Option<Filed> {
        match key {
            Key::Short(k) => self.short.get(k),
            Key::Mid(a, b) => self.mid.get(&(*a, *b)),
            Key::Long(s) => self.long.get(&LongKey::new(s)).or_else(|| self.owned.get(*s)),
        }
        .copied()
    }

    /// Files `key` as `found`, unless a record has it already: then that
    /// record, and nothing changes.
    fn insert_first(&mut self, key: Key<Text<'a>>, found: Filed) -> Option<Filed> {
        fn first<K: std::hash::Hash + Eq>(map: &mut FastMap<K, Filed>, key: K, found: Filed) -> Option<Filed> {
            match map.entry(key) {
                Entry::Occupied(e) => Some(*e.get()),
                Entry::Vacant(e) => {
                    e.insert(found);
                    None
                }
            }
        }
        match key {
            Key::Short(k) => first(&mut self.short, k, found),
            Key::Mid(a, b) => first(&mut self.mid, (a, b), found),
            Key::Long(Text::Borrowed(s)) => match self.owned.get(s) {
                Some(taken) => Some(*taken),
                None => first(&mut self.long, LongKey::new(s), found),
            },
            Key::Long(Text::Owned(s)) => match self.long.get(&LongKey::new(&s)) {
                Some(taken) => Some(*taken),
                None => first(&mut self.owned, s, found),
            },
        }
    }
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// Records by id (see the module's comment).
#[derive(Debug)]
pub(crate) struct IdMap<'a> {
    parts: Vec<Part<'a>>,
    /// `parts` has `2^bits` parts.
    bits: u32,
}

impl Default for IdMap<'_> {
    fn default() -> Self {
        IdMap { parts: vec![Part::default()], bits: 0 }
    }
}

/// Ids a part holds, about, up to [`MAX_PART_BITS`]: small enough for its
/// map to stay in a core's cache (16 bytes an id, 2 MB of cache a core
/// here).
const IDS_PER_PART: usize = 1 << 12;

/// The map has at most `2^MAX_PART_BITS` parts. Keys are gathered into
/// and results read back from a vector per part and chunk, so each part
/// is a stream written and read at once: past a few hundred streams
/// every key was a cache and TLB miss, more than the parts' maps missing
/// the core's cache cost. At 10M bench records (4,096 parts of 2,400
/// ids) resolving the links took 5.0-5.4 s of CPU; with 256 parts of
/// 39,000 ids, 3.3-3.4 s (128 or 64 parts: the same; 1,024: 3.8-4.1 s).
const MAX_PART_BITS: u32 = 8;

/// Items cut into this many chunks a core, each gathering its keys by part.
const CHUNKS_PER_THREAD: usize = 4;

/// Records whose links are looked up in one round, at least: the keys of
/// a round are held at once (some 40 bytes a link).
const ROUND: usize = 1 << 17;

/// Rounds a store's links are looked up in, at most: each part of the map
/// is read once a round, and a round's keys are held at once (a quarter
/// of 10M bench records' links took some 280 MB).
const ROUNDS: usize = 8;

impl<'a> IdMap<'a> {
    /// The map of `items`' ids (an item's index is its record's), and
    /// each item whose id an earlier one has, with that earlier one.
    pub(crate) fn build<T: Sync>(
        items: &[T],
        id_of: impl Fn(&T) -> (&Text<'a>, TypeId) + Sync,
    ) -> (IdMap<'a>, Vec<(RecordIdx, RecordIdx)>) {
        let bits = (items.len() / IDS_PER_PART).next_power_of_two().trailing_zeros().min(MAX_PART_BITS);
        let chunk = chunk_len(items.len());
        // Each chunk's keys by part, in order.
        let gathered: Vec<Vec<Gathered>> = (items.par_chunks(chunk).enumerate())
            .map(|(c, items)| {
                let mut parts: Vec<Gathered> = (0..1usize << bits).map(|_| Gathered::default()).collect();
                for (i, item) in items.iter().enumerate() {
                    let (id, ty) = id_of(item);
                    let key = Key::new(id.as_str(), || id.as_str());
                    let found = Filed { idx: RecordIdx(u32::try_from(c * chunk + i).unwrap_or(u32::MAX)), ty };
                    if let Some(part) = parts.get_mut(key.part(bits)) {
                        part.push(&key, found);
                    }
                }
                parts
            })
            .collect();
        let filed: Vec<(Part<'a>, Vec<(RecordIdx, RecordIdx)>)> = (0..1usize << bits)
            .into_par_iter()
            .map(|p| {
                let chunks = gathered.iter().filter_map(|chunk| chunk.get(p));
                let mut part = Part::default();
                part.short.reserve(chunks.clone().map(|g| g.short.len()).sum());
                part.mid.reserve(chunks.clone().map(|g| g.mid.len()).sum());
                let mut duplicates = Vec::new();
                let mut file = |key: Key<Text<'a>>, found: Filed| {
                    if let Some(first) = part.insert_first(key, found) {
                        duplicates.push((found.idx, first.idx));
                    }
                };
                // An id has one kind of key: filing each kind in record
                // order keeps the first record of each id.
                for g in chunks {
                    g.short.iter().for_each(|&(k, found)| file(Key::Short(k), found));
                    g.mid.iter().for_each(|&((a, b), found)| file(Key::Mid(a, b), found));
                    for &found in &g.long {
                        if let Some(item) = items.get(found.idx.index()) {
                            file(Key::Long(id_of(item).0.clone()), found);
                        }
                    }
                }
                (part, duplicates)
            })
            .collect();
        let mut duplicates: Vec<(RecordIdx, RecordIdx)> = filed.iter().flat_map(|(_, d)| d.iter().copied()).collect();
        duplicates.sort_unstable_by_key(|(d, _)| *d);
        (IdMap { parts: filed.into_iter().map(|(part, _)| part).collect(), bits }, duplicates)
    }

    pub(crate) fn get(&self, id: &str) -> Option<Filed> {
        let key = Key::new(id, || id);
        self.parts.get(key.part(self.bits))?.get(&key)
    }

    /// Looks up the ids `ids_of` gives of each item and hands what it
    /// found to `found`, item by item (with its index), in the same order:
    /// `found` calls `next` once for each id `ids_of` gave. Done a round of items at a
    /// time, each round's keys gathered by part and looked up a part at
    /// a time (see the module's comment).
    pub(crate) fn find_each<T: Send + Sync>(
        &self,
        items: &mut [T],
        ids_of: impl for<'t> Fn(&'t T, &mut dyn FnMut(&'t str)) + Sync,
        found: impl Fn(usize, &mut T, &mut dyn FnMut() -> Option<Filed>) + Sync,
    ) {
        let round = ROUND.max(items.len().div_ceil(ROUNDS));
        for (r, items) in items.chunks_mut(round).enumerate() {
            let chunk = chunk_len(items.len());
            let (order, results) = self.find_round(items, chunk, &ids_of);
            let chunks = items.par_chunks_mut(chunk).enumerate().zip(order).zip(results);
            chunks.for_each(|(((c, items), order), results)| {
                let mut taken = vec![0usize; results.len()];
                let mut order = order.into_iter();
                for (i, item) in items.iter_mut().enumerate() {
                    found(r * round + c * chunk + i, item, &mut || {
                        let p = usize::from(order.next()?);
                        let at = taken.get_mut(p)?;
                        *at += 1;
                        results.get(p)?.get(*at - 1).copied().flatten()
                    });
                }
            });
        }
    }

    /// For each chunk of `items`: the part of each id in order, and by
    /// part what was found for its ids.
    fn find_round<T: Sync>(
        &self,
        items: &[T],
        chunk: usize,
        ids_of: &(impl for<'t> Fn(&'t T, &mut dyn FnMut(&'t str)) + Sync),
    ) -> (Vec<Vec<u16>>, Vec<ByPart<Option<Filed>>>) {
        let parts = 1usize << self.bits;
        let (order, keys): (Vec<Vec<u16>>, Vec<ByPart<Key<&str>>>) = (items.par_chunks(chunk))
            .map(|items| {
                let mut order = Vec::new();
                let mut keys: Vec<Vec<Key<&str>>> = (0..parts).map(|_| Vec::new()).collect();
                for item in items {
                    ids_of(item, &mut |id| {
                        let key = Key::new(id, || id);
                        let p = key.part(self.bits);
                        if let Some(keys) = keys.get_mut(p) {
                            keys.push(key);
                            order.push(p as u16);
                        }
                    });
                }
                (order, keys)
            })
            .unzip();
        let by_part: Vec<Vec<Vec<Option<Filed>>>> = (self.parts.par_iter().enumerate())
            .map(|(p, part)| keys.iter().map(|chunk| chunk[p].iter().map(|k| part.get(k)).collect()).collect())
            .collect();
        // By chunk, then part.
        let mut by_chunk: Vec<ByPart<Option<Filed>>> = keys.iter().map(|_| Vec::with_capacity(parts)).collect();
        for part in by_part {
            for (chunk, found) in by_chunk.iter_mut().zip(part) {
                chunk.push(found);
            }
        }
        (order, by_chunk)
    }
}

/// Values by the part of the map they belong to.
type ByPart<T> = Vec<Vec<T>>;

/// A chunk's ids of one part, in record order, by kind of key: held for
/// every record at once, so without the id's text (a key and its record
/// in one took 40 bytes, 40 MB at 1M bench records; these take 16 or 24).
/// A long id's key is made again from its record.
#[derive(Default)]
struct Gathered {
    short: Vec<(u64, Filed)>,
    mid: Vec<((u64, u64), Filed)>,
    long: Vec<Filed>,
}

impl Gathered {
    fn push(&mut self, key: &Key<&str>, found: Filed) {
        match key {
            Key::Short(k) => self.short.push((*k, found)),
            Key::Mid(a, b) => self.mid.push(((*a, *b), found)),
            Key::Long(_) => self.long.push(found),
        }
    }
}

/// Items a chunk: a few chunks for each core.
fn chunk_len(items: usize) -> usize {
    items.div_ceil(rayon::current_num_threads() * CHUNKS_PER_THREAD).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_is_the_first_eight_bytes_zero_padded() {
        let bytewise = |b: &[u8]| (0..8).fold(0u64, |p, i| p << 8 | u64::from(b.get(i).copied().unwrap_or(0)));
        for len in 0..12 {
            let bytes: Vec<u8> = (1..=len as u8).map(|b| b.wrapping_mul(37)).collect();
            assert_eq!(padded(&bytes), bytewise(&bytes), "{len} bytes");
        }
    }

    #[test]
    fn long_keys_are_equal_only_for_equal_ids() {
        let same = |a: &str, b: &str| LongKey::new(a) == LongKey::new(b);
        assert!(same("p-1", "p-1") && same("person-000123", "person-000123") && same("", ""));
        assert!(!same("ab", "ab\0"), "zero padding must not make these equal");
        assert!(!same("person-000123", "person-000124"), "a difference past the 8th byte");
        assert!(!same("person-0", "person-00"));
        assert!(!same("é", "e"));
    }

    #[test]
    fn the_id_map_finds_each_id_and_only_it_whatever_its_key() {
        let ids = [
            "",
            "a",
            "ab",
            "ab\0",
            "p-1",
            "1234567",
            "12345678",
            "person-000123",
            "person-000124",
            "é",
            "12345678\0",
            "person-000000000123",
            "person-000000000124",
        ];
        // An id decoded from JSON escapes is owned; it is the same id.
        let again = [("p-1", 4), ("person-000123", 7), ("1234567", 5), ("person-000000000123", 11)];
        let mut items: Vec<(Text<'_>, TypeId)> = ids.iter().map(|id| (Text::Borrowed(id), TypeId(0))).collect();
        items.extend(again.iter().map(|(id, _)| (Text::Owned((*id).into()), TypeId(0))));
        items.extend([("new-and-long-id", true), ("a-new-and-longer-id", false)].into_iter().flat_map(
            |(id, owned_first)| {
                let owned = (Text::Owned(id.into()), TypeId(0));
                let borrowed = (Text::Borrowed(id), TypeId(0));
                if owned_first { [owned, borrowed] } else { [borrowed, owned] }
            },
        ));
        // Enough ids for many parts, all of them new.
        let many: Vec<String> = (0..20_000).map(|i| format!("m{i}{}", "x".repeat(i % 19))).collect();
        items.extend(many.iter().map(|id| (Text::Borrowed(id.as_str()), TypeId(1))));
        let (map, duplicates) = IdMap::build(&items, |(id, ty)| (id, *ty));
        assert!(map.bits >= 2, "{}", map.bits);
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(map.get(id), Some(Filed { idx: RecordIdx(i as u32), ty: TypeId(0) }), "{id:?}");
        }
        let n = ids.len() as u32;
        let mut expected: Vec<(u32, u32)> = (0..).zip(again).map(|(i, (_, first))| (n + i, first)).collect();
        expected.extend([(n + 5, n + 4), (n + 7, n + 6)]);
        let got: Vec<(u32, u32)> = duplicates.iter().map(|(d, f)| (d.0, f.0)).collect();
        assert_eq!(got, expected);
        for (i, id) in (n + 8..).zip(&many) {
            assert_eq!(map.get(id).map(|f| (f.idx.0, f.ty)), Some((i, TypeId(1))), "{id}");
        }
        for missing in ["abc", "person-000125", "person-000000000125", "m20000", "m1xx"] {
            assert_eq!(map.get(missing), None, "{missing}");
        }
    }

    /// Each item gets back what was found for each of its ids, in order,
    /// over rounds and parts.
    #[test]
    fn ids_looked_up_together_are_handed_back_in_order() {
        let ids: Vec<String> = (0..3_000).map(|i| format!("id-{i}{}", "-".repeat(i % 13))).collect();
        let items: Vec<(Text<'_>, TypeId)> = ids.iter().map(|id| (Text::Borrowed(id.as_str()), TypeId(2))).collect();
        let (map, _) = IdMap::build(&items, |(id, ty)| (id, *ty));
        // Each item asks for a few ids, some of them unknown.
        let mut asks: Vec<(Vec<String>, Vec<Option<u32>>)> = (0..ROUND + 5)
            .map(|i| {
                (
                    (0..i % 4)
                        .map(|k| if k == 2 { format!("no-{i}") } else { ids[(i * 7 + k) % ids.len()].clone() })
                        .collect(),
                    Vec::new(),
                )
            })
            .collect();
        map.find_each(
            &mut asks,
            |(ask, _), visit| ask.iter().for_each(|id| visit(id)),
            |i, (ask, got), next| {
                got.extend(ask.iter().map(|_| next().map(|f| f.idx.0)));
                // The item's index comes with it.
                got.push(Some(i as u32));
            },
        );
        for (i, (ask, got)) in asks.iter_mut().enumerate() {
            assert_eq!(got.pop(), Some(Some(i as u32)), "item {i}");
            let expected: Vec<Option<u32>> = ask.iter().map(|id| map.get(id).map(|f| f.idx.0)).collect();
            assert_eq!(got, &expected, "item {i}");
            assert_eq!(got.iter().filter(|f| f.is_none()).count(), usize::from(i % 4 == 3), "item {i}");
        }
    }
}
