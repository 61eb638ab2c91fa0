//! `GET /v1/search`: stored records by id prefix or name, for the page's
//! completion; `POST /v1/convert`: CSV read as records, typed by the rule
//! set's declarations, as `check` reads a `.csv` file.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::state::{Host, Named};
use crate::fixtures::declared_columns;
use crate::records::convert::{ConvertOptions, InputFormat, convert};
use crate::records::{Input, Origin};
use crate::serve::error::ApiError;
use crate::serve::snapshot::Snapshot;

/// Search answers at most this many records.
const MAX_FOUND: usize = 100;

/// `GET /v1/search?q=TEXT[&limit=N]`: ids that start with `q` first, then
/// ids and names that hold it (case ignored), at most `limit` (20; ≤ 100).
pub async fn search<H: Host>(State(host): State<Arc<H>>, req: Request) -> Result<Response, ApiError> {
    let (query, limit) = search_query(req.uri().query())?;
    let found = tokio::task::spawn_blocking(move || {
        let snapshot = host.snapshot();
        let names = host.desk().names.of(&snapshot);
        found(&names, &snapshot, &query.to_lowercase(), limit)
    })
    .await
    .map_err(|e| ApiError::internal(&e.to_string()))?;
    Ok(axum::Json(json!({ "records": found })).into_response())
}

fn found(names: &[Named], snapshot: &Snapshot, query: &str, limit: usize) -> Vec<Value> {
    let starts = names.iter().filter(|n| n.folded_id.starts_with(query));
    let holds = names
        .iter()
        .filter(|n| !n.folded_id.starts_with(query) && (n.folded_id.contains(query) || n.folded_name.contains(query)));
    starts
        .chain(holds)
        .take(limit)
        .map(|n| {
            let decision = snapshot.verdict(&n.id).and_then(|j| j.decision);
            json!({
                "id": n.id, "type": n.record_type, "name": n.name,
                "decision": decision.map(|d| d.as_str()),
            })
        })
        .collect()
}

fn search_query(query: Option<&str>) -> Result<(String, usize), ApiError> {
    let (mut text, mut limit) = (String::new(), 20);
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("q", v)) => text = percent_decoded(v)?,
            Some(("limit", v)) => {
                limit = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_FOUND).contains(n))
                    .ok_or_else(|| ApiError::bad_query(&format!("`limit={v}`: a number from 1 to {MAX_FOUND}")))?;
            }
            _ => return Err(ApiError::bad_query(&format!("`{pair}`: the parameters are `q` and `limit`"))),
        }
    }
    Ok((text, limit))
}

/// A query string value: `+` is a space, `%XX` a byte; UTF-8 once decoded.
fn percent_decoded(v: &str) -> Result<String, ApiError> {
    let bad = || ApiError::bad_query(&format!("`{v}` is not percent-encoded UTF-8"));
    let mut bytes = Vec::with_capacity(v.len());
    let mut rest = v.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = rest.get(..2).and_then(|h| std::str::from_utf8(h).ok()).ok_or_else(bad)?;
                bytes.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                rest = &rest[2..];
            }
            _ => bytes.push(b),
        }
    }
    String::from_utf8(bytes).map_err(|_| bad())
}

/// `POST /v1/convert[?type=T]` with a `text/csv` body: `{"records": [...],
/// "errors": [{"line", "message"}]}`, each row typed by the declarations
/// (`type` names the type of rows without a `type` column).
pub async fn convert_csv<H: Host>(
    State(host): State<Arc<H>>,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, ApiError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if !content_type.is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/csv")) {
        return Err(ApiError::unprocessable("not_csv", "send the CSV with `Content-Type: text/csv`"));
    }
    let record_type = match req.uri().query().and_then(|q| q.strip_prefix("type=")) {
        Some(t) => Some(percent_decoded(t)?),
        None => None,
    };
    let max = host.max_body();
    let bytes = axum::body::to_bytes(req.into_body(), max).await.map_err(|_| ApiError::body_too_large(max))?;
    let snapshot = host.snapshot();
    let options = ConvertOptions {
        record_type,
        columns: declared_columns(snapshot.rules.program()),
        ..ConvertOptions::default()
    };
    let converted = convert(Input::new("body", bytes.to_vec()), InputFormat::Csv, &options);
    Ok(axum::Json(rows_json(&converted)).into_response())
}

fn rows_json(converted: &Input) -> Value {
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in converted.bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()).enumerate() {
        match converted.origins.get(i) {
            Some(Origin::Error(e)) => {
                errors.push(json!({ "line": e.position().line, "message": e.to_string() }));
            }
            _ => records.push(serde_json::from_slice::<Value>(line).unwrap_or(Value::Null)),
        }
    }
    json!({ "records": records, "errors": errors })
}
