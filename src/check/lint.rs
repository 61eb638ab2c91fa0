//! Warnings about rules that check but are probably not what was meant: a
//! rule that can never fire, a rule shadowed by another, an exemption that
//! can waive nothing, unused `let`s and `def`s, an effective range that has
//! ended, a verdict test that can never hold.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::program::{Cond, Program};
use crate::ast::{self, CmpOp, CondKind, Effect, Literal, OperandKind, VerdictWord};
use crate::date::Date;
use crate::source::{Located, SourceFile};

/// A lint warning: a miette diagnostic of severity warning.
#[derive(Clone, Debug)]
pub struct LintWarning {
    kind: LintKind,
    at: Box<Located>,
}

/// What the warning is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LintKind {
    /// Contradictory conditions on one field: `x.kind == "a" and x.kind == "b"`.
    NeverFires,
    /// Same type and effect as another rule whose condition is weaker.
    Shadowed,
    /// An exemption whose condition contradicts every rule it waives.
    WaivesNothing,
    /// A `let` or `def` nothing uses.
    Unused,
    /// `effective … to D` with D before the as-of day.
    Ended,
    /// `is denied` on a type that no deny rule judges (or `is flagged`, flag).
    NeverHolds,
}

impl LintKind {
    fn code(self) -> &'static str {
        match self {
            LintKind::NeverFires => "interdict::lint::never_fires",
            LintKind::Shadowed => "interdict::lint::shadowed",
            LintKind::WaivesNothing => "interdict::lint::waives_nothing",
            LintKind::Unused => "interdict::lint::unused",
            LintKind::Ended => "interdict::lint::ended",
            LintKind::NeverHolds => "interdict::lint::never_holds",
        }
    }
}

impl LintWarning {
    fn new(kind: LintKind, at: Located) -> Self {
        LintWarning { kind, at: Box::new(at) }
    }

    /// What it is about.
    pub fn kind(&self) -> LintKind {
        self.kind
    }

    /// Its message, location, label, help and related places.
    pub fn located(&self) -> &Located {
        &self.at
    }

    /// Its stable code, e.g. `interdict::lint::unused`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl std::fmt::Display for LintWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.at.message)
    }
}

impl std::error::Error for LintWarning {}

impl miette::Diagnostic for LintWarning {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Warning)
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

/// Lints a checked rule set (its files and their compiled program).
pub fn lint(files: &[(Arc<SourceFile>, ast::File)], program: &Program, as_of: Date) -> Vec<LintWarning> {
    let mut out = Vec::new();
    let rules: Vec<&ast::RuleDecl> =
        items(files).filter_map(|i| if let ast::Item::Rule(r) = i { Some(r) } else { None }).collect();
    let exempts: Vec<&ast::ExemptDecl> =
        items(files).filter_map(|i| if let ast::Item::Exempt(x) = i { Some(x) } else { None }).collect();
    let lets = Lets::of(files);
    for r in &rules {
        never_fires(r, &lets, &mut out);
        ended(r, as_of, &mut out);
    }
    shadowed(&rules, &lets, &mut out);
    for x in &exempts {
        waives_nothing(x, &rules, &lets, &mut out);
    }
    unused(files, &mut out);
    never_holds(program, &mut out);
    out.sort_by_key(|w| w.at.loc.position());
    out
}

/// A rule whose top-level `and` holds two contradictory tests.
fn never_fires(r: &ast::RuleDecl, lets: &Lets<'_>, out: &mut Vec<LintWarning>) {
    let facts = conjuncts(&r.cond, &r.var.name, lets);
    if let Some((a, b, why)) = contradiction(&facts) {
        out.push(LintWarning::new(
            LintKind::NeverFires,
            Located::new(format!("rule `{}` can never fire: {why}", r.name.name), &b.loc, "contradicts")
                .also(&a.loc, "this")
                .help("a record cannot satisfy both; did you mean `or`, or `in [\"…\", \"…\"]`?"),
        ));
    }
}

/// A rule whose `effective` range ended before the as-of day.
fn ended(r: &ast::RuleDecl, as_of: Date, out: &mut Vec<LintWarning>) {
    if let Some(e) = &r.effective
        && let Some(to) = e.to
        && to < as_of
    {
        out.push(LintWarning::new(
            LintKind::Ended,
            Located::new(
                format!("rule `{}` ended on {to} and no longer fires (as of {as_of})", r.name.name),
                &e.loc,
                "ended",
            )
            .help("remove the rule, or extend its `effective` range"),
        ));
    }
}

