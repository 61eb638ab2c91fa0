//! JSON Lines read a part at a time: a large file is never held whole.
//! Each part is whole lines (a line longer than a part makes its part
//! longer), read while the part before is parsed and dropped once its
//! records have copied what they keep.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use super::load::Input;

/// Bytes of JSON Lines read at a time, about: 1M bench records are 108 MB.
/// Three parts are held at a time (one parsed, one read, one to read
/// into next): 16 MB parts held ~30 MB more at the peak of 1M bench
/// records (a megabyte is some 9,000 records).
pub(crate) const PART_BYTES: usize = 4 << 20;

/// An input as it is to be read: whole, or JSON Lines a part at a time.
pub(crate) enum Source {
    /// Read whole: a JSON array, converted records (CSV, YAML, FtM), or a
    /// file with nothing but blanks.
    Whole(Input),
    /// JSON Lines as written, the first part read.
    Lines(LineParts),
}

impl Source {
    /// `source` read as JSON: a part at a time unless its first non-blank
    /// byte opens an array (then it is read whole).
    /// `len`: the source's length, when known.
    pub(crate) fn json(
        name: String,
        source: Box<dyn Read + Send>,
        len: Option<u64>,
        part_bytes: usize,
    ) -> io::Result<Source> {
        let spare = Spare::default();
        let mut parts = LineParts { name, source, len, pending: Vec::new(), part_bytes, ended: false, spare };
        // The first part grows until it holds something other than blanks.
        let first = loop {
            // At least a byte order mark's three bytes, to see past it.
            parts.fill(parts.pending.len() + part_bytes.max(3))?;
            let text = parts.pending.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(&parts.pending);
            match text.iter().find(|b| !b.is_ascii_whitespace()) {
                Some(first) => break Some(*first),
                None if parts.ended => break None,
                None => {}
            }
        };
        if first.is_none_or(|b| b == b'[') {
            let mut bytes = std::mem::take(&mut parts.pending);
            parts.source.read_to_end(&mut bytes)?;
            return Ok(Source::Whole(Input::new(parts.name, bytes)));
        }
        Ok(Source::Lines(parts))
    }
}

/// Buffers of parts read and parsed, handed back to be read into again:
/// a new buffer for every part was a page fault every 4 KB of input.
#[derive(Clone, Default)]
pub(crate) struct Spare(Arc<Mutex<Vec<Vec<u8>>>>);

impl Spare {
    /// Hands `bytes` back (emptied) for a later part.
    pub(crate) fn give(&self, mut bytes: Vec<u8>) {
        bytes.clear();
        if let Ok(mut spare) = self.0.lock()
            && spare.len() < 2
        {
            spare.push(bytes);
        }
    }

    fn take(&self) -> Vec<u8> {
        self.0.lock().ok().and_then(|mut spare| spare.pop()).unwrap_or_default()
    }
}

/// JSON Lines read a part at a time, each part whole lines.
pub(crate) struct LineParts {
    name: String,
    source: Box<dyn Read + Send>,
    len: Option<u64>,
    /// Read and not yet handed out: the start of a line the last part cut.
    pending: Vec<u8>,
    part_bytes: usize,
    /// The source has no more.
    ended: bool,
    spare: Spare,
}

impl LineParts {
    /// The file's name, as given.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// Where a part's buffer goes once parsed, to be read into again.
    pub(crate) fn spare(&self) -> Spare {
        self.spare.clone()
    }

    /// About how many lines are still to come, to make room for records:
    /// the first part's, in proportion to the source's length.
    pub(crate) fn lines_expected(&self) -> usize {
        // Counted in the first megabyte: counting them all was 3 % of the
        // instructions of a run.
        let sample = self.pending.get(..1 << 20).unwrap_or(&self.pending);
        let lines = memchr::memchr_iter(b'\n', sample).count() + 1;
        let read = sample.len().max(1) as u64;
        let len = self.len.unwrap_or(self.pending.len() as u64);
        (lines as f64 * (len.max(read) as f64 / read as f64) * 1.02) as usize + 16
    }

    /// Reads until `pending` holds `want` bytes or the source ends.
    fn fill(&mut self, want: usize) -> io::Result<()> {
        if self.ended || self.pending.len() >= want {
            return Ok(());
        }
        let missing = (want - self.pending.len()) as u64;
        self.pending.reserve(want - self.pending.len());
        let read = (&mut self.source).take(missing).read_to_end(&mut self.pending)?;
        self.ended = (read as u64) < missing;
        Ok(())
    }

    /// The next part: whole lines, the last of them ended by a newline
    /// unless it ends the file; `None` at the end.
    fn next_part(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut want = self.part_bytes;
        loop {
            self.fill(want)?;
            // Cut after the last newline, unless the file ends here.
            let cut = match memchr::memrchr(b'\n', &self.pending) {
                _ if self.ended => Some(self.pending.len()),
                Some(newline) => Some(newline + 1),
                None => None,
            };
            match cut {
                Some(0) => return Ok(None),
                Some(cut) => {
                    let mut next = self.spare.take();
                    next.extend_from_slice(&self.pending[cut..]);
                    self.pending.truncate(cut);
                    return Ok(Some(std::mem::replace(&mut self.pending, next)));
                }
                // One line longer than the part: a longer part.
                None => want = self.pending.len().saturating_mul(2),
            }
        }
    }
}

impl Iterator for LineParts {
    type Item = io::Result<Vec<u8>>;

    fn next(&mut self) -> Option<io::Result<Vec<u8>>> {
        let next = self.next_part();
        if next.is_err() {
            // Nothing after a read that failed.
            self.ended = true;
            self.pending = Vec::new();
        }
        next.transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str, part_bytes: usize) -> Vec<String> {
        let source = Box::new(io::Cursor::new(text.as_bytes().to_vec()));
        match Source::json("t.jsonl".into(), source, None, part_bytes) {
            Ok(Source::Lines(parts)) => {
                parts.map(|p| String::from_utf8_lossy(&p.unwrap_or_else(|e| panic!("{e}"))).into_owned()).collect()
            }
            Ok(Source::Whole(input)) => vec![format!("whole {}", String::from_utf8_lossy(&input.bytes))],
            Err(e) => panic!("{e}"),
        }
    }

    /// Parts are whole lines and, one after the other, the file: a line
    /// longer than a part makes its part longer, the last line may have no
    /// newline, and an array (after blanks and a byte order mark) or a
    /// file of blanks is read whole.
    #[test]
    fn parts_are_whole_lines_and_the_whole_file() {
        let text = "{\"a\":1}\n{\"b\":\"a long line, longer than a part\"}\n\n{\"c\":3}";
        for size in 1..text.len() + 2 {
            let got = parts(text, size);
            assert_eq!(got.concat(), text, "{size}");
            assert!(got.iter().all(|p| !p.is_empty()));
            assert!(got.iter().rev().skip(1).all(|p| p.ends_with('\n')), "{size}: {got:?}");
        }
        assert_eq!(parts("{\"a\":1}\n{\"b\":2}\n", 3), ["{\"a\":1}\n", "{\"b\":2}\n"]);
        assert_eq!(parts("\u{feff} \n\n  [1,\n2]\n", 2), ["whole \u{feff} \n\n  [1,\n2]\n"]);
        assert_eq!(parts(" \n\n", 1), ["whole  \n\n"]);
        assert_eq!(parts("", 1), ["whole "]);
    }
}
