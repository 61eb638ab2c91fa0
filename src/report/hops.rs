//! The chains of hops written into one line's summaries, so that a chain
//! written again, or one that begins with the hops of one written (a
//! value read from a witness: the witness's chain and one hop more), is
//! copied from where it is rather than rendered anew. A witness's chain
//! is in the summary of the comparison read from it and in the
//! quantifier's own.

use std::sync::Arc;

use crate::eval::{Hop, Shown};

/// What tells a hop apart from the other hops of a line: for a hop to a
/// record, the addresses of its strings (its field, the record's id, type
/// and name), which the chains cloned from one share; for any other, the
/// hop's own address (only the chain holding it shows it). The evidence is
/// alive while its line is written, so one address is one string or hop.
type HopKey = [usize; 4];

fn address(s: &Arc<str>) -> usize {
    Arc::as_ptr(s) as *const u8 as usize
}

fn hop_key(h: &Hop) -> HopKey {
    match &h.to {
        Shown::Record { id, record_type, name } => {
            [address(&h.via), address(id), address(record_type), name.as_ref().map_or(0, address)]
        }
        _ => [std::ptr::from_ref(h) as usize, 0, 0, 0],
    }
}

/// A hop written: its key, its place in its chain, where its chain's text
/// begins and where its own ends. The marks of one chain are together, in
/// the order of its hops.
#[derive(Clone)]
struct Mark {
    key: HopKey,
    place: usize,
    start: usize,
    end: usize,
}

/// The hops a line has written, in one form (a chain's text in a
/// summary).
pub(super) struct HopsWritten {
    marks: Vec<Mark>,
}

impl HopsWritten {
    pub(super) const fn new() -> HopsWritten {
        HopsWritten { marks: Vec::new() }
    }

    /// Forgets the line's hops (the next line's evidence is other values,
    /// maybe at the same addresses).
    pub(super) fn clear(&mut self) {
        self.marks.clear();
    }

    /// Copies onto `out` the longest run of `hops`' first hops written
    /// before at the start of a chain, in this form, and says how many.
    /// Unless that is all of them, the copy is kept as the start of a new
    /// chain, whose further hops [`HopsWritten::note`] adds.
    pub(super) fn copy_start(&mut self, out: &mut Vec<u8>, hops: &[Hop]) -> usize {
        let Some((first, n)) = self.longest_start(hops) else { return 0 };
        let from = self.marks[first].start..self.marks[first + n - 1].end;
        let start = out.len();
        out.extend_from_within(from.clone());
        if n < hops.len() {
            let copied = self.marks.len();
            self.marks.extend_from_within(first..first + n);
            for m in &mut self.marks[copied..] {
                m.end = m.end - from.start + start;
                m.start = start;
            }
        }
        n
    }

    /// The first mark and the length of the longest run of marks that
    /// begins a chain with `hops`' first hops.
    fn longest_start(&self, hops: &[Hop]) -> Option<(usize, usize)> {
        let head = hop_key(hops.first()?);
        let mut best: Option<(usize, usize)> = None;
        for (i, m) in self.marks.iter().enumerate() {
            if m.place != 0 || m.key != head {
                continue;
            }
            let same = |n: usize| self.marks.get(i + n).is_some_and(|m| m.place == n && m.key == hop_key(&hops[n]));
            let n = (1..hops.len()).find(|&n| !same(n)).unwrap_or(hops.len());
            if best.is_none_or(|(_, longest)| n > longest) {
                best = Some((i, n));
                if n == hops.len() {
                    break;
                }
            }
        }
        best
    }

    /// Hop `place` of a chain whose text began at `start` ends at `end`.
    pub(super) fn note(&mut self, hop: &Hop, place: usize, start: usize, end: usize) {
        self.marks.push(Mark { key: hop_key(hop), place, start, end });
    }

    /// The text of the chain noted last, through its last hop noted.
    #[cfg(test)]
    fn last_range(&self) -> Option<std::ops::Range<usize>> {
        let last = self.marks.last()?;
        Some(last.start..last.end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(via: &Arc<str>, id: &str) -> Hop {
        Hop { via: via.clone(), to: Shown::Record { id: id.into(), record_type: "person".into(), name: None } }
    }

    /// Writes `hops` as `a/b/c`, through the memo; how many were copied.
    fn write(memo: &mut HopsWritten, out: &mut Vec<u8>, hops: &[Hop]) -> usize {
        let start = out.len();
        let copied = memo.copy_start(out, hops);
        if copied == hops.len() && copied > 0 {
            return copied;
        }
        for (i, hop) in hops.iter().enumerate().skip(copied) {
            if i > 0 {
                out.push(b'/');
            }
            if let Shown::Record { id, .. } = &hop.to {
                out.extend_from_slice(id.as_bytes());
            }
            memo.note(hop, i, start, out.len());
        }
        copied
    }

    #[test]
    fn a_chain_and_the_start_of_a_longer_one_are_copied() {
        let via: Arc<str> = "contacts".into();
        let short = vec![record(&via, "a"), record(&via, "b")];
        let mut long = short.clone();
        long.push(record(&via, "c"));
        let other = vec![record(&via, "a")];
        let mut memo = HopsWritten::new();
        let mut out = Vec::new();
        assert_eq!(write(&mut memo, &mut out, &long), 0);
        out.push(b' ');
        assert_eq!(write(&mut memo, &mut out, &short), 2);
        out.push(b' ');
        // Another record with the same text is not the same hop.
        assert_eq!(write(&mut memo, &mut out, &other), 0);
        out.push(b' ');
        let mut longer = long.clone();
        longer.push(record(&via, "d"));
        assert_eq!(write(&mut memo, &mut out, &longer), 3);
        assert_eq!(memo.last_range().map(|r| &out[r]), Some(&b"a/b/c/d"[..]));
        out.push(b' ');
        assert_eq!(write(&mut memo, &mut out, &longer), 4);
        assert_eq!(String::from_utf8(out).unwrap(), "a/b/c a/b a a/b/c/d a/b/c/d");
    }
}