/// Shadowing: same type and effect, and every condition of the weaker rule
/// appears in the stronger one. Each rule's conditions are printed once,
/// and a rule is only compared with the rules that share its rarest
/// condition, so a file of thousands of distinct rules stays fast.
fn shadowed(rules: &[&ast::RuleDecl], lets: &Lets<'_>, out: &mut Vec<LintWarning>) {
    let texts: Vec<HashSet<String>> =
        rules.iter().map(|r| conjuncts(&r.cond, &r.var.name, lets).into_iter().map(|c| c.text).collect()).collect();
    let mut holding: HashMap<(&str, Effect, &str), Vec<usize>> = HashMap::new();
    for (j, b) in rules.iter().enumerate() {
        for t in &texts[j] {
            holding.entry((b.record_type.name.as_str(), b.effect, t.as_str())).or_default().push(j);
        }
    }
    for (i, a) in rules.iter().enumerate() {
        if a.effective.is_some() {
            continue;
        }
        let ty = a.record_type.name.as_str();
        let Some(rarest) =
            texts[i].iter().filter_map(|t| holding.get(&(ty, a.effect, t.as_str()))).min_by_key(|js| js.len())
        else {
            continue;
        };
        for &j in rarest {
            let (ca, cb) = (&texts[i], &texts[j]);
            // Equal conditions: report once, on the later rule.
            if i == j || !ca.is_subset(cb) || (ca == cb && i > j) {
                continue;
            }
            out.push(shadowed_by(rules[j], a));
        }
    }
}

/// `b` fires whenever `a` does, with the same effect.
fn shadowed_by(b: &ast::RuleDecl, a: &ast::RuleDecl) -> LintWarning {
    let effect = match b.effect {
        Effect::Deny => "deny",
        Effect::Flag => "flag",
    };
    LintWarning::new(
        LintKind::Shadowed,
        Located::new(
            format!(
                "rule `{}` is shadowed by `{}`: whenever it fires, `{}` fires too ({effect})",
                b.name.name, a.name.name, a.name.name
            ),
            &b.name.loc,
            "shadowed",
        )
        .also(&a.name.loc, "by this rule")
        .help("it adds evidence but never changes a decision; merge them or remove one"),
    )
}

/// An exemption whose condition contradicts every rule it waives.
fn waives_nothing(x: &ast::ExemptDecl, rules: &[&ast::RuleDecl], lets: &Lets<'_>, out: &mut Vec<LintWarning>) {
    let mine = conjuncts(&x.cond, &x.var.name, lets);
    let mut impossible = Vec::new();
    for name in &x.rules {
        let Some(r) = rules.iter().find(|r| r.name.name == name.name) else { continue };
        let mut both = conjuncts(&r.cond, &r.var.name, lets);
        both.extend(mine.iter().cloned());
        if contradiction(&both).is_some() {
            impossible.push(name.name.as_str());
        }
    }
    if !impossible.is_empty() && impossible.len() == x.rules.len() {
        out.push(LintWarning::new(
            LintKind::WaivesNothing,
            Located::new(
                format!(
                    "exemption `{}` can waive nothing: its condition contradicts `{}`",
                    x.name.name,
                    impossible.join("`, `")
                ),
                &x.cond.loc,
                "never true where the rule fires",
            )
            .help("a waived rule must first fire; check the exemption's condition against the rule's"),
        ));
    }
}

fn items(files: &[(Arc<SourceFile>, ast::File)]) -> impl Iterator<Item = &ast::Item> {
    files.iter().flat_map(|(_, f)| &f.items)
}

/// The `let`s bound to a literal, by name: a test against one is a test
/// against its value.
struct Lets<'a>(HashMap<&'a str, &'a Literal>);

impl<'a> Lets<'a> {
    fn of(files: &'a [(Arc<SourceFile>, ast::File)]) -> Self {
        Lets(
            items(files)
                .filter_map(|i| match i {
                    ast::Item::Let(ast::LetDecl { name, value: ast::LetValue::Literal(l), .. }) => {
                        Some((name.name.as_str(), l))
                    }
                    _ => None,
                })
                .collect(),
        )
    }

    /// The literal an operand stands for: itself, or the value of the `let`
    /// it names (unless the record binder `var` has that name).
    fn literal(&self, o: &ast::Operand, var: &str) -> Option<Literal> {
        match &o.kind {
            OperandKind::Literal(l) => Some(l.clone()),
            OperandKind::Path(p) if p.steps.is_empty() && p.head.name != var => {
                self.0.get(p.head.name.as_str()).map(|l| (*l).clone())
            }
            _ => None,
        }
    }
}

