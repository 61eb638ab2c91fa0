//! Bytes → records. A file whose first non-blank byte is `[` is a JSON
//! array; anything else is read as JSON Lines (one record per line).
//!
//! A bad record becomes a [`RecordError`] in its place and reading goes on;
//! only text that cannot be split into records at all (an unterminated
//! array element) ends a file early, with one error saying so.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use rayon::prelude::*;

use super::error::{RecordError, RecordErrorKind as K};
use crate::source::Position;

/// One input: a file's name as given (or `<stdin>`) and its bytes.
#[derive(Clone, Debug)]
pub struct Input {
    /// Shown in positions.
    pub name: String,
    /// The raw content: JSON or JSON Lines.
    pub bytes: Vec<u8>,
    /// Empty when `bytes` is the file as written. Otherwise `bytes` is JSON
    /// Lines converted from another format (CSV, YAML, FtM: see
    /// [`convert`](super::convert)) and line `i` of it came from
    /// `origins[i]`.
    pub origins: Vec<Origin>,
}

impl Input {
    /// An input read as it is: JSON or JSON Lines.
    pub fn new(name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Input {
        Input { name: name.into(), bytes: bytes.into(), origins: Vec::new() }
    }
}

/// Where one line of a converted input came from.
#[derive(Clone, Debug)]
pub enum Origin {
    /// The record's line and column in the original file.
    At {
        /// 1-based line.
        line: u32,
        /// 1-based column.
        column: u32,
    },
    /// The original could not be converted: this error stands in its place
    /// (the converted line is a placeholder).
    Error(RecordError),
}

/// A record read from an input, before ids are checked across inputs.
#[derive(Debug)]
pub(crate) struct RawRecord {
    pub(crate) id: String,
    pub(crate) record_type: String,
    pub(crate) fields: Map<String, Value>,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

pub(crate) enum Loaded {
    Record(RawRecord),
    Error(RecordError),
}

/// One input record's text (by byte range), or an error where the input
/// could not be split into records.
pub(crate) enum Piece {
    /// `at`: the line and column of `start`, when splitting already knew them.
    Value {
        start: usize,
        end: usize,
        line_mode: bool,
        at: Option<(u32, u32)>,
    },
    Error(RecordError),
}

/// An input split into the texts of its records: parsing each (in any
/// order, on any thread) is up to the caller.
pub(crate) fn split(input: &Input) -> (Reader<'_>, Vec<Piece>) {
    let reader = Reader::new(input);
    let bytes = reader.bytes;
    let mut out = Vec::new();
    match bytes.iter().position(|b| !b.is_ascii_whitespace()) {
        Some(_) if !input.origins.is_empty() => reader.json_lines(&mut out),
        Some(start) if bytes[start] == b'[' => {
            reader.array(start, &mut out);
            // A JSON Lines file whose first line happens to start with `[`
            // (a stray array, a damaged record): read it line by line, or
            // every record after that line would be lost in one error.
            if out.iter().any(|p| matches!(p, Piece::Error(_))) && second_line_is_a_record(&bytes[start..]) {
                out.clear();
                reader.json_lines(&mut out);
            }
        }
        Some(_) => reader.json_lines(&mut out),
        None => {}
    }
    (reader, out)
}

/// Bytes of JSON Lines read as one run: some 600 bench records.
const RUN_BYTES: usize = 1 << 16;

/// A run of whole lines of JSON Lines: `start` is a line start, `end` one
/// past a newline (or the end of the input).
pub(crate) struct LineRun {
    start: usize,
    end: usize,
    /// The 0-based line at `start`.
    first_line: usize,
    /// How many lines it has (its newlines, and a last line without one).
    lines: usize,
}

impl LineRun {
    /// How many lines the run has, about (as many records at most).
    pub(crate) fn lines(&self) -> usize {
        self.lines
    }
}

/// JSON Lines as written (not converted, not an array: what [`split`]
/// reads line by line), cut into runs of whole lines to be read on all
/// cores: the lines are found run by run, and no line index is built
/// unless an error needs one; and how many newlines there are. `None` for
/// any other input.
pub(crate) fn line_runs(input: &Input) -> Option<(Reader<'_>, Vec<LineRun>, usize)> {
    let reader = Reader::new(input);
    let bytes = reader.bytes;
    let first = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    if !input.origins.is_empty() || bytes[first] == b'[' {
        return None;
    }
    let (runs, newlines) = reader.runs();
    Some((reader, runs, newlines))
}

impl Reader<'_> {
    /// The reader's bytes cut into runs of whole lines (see [`line_runs`]),
    /// and how many newlines they hold.
    pub(crate) fn runs(&self) -> (Vec<LineRun>, usize) {
        let bytes = self.bytes;
        let mut ends = Vec::with_capacity(bytes.len() / RUN_BYTES + 1);
        let mut start = 0;
        while start < bytes.len() {
            let from = (start + RUN_BYTES).min(bytes.len());
            let end = memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |i| from + i + 1);
            ends.push((start, end));
            start = end;
        }
        // The first line of each run: its newlines counted on all cores.
        let newlines: Vec<usize> =
            ends.par_iter().map(|&(start, end)| memchr::memchr_iter(b'\n', &bytes[start..end]).count()).collect();
        let mut first_line = self.first_line;
        let runs = ends
            .into_iter()
            .zip(newlines)
            .map(|((start, end), n)| {
                let run = LineRun { start, end, first_line, lines: n + 1 };
                first_line += n;
                run
            })
            .collect();
        (runs, first_line - self.first_line)
    }
}

