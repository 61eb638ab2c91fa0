//! A request body of records: one JSON object, a JSON array of them, or
//! JSON Lines, turned into one JSON Lines input named `body` (so an error's
//! position is `body:N`: the line of a JSON Lines body, the place of the
//! record in an array).

use serde_json::value::RawValue;

use super::error::ApiError;
use crate::records::Input;

/// The records of a body: the input to judge and each record's raw JSON
/// (for the decision log), in order.
pub struct BodyRecords {
    /// The records as JSON Lines.
    pub input: Input,
    /// Each record's text, one per entry the input will give.
    pub records: Vec<Vec<u8>>,
}

/// What the `Content-Type` says the body is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/json`: one record or an array of them.
    Json,
    /// `application/x-ndjson`, `application/jsonl` or `application/json-lines`.
    Lines,
}

impl BodyKind {
    /// The kind a `Content-Type` value names, or the 415 answer.
    pub fn of(content_type: Option<&str>) -> Result<BodyKind, ApiError> {
        let essence = content_type.and_then(|c| c.split(';').next()).map(|c| c.trim().to_ascii_lowercase());
        match essence.as_deref() {
            Some("application/json") => Ok(BodyKind::Json),
            Some("application/x-ndjson" | "application/jsonl" | "application/json-lines" | "application/jsonlines") => {
                Ok(BodyKind::Lines)
            }
            other => Err(ApiError::unsupported_type(other)),
        }
    }
}

/// Reads the records of `bytes`; at most `max_records` of them.
pub fn records(bytes: &[u8], kind: BodyKind, max_records: usize) -> Result<BodyRecords, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ApiError::not_utf8(e.valid_up_to()))?;
    match kind {
        BodyKind::Json => json_records(text, max_records),
        BodyKind::Lines => line_records(text, max_records),
    }
}

fn json_records(text: &str, max_records: usize) -> Result<BodyRecords, ApiError> {
    let items: Vec<&RawValue> = if text.trim_start().starts_with('[') {
        serde_json::from_str(text).map_err(|e| ApiError::bad_json(&e))?
    } else {
        vec![serde_json::from_str(text).map_err(|e| ApiError::bad_json(&e))?]
    };
    if items.len() > max_records {
        return Err(ApiError::too_many_records(items.len(), max_records));
    }
    let mut bytes = Vec::with_capacity(text.len());
    let mut records = Vec::with_capacity(items.len());
    for item in items {
        // One line each, as written otherwise (key order, repeated keys):
        // JSON strings hold no raw line breaks, so those are whitespace.
        let line: Vec<u8> = item.get().bytes().map(|b| if b == b'\n' || b == b'\r' { b' ' } else { b }).collect();
        bytes.extend_from_slice(&line);
        bytes.push(b'\n');
        records.push(line);
    }
    Ok(BodyRecords { input: Input::new("body", bytes), records })
}

fn line_records(text: &str, max_records: usize) -> Result<BodyRecords, ApiError> {
    let records: Vec<Vec<u8>> =
        text.lines().filter(|l| !l.trim().is_empty()).map(|l| l.trim().as_bytes().to_vec()).collect();
    if records.len() > max_records {
        return Err(ApiError::too_many_records(records.len(), max_records));
    }
    Ok(BodyRecords { input: Input::new("body", text.as_bytes().to_vec()), records })
}