/// One `PATH op LITERAL` term of a top-level `and`, or any other term as text.
#[derive(Clone, Debug)]
struct Conjunct {
    /// The term as printed with the record binder renamed to `$`, for comparison.
    text: String,
    /// `Some((path, op, literal))` for a comparison of a path with a literal
    /// (written, or a `let`'s).
    test: Option<(String, CmpOp, Literal)>,
    loc: crate::source::Loc,
}

fn conjuncts(c: &ast::Cond, var: &str, lets: &Lets<'_>) -> Vec<Conjunct> {
    let terms: Vec<&ast::Cond> = match &c.kind {
        CondKind::And(terms) => terms.iter().collect(),
        _ => vec![c],
    };
    terms
        .into_iter()
        .map(|t| {
            let test = match &t.kind {
                CondKind::Compare { lhs, op, rhs } => match (&lhs.kind, lets.literal(rhs, var)) {
                    (OperandKind::Path(p), Some(l)) => Some((renamed(p.loc.text(), var), *op, l)),
                    _ => None,
                },
                _ => None,
            };
            Conjunct { text: renamed(&t.to_string(), var), test, loc: t.loc.clone() }
        })
        .collect()
}

/// Renames the binder `var` to `$` where it starts a path.
fn renamed(text: &str, var: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut in_string = false;
    while i < text.len() {
        let c = bytes[i];
        if c == b'"' && (i == 0 || bytes[i - 1] != b'\\') {
            in_string = !in_string;
        }
        let boundary =
            i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b'.');
        if !in_string && boundary && text[i..].starts_with(var) {
            let after = bytes.get(i + var.len()).copied();
            if !after.is_some_and(|a| a.is_ascii_alphanumeric() || a == b'_') {
                out.push('$');
                i += var.len();
                continue;
            }
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Two conjuncts no record can satisfy together, with a reason.
fn contradiction(facts: &[Conjunct]) -> Option<(&Conjunct, &Conjunct, String)> {
    let mut by_path: BTreeMap<&str, Vec<&Conjunct>> = BTreeMap::new();
    for f in facts {
        if let Some((path, _, _)) = &f.test {
            by_path.entry(path.as_str()).or_default().push(f);
        }
    }
    for group in by_path.values() {
        for (i, a) in group.iter().enumerate() {
            for b in &group[i + 1..] {
                let (Some((path, op_a, la)), Some((_, op_b, lb))) = (&a.test, &b.test) else { continue };
                let path = path.replacen('$', "", 1);
                let path = path.trim_start_matches('.');
                let why = match (op_a, op_b) {
                    (CmpOp::Eq, CmpOp::Eq) if la != lb => Some(format!("`{path}` cannot equal both {la} and {lb}")),
                    (CmpOp::Eq, CmpOp::Ne) | (CmpOp::Ne, CmpOp::Eq) if la == lb => {
                        Some(format!("`{path}` cannot be and not be {la}"))
                    }
                    (CmpOp::Eq, CmpOp::In) => (!member(la, lb)).then(|| format!("{la} is not in {lb}")),
                    (CmpOp::In, CmpOp::Eq) => (!member(lb, la)).then(|| format!("{lb} is not in {la}")),
                    (CmpOp::Eq, CmpOp::NotIn) => member(la, lb).then(|| format!("{la} is in {lb}")),
                    (CmpOp::NotIn, CmpOp::Eq) => member(lb, la).then(|| format!("{lb} is in {la}")),
                    (CmpOp::In, CmpOp::In) => {
                        disjoint(la, lb).then(|| format!("{la} and {lb} have no value in common"))
                    }
                    _ => None,
                };
                if let Some(why) = why {
                    return Some((a, b, why));
                }
            }
        }
    }
    None
}

fn member(x: &Literal, list: &Literal) -> bool {
    match list {
        Literal::List(items) => items.contains(x),
        _ => true,
    }
}

fn disjoint(a: &Literal, b: &Literal) -> bool {
    match (a, b) {
        (Literal::List(xs), Literal::List(ys)) => !xs.iter().any(|x| ys.contains(x)),
        _ => false,
    }
}

/// `let`s and `def`s that no rule, exemption or def mentions.
fn unused(files: &[(Arc<SourceFile>, ast::File)], out: &mut Vec<LintWarning>) {
    let mut used: HashSet<&str> = HashSet::new();
    for item in items(files) {
        let cond = match item {
            ast::Item::Def(d) => &d.body,
            ast::Item::Rule(r) => &r.cond,
            ast::Item::Exempt(x) => &x.cond,
            _ => continue,
        };
        names_in(cond, &mut used);
    }
    for item in items(files) {
        let (what, ident) = match item {
            ast::Item::Let(l) => ("let", &l.name),
            ast::Item::Def(d) => ("def", &d.name),
            _ => continue,
        };
        if !used.contains(ident.name.as_str()) {
            out.push(LintWarning::new(
                LintKind::Unused,
                Located::new(format!("{what} `{}` is never used", ident.name), &ident.loc, "unused")
                    .help(format!("remove the {what}, or use it in a rule")),
            ));
        }
    }
}

/// Names a condition refers to: def calls and path heads.
fn names_in<'a>(c: &'a ast::Cond, out: &mut HashSet<&'a str>) {
    match &c.kind {
        CondKind::And(ts) | CondKind::Or(ts) => ts.iter().for_each(|t| names_in(t, out)),
        CondKind::Not(t) | CondKind::Paren(t) => names_in(t, out),
        CondKind::Compare { lhs, rhs, .. } => {
            names_in_operand(lhs, out);
            names_in_operand(rhs, out);
        }
        CondKind::Matches { subject, .. } | CondKind::Is { subject, .. } | CondKind::Truthy(subject) => {
            names_in_operand(subject, out)
        }
        CondKind::Exists(p) => {
            out.insert(p.head.name.as_str());
        }
        CondKind::Quant { range, body, .. } => {
            names_in_range(range, out);
            names_in(body, out);
        }
        CondKind::Sum { range, value, rhs, .. } => {
            names_in_range(range, out);
            out.insert(value.head.name.as_str());
            names_in_operand(rhs, out);
        }
        CondKind::Call { name, args } => {
            out.insert(name.name.as_str());
            for a in args {
                names_in_operand(a, out);
            }
        }
    }
}

fn names_in_operand<'a>(o: &'a ast::Operand, out: &mut HashSet<&'a str>) {
    match &o.kind {
        OperandKind::Path(p) | OperandKind::Count(p) => {
            out.insert(p.head.name.as_str());
        }
        OperandKind::Call { name, args } => {
            out.insert(name.name.as_str());
            for a in args {
                names_in_operand(a, out);
            }
        }
        OperandKind::Shift { base, .. } => names_in_operand(base, out),
        OperandKind::Literal(_) => {}
    }
}