/// Whether the second non-blank line is a whole JSON object by itself, as
/// in JSON Lines (in a pretty-printed array it is `{` or ends with `},`).
fn second_line_is_a_record(bytes: &[u8]) -> bool {
    let mut lines = bytes.split(|b| *b == b'\n').map(<[u8]>::trim_ascii).filter(|l| !l.is_empty());
    lines.next();
    lines.next().is_some_and(|l| l.len() >= 2 && l.starts_with(b"{") && l.ends_with(b"}"))
}

/// Reads every record of one input, in order.
pub(crate) fn read(input: &Input) -> Vec<Loaded> {
    let (reader, pieces) = split(input);
    pieces
        .into_iter()
        .map(|p| match p {
            Piece::Value { start, end, line_mode, .. } => reader.value(&reader.bytes[start..end], start, line_mode),
            Piece::Error(e) => Loaded::Error(e),
        })
        .collect()
}

/// What a record holds under `id` or `type`.
pub(crate) enum Found<'a> {
    Missing,
    Str(&'a str),
    /// Anything else, described (`the number \`5\``).
    Other(String),
}

/// Byte offsets of line starts, for positions.
#[derive(Debug)]
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(bytes: &[u8]) -> Self {
        let mut starts = vec![0];
        // memchr scans a word at a time: this pass reads every input byte.
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 0-based line of an offset.
    fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }
}

pub(crate) struct Reader<'a> {
    name: &'a str,
    pub(crate) bytes: &'a [u8],
    bom: usize,
    /// Built when first needed: JSON Lines read in runs need it only for errors.
    lines: OnceLock<LineIndex>,
    origins: &'a [Origin],
    /// The 0-based line of the file at `bytes`' start: a part of JSON
    /// Lines read on its own (see [`super::lines`]) begins after others.
    first_line: usize,
}

impl<'a> Reader<'a> {
    fn new(input: &'a Input) -> Self {
        Reader::part(&input.name, &input.bytes, 0).with_origins(&input.origins)
    }

