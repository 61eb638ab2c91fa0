//! A pest error in words a rule author understands: what was expected,
//! what was found, and the likeliest fix.

use std::collections::BTreeSet;
use std::sync::Arc;

use pest::error::{ErrorVariant, InputLocation};

use super::error::{SyntaxError, SyntaxErrorKind};
use super::grammar::{Rule, is_reserved};
use crate::source::{Loc, Located, SourceFile, Span};

/// What a grammar rule is called in an error message, if it is worth naming.
fn describe(rule: Rule) -> Option<&'static str> {
    describe_value(rule)
        .or_else(|| describe_declaration(rule))
        .or_else(|| describe_condition(rule))
        .or_else(|| describe_keyword(rule))
}

/// Names, values and paths.
fn describe_value(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::ident => "a name",
        Rule::field_name => "a field name",
        Rule::string => "a string",
        Rule::close_quote => "`\"`",
        Rule::date => "a date",
        Rule::number => "a number",
        Rule::boolean => "`true` or `false`",
        Rule::list => "a list",
        Rule::literal => "a value",
        Rule::operand => "a value or path",
        Rule::shift_amount => "a whole number",
        Rule::shift_unit => UNITS,
        Rule::count_call | Rule::kw_count => "`count(…)`",
        Rule::call => "a call",
        Rule::path => "a path",
        Rule::path_step => "`.field`",
        Rule::hop_range => "a hop range `{1..2}`",
        Rule::hop_min | Rule::hop_max => "a whole number",
        _ => return None,
    })
}

/// Declarations and the parts of their headers and clauses.
fn describe_declaration(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::entity_decl => "`entity`",
        Rule::let_decl => "`let`",
        Rule::def_decl => "`def`",
        Rule::rule_decl => "`rule`",
        Rule::exempt_decl => "`exempt`",
        Rule::field_decl => "a field (`name: type`)",
        Rule::type_expr | Rule::list_type => "a type",
        Rule::optional => "`?`",
        Rule::close_brace => "`}`",
        Rule::param => "a parameter (`name: type`)",
        Rule::effect_line | Rule::effect => "`deny` or `flag`",
        Rule::severity_clause | Rule::kw_severity => "`severity`",
        Rule::severity_level => "`low`, `medium`, `high` or `critical`",
        Rule::effective_clause | Rule::kw_effective => "`effective`",
        Rule::waive_line | Rule::kw_waive => "`waive`",
        _ => return None,
    })
}

/// Conditions and their operators.
fn describe_condition(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::cond | Rule::where_cond | Rule::comparison | Rule::paren_cond | Rule::exists_cond => "a condition",
        Rule::not_op | Rule::kw_not => "`not`",
        Rule::and_op => "`and`",
        Rule::or_op => "`or`",
        Rule::quant_head | Rule::quantifier => "`any`, `all` or `none`",
        Rule::quant_in | Rule::quant_type => "a binder",
        Rule::binary_test | Rule::cmp_op => "a comparison operator",
        Rule::not_in => "`not in`",
        Rule::in_op | Rule::kw_in => "`in`",
        Rule::contains_op => "`contains`",
        Rule::starts_with_op => "`starts_with`",
        Rule::match_test | Rule::kw_matches => "`matches`",
        Rule::is_test | Rule::kw_is => "`is`",
        Rule::verdict_word => "`denied`, `flagged` or `allowed`",
        _ => return None,
    })
}

/// The remaining keywords, and the end of the file.
fn describe_keyword(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::kw_entity => "`entity`",
        Rule::kw_let => "`let`",
        Rule::kw_def => "`def`",
        Rule::kw_rule => "`rule`",
        Rule::kw_exempt => "`exempt`",
        Rule::kw_when => "`when`",
        Rule::kw_from => "`from`",
        Rule::kw_to => "`to`",
        Rule::kw_for => "`for`",
        Rule::kw_exists => "`exists`",
        Rule::kw_where => "`where`",
        Rule::kw_by => "`by`",
        Rule::EOI => "end of file",
        _ => return None,
    })
}

/// A date shift's units, as an error lists them.
const UNITS: &str = "a unit (`days`, `weeks`, `months`, `years`)";

