//! The routes: each handler takes the snapshot current when it starts and
//! answers from it alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::body::{self, BodyKind, BodyRecords};
use super::desk::{self, Desk};
use super::error::ApiError;
use super::judge::{Judged, Settings, content_hash};
use super::log::DecisionLog;
use super::metrics::{self, Metrics};
use super::snapshot::{Current, Snapshot, load_rules};
use crate::date::Date;
use crate::eval::EvalOptions;
use crate::fast::Evidence;
use crate::records::RecordStore;
use crate::reference::Engine;
use crate::report;

/// The header every answer from a rule set carries: its content hash.
pub const RULES_HEADER: &str = "interdict-rules";

/// What the limits on one request are.
#[derive(Clone, Copy, Debug)]
pub struct RequestLimits {
    /// Bytes in a body.
    pub max_body: usize,
    /// Records in a body.
    pub max_records: usize,
    /// Time to answer one request, body read included.
    pub request_timeout: Duration,
}

/// What every handler shares.
pub struct Service {
    pub(super) current: Current,
    pub(super) rules_path: std::path::PathBuf,
    pub(super) settings: Settings,
    /// `--as-of`; without it, the day (UTC) each request is judged on.
    pub(super) as_of: Option<Date>,
    pub(super) token: Option<String>,
    pub(super) log: DecisionLog,
    pub(super) metrics: Metrics,
    pub(super) limits: RequestLimits,
    /// `--log-evidence`: each log entry holds the verdict line answered.
    pub(super) log_evidence: bool,
    /// One reload at a time.
    pub(super) reloading: tokio::sync::Mutex<()>,
    /// The screening desk's memory (the last reload's review).
    pub(super) desk: Desk,
    pub(super) requests: AtomicU64,
    pub(super) started: u64,
    /// The decisions writes change, for `GET /v1/changes`.
    pub(super) changes: tokio::sync::broadcast::Sender<String>,
    /// Set when the service stops: streams end.
    pub(super) stopping: tokio::sync::watch::Receiver<bool>,
}

pub(super) type Shared = Arc<Service>;

impl desk::Host for Service {
    fn snapshot(&self) -> Arc<Snapshot> {
        self.current.get()
    }
    fn desk(&self) -> &Desk {
        &self.desk
    }
    fn log_healthy(&self) -> bool {
        self.log.healthy()
    }
    fn max_body(&self) -> usize {
        self.limits.max_body
    }
}

/// The router of the service; `writes` holds the routes that write the
/// stored graph (behind the token too).
pub fn router(service: Shared, writes: Router<Shared>) -> Router {
    let protected = Router::new()
        .route("/v1/check", post(check))
        .route("/v1/records/{id}", get(record))
        .merge(writes)
        .route("/v1/records/{id}/explain", get(explain))
        .route("/v1/reload", post(reload))
        .route("/metrics", get(metrics_text))
        .merge(desk::api())
        .route_layer(middleware::from_fn_with_state(Arc::clone(&service), authorize));
    Router::new()
        .route("/healthz", get(healthz))
        .merge(desk::pages())
        .merge(protected)
        .fallback(|req: Request| async move { ApiError::not_found(req.uri().path()) })
        .method_not_allowed_fallback(|req: Request| async move { ApiError::method(req.uri().path()) })
        .layer(middleware::from_fn_with_state(Arc::clone(&service), measure))
        .with_state(service)
}

/// Counts and times every answer; cuts off one that takes too long.
async fn measure(State(service): State<Shared>, req: Request, next: Next) -> Response {
    let route = route_label(req.extensions().get::<MatchedPath>().map(MatchedPath::as_str));
    let started = Instant::now();
    let response = match tokio::time::timeout(service.limits.request_timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::timeout().into_response(),
    };
    let labels = metrics::RouteStatus { route, status: response.status().as_u16() };
    service.metrics.requests.get_or_create(&labels).inc();
    service.metrics.latency.get_or_create(&metrics::Route { route }).observe(started.elapsed().as_secs_f64());
    response
}

