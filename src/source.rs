//! Source text and locations: the leaf every other layer points back into.
//!
//! A [`Loc`] (a shared [`SourceFile`] plus a byte [`Span`]) travels with every
//! AST node and every compiled rule, so any later layer (check, eval, report)
//! can underline the rule text it talks about.

use std::fmt;
use std::sync::Arc;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// One named text: a rule file, or (for record errors) an excerpt of an input file.
#[derive(Debug)]
pub struct SourceFile {
    name: String,
    text: String,
    /// Byte offset at which each line starts.
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Wraps `text`, read from `name` (a path as the user gave it, or `<stdin>`).
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        let text = text.into();
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Arc::new(SourceFile { name: name.into(), text, line_starts })
    }

    /// The name shown in diagnostics.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, context_lines_before, context_lines_after)?;
        // miette's `str` counts lines from the start of the text, not of
        // the contents, and miette draws two labels as one snippet when
        // their contexts' lines overlap by that count: labels 20 lines apart
        // came out as one snippet with everything between. Counted from the
        // contents, labels are drawn together when at most 2 lines lie
        // between their contexts, apart otherwise.
        let lines = inner.data().iter().filter(|b| **b == b'\n').count() + 2;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            lines,
        )))
    }
}

/// A byte range in a source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The range `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end: end.max(start) }
    }
}

impl From<Span> for SourceSpan {
    fn from(s: Span) -> Self {
        (s.start, s.end - s.start).into()
    }
}

/// A span in a particular source file.
#[derive(Clone)]
pub struct Loc {
    /// The file.
    pub src: Arc<SourceFile>,
    /// The bytes within it.
    pub span: Span,
}

impl Loc {
    /// The text this location covers.
    pub fn text(&self) -> &str {
        self.src.text().get(self.span.start..self.span.end).unwrap_or("")
    }

    /// 1-based line and column of the start.
    pub fn line_col(&self) -> (usize, usize) {
        self.src.line_col(self.span.start)
    }

    /// `file:line:column` of the start.
    pub fn position(&self) -> Position {
        let (line, column) = self.line_col();
        Position { file: self.src.name().to_string(), line, column }
    }

    /// A location covering both `self` and `other` (same file assumed).
    pub fn to(&self, other: &Loc) -> Loc {
        Loc {
            src: Arc::clone(&self.src),
            span: Span::new(self.span.start.min(other.span.start), self.span.end.max(other.span.end)),
        }
    }
}

impl fmt::Debug for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}..{}", self.src.name(), self.span.start, self.span.end)
    }
}

/// Equality ignores the file: two trees parsed from different texts compare
/// equal when their shape is equal (used by the `fmt` round-trip property).
impl PartialEq for Loc {
    fn eq(&self, _: &Loc) -> bool {
        true
    }
}

/// A human-facing position: file, 1-based line and column.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Position {
    /// The file as named on the command line (`<stdin>` for `-`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The located text of a diagnostic: shared by the syntax and check errors,
/// which differ only in their kinds.
#[derive(Clone, Debug)]
pub struct Located {
    /// One line, lowercase, user input in backticks, no trailing period.
    pub message: String,
    /// The text it is about.
    pub loc: Loc,
    /// What to write under it.
    pub label: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Further labelled places in the same file.
    pub also: Vec<(Loc, String)>,
}

impl Located {
    /// An error at `loc`.
    pub fn new(message: impl Into<String>, loc: &Loc, label: impl Into<String>) -> Self {
        Located { message: message.into(), loc: loc.clone(), label: label.into(), help: None, also: Vec::new() }
    }

    /// Adds a help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a help line if there is one.
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Labels another place; one in another file is named in the help instead.
    pub fn also(mut self, loc: &Loc, label: impl Into<String>) -> Self {
        if Arc::ptr_eq(&loc.src, &self.loc.src) {
            self.also.push((loc.clone(), label.into()));
        } else {
            let note = format!("{} at {}", label.into(), loc.position());
            self.help = Some(match self.help.take() {
                Some(h) => format!("{h}\n{note}"),
                None => note,
            });
        }
        self
    }

    /// Labels another place when it is drawn with this one (in the same
    /// file, at most 5 lines away); otherwise it is named in the help, so
    /// the error's first snippet is where it is, not that place.
    pub fn also_near(self, loc: &Loc, label: impl Into<String>) -> Self {
        let near = Arc::ptr_eq(&loc.src, &self.loc.src) && loc.line_col().0.abs_diff(self.loc.line_col().0) <= 5;
        if near {
            return self.also(loc, label);
        }
        let label = label.into();
        let note = format!("{} at {}", label.trim_end_matches(" here"), loc.position());
        let help = match &self.help {
            Some(h) => format!("{h}\n{note}"),
            None => note,
        };
        self.help(help)
    }

    /// The labels for miette.
    pub fn labels(&self) -> Box<dyn Iterator<Item = miette::LabeledSpan> + '_> {
        let first = miette::LabeledSpan::new_primary_with_span(Some(self.label.clone()), self.loc.span);
        let rest =
            self.also.iter().map(|(loc, label)| miette::LabeledSpan::new_with_span(Some(label.clone()), loc.span));
        Box::new(std::iter::once(first).chain(rest))
    }
}

/// Implements `Display`, `Error` and `miette::Diagnostic` for a layer's error
/// type made of a `kind` (with `fn code(&self) -> &'static str`) and a
/// [`Located`] called `at`.
macro_rules! located_diagnostic {
    ($ty:ty) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.at.message)
            }
        }
        impl std::error::Error for $ty {}
        impl miette::Diagnostic for $ty {
            fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
                Some(Box::new(self.kind.code()))
            }
            fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
                self.at.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
            }
            fn source_code(&self) -> Option<&dyn miette::SourceCode> {
                Some(&*self.at.loc.src)
            }
            fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
                Some(self.at.labels())
            }
        }
    };
}
pub(crate) use located_diagnostic;
