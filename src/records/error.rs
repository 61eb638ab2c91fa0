//! Errors of the records layer: one per bad input record (or unreadable rest
//! of a file), each with file, line and column. Never fatal to the run.

use std::fmt;

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::source::Position;

/// A record that could not be read.
#[derive(Clone, Debug)]
pub struct RecordError {
    // Boxed: errors are rare and travel in `Result`s and entries that are
    // otherwise small.
    inner: Box<Inner>,
}

#[derive(Clone, Debug)]
struct Inner {
    kind: RecordErrorKind,
    message: String,
    position: Position,
    id: Option<String>,
    help: Option<String>,
    first: Option<Position>,
    excerpt: Option<Excerpt>,
}

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RecordErrorKind {
    /// The text is not JSON: `{"id": "p-1",`, invalid UTF-8.
    Json,
    /// A JSON value that is not an object: `[1, 2]`, `"p-1"`.
    NotAnObject,
    /// No `id`, or an `id` that is not a non-empty string.
    BadId,
    /// No `type`, or a `type` that is not a non-empty string.
    BadType,
    /// An `id` already used by an earlier record.
    DuplicateId,
    /// The rest of a file could not be split into records.
    Unreadable,
    /// The file itself could not be read.
    Io,
    /// A CSV row that cannot be read: ragged, bad UTF-8, a value that is
    /// not of its declared type.
    Csv,
    /// YAML that cannot be read, or a YAML record that is not a mapping.
    Yaml,
    /// With `--strict`: a record that does not fit its `entity` declaration
    /// (a required field missing, an undeclared key, a value not of its type).
    DoesNotFit,
}

impl RecordErrorKind {
    /// A stable code, e.g. `interdict::records::duplicate_id`.
    pub fn code(self) -> &'static str {
        match self {
            RecordErrorKind::Json => "interdict::records::json",
            RecordErrorKind::NotAnObject => "interdict::records::not_an_object",
            RecordErrorKind::BadId => "interdict::records::bad_id",
            RecordErrorKind::BadType => "interdict::records::bad_type",
            RecordErrorKind::DuplicateId => "interdict::records::duplicate_id",
            RecordErrorKind::Unreadable => "interdict::records::unreadable",
            RecordErrorKind::Io => "interdict::records::io",
            RecordErrorKind::Csv => "interdict::records::csv",
            RecordErrorKind::Yaml => "interdict::records::yaml",
            RecordErrorKind::DoesNotFit => "interdict::records::does_not_fit",
        }
    }
}

impl RecordError {
    /// A new error at `position`.
    pub(crate) fn new(kind: RecordErrorKind, message: impl Into<String>, position: Position) -> Self {
        RecordError {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                position,
                id: None,
                help: None,
                first: None,
                excerpt: None,
            }),
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.inner.help = Some(help.into());
        self
    }

    pub(crate) fn with_id(mut self, id: impl Into<String>) -> Self {
        self.inner.id = Some(id.into());
        self
    }

    pub(crate) fn with_first(mut self, first: Position) -> Self {
        self.inner.first = Some(first);
        self
    }

    /// Keeps the offending line (around `column`) to show under the message.
    pub(crate) fn with_line(mut self, line: &[u8]) -> Self {
        self.inner.excerpt = Excerpt::new(&self.inner.position, line);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> RecordErrorKind {
        self.inner.kind
    }

    /// The message, one line.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Where: file, line and column (columns count bytes).
    pub fn position(&self) -> &Position {
        &self.inner.position
    }

    /// The record's id, when it could be read.
    pub fn id(&self) -> Option<&str> {
        self.inner.id.as_deref()
    }

    /// What to do about it.
    pub fn help_text(&self) -> Option<&str> {
        self.inner.help.as_deref()
    }

    /// For a duplicate id: where the id was first used.
    pub fn first(&self) -> Option<&Position> {
        self.inner.first.as_ref()
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl std::error::Error for RecordError {}

impl miette::Diagnostic for RecordError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.inner.kind.code()))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        let first = self.inner.first.as_ref().map(|p| format!("first used at {p}"));
        match (&self.inner.help, first) {
            (Some(h), Some(f)) => Some(Box::new(format!("{f}\n{h}"))),
            (Some(h), None) => Some(Box::new(h.clone())),
            (None, Some(f)) => Some(Box::new(f)),
            (None, None) => None,
        }
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.inner.excerpt.as_ref().map(|e| e as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let e = self.inner.excerpt.as_ref()?;
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(Some("here".to_string()), e.at))))
    }
}

/// One input line (or a window of a long one), numbered as in its file.
#[derive(Clone, Debug)]
struct Excerpt {
    name: String,
    line: usize,
    /// Bytes of the line left out before `text`.
    column: usize,
    text: String,
    at: SourceSpan,
}

/// Lines longer than this are cut to a window around the error.
const EXCERPT_WIDTH: usize = 100;

impl Excerpt {
    fn new(position: &Position, line: &[u8]) -> Option<Excerpt> {
        if line.is_empty() {
            return None;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let col = position.column.saturating_sub(1).min(line.len());
        let start = if line.len() <= EXCERPT_WIDTH { 0 } else { col.saturating_sub(EXCERPT_WIDTH / 2) };
        let end = (start + EXCERPT_WIDTH).min(line.len());
        // Control characters would garble the terminal; show them as `?`.
        let clean = |bytes: &[u8]| -> String {
            String::from_utf8_lossy(bytes).chars().map(|c| if c.is_control() && c != '\t' { '?' } else { c }).collect()
        };
        let before = clean(&line[start..col]);
        let rest = clean(&line[col..end]);
        let at = before.len();
        let width = rest.chars().next().map_or(0, char::len_utf8);
        let text = before + &rest;
        Some(Excerpt { name: position.file.clone(), line: position.line, column: start, text, at: (at, width).into() })
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.line.saturating_sub(1),
            inner.column() + self.column,
            inner.line_count(),
        )))
    }
}
