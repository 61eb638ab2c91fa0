//! `fmt` keeps meaning and is idempotent: over every rule file in the
//! repository that parses, and over generated rule files.

use std::path::{Path as FsPath, PathBuf};

use interdict::SourceFile;
use interdict::ast::*;
use interdict::syntax::{format_source, parse};
use proptest::prelude::*;

use crate::common::{proptest_config, root};

fn rule_files(dir: &FsPath, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            if !p.ends_with("target") && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
                rule_files(&p, out);
            }
        } else if p.extension().is_some_and(|e| e == "rules") {
            out.push(p);
        }
    }
}

/// Formats `text`, checks the result parses to the same tree and formats to itself.
fn round_trip(name: &str, text: &str) -> Option<String> {
    let src = SourceFile::new(name, text);
    let original = parse(&src).ok()?;
    let formatted = format_source(&src).unwrap();
    let again = SourceFile::new(name, formatted.clone());
    let reparsed = parse(&again).unwrap_or_else(|e| panic!("{name}: formatted text does not parse: {e}\n{formatted}"));
    assert_eq!(original, reparsed, "{name}: formatting changed the meaning\n{formatted}");
    assert_eq!(format_source(&again).unwrap(), formatted, "{name}: fmt is not idempotent");
    Some(formatted)
}

#[test]
fn every_rule_file_in_the_repository() {
    let mut files = Vec::new();
    rule_files(root(), &mut files);
    let mut checked = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        checked += usize::from(round_trip(&f.display().to_string(), &text).is_some());
    }
    assert!(checked >= 8, "only {checked} rule files parsed");
}

#[test]
fn the_example_rule_set_is_formatted() {
    let dir = root().join("rules");
    let mut files = Vec::new();
    rule_files(&dir, &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let formatted = round_trip(&f.display().to_string(), &text).unwrap();
        assert_eq!(formatted, text, "{} is not in canonical layout: run `interdict fmt rules`", f.display());
    }
}

/// The rule text in the documentation's code blocks is in canonical layout:
/// what a reader copies is what `fmt` writes.
#[test]
fn the_documentations_examples_are_formatted() {
    let declaration = ["rule ", "entity ", "exempt ", "def ", "let "];
    for doc in ["docs/language.md", "README.md"] {
        let text = std::fs::read_to_string(root().join(doc)).unwrap();
        for (i, block) in text.split("```").enumerate().filter(|(i, _)| i % 2 == 1) {
            let Some(("", body)) = block.split_once('\n') else { continue };
            // Rule text, not a shell session's output.
            if body.starts_with('$') || !body.lines().any(|l| declaration.iter().any(|d| l.starts_with(d))) {
                continue;
            }
            let name = format!("{doc}, block {}", i / 2 + 1);
            let formatted = round_trip(&name, body).unwrap_or_else(|| panic!("{name} does not parse"));
            assert_eq!(formatted, body, "{name} is not in canonical layout");
        }
    }
}

/// `fmt` keeps the author's line breaks in `and`/`or` chains and entities:
/// a long condition is not joined into one line (issue 22).
#[test]
fn line_breaks_in_chains_and_entities_are_kept() {
    let text = "entity goods {\n    origin: string\n    category: string\n}\n\nrule r {\n    deny shipment s when s.shipper.partner.country == \"KR\"\n                     and (any g in s.goods: g.category in [\"cosmetics\", \"medicine\", \"shampoo\"]\n                                         or g.origin == \"KP\")\n}\n";
    assert_eq!(round_trip("chains.rules", text).as_deref(), Some(text));
}

// ------------------------------------------------------------------ generated files

const NAMES: &[&str] = &["p", "v", "x", "c", "person", "venue", "kr", "banned", "owner_1", "_tmp"];
const FIELDS: &[&str] = &["name", "nationality", "spouse", "contacts", "from", "type", "in", "date"];

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(NAMES).prop_map(str::to_string)
}

fn ident(name: String) -> Ident {
    Ident { name, loc: dummy() }
}

fn dummy() -> interdict::source::Loc {
    interdict::source::Loc { src: SourceFile::new("", ""), span: Default::default() }
}

fn literal() -> impl Strategy<Value = Literal> {
    let scalar = prop_oneof![
        "[a-zA-Z0-9 #\\\\\"-]{0,8}".prop_map(Literal::Str),
        (-1000i32..1000).prop_map(|n| Literal::Num(f64::from(n))),
        (-1000i32..1000).prop_map(|n| Literal::Num(f64::from(n) / 4.0)),
        (1990i32..2030, 1u8..13, 1u8..29)
            .prop_map(|(y, m, d)| Literal::Date(interdict::date::Date::new(y, m, d).unwrap())),
        any::<bool>().prop_map(Literal::Bool),
    ];
    prop_oneof![4 => scalar.clone(), 1 => prop::collection::vec(scalar, 0..4).prop_map(Literal::List)]
}

fn path() -> impl Strategy<Value = Path> {
    let step = (prop::sample::select(FIELDS), any::<bool>(), prop::option::of((1u32..3, prop::option::of(0u32..3))));
    (name(), prop::collection::vec(step, 0..3)).prop_map(|(head, steps)| Path {
        head: ident(head),
        steps: steps
            .into_iter()
            .map(|(f, bracketed, hops)| Step {
                field: if bracketed { format!("{f}-x") } else { f.to_string() },
                bracketed,
                hops: hops.map(|(min, extra)| HopRange { min, max: extra.map(|e| min + e) }),
                loc: dummy(),
            })
            .collect(),
        loc: dummy(),
    })
}

