//! Formatting: `interdict fmt`'s layout, as the few edits that turn the
//! editor's text into it (so the cursor and folds stay where they were);
//! a range is formatted by the edits that touch its lines.

use lsp_types::{Range, TextEdit};
use similar::{DiffTag, TextDiff};

use super::text::range;
use crate::source::{SourceFile, Span};
use crate::syntax::format_source;

/// The edits that format `text` (named `name`), within `lines` when given
/// (first and last line, 0-based); an error when it does not parse.
pub(crate) fn format(name: &str, text: &str, lines: Option<(u32, u32)>) -> Result<Vec<TextEdit>, String> {
    let src = SourceFile::new(name, text);
    let formatted = format_source(&src).map_err(|e| {
        let p = e.position();
        format!("cannot format: {e} at {}:{}", p.line, p.column)
    })?;
    let old_starts = line_starts(text);
    let new_lines: Vec<&str> = formatted.split_inclusive('\n').collect();
    let diff = TextDiff::from_lines(text, formatted.as_str());
    let mut edits = Vec::new();
    for op in diff.ops() {
        let (tag, old, new) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            continue;
        }
        if let Some((first, last)) = lines {
            // Lines old.start..old.end are replaced; an insertion touches the line it is put before.
            let (a, b) = (old.start as u32, (old.end as u32).max(old.start as u32 + 1));
            if b <= first || a > last {
                continue;
            }
        }
        let at = |line: usize| old_starts.get(line).copied().unwrap_or(text.len());
        let span = Span::new(at(old.start), at(old.end));
        let new_text = new_lines.get(new).map(|l| l.concat()).unwrap_or_default();
        edits.push(TextEdit { range: range(text, span), new_text });
    }
    Ok(edits)
}

/// Byte offset of each line's start, and the text's end after the last.
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts: Vec<usize> = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
    if starts.last() != Some(&text.len()) {
        starts.push(text.len());
    }
    starts
}

/// The lines a range covers.
pub(crate) fn lines_of(r: Range) -> (u32, u32) {
    (r.start.line, r.end.line.max(r.start.line))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, edits: &[TextEdit]) -> String {
        let mut out = text.to_string();
        for e in edits.iter().rev() {
            super::super::text::apply_change(
                &mut out,
                lsp_types::TextDocumentContentChangeEvent {
                    range: Some(e.range),
                    range_length: None,
                    text: e.new_text.clone(),
                },
            );
        }
        out
    }

    #[test]
    fn edits_give_fmt_output_and_a_range_formats_only_its_lines() {
        let text = "let a =   [\"x\"]\nrule r {\n  deny t x when   x.a == 1\n}\nlet b =   2\n";
        let whole = format("t.rules", text, None).unwrap_or_default();
        let expected = format_source(&SourceFile::new("t.rules", text)).map_err(|e| e.to_string());
        assert_eq!(Ok(apply(text, &whole)), expected);
        let first_line = format("t.rules", text, Some((0, 0))).unwrap_or_default();
        // The first line's edit (with the blank line `fmt` puts after it); the rule and the last let untouched.
        assert_eq!(
            apply(text, &first_line),
            "let a = [\"x\"]\n\nrule r {\n  deny t x when   x.a == 1\n}\nlet b =   2\n"
        );
    }
}
