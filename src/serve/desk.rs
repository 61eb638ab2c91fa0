//! The screening desk: a page at `/` (HTML, CSS and JavaScript embedded in
//! the binary, nothing fetched from elsewhere) that uses only the service's
//! JSON API, and the endpoints it needs beyond the others: the service's
//! status, a search over stored ids and names, CSV read as records with the
//! rule set's declarations, and the review of the last reload (computed
//! when the reload is applied, from the old and the new snapshot).

mod review;
mod search;
mod state;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use state::locked;
pub use state::{Desk, Host};

use super::error::ApiError;
use super::snapshot::Snapshot;

/// The page and its files: no token needed (they hold no data).
pub fn pages<H: Host>() -> Router<Arc<H>> {
    Router::new()
        .route("/", get(|| async { page("text/html; charset=utf-8", include_str!("desk/index.html")) }))
        .route("/desk/desk.css", get(|| async { page("text/css; charset=utf-8", include_str!("desk/desk.css")) }))
        .route("/desk/desk.js", get(|| async { page("text/javascript; charset=utf-8", include_str!("desk/desk.js")) }))
}

/// The desk's JSON endpoints (behind the token, as the rest of the API).
pub fn api<H: Host>() -> Router<Arc<H>> {
    Router::new()
        .route("/v1/status", get(status::<H>))
        .route("/v1/search", get(search::search::<H>))
        .route("/v1/convert", post(search::convert_csv::<H>))
        .route("/v1/reloads/last", get(last_reload::<H>))
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
async fn last_reload<H: Host>(State(host): State<Arc<H>>) -> Response {
    let applied = locked(&host.desk().applied).clone();
    axum::Json(applied.map_or(Value::Null, |a| (*a).clone())).into_response()
}

/// `GET /v1/status`: the rule set in service, the store, decisions and
/// fires over the stored records, the last reload refused.
async fn status<H: Host>(State(host): State<Arc<H>>) -> Result<Response, ApiError> {
    let snapshot = host.snapshot();
    let counting = Arc::clone(&snapshot);
    let counts = tokio::task::spawn_blocking(move || Counts::of(&counting))
        .await
        .map_err(|e| ApiError::internal(&e.to_string()))?;
    let desk = host.desk();
    let loaded_at = *locked(&desk.loaded_at);
    let refused = locked(&desk.refused).as_deref().cloned();
    let applied = locked(&desk.applied).as_deref().map(review::headline);
    let body = json!({
        "rules": snapshot.hash,
        "loaded_at": loaded_at,
        "as_of": snapshot.as_of.to_string(),
        "records": snapshot.entries(),
        "decision_log": if host.log_healthy() { "ok" } else { "unwritable" },
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
        for j in snapshot.answers() {
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
        rules.sort_by_key(|r| std::cmp::Reverse((r.0, r.1)));
        Counts { decisions, rules: rules.into_iter().map(|(_, _, r)| r).collect() }
    }
}