    /// A reader of JSON Lines written as they are, whose first line is
    /// line `first_line` (0-based) of file `name`: a byte order mark is
    /// skipped on the file's first line only.
    pub(crate) fn part(name: &'a str, bytes: &'a [u8], first_line: usize) -> Self {
        let text = match first_line {
            0 => bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes),
            _ => bytes,
        };
        let bom = bytes.len() - text.len();
        Reader { name, bytes: text, bom, lines: OnceLock::new(), origins: &[], first_line }
    }

    fn with_origins(self, origins: &'a [Origin]) -> Self {
        Reader { origins, ..self }
    }

    fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(self.bytes))
    }

    /// The piece of each non-blank line of `run`, in order.
    pub(crate) fn run_pieces(&self, run: &LineRun, mut f: impl FnMut(Piece)) {
        let (mut start, mut line) = (run.start, run.first_line);
        while start < run.end {
            let newline = memchr::memchr(b'\n', &self.bytes[start..run.end]).map(|i| start + i);
            let end = newline.unwrap_or(run.end);
            if let Some(piece) = self.line_piece(line, start, end) {
                f(piece);
            }
            start = end + 1;
            line += 1;
        }
    }

    /// The piece of line `i` (0-based), `start..end` without its newline;
    /// `None` when it is blank.
    fn line_piece(&self, i: usize, start: usize, end: usize) -> Option<Piece> {
        if let Some(Origin::Error(e)) = self.origins.get(i) {
            return Some(Piece::Error(e.clone()));
        }
        let lead = self.bytes[start..end].iter().position(|b| !b.is_ascii_whitespace())?;
        let column = lead + 1 + if i == 0 { self.bom } else { 0 };
        let at = match self.origins.get(i) {
            Some(Origin::At { line, column }) => Some((*line, *column)),
            _ => u32::try_from(i + 1).ok().zip(u32::try_from(column).ok()),
        };
        Some(Piece::Value { start: start + lead, end, line_mode: true, at })
    }
}

