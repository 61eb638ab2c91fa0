//! The outline (document symbols), folding ranges and semantic tokens of
//! one file, from its parsed declarations and the index.

use lsp_types::{
    DocumentSymbol, FoldingRange, FoldingRangeKind, Range, SemanticToken, SemanticTokenModifier, SemanticTokenType,
    SemanticTokensLegend, SymbolKind,
};

use super::index::{Occurrence, Sym};
use super::text::loc_range;
use super::workspace::RuleSetState;
use crate::ast::{self, Item};

/// The outline of one file: its declarations, an entity's fields under it.
#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be written.
pub(crate) fn symbols(parsed: &ast::File) -> Vec<DocumentSymbol> {
    let symbol =
        |name: &ast::Ident, detail: Option<String>, kind: SymbolKind, whole: &crate::source::Loc| DocumentSymbol {
            name: name.name.clone(),
            detail,
            kind,
            tags: None,
            deprecated: None,
            range: loc_range(whole),
            selection_range: loc_range(&name.loc),
            children: None,
        };
    parsed
        .items
        .iter()
        .map(|item| match item {
            Item::Entity(e) => {
                let fields = e
                    .fields
                    .iter()
                    .map(|f| {
                        symbol(&f.name, Some(f.ty.loc.text().to_string()), SymbolKind::FIELD, &f.name.loc.to(&f.ty.loc))
                    })
                    .collect();
                DocumentSymbol { children: Some(fields), ..symbol(&e.name, None, SymbolKind::STRUCT, &e.loc) }
            }
            Item::Let(l) => symbol(&l.name, None, SymbolKind::CONSTANT, &l.loc),
            Item::Def(d) => symbol(&d.name, None, SymbolKind::FUNCTION, &d.loc),
            Item::Rule(r) => {
                let detail = format!("{} {}", r.effect.as_str(), r.record_type.name);
                symbol(&r.name, Some(detail), SymbolKind::EVENT, &r.loc)
            }
            Item::Exempt(x) => {
                let rules: Vec<&str> = x.rules.iter().map(|r| r.name.as_str()).collect();
                symbol(&x.name, Some(format!("waive {}", rules.join(", "))), SymbolKind::OBJECT, &x.loc)
            }
        })
        .collect()
}

/// A fold for each declaration of more than one line, and for each run of
/// comment lines.
pub(crate) fn folding(parsed: &ast::File, text: &str) -> Vec<FoldingRange> {
    let mut out: Vec<FoldingRange> = parsed
        .items
        .iter()
        .map(|item| loc_range(item.loc()))
        .filter(|r| r.end.line > r.start.line)
        .map(|r| FoldingRange {
            start_line: r.start.line,
            end_line: r.end.line,
            kind: Some(FoldingRangeKind::Region),
            ..FoldingRange::default()
        })
        .collect();
    let mut run: Option<(u32, u32)> = None;
    for (i, line) in text.lines().enumerate().map(|(i, l)| (i as u32, l)) {
        if line.trim_start().starts_with('#') {
            run = Some(run.map_or((i, i), |(start, _)| (start, i)));
            continue;
        }
        if let Some((start, end)) = run.take().filter(|(s, e)| e > s) {
            out.push(FoldingRange {
                start_line: start,
                end_line: end,
                kind: Some(FoldingRangeKind::Comment),
                ..FoldingRange::default()
            });
        }
    }
    out
}

/// The token types, in the legend's order.
const TOKEN_TYPES: [SemanticTokenType; 6] = [
    SemanticTokenType::TYPE,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::VARIABLE,
    SemanticTokenType::PARAMETER,
    SemanticTokenType::EVENT,
];

/// The legend announced in the server's capabilities.
pub(crate) fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TOKEN_TYPES.to_vec(),
        token_modifiers: vec![SemanticTokenModifier::DECLARATION],
    }
}

/// Semantic tokens for the names of one file (keywords, strings and
/// numbers are the TextMate grammar's): entities, fields, defs, lets,
/// binders, rules and exemptions, each a line's part, delta-encoded; only
/// those that start `within` a range when one is given.
pub(crate) fn semantic_tokens(set: &RuleSetState, file: &str, within: Option<Range>) -> Vec<SemanticToken> {
    let wanted = |o: &&Occurrence| {
        o.loc.src.name() == file
            && within.is_none_or(|r| {
                let at = loc_range(&o.loc).start;
                r.start <= at && at < r.end
            })
    };
    let mut names: Vec<_> = set.index.occurrences.iter().filter(wanted).collect();
    names.sort_by_key(|o| o.loc.span.start);
    let mut out = Vec::new();
    let (mut line, mut col) = (0u32, 0u32);
    for o in names {
        let kind = match o.sym {
            Sym::Entity(_) => 0,
            Sym::Field { .. } => 1,
            Sym::Def(_) => 2,
            Sym::Let(_) => 3,
            Sym::Local { .. } => 4,
            Sym::Rule(_) | Sym::Exemption(_) => 5,
        };
        let r = loc_range(&o.loc);
        if r.end.line != r.start.line {
            continue;
        }
        let delta_start = if r.start.line == line { r.start.character.saturating_sub(col) } else { r.start.character };
        out.push(SemanticToken {
            delta_line: r.start.line.saturating_sub(line),
            delta_start,
            length: r.end.character.saturating_sub(r.start.character),
            token_type: kind,
            token_modifiers_bitset: u32::from(o.decl),
        });
        (line, col) = (r.start.line, r.start.character);
    }
    out
}