/// Literal tokens worth listing; whitespace and comment starts are not.
fn describe_token(token: &impl std::fmt::Display) -> Option<String> {
    let token = token.to_string();
    // Character ranges print as `a..z`; whitespace, comments and escapes are noise.
    let is_range = token.chars().count() == 4 && token.get(1..3) == Some("..");
    // `+` and `-` may follow any operand (a date shift): listing them after
    // every value says nothing.
    // The unit words are listed once, as `UNITS`.
    let units = ["day", "days", "week", "weeks", "month", "months", "year", "years"];
    let noise = token.trim().is_empty()
        || ["#", "\\", "\"", "_", "+", "-"].contains(&token.as_str())
        || units.contains(&token.as_str());
    (!is_range && !noise).then(|| format!("`{token}`"))
}

/// What pest expected at the failure point, in words.
struct Expected {
    /// "a name", "`}`", …, sorted and once each.
    words: BTreeSet<String>,
    /// A name was one of the things expected (a reserved word gets a hint).
    ident: bool,
    /// The closing quote of a string was: the string is unterminated.
    close_quote: bool,
}

impl Expected {
    fn of(e: &pest::error::Error<Rule>, pos: usize) -> Expected {
        let mut expected = Expected { words: BTreeSet::new(), ident: false, close_quote: false };
        if let ErrorVariant::ParsingError { positives, .. } = &e.variant {
            for r in positives {
                expected.ident |= matches!(r, Rule::ident);
                expected.close_quote |= matches!(r, Rule::close_quote);
                expected.words.extend(describe(*r).map(str::to_string));
            }
        }
        if let Some(attempts) = e.parse_attempts()
            && attempts.max_position == pos
        {
            expected.words.extend(attempts.expected_tokens().iter().filter_map(describe_token));
        }
        expected
    }

    fn wants(&self, word: &str) -> bool {
        self.words.contains(word)
    }

    /// The alternatives joined, the many operators that fit after an operand
    /// named as one.
    fn describe(&self) -> String {
        const COMPARISONS: &[&str] = &[
            "`==`",
            "`!=`",
            "`<`",
            "`<=`",
            "`>`",
            "`>=`",
            "`in`",
            "`not`",
            "`contains`",
            "`starts_with`",
            "`is`",
            "`matches`",
            "a comparison operator",
            "`not in`",
        ];
        let comparing = self.words.iter().any(|e| COMPARISONS.contains(&e.as_str()));
        let mut alternatives: Vec<String> =
            self.words.iter().filter(|e| !COMPARISONS.contains(&e.as_str())).cloned().collect();
        if comparing {
            alternatives.insert(0, "a comparison (`==`, `in`, `is denied`, …)".to_string());
        }
        join_alternatives(&alternatives)
    }

    /// The fix for a date shift written wrong (`as_of - 1.5 years`, `- 2
    /// fortnights`, two shifts in a row, a shift in a `let`).
    fn date_help(&self, found: &str) -> Option<&'static str> {
        Some(if self.wants(UNITS) {
            "a date moves by `days`, `weeks`, `months` or `years`: `as_of - 6 months`"
        } else if self.wants("a whole number") && found.chars().all(|c| c.is_ascii_digit()) {
            "a date moves by a whole number of a unit: `as_of - 18 months`, not `1.5 years`"
        } else if ["+", "-"].contains(&found) && self.wants("`and`") {
            "only a date moves, by one amount of a unit: write `as_of - 18 months`, not `- 1 year - 6 months`"
        } else if found == "as_of" && self.wants("`list`") {
            "a `let` binds a literal; write `as_of - 1 year` where it is compared: it moves with `--as-of`"
        } else {
            return None;
        })
    }

    /// The likeliest fix for finding `found` where these were expected.
    fn help(&self, found: &str) -> String {
        if let Some(help) = self.date_help(found) {
            help.to_string()
        } else if self.ident && is_reserved(found) {
            format!(
                "`{found}` is a reserved word: it cannot name a rule, def, let, entity or binder (a field may use it: `x.{found}`)"
            )
        } else if found.chars().next().is_some_and(|c| c.is_alphabetic() && !c.is_ascii()) {
            "names are ASCII letters, digits and `_`; read a JSON key of any script with `x[\"key\"]`".to_string()
        } else if found == "=" {
            "compare with `==`".to_string()
        } else if ["&&", "||", "!"].contains(&found) {
            "write `and`, `or`, `not`".to_string()
        } else if ["==", "!=", "<", "<=", ">", ">="].contains(&found) && self.wants("`and`") {
            "comparisons do not chain: write `a < b and b < c`".to_string()
        } else if self.wants("`when`") {
            "the effect line of a rule reads: deny|flag TYPE VAR when CONDITION".to_string()
        } else if self.wants("`,`") && self.wants("`}`") && !self.wants("`and`") {
            "separate fields (and list items) with `,`; in an entity a line break works too".to_string()
        } else if self.wants("`severity`") || self.wants("`effective`") {
            "a rule body is one `deny|flag TYPE VAR when …` line, then optional `severity` and `effective` clauses"
                .to_string()
        } else {
            "see the language reference in docs/language.md".to_string()
        }
    }
}

