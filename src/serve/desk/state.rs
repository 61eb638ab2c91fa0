//! What the desk remembers between requests, and what it asks of the
//! service it is part of.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::review::Review;
use crate::serve::error::ApiError;
use crate::serve::judge::Settings;
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
    pub fn applied(&self, old: &Snapshot, new: &Snapshot, settings: Settings) -> Value {
        let at = now_ms();
        let review = Review::of(old, new, at, settings);
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
    built: Mutex<Option<(String, Arc<Vec<Named>>)>>,
}

impl NameCache {
    /// The names of the snapshot's records, read now if they were not yet.
    pub fn of(&self, snapshot: &Snapshot) -> Arc<Vec<Named>> {
        // The data version says which graph the names are of (writes change it).
        let mut built = locked(&self.built);
        if let Some((k, names)) = built.as_ref()
            && *k == snapshot.data_version
        {
            return Arc::clone(names);
        }
        let names = Arc::new(names_of(&snapshot.data_now()));
        *built = Some((snapshot.data_version.clone(), Arc::clone(&names)));
        names
    }
}

/// The id, type and name of every stored record: only those keys are read
/// (the rest skipped), so this costs a fraction of loading a store.
fn names_of(data: &Data) -> Vec<Named> {
    let mut names = Vec::new();
    for input in data.inputs.iter().flatten() {
        let bytes = input.bytes.as_slice();
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            // A JSON array; one that does not read is left out (its
            // records stay findable by id, from their verdicts).
            let heads: Vec<Head<'_>> = serde_json::from_slice(bytes).unwrap_or_default();
            names.extend(heads.into_iter().filter_map(Head::named));
        } else {
            let heads = bytes.split(|&b| b == b'\n').filter_map(|l| serde_json::from_slice::<Head<'_>>(l).ok());
            names.extend(heads.filter_map(Head::named));
        }
    }
    names
}

/// The keys of a record the search reads; `name` as a record's name is:
/// its `name` if a string, else `caption` if one, else the first of a
/// `name` list (FollowTheMoney's).
#[derive(serde::Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow)]
    record_type: Option<Cow<'a, str>>,
    name: Option<Value>,
    caption: Option<Value>,
}

impl Head<'_> {
    fn named(self) -> Option<Named> {
        let id = self.id?.into_owned();
        let name = match (self.name, self.caption) {
            (Some(Value::String(n)), _) => Some(n),
            (_, Some(Value::String(c))) => Some(c),
            (Some(Value::Array(list)), _) => list.into_iter().next().and_then(|v| v.as_str().map(str::to_string)),
            _ => None,
        };
        Some(Named {
            folded_id: id.to_lowercase(),
            folded_name: name.as_deref().unwrap_or_default().to_lowercase(),
            id,
            name,
            record_type: self.record_type.map(Cow::into_owned).unwrap_or_default(),
        })
    }
}