impl Reader<'_> {
    /// 1-based line and byte column of an offset.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = self.lines().line_of(offset);
        if let Some(Origin::At { line, column }) = self.origins.get(line) {
            return (*line as usize, *column as usize);
        }
        let col = offset - self.lines().starts[line] + 1 + if line == 0 { self.bom } else { 0 };
        (self.first_line + line + 1, col)
    }

    fn position(&self, offset: usize) -> Position {
        let (line, column) = self.line_col(offset);
        Position { file: self.name.to_string(), line, column }
    }

    fn line_text(&self, offset: usize) -> &[u8] {
        if !self.origins.is_empty() {
            // The converted text is not what the user wrote.
            return &[];
        }
        let lines = self.lines();
        let line = lines.line_of(offset);
        let start = lines.starts[line];
        let end = lines.starts.get(line + 1).map_or(self.bytes.len(), |e| e - 1);
        &self.bytes[start..end.max(start)]
    }

    fn error_at(&self, kind: K, message: impl Into<String>, offset: usize) -> RecordError {
        RecordError::new(kind, message, self.position(offset)).with_line(self.line_text(offset))
    }

    fn json_lines(&self, out: &mut Vec<Piece>) {
        let starts = &self.lines().starts;
        for (i, start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(self.bytes.len(), |e| e - 1).max(*start);
            out.extend(self.line_piece(i, *start, end));
        }
    }

    fn array(&self, open: usize, out: &mut Vec<Piece>) {
        let b = self.bytes;
        let close = match self.array_values(open, out) {
            Ok(close) => close,
            Err(e) => {
                out.push(Piece::Error(e));
                return;
            }
        };
        let rest = skip_ws(b, close);
        if rest < b.len() {
            out.push(Piece::Error(
                self.error_at(K::Unreadable, "unexpected text after the closing `]`", rest)
                    .with_help("a file holds one JSON array, or one record per line (JSON Lines)"),
            ));
        }
    }

    /// The values of the array opened at `open`, each a piece; returns
    /// where the array ends (after its `]`), or the error that stopped it.
    fn array_values(&self, open: usize, out: &mut Vec<Piece>) -> Result<usize, RecordError> {
        let b = self.bytes;
        let mut i = open + 1;
        loop {
            i = skip_ws(b, i);
            match b.get(i) {
                None => return Err(self.unclosed_array()),
                Some(b']') => return Ok(i + 1),
                Some(_) => {}
            }
            let start = i;
            let end = value_end(b, i).map_err(|at| self.unclosed_record(start, at))?;
            out.push(Piece::Value { start, end, line_mode: false, at: None });
            i = skip_ws(b, end);
            match b.get(i) {
                Some(b',') => i += 1,
                Some(b']') => return Ok(i + 1),
                Some(_) => return Err(self.missing_separator(i)),
                None => return Err(self.unclosed_array()),
            }
        }
    }

    /// A file that ends inside the array.
    fn unclosed_array(&self) -> RecordError {
        self.error_at(K::Unreadable, "the array is not closed: expected `]`", self.bytes.len().saturating_sub(1))
            .with_help("end the file with `]`")
    }

    /// A value starting at `start` that does not end; `at` is where the
    /// scan for its end gave up.
    fn unclosed_record(&self, start: usize, at: usize) -> RecordError {
        self.error_at(K::Unreadable, "a record is not closed; the rest of this file could not be read", start)
            .with_help(format!(
                "look for an unclosed string, `{{` or `[` between here and line {}",
                self.line_col(at).0
            ))
    }

    /// Something other than `,` or `]` after a value, at `at`.
    fn missing_separator(&self, at: usize) -> RecordError {
        self.error_at(K::Unreadable, "expected `,` or `]` after a record; the rest of this file could not be read", at)
            .with_help("records in an array are separated by `,`")
    }

    /// The error for text that is not JSON, at serde_json's position.
    pub(crate) fn json_error(&self, e: &serde_json::Error, text: &[u8], offset: usize, line_mode: bool) -> RecordError {
        // serde_json counts from the start of `text`.
        let at = offset_of(text, e.line(), e.column()).map_or(offset, |o| offset + o);
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        let err = self.error_at(K::Json, format!("malformed JSON: {msg}"), at);
        if line_mode && e.is_eof() {
            err.with_help("JSON Lines needs one whole record per line; a pretty-printed file must be a JSON array")
        } else {
            err
        }
    }

    /// The error for a JSON value that is not an object.
    pub(crate) fn not_an_object(&self, found: &str, offset: usize) -> RecordError {
        self.error_at(K::NotAnObject, format!("expected a record (a JSON object), found {found}"), offset)
            .with_help("each record is an object with an `id` and a `type`")
    }

    /// Checks a record's `id` and `type`; returns them, or the error.
    pub(crate) fn head(
        &self,
        offset: usize,
        id: Found<'_>,
        record_type: Found<'_>,
    ) -> Result<(String, String), RecordError> {
        let position = || self.position(offset);
        let id = match id {
            Found::Str(s) if !s.is_empty() => s.to_string(),
            Found::Str(_) => return Err(self.bad_id("an empty string", offset)),
            Found::Other(kind) => return Err(self.bad_id(&kind, offset)),
            Found::Missing => {
                return Err(RecordError::new(K::BadId, "record has no `id`", position())
                    .with_line(self.line_text(offset))
                    .with_help("every record needs a unique string `id`"));
            }
        };
        let record_type = match record_type {
            Found::Str(s) if !s.is_empty() => s.to_string(),
            Found::Str(_) | Found::Other(_) => {
                let kind = match record_type {
                    Found::Other(kind) => kind,
                    _ => "an empty string".to_string(),
                };
                return Err(RecordError::new(
                    K::BadType,
                    format!("`type` must be a non-empty string, found {kind}"),
                    position(),
                )
                .with_line(self.line_text(offset))
                .with_id(id)
                .with_help("write the type as a string, e.g. \"type\": \"person\""));
            }
            Found::Missing => {
                return Err(RecordError::new(K::BadType, format!("record `{id}` has no `type`"), position())
                    .with_line(self.line_text(offset))
                    .with_id(id)
                    .with_help("every record needs a string `type`, e.g. \"type\": \"person\""));
            }
        };
        Ok((id, record_type))
    }

    fn bad_id(&self, kind: &str, offset: usize) -> RecordError {
        RecordError::new(K::BadId, format!("`id` must be a non-empty string, found {kind}"), self.position(offset))
            .with_line(self.line_text(offset))
            .with_help("write the id as a string, e.g. \"id\": \"p-17\"")
    }

    /// Parses one JSON value starting at `offset` and checks it is a record.
    pub(crate) fn value(&self, text: &[u8], offset: usize, line_mode: bool) -> Loaded {
        let value = match super::json::parse(text) {
            Ok(v) => v,
            Err(e) => return Loaded::Error(self.json_error(&e, text, offset, line_mode)),
        };
        let Value::Object(fields) = value else {
            return Loaded::Error(self.not_an_object(&kind_of(&value), offset));
        };
        let found = |key: &str| match fields.get(key) {
            None => Found::Missing,
            Some(Value::String(s)) => Found::Str(s),
            Some(other) => Found::Other(kind_of(other)),
        };
        let (id, record_type) = match self.head(offset, found("id"), found("type")) {
            Ok(head) => head,
            Err(e) => return Loaded::Error(e),
        };
        let (line, column) = self.line_col(offset);
        Loaded::Record(RawRecord {
            id,
            record_type,
            fields,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        })
    }
}

