//! JSON arrays and JSON Lines → [`RecordStore`]; CSV, YAML and FtM through
//! [`convert`]. Takes bytes, never opens files.

pub mod convert;
mod error;
mod ftm_model;
pub(crate) mod json;
pub(crate) mod load;
mod store;

pub use error::{RecordError, RecordErrorKind};
pub use load::{Input, Origin};
pub use store::{Entry, Record, RecordIdx, RecordStore};

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