fn names_in_range<'a>(range: &'a ast::Range, out: &mut HashSet<&'a str>) {
    match range {
        ast::Range::In(p) => {
            out.insert(p.head.name.as_str());
        }
        ast::Range::Type { filter: Some(f), .. } => names_in(f, out),
        ast::Range::Type { filter: None, .. } => {}
    }
}

/// `x is denied` on a type no deny rule judges can never hold (likewise flag).
fn never_holds(program: &Program, out: &mut Vec<LintWarning>) {
    let effects: HashSet<(&str, Effect)> = program.rules().map(|r| (r.record_type.as_str(), r.effect)).collect();
    for (owner, cond) in program.conditions() {
        cond.visit(&mut |e| {
            if let Cond::Is { verdict, by: None, target: Some(target), loc, .. } = e {
                let needed = match verdict {
                    VerdictWord::Denied => Some(Effect::Deny),
                    VerdictWord::Flagged => Some(Effect::Flag),
                    VerdictWord::Allowed => None,
                };
                if let Some(effect) = needed
                    && !effects.contains(&(target.as_str(), effect))
                {
                    out.push(LintWarning::new(
                        LintKind::NeverHolds,
                        Located::new(
                            format!(
                                "in `{owner}`: `{}` can never hold: no {} rule judges `{target}` records",
                                loc.text(),
                                effect.as_str()
                            ),
                            loc,
                            "never true",
                        )
                        .help(format!("add a `{}` rule for `{target}`, or drop this test", effect.as_str())),
                    ));
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::renamed;

    #[test]
    fn renames_the_binder_only_where_it_starts_a_path() {
        assert_eq!(renamed(r#"v.kind == "v" and vv.x == v.y"#, "v"), r#"$.kind == "v" and vv.x == $.y"#);
    }
}
