//! JSON arrays and JSON Lines → [`RecordStore`]. Takes bytes, never opens files.

mod error;
mod load;
mod store;

pub use error::{RecordError, RecordErrorKind};
pub use load::Input;
pub use store::{Entry, Record, RecordIdx, RecordStore};