fn route_label(path: Option<&str>) -> &'static str {
    match path {
        Some("/v1/check") => "check",
        Some("/v1/records") => "records",
        Some("/v1/records/{id}") => "record",
        Some("/v1/changes") => "changes",
        Some("/v1/records/{id}/explain") => "explain",
        Some("/v1/reload") => "reload",
        Some("/healthz") => "healthz",
        Some("/metrics") => "metrics",
        other => desk::route_label(other),
    }
}

/// With `--token-file`: a bearer token equal to it, compared in constant time.
async fn authorize(State(service): State<Shared>, req: Request, next: Next) -> Response {
    if let Some(token) = &service.token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
            return ApiError::unauthorized().into_response();
        }
    }
    next.run(req).await
}

async fn healthz(State(service): State<Shared>) -> Response {
    let snapshot = service.current.get();
    let healthy = service.log.healthy();
    let body = json!({
        "status": if healthy { "ok" } else { "unhealthy" },
        "rules": snapshot.hash,
        "records": snapshot.entries(),
        "decision_log": if healthy { "ok" } else { "unwritable" },
    });
    let status = if healthy { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    with_rules(&snapshot, (status, axum::Json(body)).into_response())
}

async fn metrics_text(State(service): State<Shared>) -> Response {
    service.metrics.stored_records.set(i64::try_from(service.current.get().entries()).unwrap_or(i64::MAX));
    service.metrics.log_queue.set(service.log.depth());
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    ([(header::CONTENT_TYPE, content_type)], service.metrics.text()).into_response()
}

/// `POST /v1/check[?evidence=false]`.
async fn check(State(service): State<Shared>, headers: HeaderMap, req: Request) -> Result<Response, ApiError> {
    let evidence = evidence_wanted(req.uri().query())?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let kind = BodyKind::of(content_type)?;
    let bytes = read_body(&headers, req.into_body(), service.limits.max_body).await?;
    let max_records = service.limits.max_records;
    let snapshot = service.current.get();
    let as_of = service.as_of.unwrap_or_else(Date::today);
    if !service.log.healthy() {
        return Err(ApiError::log_unwritable());
    }
    let (settings, judging) = (service.settings, Arc::clone(&snapshot));
    let (body, judged) = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let body = body::records(&bytes, kind, max_records)?;
        let judged = judging
            .judge_new(&body.input, as_of, settings, evidence)
            .map_err(|e| ApiError::internal(&e.to_string()))?;
        Ok((body, judged))
    })
    .await
    .map_err(|e| ApiError::internal(&e.to_string()))??;
    let request = request_id(&service, &headers);
    let entries = log_entries(&service, &snapshot, &request, "check", as_of, &judged, Some(&body));
    serve_decisions(&service, &snapshot, &request, entries, &judged).await
}

/// `GET /v1/records/{id}`: the stored record's verdict.
async fn record(
    State(service): State<Shared>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::bad_path(&e))?;
    let snapshot = service.current.get();
    let (rendering, settings) = (Arc::clone(&snapshot), service.settings);
    let judged = tokio::task::spawn_blocking(move || rendering.line(&id, settings).map(|j| j.ok_or(id)))
        .await
        .map_err(|e| ApiError::internal(&e.to_string()))?
        .map_err(|e| ApiError::internal(&e.to_string()))?
        .map_err(|id| ApiError::no_record(&id))?;
    let judged = std::slice::from_ref(&judged);
    let request = request_id(&service, &headers);
    let entries = log_entries(&service, &snapshot, &request, "record", snapshot.as_of, judged, None);
    serve_decisions(&service, &snapshot, &request, entries, judged).await
}

