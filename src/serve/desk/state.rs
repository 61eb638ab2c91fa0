//! What the desk remembers between requests, and what it asks of the
//! service it is part of.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::review::Review;
use crate::records::RecordStore;
use crate::serve::error::ApiError;
use crate::serve::snapshot::{Data, Snapshot};

/// The service as the desk's handlers see it.
pub trait Host: Send + Sync + 'static {
    /// The snapshot requests are answered from now.
    fn snapshot(&self) -> Arc<Snapshot>;
    /// The desk's memory.
    fn desk(&self) -> &Desk;
    /// Whether the decision log can be written.
    fn log_healthy(&self) -> bool;
    /// `--max-body`.
    fn max_body(&self) -> usize;
}

/// The desk's memory.
pub struct Desk {
    /// When the rules in service were loaded (ms since the epoch).
    pub(super) loaded_at: Mutex<u64>,
    /// The review of the last reload applied.
    pub(super) applied: Mutex<Option<Arc<Value>>>,
    /// The last reload refused: when, and its diagnostics.
    pub(super) refused: Mutex<Option<Arc<Value>>>,
    /// The stored records' ids and names, for the search.
    pub(super) names: NameCache,
}

impl Desk {
    /// Remembers that the rules in service were loaded now.
    pub fn new() -> Desk {
        Desk {
            loaded_at: Mutex::new(now_ms()),
            applied: Mutex::new(None),
            refused: Mutex::new(None),
            names: NameCache::default(),
        }
    }

    /// A reload from `old` to `new` is applied: reviews it (kept for
    /// `GET /v1/reloads/last`) and answers its summary.
    pub fn applied(&self, old: &Snapshot, new: &Snapshot) -> Value {
        let at = now_ms();
        let review = Review::of(old, new, at);
        let summary = review.summary();
        *locked(&self.loaded_at) = at;
        *locked(&self.applied) = Some(Arc::new(review.full()));
        summary
    }

    /// A reload is refused: keeps its diagnostics for the status.
    pub fn refused(&self, error: &ApiError) {
        let refused = json!({
            "at": now_ms(),
            "message": error.message,
            "diagnostics": error.details.clone().unwrap_or(Value::Array(Vec::new())),
        });
        *locked(&self.refused) = Some(Arc::new(refused));
    }
}

impl Default for Desk {
    fn default() -> Desk {
        Desk::new()
    }
}

/// The lock's value, also after a panic elsewhere (each value is replaced whole).
pub fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A stored record as the search sees it.
pub struct Named {
    pub id: String,
    /// `id` and `name` lower-cased, for matching.
    pub folded_id: String,
    pub folded_name: String,
    pub name: Option<String>,
    pub record_type: String,
}

/// The names of one record graph, built at the first search over it.
#[derive(Default)]
pub struct NameCache {
    built: Mutex<Option<(usize, Arc<Vec<Named>>)>>,
}

impl NameCache {
    /// The names of `data`'s records, read now if they were not yet.
    pub fn of(&self, data: &Arc<Data>) -> Arc<Vec<Named>> {
        // The graph's address says which graph the names are of.
        let key = Arc::as_ptr(data) as usize;
        let mut built = locked(&self.built);
        if let Some((k, names)) = built.as_ref()
            && *k == key
        {
            return Arc::clone(names);
        }
        let names = Arc::new(names_of(data));
        *built = Some((key, Arc::clone(&names)));
        names
    }
}

fn names_of(data: &Data) -> Vec<Named> {
    let mut store = RecordStore::default();
    for input in data.inputs.iter().flatten() {
        store.add_input(input);
    }
    store
        .iter()
        .map(|(_, r)| Named {
            id: r.id().to_string(),
            folded_id: r.id().to_lowercase(),
            folded_name: r.name().unwrap_or_default().to_lowercase(),
            name: r.name().map(str::to_string),
            record_type: r.record_type().to_string(),
        })
        .collect()
}
