//! JSON arrays and JSON Lines → [`RecordStore`]; CSV, YAML and FtM through
//! [`convert`]. Takes bytes, never opens files.

pub mod convert;
mod error;
mod ftm_model;
pub(crate) mod json;
pub(crate) mod lines;
pub(crate) mod load;
mod store;

pub use error::{RecordError, RecordErrorKind};
pub use load::{Input, Origin};
pub use store::{Entry, Record, RecordIdx, RecordStore};

use std::borrow::Cow;

use crate::source::Position;

/// What reports need to know about a record, whichever store holds it.
pub trait Records {
    /// The record's id.
    fn id(&self, r: RecordIdx) -> &str;
    /// Its type.
    fn record_type(&self, r: RecordIdx) -> &str;
    /// Its label for people, shown beside its id: the `name` field if that
    /// is a string; else `caption` if that is one (FollowTheMoney's display
    /// name, kept by [`convert`]); else the first element of a `name` list,
    /// if a string (FtM gives every property as a list).
    fn name(&self, r: RecordIdx) -> Option<&str>;
    /// Where it was read.
    fn position(&self, r: RecordIdx) -> Position;
    /// Where it was read, as (file, line, column): the file name borrowed
    /// where the store can lend it (a report writes one for every record).
    fn source(&self, r: RecordIdx) -> (Cow<'_, str>, usize, usize) {
        let p = self.position(r);
        (Cow::Owned(p.file), p.line, p.column)
    }
}

impl Records for RecordStore {
    fn id(&self, r: RecordIdx) -> &str {
        self.record(r).id()
    }
    fn record_type(&self, r: RecordIdx) -> &str {
        self.record(r).record_type()
    }
    fn name(&self, r: RecordIdx) -> Option<&str> {
        self.record(r).name()
    }
    fn position(&self, r: RecordIdx) -> Position {
        RecordStore::position(self, r)
    }
}
