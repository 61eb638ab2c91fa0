//! pest pairs → AST: one `lower_*` function per grammar rule.
//!
//! Pairs never leave this module. A child that is not where the grammar
//! promises it would be is an internal error, never a panic.

use std::sync::Arc;

use pest::iterators::{Pair, Pairs};

use super::error::{SyntaxError, SyntaxErrorKind};
use super::grammar::{MAX_DEPTH, Rule};
use crate::ast::*;
use crate::date::{Date, DateUnit};
use crate::source::{Loc, Located, SourceFile, Span};

type Result<T> = std::result::Result<T, SyntaxError>;

/// Lowers the pairs of a piece of `src` that starts at byte `offset`.
pub(super) fn file(mut pairs: Pairs<'_, Rule>, src: &Arc<SourceFile>, offset: usize) -> Result<File> {
    let cx = Cx { src, offset };
    let Some(file) = pairs.next() else { return Err(cx.internal(0, "empty parse")) };
    let mut items = Vec::new();
    for item in file.into_inner() {
        items.push(match item.as_rule() {
            Rule::entity_decl => Item::Entity(cx.entity(item)?),
            Rule::let_decl => Item::Let(cx.let_decl(item)?),
            Rule::def_decl => Item::Def(cx.def(item)?),
            Rule::rule_decl => Item::Rule(cx.rule(item)?),
            Rule::exempt_decl => Item::Exempt(cx.exempt(item)?),
            Rule::EOI => continue,
            _ => return Err(cx.internal(offset + item.as_span().start(), "unknown item")),
        });
    }
    Ok(File { items })
}

/// Keyword tokens are in the tree only so that errors can name them.
fn is_keyword(r: Rule) -> bool {
    matches!(
        r,
        Rule::kw_entity
            | Rule::kw_let
            | Rule::kw_def
            | Rule::kw_rule
            | Rule::kw_exempt
            | Rule::kw_when
            | Rule::kw_severity
            | Rule::kw_effective
            | Rule::kw_from
            | Rule::kw_to
            | Rule::kw_waive
            | Rule::kw_for
            | Rule::kw_in
            | Rule::kw_not
            | Rule::kw_exists
            | Rule::kw_count
            | Rule::kw_where
            | Rule::kw_is
            | Rule::kw_by
            | Rule::kw_matches
    )
}

/// The optional clauses of a rule, as they are in [`RuleDecl`].
#[derive(Default)]
struct RuleClauses {
    severity: Option<(Severity, Loc)>,
    effective: Option<Effective>,
}

/// A clause written twice in one rule.
fn duplicate_clause(rule: &Ident, what: &str, second: &Loc, first: &Loc) -> SyntaxError {
    SyntaxError::new(
        SyntaxErrorKind::DuplicateClause,
        Located::new(format!("`{what}` is written twice in rule `{}`", rule.name), second, "second one")
            .also(first, "first one")
            .help(format!("a rule has at most one `{what}` clause")),
    )
}

/// The children of a pair, keywords skipped.
struct Kids<'i> {
    it: Pairs<'i, Rule>,
    end: usize,
}

impl<'i> Kids<'i> {
    fn of(p: Pair<'i, Rule>) -> Self {
        let end = p.as_span().end();
        Kids { it: p.into_inner(), end }
    }

    fn next(&mut self) -> Option<Pair<'i, Rule>> {
        self.it.find(|p| !is_keyword(p.as_rule()))
    }

    fn peek(&self) -> Option<Rule> {
        self.it.clone().find(|p| !is_keyword(p.as_rule())).map(|p| p.as_rule())
    }

    fn take(&mut self, rule: Rule) -> Option<Pair<'i, Rule>> {
        if self.peek() == Some(rule) { self.next() } else { None }
    }

    fn expect(&mut self, rule: Rule, cx: &Cx<'_>) -> Result<Pair<'i, Rule>> {
        self.take(rule).ok_or_else(|| cx.internal(cx.offset + self.end, &format!("expected {rule:?}")))
    }
}

struct Cx<'a> {
    src: &'a Arc<SourceFile>,
    /// Where the parsed piece starts in `src` (pest's positions are relative to it).
    offset: usize,
}

