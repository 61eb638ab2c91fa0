//! Client errors: each a 4xx (or a 503 while the decision log cannot be
//! written) with a JSON body that names the problem.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::RuleError;

/// An answer that is not a verdict.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable, machine-readable name of the problem.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// More, where there is more (the diagnostics of a refused reload).
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError { status, code, message: message.into(), details: None }
    }

    pub(super) fn unsupported_type(given: Option<&str>) -> ApiError {
        let given = given.map_or_else(|| "no Content-Type".to_string(), |t| format!("Content-Type `{t}`"));
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("{given}: send `application/json` (a record or an array) or `application/x-ndjson` (JSON Lines)"),
        )
    }

    pub(super) fn not_utf8(valid_up_to: usize) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "not_utf8",
            format!("the body is not UTF-8 (invalid byte at offset {valid_up_to})"),
        )
    }

    pub(super) fn bad_json(e: &serde_json::Error) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_json",
            format!("the body is not JSON: {e} (body line {}, column {})", e.line(), e.column()),
        )
    }

    pub(super) fn too_many_records(given: usize, max: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_records",
            format!("{given} records in the body; at most {max} a request (`--max-records`)"),
        )
    }

    pub(super) fn body_too_large(max: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is over {max} bytes (`--max-body`)"),
        )
    }

    pub(super) fn body_unread(e: &dyn std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "body_unread", format!("the body could not be read: {e}"))
    }

    pub(super) fn timeout() -> ApiError {
        ApiError::new(StatusCode::REQUEST_TIMEOUT, "timeout", "the request took longer than `--request-timeout`")
    }

    pub(super) fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid `Authorization: Bearer TOKEN` header is required",
        )
    }

    pub(super) fn no_record(id: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "no_record", format!("no stored record has the id `{id}`"))
    }

    pub(super) fn not_found(path: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "no_route", format!("no route `{path}`; see docs/serve.md"))
    }

    pub(super) fn method(path: &str) -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("`{path}` does not take this method"),
        )
    }

    pub(super) fn bad_path(e: &dyn std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_path", format!("bad path: {e}"))
    }

    pub(super) fn bad_query(e: &dyn std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_query", format!("bad query string: {e}"))
    }

    pub(super) fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub(super) fn rules_refused(errors: &[RuleError]) -> ApiError {
        let n = errors.len();
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rules_refused",
            format!("{n} problem{} in the rule set; the rules in service are unchanged", crate::report::plural(n)),
        );
        e.details = Some(diagnostics_json(errors));
        e
    }

    pub(super) fn log_unwritable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "decision_log_unwritable",
            "the decision log cannot be written; no decision is served until it can (see /healthz)",
        )
    }

    pub(super) fn internal(what: &str) -> ApiError {
        // Not a 500: the request is refused as one the service cannot
        // answer now, and the service goes on.
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            format!("the request could not be answered: {what}"),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": { "code": self.code, "message": self.message } });
        if let (Some(details), Some(error)) = (self.details, body.get_mut("error")) {
            error["diagnostics"] = details;
        }
        (self.status, axum::Json(body)).into_response()
    }
}

/// Rule errors as JSON: one object each, as miette's JSON report handler
/// writes a diagnostic (message, code, severity, help, labels with their
/// span), each label with its `line` and `column` (from 1) added.
fn diagnostics_json(errors: &[RuleError]) -> serde_json::Value {
    let handler = miette::JSONReportHandler::new();
    let rendered = errors.iter().filter_map(|e| {
        let mut out = String::new();
        handler.render_report(&mut out, e).ok()?;
        let mut json = serde_json::from_str::<serde_json::Value>(&out).ok()?;
        add_lines(e, &mut json);
        Some(json)
    });
    serde_json::Value::Array(rendered.collect())
}

/// The line and column of each label, which miette's JSON gives as a byte span.
fn add_lines(error: &RuleError, json: &mut serde_json::Value) {
    use miette::Diagnostic;
    let (Some(source), Some(labels)) = (error.source_code(), error.labels()) else { return };
    let Some(rendered) = json.get_mut("labels").and_then(|l| l.as_array_mut()) else { return };
    for (label, out) in labels.zip(rendered) {
        if let Ok(at) = source.read_span(label.inner(), 0, 0) {
            out["line"] = json!(at.line() + 1);
            out["column"] = json!(at.column() + 1);
        }
    }
}
