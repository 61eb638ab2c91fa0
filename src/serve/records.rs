//! The routes that write the stored graph (`PUT /v1/records`, `DELETE
//! /v1/records/{id}`) and the stream of the decisions they change (`GET
//! /v1/changes`). Writes go one at a time (with reloads); each makes a new
//! snapshot that requests starting after it see whole.

use std::convert::Infallible;
use std::io;
use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, put};
use serde_json::json;
use tokio::sync::broadcast;

use super::body::{self, BodyKind};
use super::error::ApiError;
use super::http::{Service, Shared, log_entries, read_body, request_id, with_rules};
use super::judge::Judged;
use super::snapshot::Snapshot;
use super::write::Change;
use crate::fast::record_ids;

/// The routes that write the stored graph, and the stream of what they change.
pub(super) fn router() -> Router<Shared> {
    Router::new()
        .route("/v1/records", put(put_records))
        .route("/v1/records/{id}", delete(delete_record))
        .route("/v1/changes", get(changes))
}

/// How many change events wait for a slow subscriber before it misses some.
pub(super) const CHANGE_QUEUE: usize = 4096;

/// `PUT /v1/records`: one record, an array or JSON Lines; each is added,
/// or replaces the stored record with its id.
async fn put_records(State(service): State<Shared>, headers: HeaderMap, req: Request) -> Result<Response, ApiError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let kind = BodyKind::of(content_type)?;
    let bytes = read_body(&headers, req.into_body(), service.limits.max_body).await?;
    let body = body::records(&bytes, kind, service.limits.max_records)?;
    let snapshot = service.current.get();
    let ids = record_ids(&body.input, snapshot.rules.program())
        .map_err(|e| ApiError::unprocessable("bad_record", e.to_string()))?;
    let records: Vec<(String, Vec<u8>)> = ids.into_iter().zip(body.records).collect();
    write(&service, &headers, "upsert", records, Vec::new()).await
}

/// `DELETE /v1/records/{id}`.
async fn delete_record(
    State(service): State<Shared>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::bad_path(&e))?;
    if service.current.get().verdict(&id).is_none() {
        return Err(ApiError::no_record(&id));
    }
    write(&service, &headers, "delete", Vec::new(), vec![id]).await
}

/// Writes, logs the changed decisions, then puts the new snapshot in
/// service and tells the subscribers.
async fn write(
    service: &Service,
    headers: &HeaderMap,
    route: &'static str,
    records: Vec<(String, Vec<u8>)>,
    deleted: Vec<String>,
) -> Result<Response, ApiError> {
    if !service.log.healthy() {
        return Err(ApiError::log_unwritable());
    }
    let _one_at_a_time = service.reloading.lock().await;
    let (old, settings) = (service.current.get(), service.settings);
    let writing = Arc::clone(&old);
    let evidence = service.log_evidence;
    let (next, changes, judged) = tokio::task::spawn_blocking(move || -> io::Result<_> {
        let (next, changes) = writing.write(&records, &deleted, settings)?;
        let mut judged: Vec<Judged> = Vec::with_capacity(changes.len());
        for c in &changes {
            // Lines only where the log keeps them.
            let now = if evidence { next.line(&c.id, settings)? } else { next.verdict(&c.id).cloned() };
            judged.extend(now);
        }
        Ok((next, changes, judged))
    })
    .await
    .map_err(|e| ApiError::internal(&e.to_string()))?
    .map_err(|e| ApiError::internal(&e.to_string()))?;
    let request = request_id(service, headers);
    let entries = log_entries(service, &next, &request, route, next.as_of, &judged, None);
    if !service.log.append(entries).await {
        return Err(ApiError::log_unwritable());
    }
    let next = Arc::new(next);
    service.current.replace(Arc::clone(&next));
    for change in &changes {
        // No subscriber is not an error.
        let _ = service.changes.send(change_json(&next, &request, change).to_string());
    }
    let answer = json!({
        "rules": next.hash,
        "data": next.data_version,
        "records": next.entries(),
        "changed": changes.len(),
        "changes": changes.iter().map(|c| change_json(&next, &request, c)).collect::<Vec<_>>(),
    });
    Ok(with_rules(&next, axum::Json(answer).into_response()))
}

fn change_json(snapshot: &Snapshot, request: &str, change: &Change) -> serde_json::Value {
    let name = |d: Option<crate::eval::Decision>| d.map(|d| d.as_str());
    json!({
        "id": change.id,
        "before": name(change.before),
        "after": name(change.after),
        "rules": snapshot.hash,
        "data": snapshot.data_version,
        "request": request,
    })
}

/// `GET /v1/changes`: server-sent events, one `change` event per stored
/// record whose decision a write changed, from the moment of subscribing;
/// a subscriber too slow to keep up gets a `lagged` event saying how many
/// it missed.
async fn changes(State(service): State<Shared>) -> Response {
    let receiver = service.changes.subscribe();
    let stopping = service.stopping.clone();
    let stream = futures_util::stream::unfold((receiver, stopping), |(mut receiver, mut stopping)| async move {
        let received = tokio::select! {
            r = receiver.recv() => r,
            // Shutting down: the stream ends, so the connection can drain.
            _ = stopping.wait_for(|stop| *stop) => return None,
        };
        let event = match received {
            Ok(change) => Event::default().event("change").data(change),
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                Event::default().event("lagged").data(json!({ "missed": missed }).to_string())
            }
            Err(broadcast::error::RecvError::Closed) => return None,
        };
        Some((Ok::<_, Infallible>(event), (receiver, stopping)))
    });
    Sse::new(stream).keep_alive(KeepAlive::default()).into_response()
}