impl Cx<'_> {
    /// The pair's text without the blanks and comments pest skipped after it.
    fn loc(&self, p: &Pair<'_, Rule>) -> Loc {
        let s = p.as_span();
        let start = self.offset + s.start();
        Loc { src: Arc::clone(self.src), span: Span::new(start, start + meaningful_len(s.as_str())) }
    }

    fn ident(&self, p: &Pair<'_, Rule>) -> Ident {
        Ident { name: p.as_str().to_string(), loc: self.loc(p) }
    }

    /// An internal error at byte `at` of `src`.
    fn internal(&self, at: usize, what: &str) -> SyntaxError {
        let loc = Loc { src: Arc::clone(self.src), span: Span::new(at, at) };
        SyntaxError::new(
            SyntaxErrorKind::Unexpected,
            Located::new(format!("internal error: the parser produced an unexpected tree ({what})"), &loc, "here")
                .help("this is a bug in interdict; please report it with this rule file"),
        )
    }

    fn bad(&self, loc: &Loc, message: String, label: &str, help: &str) -> SyntaxError {
        SyntaxError::new(SyntaxErrorKind::BadLiteral, Located::new(message, loc, label).help(help))
    }

    // ------------------------------------------------------------ declarations

    fn entity(&self, p: Pair<'_, Rule>) -> Result<EntityDecl> {
        let loc = self.loc(&p);
        let mut kids = Kids::of(p);
        let name = self.ident(&kids.expect(Rule::ident, self)?);
        let body = kids.expect(Rule::entity_body, self)?;
        let mut fields = Vec::new();
        for f in body.into_inner().filter(|f| f.as_rule() == Rule::field_decl) {
            let mut fk = Kids::of(f);
            let name = self.ident(&fk.expect(Rule::field_name, self)?);
            let ty = self.type_expr(fk.expect(Rule::type_expr, self)?)?;
            fields.push(FieldDecl { name, ty });
        }
        Ok(EntityDecl { name, fields, loc })
    }

    fn type_expr(&self, p: Pair<'_, Rule>) -> Result<TypeExpr> {
        let loc = self.loc(&p);
        let mut kids = Kids::of(p);
        let (base, list) = match kids.take(Rule::list_type) {
            Some(l) => (self.ident(&Kids::of(l).expect(Rule::ident, self)?), true),
            None => (self.ident(&kids.expect(Rule::ident, self)?), false),
        };
        let optional = kids.take(Rule::optional).is_some();
        Ok(TypeExpr { base, list, optional, loc })
    }

    fn let_decl(&self, p: Pair<'_, Rule>) -> Result<LetDecl> {
        let loc = self.loc(&p);
        let mut kids = Kids::of(p);
        let name = self.ident(&kids.expect(Rule::ident, self)?);
        let value = match kids.take(Rule::list_file) {
            Some(file) => {
                let file_loc = self.loc(&file);
                let mut fk = Kids::of(file);
                let path = self.string(fk.expect(Rule::string, self)?)?;
                let column = match fk.take(Rule::list_column) {
                    Some(c) => Some(self.string(Kids::of(c).expect(Rule::string, self)?)?),
                    None => None,
                };
                LetValue::File(ListFile { path, column, loc: file_loc })
            }
            None => LetValue::Literal(self.literal(kids.expect(Rule::literal, self)?)?),
        };
        Ok(LetDecl { name, value, loc })
    }

    fn def(&self, p: Pair<'_, Rule>) -> Result<DefDecl> {
        let loc = self.loc(&p);
        let mut kids = Kids::of(p);
        let name = self.ident(&kids.expect(Rule::ident, self)?);
        let mut params = Vec::new();
        while let Some(param) = kids.take(Rule::param) {
            let mut pk = Kids::of(param);
            let name = self.ident(&pk.expect(Rule::ident, self)?);
            let ty = self.type_expr(pk.expect(Rule::type_expr, self)?)?;
            params.push(Param { name, ty });
        }
        let body = self.cond(kids.expect(Rule::cond, self)?, 0)?;
        Ok(DefDecl { name, params, body, loc })
    }

    fn rule(&self, p: Pair<'_, Rule>) -> Result<RuleDecl> {
        let loc = self.loc(&p);
        let mut kids = Kids::of(p);
        let name = self.ident(&kids.expect(Rule::ident, self)?);
        let title = kids.take(Rule::string).map(|s| self.string(s)).transpose()?;
        let mut line = Kids::of(kids.expect(Rule::effect_line, self)?);
        let effect = match line.expect(Rule::effect, self)?.as_str() {
            "deny" => Effect::Deny,
            _ => Effect::Flag,
        };
        let record_type = self.ident(&line.expect(Rule::ident, self)?);
        let var = self.ident(&line.expect(Rule::ident, self)?);
        let cond = self.cond(line.expect(Rule::cond, self)?, 0)?;
        let RuleClauses { severity, effective } = self.rule_clauses(&mut kids, &name)?;
        Ok(RuleDecl { name, title, effect, record_type, var, cond, severity, effective, loc })
    }

    /// The `severity` and `effective` clauses after a rule's effect line,
    /// each at most once.
    fn rule_clauses(&self, kids: &mut Kids<'_>, rule: &Ident) -> Result<RuleClauses> {
        let RuleClauses { mut severity, mut effective } = RuleClauses::default();
        while let Some(meta) = kids.next() {
            let meta_loc = self.loc(&meta);
            match meta.as_rule() {
                Rule::severity_clause => {
                    if let Some((_, first)) = &severity {
                        return Err(duplicate_clause(rule, "severity", &meta_loc, first));
                    }
                    severity = Some((self.severity(meta)?, meta_loc));
                }
                Rule::effective_clause => {
                    if let Some(first) = &effective {
                        return Err(duplicate_clause(rule, "effective", &meta_loc, &first.loc));
                    }
                    effective = Some(self.effective(meta, meta_loc)?);
                }
                Rule::close_brace => break,
                _ => return Err(self.internal(meta_loc.span.start, "rule clause")),
            }
        }
        Ok(RuleClauses { severity, effective })
    }

    /// `severity high`.
    fn severity(&self, p: Pair<'_, Rule>) -> Result<Severity> {
        let level = Kids::of(p).expect(Rule::severity_level, self)?;
        Ok(match level.as_str() {
            "low" => Severity::Low,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => Severity::Medium,
        })
    }

    /// `effective from 2021-01-01 [to 2021-12-31]`, a period that is not empty.
    fn effective(&self, p: Pair<'_, Rule>, loc: Loc) -> Result<Effective> {
        let mut ek = Kids::of(p);
        let from = self.date(&ek.expect(Rule::date, self)?)?;
        let to = ek.take(Rule::date).map(|d| self.date(&d)).transpose()?;
        if let Some(to) = to
            && to < from
        {
            return Err(self.bad(
                &loc,
                format!("`effective` ends ({to}) before it starts ({from})"),
                "empty period",
                "write the earlier date after `from`",
            ));
        }
        Ok(Effective { from, to, loc })
    }

    fn exempt(&self, p: Pair<'_, Rule>) -> Result<ExemptDecl> {
        let loc = self.loc(&p);
        let mut kids = Kids::of(p);
        let name = self.ident(&kids.expect(Rule::ident, self)?);
        let title = kids.take(Rule::string).map(|s| self.string(s)).transpose()?;
        let mut line = Kids::of(kids.expect(Rule::waive_line, self)?);
        let mut idents = Vec::new();
        while let Some(i) = line.take(Rule::ident) {
            idents.push(self.ident(&i));
        }
        let cond = self.cond(line.expect(Rule::cond, self)?, 0)?;
        let (Some(var), Some(record_type)) = (idents.pop(), idents.pop()) else {
            return Err(self.internal(loc.span.start, "waive line"));
        };
        Ok(ExemptDecl { name, title, rules: idents, record_type, var, cond, loc })
    }

    // ------------------------------------------------------------ conditions

    fn too_deep(&self, loc: &Loc) -> SyntaxError {
        SyntaxError::new(
            SyntaxErrorKind::TooDeep,
            Located::new(format!("conditions nest more than {MAX_DEPTH} deep"), loc, "too deep here")
                .help("split the condition into `def`s"),
        )
    }

    /// `cond` and `where_cond`: a flat run of prefixes, atoms and infixes.
    fn cond(&self, p: Pair<'_, Rule>, depth: usize) -> Result<Cond> {
        let loc = self.loc(&p);
        if depth > MAX_DEPTH {
            return Err(self.too_deep(&loc));
        }
        let tokens: Vec<Pair<'_, Rule>> = p.into_inner().collect();
        let mut pos = 0;
        let c = self.or_chain(&tokens, &mut pos, depth)?;
        if pos != tokens.len() {
            return Err(self.internal(loc.span.end, "condition tail"));
        }
        Ok(c)
    }

    fn or_chain(&self, t: &[Pair<'_, Rule>], pos: &mut usize, depth: usize) -> Result<Cond> {
        let first = self.and_chain(t, pos, depth)?;
        let mut rest = Vec::new();
        while t.get(*pos).is_some_and(|p| p.as_rule() == Rule::or_op) {
            *pos += 1;
            rest.push(self.and_chain(t, pos, depth)?);
        }
        Ok(join(first, rest, CondKind::Or))
    }

    fn and_chain(&self, t: &[Pair<'_, Rule>], pos: &mut usize, depth: usize) -> Result<Cond> {
        let first = self.unary(t, pos, depth)?;
        let mut rest = Vec::new();
        while t.get(*pos).is_some_and(|p| p.as_rule() == Rule::and_op) {
            *pos += 1;
            rest.push(self.unary(t, pos, depth)?);
        }
        Ok(join(first, rest, CondKind::And))
    }

    fn unary(&self, t: &[Pair<'_, Rule>], pos: &mut usize, depth: usize) -> Result<Cond> {
        let Some(p) = t.get(*pos) else { return Err(self.internal(self.src.text().len(), "missing operand")) };
        let start = self.loc(p);
        if depth > MAX_DEPTH {
            return Err(self.too_deep(&start));
        }
        *pos += 1;
        match p.as_rule() {
            Rule::not_op => {
                let inner = self.unary(t, pos, depth + 1)?;
                Ok(Cond { loc: start.to(&inner.loc), kind: CondKind::Not(Box::new(inner)) })
            }
            Rule::quant_head => {
                // The body extends as far right as possible.
                let body = self.or_chain(t, pos, depth + 1)?;
                self.quantifier(p.clone(), body, depth)
            }
            _ => self.atom(p.clone(), depth),
        }
    }

    fn quantifier(&self, head: Pair<'_, Rule>, body: Cond, depth: usize) -> Result<Cond> {
        let head_loc = self.loc(&head);
        let mut kids = Kids::of(head);
        let quantifier = match kids.expect(Rule::quantifier, self)?.as_str() {
            "any" => Quantifier::Any,
            "all" => Quantifier::All,
            _ => Quantifier::None,
        };
        let (var, range) = self.range(&mut kids, depth)?;
        Ok(Cond {
            loc: head_loc.to(&body.loc),
            kind: CondKind::Quant { quantifier, var, range, body: Box::new(body), head: head_loc },
        })
    }

    /// A quantifier's (or sum's) binder and range.
    fn range(&self, kids: &mut Kids<'_>, depth: usize) -> Result<(Ident, Range)> {
        Ok(if let Some(qin) = kids.take(Rule::quant_in) {
            let mut k = Kids::of(qin);
            let var = self.ident(&k.expect(Rule::ident, self)?);
            (var, Range::In(self.path(k.expect(Rule::path, self)?)?))
        } else {
            let mut k = Kids::of(kids.expect(Rule::quant_type, self)?);
            let record_type = self.ident(&k.expect(Rule::ident, self)?);
            let var = self.ident(&k.expect(Rule::ident, self)?);
            let filter = k.take(Rule::where_cond).map(|w| self.cond(w, depth + 1).map(Box::new)).transpose()?;
            (var, Range::Type { record_type, filter })
        })
    }

    fn atom(&self, p: Pair<'_, Rule>, depth: usize) -> Result<Cond> {
        let loc = self.loc(&p);
        let kind = match p.as_rule() {
            Rule::paren_cond => {
                let inner = Kids::of(p).expect(Rule::cond, self)?;
                CondKind::Paren(Box::new(self.cond(inner, depth + 1)?))
            }
            Rule::exists_cond => CondKind::Exists(self.path(Kids::of(p).expect(Rule::path, self)?)?),
            Rule::sum_cond => {
                let mut kids = Kids::of(p);
                let head = kids.expect(Rule::sum_head, self)?;
                let head_loc = self.loc(&head);
                let mut hk = Kids::of(head);
                let (var, range) = self.range(&mut hk, depth)?;
                let value = self.path(hk.expect(Rule::path, self)?)?;
                let op = cmp_op(kids.expect(Rule::cmp_op, self)?);
                let rhs = self.operand(kids.expect(Rule::operand, self)?, depth)?;
                CondKind::Sum { var, range, value, op, rhs, head: head_loc }
            }
            Rule::comparison => {
                let mut kids = Kids::of(p);
                let lhs = self.operand(kids.expect(Rule::operand, self)?, depth)?;
                match kids.next() {
                    None => match lhs.kind {
                        OperandKind::Call { name, args } => CondKind::Call { name, args },
                        _ => CondKind::Truthy(lhs),
                    },
                    Some(tail) => match tail.as_rule() {
                        Rule::binary_test => {
                            let mut tk = Kids::of(tail);
                            let op = cmp_op(tk.expect(Rule::cmp_op, self)?);
                            let rhs = self.operand(tk.expect(Rule::operand, self)?, depth)?;
                            CondKind::Compare { lhs, op, rhs }
                        }
                        Rule::match_test => {
                            let pattern = self.string(Kids::of(tail).expect(Rule::string, self)?)?;
                            CondKind::Matches { subject: lhs, pattern }
                        }
                        Rule::is_test => {
                            let mut tk = Kids::of(tail);
                            let verdict = match tk.expect(Rule::verdict_word, self)?.as_str() {
                                "denied" => VerdictWord::Denied,
                                "flagged" => VerdictWord::Flagged,
                                _ => VerdictWord::Allowed,
                            };
                            let by = tk.take(Rule::ident).map(|i| self.ident(&i));
                            CondKind::Is { subject: lhs, verdict, by }
                        }
                        _ => return Err(self.internal(loc.span.start, "comparison")),
                    },
                }
            }
            _ => return Err(self.internal(loc.span.start, "condition atom")),
        };
        Ok(Cond { kind, loc })
    }

    // ------------------------------------------------------------ operands

    fn operand(&self, p: Pair<'_, Rule>, depth: usize) -> Result<Operand> {
        let loc = self.loc(&p);
        if depth > MAX_DEPTH {
            return Err(self.too_deep(&loc));
        }
        let mut kids = Kids::of(p);
        let Some(inner) = kids.next() else { return Err(self.internal(loc.span.start, "operand")) };
        let base_loc = self.loc(&inner);
        let kind = match inner.as_rule() {
            Rule::literal => OperandKind::Literal(self.literal(inner)?),
            Rule::count_call => OperandKind::Count(self.path(Kids::of(inner).expect(Rule::path, self)?)?),
            Rule::call => {
                let mut call = Kids::of(inner);
                let name = self.ident(&call.expect(Rule::ident, self)?);
                let mut args = Vec::new();
                while let Some(a) = call.take(Rule::operand) {
                    args.push(self.operand(a, depth + 1)?);
                }
                OperandKind::Call { name, args }
            }
            Rule::path => OperandKind::Path(self.path(inner)?),
            _ => return Err(self.internal(loc.span.start, "operand kind")),
        };
        let Some(shift) = kids.take(Rule::date_shift) else { return Ok(Operand { kind, loc }) };
        let shift = self.shift(shift)?;
        Ok(Operand { kind: OperandKind::Shift { base: Box::new(Operand { kind, loc: base_loc }), shift }, loc })
    }

    /// `+ 30 days`, `- 365` (a unit left out is the checker's to report).
    fn shift(&self, p: Pair<'_, Rule>) -> Result<Shift> {
        let loc = self.loc(&p);
        let mut kids = Kids::of(p);
        let back = kids.expect(Rule::shift_sign, self)?.as_str() == "-";
        let digits = kids.expect(Rule::shift_amount, self)?.as_str().trim_start_matches('0');
        let amount = if digits.is_empty() { "0".to_string() } else { digits.to_string() };
        let unit = kids.take(Rule::shift_unit).and_then(|u| DateUnit::from_word(u.as_str()));
        Ok(Shift { back, amount, unit, loc })
    }

    fn path(&self, p: Pair<'_, Rule>) -> Result<Path> {
        let loc = self.loc(&p);
        let mut kids = Kids::of(p);
        let head = self.ident(&kids.expect(Rule::ident, self)?);
        let mut steps = Vec::new();
        while let Some(step) = kids.take(Rule::path_step) {
            let step_loc = self.loc(&step);
            let mut sk = Kids::of(step);
            let (field, bracketed) = match sk.take(Rule::field_name) {
                Some(f) => (f.as_str().to_string(), false),
                None => (self.string(sk.expect(Rule::string, self)?)?.value, true),
            };
            let hops = sk.take(Rule::hop_range).map(|h| self.hop_range(h)).transpose()?;
            steps.push(Step { field, bracketed, hops, loc: step_loc });
        }
        Ok(Path { head, steps, loc })
    }

    fn hop_range(&self, p: Pair<'_, Rule>) -> Result<HopRange> {
        let loc = self.loc(&p);
        let mut kids = Kids::of(p);
        let bad = |what: String| {
            self.bad(&loc, what, "in this hop range", "write `{N..M}` or `{N..}` with 1 <= N <= M, e.g. `{1..2}`")
        };
        let number = |p: Pair<'_, Rule>| {
            p.as_str().parse::<u32>().map_err(|_| bad(format!("`{}` is too many hops", p.as_str())))
        };
        let min = number(kids.expect(Rule::hop_min, self)?)?;
        let max = kids.take(Rule::hop_max).map(number).transpose()?;
        if min == 0 {
            return Err(bad("a hop range starts at 1 or more".to_string()));
        }
        if let Some(max) = max
            && max < min
        {
            return Err(bad(format!("hop range `{{{min}..{max}}}` is empty")));
        }
        Ok(HopRange { min, max })
    }

    // ------------------------------------------------------------ literals

    fn literal(&self, p: Pair<'_, Rule>) -> Result<Literal> {
        let inner = match p.as_rule() {
            Rule::literal => Kids::of(p).next(),
            _ => Some(p),
        };
        let Some(inner) = inner else { return Err(self.internal(0, "literal")) };
        let loc = self.loc(&inner);
        Ok(match inner.as_rule() {
            Rule::string => Literal::Str(self.string(inner)?.value),
            Rule::number => {
                let n: f64 = inner.as_str().parse().map_err(|_| self.internal(loc.span.start, "number"))?;
                if !n.is_finite() {
                    return Err(self.bad(&loc, "number too large".into(), "here", "numbers are 64-bit floating point"));
                }
                Literal::Num(n)
            }
            Rule::date => Literal::Date(self.date(&inner)?),
            Rule::boolean => Literal::Bool(inner.as_str() == "true"),
            Rule::list => {
                let items = inner.into_inner().map(|i| self.literal(i)).collect::<Result<Vec<_>>>()?;
                Literal::List(items)
            }
            _ => return Err(self.internal(loc.span.start, "literal kind")),
        })
    }

    fn date(&self, p: &Pair<'_, Rule>) -> Result<Date> {
        Date::parse_exact(p.as_str()).ok_or_else(|| {
            self.bad(
                &self.loc(p),
                format!("`{}` is not a calendar date", p.as_str()),
                "no such day",
                "dates are written YYYY-MM-DD and must be real calendar days",
            )
        })
    }

    fn string(&self, p: Pair<'_, Rule>) -> Result<StrLit> {
        let loc = self.loc(&p);
        let raw = Kids::of(p).next().map_or("", |i| i.as_str());
        Ok(StrLit { value: unescape(raw), loc })
    }
}

/// Folds a chain of `and` (or `or`) terms; one term stands alone.
fn join(first: Cond, rest: Vec<Cond>, make: fn(Vec<Cond>) -> CondKind) -> Cond {
    let Some(last) = rest.last() else { return first };
    let loc = first.loc.to(&last.loc);
    let mut terms = Vec::with_capacity(rest.len() + 1);
    terms.push(first);
    terms.extend(rest);
    Cond { kind: make(terms), loc }
}

fn cmp_op(p: Pair<'_, Rule>) -> CmpOp {
    match p.as_str() {
        "==" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        "in" => CmpOp::In,
        "contains" => CmpOp::Contains,
        "starts_with" => CmpOp::StartsWith,
        _ => CmpOp::NotIn,
    }
}

/// Length of `text` up to its last character that is neither blank nor in a comment.
fn meaningful_len(text: &str) -> usize {
    let mut last = 0;
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                let mut escaped = false;
                for (j, d) in chars.by_ref() {
                    if d == '"' && !escaped {
                        last = j + 1;
                        break;
                    }
                    escaped = d == '\\' && !escaped;
                    last = j + d.len_utf8();
                }
            }
            '#' => {
                for (_, d) in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            c if c.is_whitespace() => {}
            c => last = i + c.len_utf8(),
        }
    }
    last
}

/// `\"` and `\\` are the only escapes; any other backslash is kept.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next @ ('"' | '\\')) = chars.peek()
        {
            out.push(next);
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unescape;

    #[test]
    fn spans_stop_at_the_last_meaningful_character() {
        assert_eq!(super::meaningful_len("a == b  \n  # note\n "), 6);
        assert_eq!(super::meaningful_len("x == \"# not a comment\" "), 22);
        assert_eq!(super::meaningful_len("   "), 0);
    }

    #[test]
    fn escapes() {
        assert_eq!(unescape(r#"a\"b"#), "a\"b");
        assert_eq!(unescape(r"a\\b"), "a\\b");
        assert_eq!(unescape(r"^\d+$"), "^\\d+$");
    }
}
