//! The screening desk: a page at `/` (HTML, CSS and JavaScript embedded in
//! the binary, nothing fetched from elsewhere) that uses only the service's
//! JSON API, and the endpoints it needs beyond the others: the service's
//! status, a search over stored ids and names, CSV read as records with the
//! rule set's declarations, and the review of the last reload (computed
//! when the reload is applied, from the old and the new snapshot).

mod review;
mod search;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::error::ApiError;
use super::http::Service;
use super::snapshot::Snapshot;

type Shared = Arc<Service>;

/// What the desk remembers between requests.
pub struct Desk {
    /// When the rules in service were loaded (ms since the epoch).
    loaded_at: Mutex<u64>,
    /// The review of the last reload applied.
    applied: Mutex<Option<Arc<Value>>>,
    /// The last reload refused: when, and its diagnostics.
    refused: Mutex<Option<Arc<Value>>>,
    /// The stored records' ids and names, for the search.
    names: search::NameCache,
}

impl Desk {
    /// Remembers that the rules in service were loaded now.
    pub fn new() -> Desk {
        Desk {
            loaded_at: Mutex::new(now_ms()),
            applied: Mutex::new(None),
            refused: Mutex::new(None),
            names: search::NameCache::default(),
        }
    }

    /// A reload from `old` to `new` is applied: reviews it (kept for
    /// `GET /v1/reloads/last`) and answers its summary.
    pub fn applied(&self, old: &Snapshot, new: &Snapshot) -> Value {
        let at = now_ms();
        let review = review::Review::of(old, new, at);
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

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The page and its files: no token needed (they hold no data).
pub fn pages() -> Router<Shared> {
    Router::new()
        .route("/", get(|| async { page("text/html; charset=utf-8", include_str!("desk/index.html")) }))
        .route("/desk/desk.css", get(|| async { page("text/css; charset=utf-8", include_str!("desk/desk.css")) }))
        .route("/desk/desk.js", get(|| async { page("text/javascript; charset=utf-8", include_str!("desk/desk.js")) }))
}

/// The desk's JSON endpoints (behind the token, as the rest of the API).
pub fn api() -> Router<Shared> {
    Router::new()
        .route("/v1/status", get(status))
        .route("/v1/search", get(search::search))
        .route("/v1/convert", post(search::convert_csv))
        .route("/v1/reloads/last", get(last_reload))
}

/// The metrics label of a desk route.
pub fn route_label(path: Option<&str>) -> &'static str {
    match path {
        Some("/") | Some("/desk/desk.css") | Some("/desk/desk.js") => "desk",
        Some("/v1/status") => "status",
        Some("/v1/search") => "search",
        Some("/v1/convert") => "convert",
        Some("/v1/reloads/last") => "reloads_last",
        _ => "other",
    }
}

/// The page runs only its own script and talks only to this service; a
/// record value that got into the markup would still not run.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                      img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn page(content_type: &'static str, text: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        text,
    )
        .into_response()
}

/// `GET /v1/reloads/last`: the review of the last reload applied, with
/// each changed record's verdict before and after (`null` before any).
async fn last_reload(State(service): State<Shared>) -> Response {
    let applied = locked(&service.desk.applied).clone();
    axum::Json(applied.map_or(Value::Null, |a| (*a).clone())).into_response()
}

/// `GET /v1/status`: the rule set in service, the store, decisions and
/// fires over the stored records, the last reload refused.
async fn status(State(service): State<Shared>) -> Result<Response, ApiError> {
    let snapshot = service.current.get();
    let counting = Arc::clone(&snapshot);
    let counts = tokio::task::spawn_blocking(move || Counts::of(&counting))
        .await
        .map_err(|e| ApiError::internal(&e.to_string()))?;
    let loaded_at = *locked(&service.desk.loaded_at);
    let refused = locked(&service.desk.refused).as_deref().cloned();
    let applied = locked(&service.desk.applied).as_deref().map(review::headline);
    let body = json!({
        "rules": snapshot.hash,
        "loaded_at": loaded_at,
        "as_of": snapshot.as_of.to_string(),
        "records": snapshot.entries(),
        "decision_log": if service.log.healthy() { "ok" } else { "unwritable" },
        "decisions": counts.decisions,
        "rules_fired": counts.rules,
        "last_reload": applied,
        "last_refused": refused,
    });
    Ok(axum::Json(body).into_response())
}

/// Decisions by outcome and fires by rule over the stored verdicts.
struct Counts {
    decisions: BTreeMap<&'static str, usize>,
    rules: Vec<Value>,
}

impl Counts {
    fn of(snapshot: &Snapshot) -> Counts {
        let mut decisions: BTreeMap<&'static str, usize> =
            ["allow", "flag", "deny", "error"].into_iter().map(|d| (d, 0)).collect();
        let mut fired: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for j in &snapshot.stored {
            *decisions.entry(j.decision.map_or("error", |d| d.as_str())).or_default() += 1;
            for rule in &j.fired {
                fired.entry(rule).or_default().0 += 1;
            }
            for rule in &j.waived {
                fired.entry(rule).or_default().1 += 1;
            }
        }
        let mut rules: Vec<(usize, usize, Value)> = snapshot
            .rules
            .program()
            .rules()
            .map(|r| {
                let (n, w) = fired.get(r.name.as_str()).copied().unwrap_or_default();
                let rule = json!({
                    "rule": r.name, "title": r.title, "type": r.record_type,
                    "effect": r.effect.as_str(), "severity": r.severity.as_str(),
                    "fired": n, "waived": w,
                });
                (n, w, rule)
            })
            .collect();
        // Most fired first; the rule set's order among equals.
        rules.sort_by(|a, b| (b.0, b.1).cmp(&(a.0, a.1)));
        Counts { decisions, rules: rules.into_iter().map(|(_, _, r)| r).collect() }
    }
}