/// Where pest failed in the text it was given, and whether it was looking
/// for the end of a string there.
pub(super) fn pest_position(e: &pest::error::Error<Rule>) -> (usize, bool) {
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((a, _)) => a,
    };
    let in_string =
        matches!(&e.variant, ErrorVariant::ParsingError { positives, .. } if positives.contains(&Rule::close_quote));
    (pos, in_string)
}

/// The error pest found in the piece of `src` that starts at byte `offset`.
/// An error at the piece's end (blanks and comments aside) is reported at
/// `next`, where the next declaration starts, as if the file were read whole.
pub(super) fn from_pest(
    e: &pest::error::Error<Rule>,
    src: &Arc<SourceFile>,
    offset: usize,
    next: Option<usize>,
) -> SyntaxError {
    let (relative, _) = pest_position(e);
    let expected = Expected::of(e, relative);
    let text = src.text();
    let mut pos = offset + relative;
    if expected.close_quote {
        return unterminated_string(src, pos);
    }
    if let Some(next) = next
        && text.get(pos..next).is_some_and(is_blank)
    {
        pos = next;
    }
    let found = word_at(text, pos);
    let loc = Loc { src: Arc::clone(src), span: Span::new(pos, pos + found.len()) };
    let at_line_end = found.is_empty() && pos < text.len();
    let (found_desc, label) = match found {
        "" if at_line_end => ("the end of the line".to_string(), "the line ends here"),
        "" => ("end of file".to_string(), "the file ends here"),
        _ => (format!("`{found}`"), "unexpected here"),
    };
    let message = format!("expected {}, found {found_desc}", expected.describe());
    SyntaxError::new(SyntaxErrorKind::Unexpected, Located::new(message, &loc, label).help(expected.help(found)))
}

/// A string whose closing quote pest looked for at `pos`, from its opening quote.
fn unterminated_string(src: &Arc<SourceFile>, pos: usize) -> SyntaxError {
    let start = src.text()[..pos].rfind('"').unwrap_or(pos);
    let loc = Loc { src: Arc::clone(src), span: Span::new(start, pos) };
    SyntaxError::new(
        SyntaxErrorKind::Unexpected,
        Located::new("unterminated string", &loc, "this string has no closing `\"`")
            .help("a string ends with `\"` on the same line; write `\\\"` for a quote inside it"),
    )
}

/// Only blanks and comments: nothing a parser would read.
pub(super) fn is_blank(text: &str) -> bool {
    text.lines().all(|line| {
        let line = line.trim_start();
        line.is_empty() || line.starts_with('#')
    })
}

/// "`a`", "`a` or `b`", "`a`, `b` or `c`".
fn join_alternatives(items: &[String]) -> String {
    match items {
        [] => "something else".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The word or symbol starting at `pos`, for "found …".
fn word_at(text: &str, pos: usize) -> &str {
    let rest = text.get(pos..).unwrap_or("");
    let Some((_, first)) = rest.char_indices().next() else { return "" };
    let end = if first.is_alphanumeric() || first == '_' {
        rest.char_indices().find(|&(_, c)| !(c.is_alphanumeric() || c == '_')).map_or(rest.len(), |(i, _)| i)
    } else if first == '\n' || first == '\r' {
        0
    } else {
        let two = rest.get(..2).unwrap_or("");
        if ["==", "!=", "<=", ">=", "&&", "||", ".."].contains(&two) { 2 } else { first.len_utf8() }
    };
    &rest[..end]
}
