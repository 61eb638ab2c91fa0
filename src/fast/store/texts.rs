//! Where a store read a part at a time keeps its texts. Records are
//! parsed borrowing the part of the input they were read from; each run
//! of records then copies the texts it keeps (ids, types, strings) into
//! one buffer of its own, on the thread that parsed it, and is moved onto
//! it, so the part can be dropped before the next is read. The buffers
//! outlive the store: it borrows from them as it would from its inputs
//! (the copying and moving is `keep`, in the store).

use std::sync::OnceLock;

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
        let mut new =
            Some(Box::new(Block { runs: (0..runs).map(|_| OnceLock::new()).collect(), next: OnceLock::new() }));
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