/// Logs the entries, then answers the lines (or 503 if the log failed).
async fn serve_decisions(
    service: &Service,
    snapshot: &Snapshot,
    request: &str,
    entries: Vec<u8>,
    judged: &[Judged],
) -> Result<Response, ApiError> {
    if !service.log.append(entries).await {
        return Err(ApiError::log_unwritable());
    }
    count_decisions(&service.metrics, judged);
    let body: Vec<u8> = judged.iter().flat_map(|j| j.line.iter().copied()).collect();
    let mut response = ([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(request) {
        response.headers_mut().insert("x-request-id", v);
    }
    Ok(with_rules(snapshot, response))
}

fn count_decisions(metrics: &Metrics, judged: &[Judged]) {
    for j in judged {
        let decision = j.decision.map_or("error", |d| d.as_str());
        metrics.decisions.get_or_create(&metrics::Outcome { decision }).inc();
        for rule in &j.fired {
            metrics.fires.get_or_create(&metrics::RuleLabel { rule: rule.clone() }).inc();
        }
    }
}

/// `GET /v1/records/{id}/explain`: explain's JSON (reference engine).
async fn explain(State(service): State<Shared>, id: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::bad_path(&e))?;
    let snapshot = service.current.get();
    if snapshot.verdict(&id).is_none() {
        return Err(ApiError::no_record(&id));
    }
    let (settings, as_of, explaining) = (service.settings, snapshot.as_of, Arc::clone(&snapshot));
    let body = tokio::task::spawn_blocking(move || explain_json(&explaining, &id, as_of, settings))
        .await
        .map_err(|e| ApiError::internal(&e.to_string()))??;
    let response = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
    Ok(with_rules(&snapshot, response))
}

/// How many levels of linked records explain follows (as `interdict explain`).
const LINK_DEPTH: usize = 8;

fn explain_json(snapshot: &Snapshot, id: &str, as_of: Date, settings: Settings) -> Result<Vec<u8>, ApiError> {
    let mut store = RecordStore::default();
    for input in &snapshot.data_now().inputs {
        match input {
            Ok(input) => store.add_input(input),
            Err(e) => store.push_error(e.clone()),
        }
    }
    let program = snapshot.rules.program();
    let rec = store.lookup(id).ok_or_else(|| ApiError::no_record(id))?;
    let engine =
        Engine::new(program, &store, EvalOptions { as_of }).with_limits(settings.limits).strict(settings.strict);
    if let Some(unfit) = engine.unfit(rec) {
        return Err(ApiError::unprocessable("record_unfit", unfit.to_string()));
    }
    let explanation =
        engine.explain(rec, None, LINK_DEPTH).map_err(|e| ApiError::unprocessable("eval_error", e.to_string()))?;
    let mut out = Vec::new();
    report::write_explain_json(&mut out, program, &store, &explanation)
        .map_err(|e| ApiError::internal(&e.to_string()))?;
    Ok(out)
}

/// `POST /v1/reload`: the rules read again; refused (422) when they have errors.
async fn reload(State(service): State<Shared>) -> Result<Response, ApiError> {
    let (summary, snapshot) = reload_rules(&service).await?;
    Ok(with_rules(&snapshot, axum::Json(summary).into_response()))
}

/// Reads the rules again and puts them in service; the summary says which
/// stored records' decisions they change.
pub(super) async fn reload_rules(service: &Shared) -> Result<(serde_json::Value, Arc<Snapshot>), ApiError> {
    let _one_at_a_time = service.reloading.lock().await;
    let old = service.current.get();
    let (path, settings, as_of, data) =
        (service.rules_path.clone(), service.settings, service.as_of.unwrap_or_else(Date::today), old.data_now());
    let loaded = tokio::task::spawn_blocking(move || match load_rules(&path) {
        Ok(rules) => {
            Snapshot::new(rules, data, as_of, settings).map(Ok).map_err(|e| ApiError::internal(&e.to_string()))
        }
        Err(errors) => Ok(Err(errors)),
    })
    .await
    .map_err(|e| ApiError::internal(&e.to_string()))??;
    let new = match loaded {
        Ok(new) => Arc::new(new),
        Err(errors) => {
            service.metrics.reloads.get_or_create(&metrics::Result { result: "refused" }).inc();
            let refused = ApiError::rules_refused(&errors);
            service.desk.refused(&refused);
            return Err(refused);
        }
    };
    // The review renders the listed records' verdicts before and after: off
    // the async workers.
    let summary = {
        let (service, new) = (Arc::clone(service), Arc::clone(&new));
        tokio::task::spawn_blocking(move || service.desk.applied(&old, &new, settings))
            .await
            .map_err(|e| ApiError::internal(&e.to_string()))?
    };
    service.current.replace(Arc::clone(&new));
    service.metrics.reloads.get_or_create(&metrics::Result { result: "ok" }).inc();
    Ok((summary, new))
}

pub(super) fn with_rules(snapshot: &Snapshot, mut response: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&snapshot.hash) {
        response.headers_mut().insert(RULES_HEADER, v);
    }
    response
}