fn operand() -> BoxedStrategy<Operand> {
    let plain = prop_oneof![
        literal().prop_map(OperandKind::Literal),
        path().prop_map(OperandKind::Path),
        path().prop_map(OperandKind::Count),
    ]
    .prop_map(|kind| Operand { kind, loc: dummy() })
    .boxed();
    let unit = prop::option::of(prop::sample::select(vec![
        interdict::date::DateUnit::Day,
        interdict::date::DateUnit::Week,
        interdict::date::DateUnit::Month,
        interdict::date::DateUnit::Year,
    ]));
    // `as_of - 1 year`, `x.d + 30 days`, `… - 365` (which parses; the checker rejects it).
    let shift = (any::<bool>(), 0u64..100_000_000_000, unit).prop_map(|(back, amount, unit)| Shift {
        back,
        amount: amount.to_string(),
        unit,
        loc: dummy(),
    });
    prop_oneof![
        3 => plain.clone(),
        1 => (plain, shift).prop_map(|(base, shift)| Operand {
            kind: OperandKind::Shift { base: Box::new(base), shift },
            loc: dummy()
        }),
    ]
    .boxed()
}

fn c(kind: CondKind) -> Cond {
    Cond { kind, loc: dummy() }
}

fn atom() -> impl Strategy<Value = Cond> {
    let ops = prop::sample::select(vec![
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
        CmpOp::In,
        CmpOp::NotIn,
        CmpOp::Contains,
        CmpOp::StartsWith,
    ]);
    prop_oneof![
        (operand(), ops, operand()).prop_map(|(lhs, op, rhs)| c(CondKind::Compare { lhs, op, rhs })),
        path().prop_map(|p| c(CondKind::Exists(p))),
        (
            path(),
            prop::sample::select(vec![VerdictWord::Denied, VerdictWord::Flagged, VerdictWord::Allowed]),
            prop::option::of(name())
        )
            .prop_map(|(p, verdict, by)| c(CondKind::Is {
                subject: Operand { kind: OperandKind::Path(p), loc: dummy() },
                verdict,
                by: by.map(ident)
            })),
        (name(), prop::collection::vec(operand(), 0..3))
            .prop_map(|(n, args)| c(CondKind::Call { name: ident(n), args })),
        (operand(), "[a-z^$.*\\\\d]{0,6}").prop_map(|(subject, pattern)| c(CondKind::Matches {
            subject,
            pattern: StrLit { value: pattern, loc: dummy() }
        })),
        path().prop_map(|p| c(CondKind::Truthy(Operand { kind: OperandKind::Path(p), loc: dummy() }))),
    ]
}

/// Conditions with the parentheses the grammar needs where precedence
/// would otherwise regroup them.
fn condition() -> impl Strategy<Value = Cond> {
    atom().prop_recursive(4, 24, 3, |inner| {
        let paren = |x: Cond| match x.kind {
            CondKind::And(_) | CondKind::Or(_) | CondKind::Quant { .. } | CondKind::Not(_) => {
                c(CondKind::Paren(Box::new(x)))
            }
            _ => x,
        };
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(move |ts| c(CondKind::And(ts.into_iter().map(paren).collect()))),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(move |ts| c(CondKind::Or(ts.into_iter().map(paren).collect()))),
            inner.clone().prop_map(move |t| c(CondKind::Not(Box::new(paren(t))))),
            inner.clone().prop_map(|t| c(CondKind::Paren(Box::new(t)))),
            (
                prop::sample::select(vec![Quantifier::Any, Quantifier::All, Quantifier::None]),
                name(),
                path(),
                inner.clone()
            )
                .prop_map(|(quantifier, var, p, body)| c(CondKind::Quant {
                    quantifier,
                    var: ident(var),
                    range: Range::In(p),
                    body: Box::new(body),
                    head: dummy()
                })),
            (name(), name(), prop::option::of(atom()), inner).prop_map(|(ty, var, filter, body)| c(CondKind::Quant {
                quantifier: Quantifier::Any,
                var: ident(var),
                range: Range::Type { record_type: ident(ty), filter: filter.map(Box::new) },
                body: Box::new(body),
                head: dummy()
            })),
        ]
    })
}

fn rule() -> impl Strategy<Value = Item> {
    (
        name(),
        prop::option::of("[A-Za-z \"\\\\]{0,12}"),
        any::<bool>(),
        name(),
        name(),
        condition(),
        prop::option::of(0u8..4),
    )
        .prop_map(|(n, title, deny, ty, var, cond, severity)| {
            Item::Rule(RuleDecl {
                name: ident(format!("r_{n}")),
                title: title.map(|value| StrLit { value, loc: dummy() }),
                effect: if deny { Effect::Deny } else { Effect::Flag },
                record_type: ident(ty),
                var: ident(var),
                cond,
                severity: severity.map(|s| {
                    ([Severity::Low, Severity::Medium, Severity::High, Severity::Critical][s as usize], dummy())
                }),
                effective: None,
                loc: dummy(),
            })
        })
}

proptest! {
    #![proptest_config(proptest_config(256))]

    /// print ∘ parse is the identity on trees, and fmt is idempotent.
    #[test]
    fn generated_rules_round_trip(items in prop::collection::vec(rule(), 1..4)) {
        let file = File { items };
        let text = interdict::syntax::print_file(&file, "");
        let src = SourceFile::new("gen.rules", text.clone());
        let parsed = parse(&src).unwrap_or_else(|e| panic!("generated text does not parse: {e}\n{text}"));
        prop_assert_eq!(&parsed, &file, "{}", text);
        prop_assert_eq!(format_source(&src).unwrap(), text);
    }
}
