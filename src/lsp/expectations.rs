//! The rule and exemption names in the expectations of a rule set's
//! `*.test.yaml` files (`fires`, `does_not_fire`, `waived: {RULE:
//! EXEMPTION}`), found in the text so that rename can rewrite them where
//! they are written, comments and layout kept.
//!
//! The text is read line by line: a line whose key is one of the three
//! opens its section, which holds the rest of the line and the lines below
//! indented more (or, for a list, as much and starting with `- `); any
//! other key closes it.

use crate::source::Span;

/// The keys whose values name rules or exemptions.
const KEYS: &[&str] = &["fires", "does_not_fire", "waived"];

/// What a name is in a test file.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Named {
    /// A rule: an item of `fires` or `does_not_fire`, a key of `waived`.
    Rule,
    /// An exemption: a value of `waived`.
    Exemption,
}

/// Where `text` (a test file) names `name` as `what`.
pub(crate) fn places(text: &str, name: &str, what: Named) -> Vec<Span> {
    let mut out = Vec::new();
    // The open section: its key and the key's indentation.
    let mut section: Option<(&str, usize)> = None;
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = line.get(indent..).unwrap_or("");
        let item = body.strip_prefix("- ").map(|rest| (rest, indent + 2));
        let (keyed, at) = item.unwrap_or((body, indent));
        let key = KEYS.iter().copied().find(|k| keyed.strip_prefix(k).is_some_and(|r| r.trim_start().starts_with(':')));
        let content = without_comment(body);
        let start = line_start + indent;
        match (key, section) {
            (Some(key), _) => {
                section = Some((key, at));
                let after = content.find(':').map_or(content.len(), |i| i + 1);
                find(content, after, start, name, key, what, &mut out);
            }
            (None, Some((key, key_at)))
                if !content.trim().is_empty()
                    && (indent > key_at || (indent == key_at && key != "waived" && body.starts_with('-'))) =>
            {
                find(content, 0, start, name, key, what, &mut out);
            }
            (None, _) if content.trim().is_empty() => {}
            (None, _) => section = None,
        }
        line_start += line.len();
    }
    out
}

/// A line without its comment (a `#` at its start or after a blank,
/// outside quotes).
fn without_comment(line: &str) -> &str {
    let mut quote = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '#') if previous.is_whitespace() => return line.get(..i).unwrap_or(line),
            _ => {}
        }
        previous = c;
    }
    line
}

/// The whole-word occurrences of `name` in `content` from byte `from`
/// that are `what` in section `key`; `start` is where `content` starts in
/// the file.
fn find(content: &str, from: usize, start: usize, name: &str, key: &str, what: Named, out: &mut Vec<Span>) {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let rest = content.get(from..).unwrap_or("");
    for (i, _) in rest.match_indices(name) {
        let before = rest.get(..i).and_then(|s| s.chars().next_back());
        let after = rest.get(i + name.len()..).unwrap_or("");
        if before.is_some_and(word) || after.chars().next().is_some_and(word) {
            continue;
        }
        // In `waived`, a key is followed by `:` (after its closing quote).
        let is_key = after.trim_start_matches(['"', '\'']).trim_start().starts_with(':');
        let found = match (key, what) {
            ("waived", Named::Rule) => is_key,
            ("waived", Named::Exemption) => !is_key,
            (_, Named::Rule) => true,
            (_, Named::Exemption) => false,
        };
        if found {
            let at = start + from + i;
            out.push(Span::new(at, at + name.len()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found<'a>(text: &'a str, name: &str, what: Named) -> Vec<&'a str> {
        places(text, name, what).iter().map(|s| &text[s.start..s.end]).collect()
    }

    fn lines(text: &str, name: &str, what: Named) -> Vec<usize> {
        places(text, name, what).iter().map(|s| text[..s.start].matches('\n').count() + 1).collect()
    }

    const TEST: &str = "\
# kr_goods in a comment
records: [../records/kr_goods.jsonl]
expect:
  - id: kr_goods
    fires: [kr_goods, kr_goods_2]   # kr_goods
    does_not_fire:
      - \"kr_goods\"
      - other
    waived: {kr_goods: permit, other: kr_goods}
  - id: c-2
    fires:
    - kr_goods
    waived:
      kr_goods: permit
      'x': kr_goods
    decision: deny
";

    #[test]
    fn rule_names_in_expectations() {
        assert_eq!(lines(TEST, "kr_goods", Named::Rule), vec![5, 7, 9, 12, 14]);
        assert!(found(TEST, "kr_goods", Named::Rule).iter().all(|w| *w == "kr_goods"));
    }

    #[test]
    fn exemption_names_are_the_values_of_waived() {
        assert_eq!(lines(TEST, "kr_goods", Named::Exemption), vec![9, 15]);
        assert_eq!(lines(TEST, "permit", Named::Exemption), vec![9, 14]);
        assert_eq!(lines(TEST, "permit", Named::Rule), Vec::<usize>::new());
    }
}