fn evidence_wanted(query: Option<&str>) -> Result<Evidence, ApiError> {
    let mut evidence = Evidence::Full;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("evidence", "false")) => evidence = Evidence::Omitted,
            Some(("evidence", "true")) => evidence = Evidence::Full,
            _ => return Err(ApiError::bad_query(&format!("`{pair}`: the only parameter is `evidence=true|false`"))),
        }
    }
    Ok(evidence)
}

/// The body, at most `max` bytes (a larger `Content-Length` is refused
/// before anything is read).
pub(super) async fn read_body(headers: &HeaderMap, body: Body, max: usize) -> Result<Vec<u8>, ApiError> {
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(ApiError::body_too_large(max));
    }
    match axum::body::to_bytes(body, max).await {
        Ok(bytes) => Ok(bytes.to_vec()),
        Err(e) if is_length_limit(&e) => Err(ApiError::body_too_large(max)),
        Err(e) => Err(ApiError::body_unread(&e)),
    }
}

fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.to_string().contains("length limit exceeded") {
            return true;
        }
        source = s.source();
    }
    false
}

/// The client's `X-Request-Id` when it is short and printable, else one made here.
pub(super) fn request_id(service: &Service, headers: &HeaderMap) -> String {
    let given = headers.get("x-request-id").and_then(|v| v.to_str().ok());
    match given {
        Some(id) if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_graphic()) => id.to_string(),
        _ => format!("{:x}-{}", service.started, service.requests.fetch_add(1, Ordering::Relaxed)),
    }
}

/// One decision-log line per verdict served (errors are not decisions).
pub(super) fn log_entries(
    service: &Service,
    snapshot: &Snapshot,
    request: &str,
    route: &str,
    as_of: Date,
    judged: &[Judged],
    body: Option<&BodyRecords>,
) -> Vec<u8> {
    let mut out = Vec::new();
    if !service.log.enabled() {
        return out;
    }
    let time_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
    // A body's records pair with its answers when every line gave one.
    let records = body.map(|b| &b.records).filter(|r| r.len() == judged.len());
    for (i, j) in judged.iter().enumerate() {
        let Some(decision) = j.decision else { continue };
        let record = records.and_then(|r| r.get(i));
        let raw = record.and_then(|r| serde_json::from_slice::<&serde_json::value::RawValue>(r).ok());
        let entry = json!({
            "time_ms": time_ms,
            "request": request,
            "route": route,
            "rules": snapshot.hash,
            "data": snapshot.data_version,
            "as_of": as_of.to_string(),
            "id": j.id,
            "record_hash": record.map(|r| content_hash([r.as_slice()])),
            "decision": decision.as_str(),
            "fired": j.fired,
            "waived": j.waived,
            "record": raw,
        });
        let mut entry = entry;
        if service.log_evidence {
            entry["verdict"] = serde_json::from_slice(&j.line).unwrap_or_default();
        }
        if serde_json::to_writer(&mut out, &entry).is_ok() {
            out.push(b'\n');
        }
    }
    out
}