/// "an array", "the number `5`", … for messages.
pub(crate) fn kind_of(v: &Value) -> String {
    match v {
        Value::Null => "`null`".to_string(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) if s.is_empty() => "an empty string".to_string(),
        Value::String(_) => "a string".to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The end of the JSON value starting at `i`, by brackets and strings alone
/// (its content is checked later by serde_json). `Err` holds where the scan
/// ran out of input.
fn value_end(b: &[u8], mut i: usize) -> Result<usize, usize> {
    let start = i;
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if i >= b.len() {
                    return Err(b.len());
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                if depth == 0 {
                    return Ok(i);
                }
                depth -= 1;
                if depth == 0 {
                    return Ok(i + 1);
                }
            }
            b',' if depth == 0 => return Ok(i),
            c if depth == 0 && c.is_ascii_whitespace() && i > start => return Ok(i),
            _ => {}
        }
        i += 1;
    }
    if depth == 0 { Ok(i) } else { Err(b.len()) }
}

/// Byte offset within `text` of serde_json's 1-based line and column.
fn offset_of(text: &[u8], line: usize, column: usize) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].iter().position(|b| *b == b'\n')? + 1;
    }
    Some((start + column.saturating_sub(1)).min(text.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Vec<Result<String, String>> {
        read(&Input::new("t.json", text))
            .into_iter()
            .map(|l| match l {
                Loaded::Record(r) => Ok(format!("{}@{}:{}", r.id, r.line, r.column)),
                Loaded::Error(e) => Err(format!("{}:{} {:?}", e.position().line, e.position().column, e.kind())),
            })
            .collect()
    }

    #[test]
    fn json_lines_keep_going_after_bad_lines() {
        let got =
            load("{\"id\":\"a\",\"type\":\"t\"}\n{\"id\":\n\n[1]\n{\"type\":\"t\"}\n{\"id\":\"b\",\"type\":\"t\"}\r\n");
        assert_eq!(
            got,
            vec![
                Ok("a@1:1".into()),
                Err("2:6 Json".into()),
                Err("4:1 NotAnObject".into()),
                Err("5:1 BadId".into()),
                Ok("b@6:1".into()),
            ]
        );
    }

    #[test]
    fn arrays_give_element_positions() {
        let got = load(
            "[\n  {\"id\":\"a\",\"type\":\"t\"},\n  {\"id\": 5, \"type\":\"t\"},\n  {\"id\":\"c\",\"type\":\"t\"}\n]\n",
        );
        assert_eq!(got, vec![Ok("a@2:3".into()), Err("3:3 BadId".into()), Ok("c@4:3".into())]);
    }

    #[test]
    fn malformed_array_element_is_one_error() {
        let got = load("[{\"id\":\"a\",\"type\":\"t\"}, {\"id\" \"b\"}, {\"id\":\"c\",\"type\":\"t\"}]");
        assert_eq!(got, vec![Ok("a@1:2".into()), Err("1:31 Json".into()), Ok("c@1:37".into())]);
    }

    #[test]
    fn unclosed_array_and_trailing_text_are_reported() {
        assert_eq!(load("[{\"id\":\"a\",\"type\":\"t\"}"), vec![Ok("a@1:2".into()), Err("1:22 Unreadable".into())]);
        assert_eq!(load("[{\"id\":\"a\",\"type\":\"t\"}] x"), vec![Ok("a@1:2".into()), Err("1:25 Unreadable".into())]);
        assert_eq!(
            load("[{\"id\":\"a\",\"type\":\"t\"}, {\"id\":\"b"),
            vec![Ok("a@1:2".into()), Err("1:25 Unreadable".into())]
        );
    }

    #[test]
    fn bom_and_empty_files() {
        assert_eq!(load("\u{feff}{\"id\":\"a\",\"type\":\"t\"}"), vec![Ok("a@1:4".into())]);
        assert!(load("").is_empty());
        assert!(load("  \n\n").is_empty());
    }

    /// What a piece is, to compare the two ways of cutting an input.
    fn shown(reader: &Reader<'_>, piece: &Piece) -> String {
        match piece {
            Piece::Value { start, end, line_mode, at } => {
                format!("{at:?} {line_mode} {:?}", String::from_utf8_lossy(&reader.bytes[*start..*end]))
            }
            Piece::Error(e) => format!("error {}", e.message()),
        }
    }

    /// JSON Lines read in runs (on all cores) give the pieces `split`
    /// gives, runs cut at any line: blank and CRLF lines, a BOM, no final
    /// newline, lines longer than a run.
    #[test]
    fn runs_of_lines_are_the_lines_split_finds() {
        let mut text = String::from("\u{feff}  {\"id\":\"a\"}\r\n\n \t\n");
        for i in 0..20_000 {
            let pad = " ".repeat(i % 7);
            text.push_str(&format!("{pad}{{\"id\":\"r{i}\",\"type\":\"t\"}}{}\n", ["", "\r", " "][i % 3]));
            if i % 1000 == 0 {
                text.push_str(&format!("{{\"long\":\"{}\"}}\n\n", "x".repeat(RUN_BYTES + i)));
            }
        }
        for end in ["", "\n", "{\"id\":\"last\"}", "   "] {
            let input = Input::new("t.jsonl", format!("{text}{end}"));
            let (reader, pieces) = split(&input);
            let expected: Vec<String> = pieces.iter().map(|p| shown(&reader, p)).collect();
            let Some((reader, runs, newlines)) = line_runs(&input) else { panic!("JSON Lines") };
            assert!(runs.len() > 10, "{}", runs.len());
            let mut got = Vec::new();
            runs.iter().for_each(|run| reader.run_pieces(run, |p| got.push(shown(&reader, &p))));
            assert_eq!(got, expected);
            assert_eq!(newlines, input.bytes.iter().filter(|b| **b == b'\n').count());
        }
        assert!(line_runs(&Input::new("t.json", " [{\"id\":\"a\"}]")).is_none(), "an array");
        assert!(line_runs(&Input::new("t.json", " \n")).is_none(), "nothing to read");
    }

    #[test]
    fn invalid_utf8_is_a_located_error() {
        let mut bytes = b"{\"id\":\"a\",\"type\":\"t\"}\n{\"id\":\"".to_vec();
        bytes.extend([0xff, 0xfe]);
        bytes.extend(b"\",\"type\":\"t\"}\n");
        let got: Vec<_> = read(&Input::new("t", bytes)).into_iter().map(|l| matches!(l, Loaded::Record(_))).collect();
        assert_eq!(got, vec![true, false]);
    }
}
