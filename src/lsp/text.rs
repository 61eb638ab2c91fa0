//! Positions: LSP counts lines and UTF-16 code units, the library bytes.
//! Every conversion clamps, so a position past a line's end or the text's
//! end (an editor a version behind, or a fuzzer) lands on the nearest
//! character boundary instead of failing.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

use crate::source::{Loc, SourceFile, Span};

/// The byte offset of an LSP position in `text`.
pub(crate) fn offset(text: &str, pos: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..pos.line {
        match text.get(line_start..).and_then(|rest| rest.find('\n')) {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text.get(line_start..).and_then(|rest| rest.find('\n')).map_or(text.len(), |i| line_start + i);
    let mut units = 0u32;
    for (i, c) in text.get(line_start..line_end).unwrap_or("").char_indices() {
        if units >= pos.character {
            return line_start + i;
        }
        units += c.len_utf16() as u32;
    }
    line_end
}

/// The LSP position of a byte offset in `text`.
pub(crate) fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before.get(line_start..).unwrap_or("").encode_utf16().count();
    Position { line: line as u32, character: character as u32 }
}

/// The LSP range of a byte span in `text`.
pub(crate) fn range(text: &str, span: Span) -> Range {
    Range { start: position(text, span.start), end: position(text, span.end) }
}

/// The LSP range of a location in its file. The line is found in the
/// file's line index, so converting many locations of a large file stays cheap.
pub(crate) fn loc_range(loc: &Loc) -> Range {
    Range { start: indexed_position(&loc.src, loc.span.start), end: indexed_position(&loc.src, loc.span.end) }
}

fn indexed_position(src: &SourceFile, offset: usize) -> Position {
    let text = src.text();
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let (line, _) = src.line_col(offset);
    let before = text.get(..offset).unwrap_or("");
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = before.get(line_start..).unwrap_or("").encode_utf16().count();
    Position { line: line.saturating_sub(1) as u32, character: character as u32 }
}

/// The byte span of an LSP range in `text` (start and end in order).
pub(crate) fn span(text: &str, range: Range) -> Span {
    let (a, b) = (offset(text, range.start), offset(text, range.end));
    Span::new(a.min(b), a.max(b))
}

/// Applies one `didChange` edit: a range replaced, or the whole text.
pub(crate) fn apply_change(text: &mut String, change: TextDocumentContentChangeEvent) {
    match change.range {
        None => *text = change.text,
        Some(range) => {
            let span = span(text, range);
            text.replace_range(span.start..span.end, &change.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_clamp() {
        let text = "ab\n\u{1F600}x\n";
        assert_eq!(offset(text, Position::new(1, 2)), 7);
        assert_eq!(position(text, 7), Position::new(1, 2));
        // Inside a surrogate pair, past a line's end, past the text's end.
        assert_eq!(offset(text, Position::new(1, 1)), 7);
        assert_eq!(offset(text, Position::new(0, 99)), 2);
        assert_eq!(offset(text, Position::new(9, 0)), text.len());
        assert_eq!(position(text, 5), Position::new(1, 0));
    }

    #[test]
    fn locations_convert_like_offsets() {
        let src = SourceFile::new("t.rules", "ab\n\u{1F600}x\nrule\n");
        let loc = Loc { src: std::sync::Arc::clone(&src), span: Span::new(7, 12) };
        assert_eq!(loc_range(&loc), range(src.text(), loc.span));
        assert_eq!(loc_range(&loc), Range::new(Position::new(1, 2), Position::new(2, 3)));
    }

    #[test]
    fn edits_apply_in_place() {
        let mut text = "rule a {\n}\n".to_string();
        let range = Range::new(Position::new(0, 5), Position::new(0, 6));
        apply_change(
            &mut text,
            TextDocumentContentChangeEvent { range: Some(range), range_length: None, text: "bc".into() },
        );
        assert_eq!(text, "rule bc {\n}\n");
    }
}
