//! The store's input records in input order, kept as the errors and their
//! places alone: records are stored in input order, so an entry that is
//! not an error is the next record. A slot per entry (16 bytes) was 15 MB
//! at 1M bench records.

use crate::records::{RecordError, RecordIdx};

/// One input record in input order.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FastEntry<'e> {
    Record(RecordIdx),
    Error(&'e RecordError),
}

/// The input records in input order: the store's records, in index order,
/// with the errors in their places.
#[derive(Debug, Default)]
pub(crate) struct Entries {
    len: usize,
    /// (entry, error), in entry order.
    errors: Vec<(usize, Box<RecordError>)>,
}

impl Entries {
    /// The next entry is the next record.
    pub(crate) fn push_record(&mut self) {
        self.len += 1;
    }

    pub(crate) fn push_error(&mut self, error: Box<RecordError>) {
        self.errors.push((self.len, error));
        self.len += 1;
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Entry `i`, if there is one.
    pub(crate) fn get(&self, i: usize) -> Option<FastEntry<'_>> {
        if i >= self.len {
            return None;
        }
        let errors_before = self.errors.partition_point(|(at, _)| *at < i);
        Some(match self.errors.get(errors_before) {
            Some((at, error)) if *at == i => FastEntry::Error(error),
            _ => FastEntry::Record(RecordIdx(u32::try_from(i - errors_before).unwrap_or(u32::MAX))),
        })
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = FastEntry<'_>> {
        let mut errors = self.errors.iter().peekable();
        let mut records = 0u32;
        (0..self.len).map(move |i| match errors.next_if(|(at, _)| *at == i) {
            Some((_, error)) => FastEntry::Error(error),
            None => {
                records += 1;
                FastEntry::Record(RecordIdx(records - 1))
            }
        })
    }

    /// The entries with each record that `error_of` gives an error for
    /// turned into that error, the records after it moved up.
    pub(crate) fn with_errors(self, mut error_of: impl FnMut(RecordIdx) -> Option<Box<RecordError>>) -> Entries {
        let mut out = Entries { len: 0, errors: Vec::with_capacity(self.errors.len()) };
        let mut errors = self.errors.into_iter().peekable();
        let mut record = 0u32;
        for i in 0..self.len {
            if let Some((_, error)) = errors.next_if(|(at, _)| *at == i) {
                out.push_error(error);
                continue;
            }
            match error_of(RecordIdx(record)) {
                Some(error) => out.push_error(error),
                None => out.push_record(),
            }
            record += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::RecordErrorKind;
    use crate::source::Position;

    fn error(n: usize) -> Box<RecordError> {
        Box::new(RecordError::new(
            RecordErrorKind::DuplicateId,
            format!("e{n}"),
            Position { file: String::new(), line: 1, column: 1 },
        ))
    }

    fn shown(e: FastEntry<'_>) -> String {
        match e {
            FastEntry::Record(r) => format!("r{}", r.0),
            FastEntry::Error(e) => e.message().to_string(),
        }
    }

    /// Entries read one by one and in order agree, and records are
    /// numbered past the errors.
    #[test]
    fn records_are_numbered_around_the_errors() {
        let mut entries = Entries::default();
        for (i, is_error) in [true, false, false, true, true, false, true].into_iter().enumerate() {
            if is_error { entries.push_error(error(i)) } else { entries.push_record() }
        }
        let all: Vec<String> = entries.iter().map(shown).collect();
        assert_eq!(all, ["e0", "r0", "r1", "e3", "e4", "r2", "e6"]);
        let one_by_one: Vec<String> = (0..entries.len()).filter_map(|i| entries.get(i)).map(shown).collect();
        assert_eq!(one_by_one, all);
        assert!(entries.get(7).is_none());
        let moved = entries.with_errors(|r| (r.0 == 1).then(|| error(9)));
        assert_eq!(moved.iter().map(shown).collect::<Vec<_>>(), ["e0", "r0", "e9", "e3", "e4", "r1", "e6"]);
    }
}
