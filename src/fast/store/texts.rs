//! Where a store read a part at a time keeps its texts. Records are
//! parsed borrowing the part of the input they were read from; each run
//! of records then copies the texts it keeps (ids, types, strings) into
//! one buffer of its own, on the thread that parsed it, and is moved onto
//! it, so the part can be dropped before the next is read. The buffers
//! outlive the store: it borrows from them as it would from its inputs.

use std::sync::OnceLock;

use super::{FVal, Parsed, Text, rebased};
use crate::records::RecordError;

/// The texts a store keeps, a buffer per run of records: append-only, so
/// that a buffer, once filled, stays where it is while others are added.
#[derive(Debug, Default)]
pub(crate) struct Texts {
    first: OnceLock<Box<Block>>,
}

/// The buffers of one part's runs, and the next part's.
#[derive(Debug)]
struct Block {
    runs: Box<[OnceLock<String>]>,
    next: OnceLock<Box<Block>>,
}

impl Texts {
    /// Room for the buffers of `runs` runs, each filled once.
    pub(super) fn block(&self, runs: usize) -> &[OnceLock<String>] {
        let mut at = &self.first;
        let mut new = Some(Box::new(Block { runs: (0..runs).map(|_| OnceLock::new()).collect(), next: OnceLock::new() }));
        loop {
            if let Some(block) = at.get() {
                at = &block.next;
                continue;
            }
            // Blocks are added by one thread; another's would be passed over.
            match new.take().map(|new| at.set(new)) {
                Some(Err(back)) => new = Some(back),
                _ => return at.get().map_or(&[], |block| &block.runs),
            }
        }
    }
}

impl Drop for Texts {
    /// One block after another, not nested: a long chain dropped by each
    /// block dropping the next would overflow the stack.
    fn drop(&mut self) {
        let mut next = self.first.take();
        while let Some(mut block) = next {
            next = block.next.take();
        }
    }
}

/// `parsed` moved onto a copy of the texts it borrows, put in `room`:
/// ids, types (a type the record before has is not copied again) and
/// strings, in record order. Texts decoded from escapes stay owned.
pub(super) fn keep<'p, 'a>(
    parsed: Vec<Result<Parsed<'p>, RecordError>>,
    room: &'a OnceLock<String>,
) -> Vec<Result<Parsed<'a>, RecordError>> {
    let mut len = 0;
    each_text(&parsed, |s| len += s.len());
    let mut copy = String::with_capacity(len);
    each_text(&parsed, |s| copy.push_str(s));
    let mut rest: &'a str = room.get_or_init(|| copy);
    let mut take = |t: Text<'p>| -> Text<'a> {
        match t {
            Text::Owned(s) => Text::Owned(s),
            Text::Borrowed(s) => match rest.split_at_checked(s.len()) {
                Some((here, after)) if here == s => {
                    rest = after;
                    Text::Borrowed(here)
                }
                // Not this run's copy (a room filled twice): a copy of its own.
                _ => Text::Owned(s.into()),
            },
        }
    };
    let mut last_type: Option<(&'p str, &'a str)> = None;
    (parsed.into_iter())
        .map(|p| {
            let p = p?;
            let record_type = match (p.record_type, last_type) {
                (Text::Borrowed(ty), Some((was, kept))) if ty == was => Text::Borrowed(kept),
                (Text::Borrowed(ty), _) => {
                    let kept = take(Text::Borrowed(ty));
                    if let Text::Borrowed(kept) = kept {
                        last_type = Some((ty, kept));
                    }
                    kept
                }
                (Text::Owned(owned), _) => Text::Owned(owned),
            };
            Ok(Parsed {
                // The type first: the order `each_text` copied them in.
                record_type,
                id: take(p.id),
                fields: p.fields.into_vec().into_iter().map(|(f, v)| (f, rebased(v, &mut take))).collect(),
                line: p.line,
                column: p.column,
                misfits: p.misfits,
            })
        })
        .collect()
}

/// Each text the records of `parsed` borrow, in the order `keep` takes
/// them: a record's type (unless the one before has it), its id, its
/// strings.
fn each_text<'p>(parsed: &[Result<Parsed<'p>, RecordError>], mut visit: impl FnMut(&'p str)) {
    fn val<'p>(v: &FVal<'p>, visit: &mut impl FnMut(&'p str)) {
        match v {
            FVal::Str(Text::Borrowed(s)) => visit(s),
            FVal::List(items) => items.iter().for_each(|i| val(i, visit)),
            _ => {}
        }
    }
    let mut last_type = None;
    for p in parsed.iter().flatten() {
        if let Text::Borrowed(ty) = p.record_type
            && last_type != Some(ty)
        {
            visit(ty);
            last_type = Some(ty);
        }
        if let Text::Borrowed(id) = p.id {
            visit(id);
        }
        p.fields.iter().for_each(|(_, v)| val(v, &mut visit));
    }
}
