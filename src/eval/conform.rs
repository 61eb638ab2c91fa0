//! Whether a record fits its `entity` declaration: a required field that
//! is missing, a key the entity does not declare, a value that does not
//! read as its declared type. Written once for both stores, over
//! [`JsonView`] (a `serde_json::Value` in the reference store, a parsed
//! field in the fast one); the findings are warnings on the record
//! ([`LinkProblem::Absent`], [`LinkProblem::Undeclared`],
//! [`LinkProblem::NotOfType`]), and with `--strict` an error in its place
//! ([`unfit_error`]).
//!
//! A value reads as its type as the engines read it: a `date` is a string
//! that reads as a day, a month or a year; a link is checked by the link
//! warnings (a value that is not an id is [`LinkProblem::NotAnId`] there),
//! so here only its shape (one value or a list) is.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use smallvec::SmallVec;

use super::{LinkProblem, LinkWarning};
use crate::check::{Base, FieldType, Program, did_you_mean_name};
use crate::date::Period;
use crate::records::{RecordError, RecordErrorKind};
use crate::source::Position;

/// What a JSON value is, as far as fitting a type goes.
pub(crate) enum Kind<'v, V> {
    Null,
    Bool,
    Num,
    Str(&'v str),
    /// A string already resolved to a record (a link).
    Id,
    List(&'v [V]),
    /// A list of strings already resolved to records.
    Ids,
    Object,
}

/// A JSON value as a store holds it.
pub(crate) trait JsonView: Sized {
    fn kind(&self) -> Kind<'_, Self>;
    /// The value as JSON, to show it.
    fn to_json(&self) -> Value;
}

impl JsonView for Value {
    fn kind(&self) -> Kind<'_, Value> {
        match self {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Num,
            Value::String(s) => Kind::Str(s),
            Value::Array(items) => Kind::List(items),
            Value::Object(_) => Kind::Object,
        }
    }
    fn to_json(&self) -> Value {
        self.clone()
    }
}

/// Looked up once or more per record: a fast hasher (the keys are the
/// rule set's names, not input).
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// One declared entity's fields, each with a slot (its index here).
#[derive(Clone)]
pub(crate) struct Declared<'p> {
    pub(crate) fields: Vec<(&'p str, &'p FieldType)>,
    slots: Map<&'p str, usize>,
    /// Bit `slot` set for each field declared without `?`; `None` past
    /// 64 fields (then [`Conformance::fits`] leaves every record to
    /// [`Conformance::check`]).
    required: Option<u64>,
}

impl<'p> Declared<'p> {
    /// The slot of a declared field.
    pub(crate) fn slot(&self, field: &str) -> Option<usize> {
        self.slots.get(field).copied()
    }
}

/// The declarations records are held to; exists only when entities are declared.
pub(crate) struct Conformance<'p> {
    entities: Map<&'p str, Declared<'p>>,
    /// Keys the rules read that no declaration can name (`x["first-name"]`).
    read_keys: HashSet<&'p str>,
}

impl<'p> Conformance<'p> {
    /// `None` without `entity` declarations: then nothing is checked.
    pub(crate) fn of(program: &'p Program) -> Option<Conformance<'p>> {
        let schema = program.schema()?;
        let entities = schema
            .entities
            .iter()
            .map(|(name, e)| {
                // `id` and `type` are every record's, declared or not (and checked on load).
                let fields: Vec<(&str, &FieldType)> = (e.fields.iter())
                    .filter(|(f, _)| !matches!(f.as_str(), "id" | "type"))
                    .map(|(f, t)| (f.as_str(), t))
                    .collect();
                let slots = fields.iter().enumerate().map(|(i, (f, _))| (*f, i)).collect();
                let required = (fields.len() <= 64).then(|| {
                    (fields.iter().enumerate()).filter(|(_, (_, t))| !t.optional).fold(0u64, |m, (i, _)| m | 1 << i)
                });
                (name.as_str(), Declared { fields, slots, required })
            })
            .collect();
        let read_keys = program.field_names().iter().map(String::as_str).filter(|k| !is_name(k)).collect();
        Some(Conformance { entities, read_keys })
    }

    /// The declaration records of `record_type` are held to, if any.
    pub(crate) fn entity(&self, record_type: &str) -> Option<&Declared<'p>> {
        self.entities.get(record_type)
    }

    /// Every declared entity, by name.
    pub(crate) fn entities(&self) -> impl Iterator<Item = (&'p str, &Declared<'p>)> + '_ {
        self.entities.iter().map(|(name, decl)| (*name, decl))
    }

    /// Every field name some entity declares.
    pub(crate) fn declared_names(&self) -> impl Iterator<Item = &'p str> + '_ {
        self.entities.values().flat_map(|d| d.fields.iter().map(|(f, _)| *f))
    }

    /// Whether a record of entity `decl` surely fits it, so that
    /// [`Conformance::check`] would find nothing: each of its keys (`id`
    /// and `type` left out, none skipped) given as its slot in `decl` and
    /// value. `false` when in doubt (a key written twice, a key `decl` does
    /// not declare): the caller then asks `check`. Allocates nothing (this
    /// runs for every record; `check` took 560 instructions a bench record).
    pub(crate) fn fits<'v, V: JsonView + 'v>(
        &self,
        decl: &Declared<'_>,
        fields: impl Iterator<Item = (Option<usize>, &'v V)>,
    ) -> bool {
        let Some(required) = decl.required else { return false };
        let (mut seen, mut present) = (0u64, 0u64);
        for (slot, value) in fields {
            let Some((slot, (_, ty))) = slot.and_then(|s| Some((s, decl.fields.get(s)?))) else { return false };
            let bit = 1u64 << slot;
            if seen & bit != 0 || !fits(ty, value) {
                return false;
            }
            seen |= bit;
            if !matches!(value.kind(), Kind::Null) {
                present |= bit;
            }
        }
        required & !present == 0
    }

    /// The warnings of a record of entity `decl`: `fields` are its keys
    /// (each once, `id` and `type` left out) with their slot in `decl` and
    /// value; `skipped` are keys whose value was not read, which `decl`
    /// does not declare. In the order of [`LinkWarning::sort`].
    pub(crate) fn check<V: JsonView>(
        &self,
        decl: &Declared<'_>,
        fields: &[(&str, Option<usize>, &V)],
        skipped: &[&str],
    ) -> Vec<LinkWarning> {
        let mut out = Vec::new();
        let mut present: SmallVec<[bool; 32]> = SmallVec::from_elem(false, decl.fields.len());
        for &(key, slot, value) in fields {
            match slot.and_then(|s| Some((s, decl.fields.get(s)?.1))) {
                Some((slot, ty)) => {
                    if !matches!(value.kind(), Kind::Null) {
                        present[slot] = true;
                    }
                    if let Some(found) = misfit(ty, value) {
                        let problem = LinkProblem::NotOfType { expected: type_text(ty), found };
                        out.push(LinkWarning { field: key.to_string(), target: shown(value), problem });
                    }
                }
                None if self.read_keys.contains(key) => {}
                None => out.push(undeclared(decl, key)),
            }
        }
        out.extend(skipped.iter().map(|key| undeclared(decl, key)));
        for ((field, ty), seen) in decl.fields.iter().zip(present) {
            if !ty.optional && !seen {
                out.push(LinkWarning { field: field.to_string(), target: String::new(), problem: LinkProblem::Absent });
            }
        }
        LinkWarning::sort(&mut out);
        out
    }
}

fn undeclared(decl: &Declared<'_>, key: &str) -> LinkWarning {
    let did_you_mean = did_you_mean_name(key, decl.fields.iter().map(|(f, _)| *f)).map(str::to_string);
    LinkWarning { field: key.to_string(), target: String::new(), problem: LinkProblem::Undeclared { did_you_mean } }
}

/// Whether `key` is an identifier, and so could be declared.
fn is_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether the value reads as `ty`: [`misfit`] finds nothing.
fn fits<V: JsonView>(ty: &FieldType, value: &V) -> bool {
    match (value.kind(), ty.list) {
        (Kind::Null | Kind::Ids, _) => true,
        (Kind::List(items), true) => items.iter().all(|item| fits_scalar(&ty.base, &item.kind())),
        (Kind::List(_), false) | (_, true) => false,
        (kind, false) => fits_scalar(&ty.base, &kind),
    }
}

/// What the value is, when it does not read as `ty` (a `null` field is
/// absent, not misfit).
fn misfit<V: JsonView>(ty: &FieldType, value: &V) -> Option<String> {
    match (value.kind(), ty.list) {
        (Kind::Null | Kind::Ids, _) => None,
        (Kind::List(items), true) => {
            items.iter().find_map(|item| misfit_scalar(&ty.base, item).map(|what| format!("a list holding {what}")))
        }
        (Kind::List(_), false) => Some("a list".to_string()),
        (kind, true) => Some(describe(&kind)),
        (_, false) => misfit_scalar(&ty.base, value),
    }
}

fn misfit_scalar<V: JsonView>(base: &Base, value: &V) -> Option<String> {
    let kind = value.kind();
    match (fits_scalar(base, &kind), base, kind) {
        (true, _, _) => None,
        (false, Base::Date, Kind::Str(_)) => Some("a string that is not a date".to_string()),
        (false, _, kind) => Some(describe(&kind)),
    }
}

/// Whether one value (not a list of them) reads as `base`.
fn fits_scalar<V>(base: &Base, kind: &Kind<'_, V>) -> bool {
    match (base, kind) {
        // A link's value is the link warnings' to judge (not an id, no such record).
        (Base::Entity(_), Kind::List(_) | Kind::Ids) => false,
        (Base::Entity(_), _) => true,
        (Base::Str, Kind::Str(_) | Kind::Id) | (Base::Num, Kind::Num) | (Base::Bool, Kind::Bool) => true,
        (Base::Date, Kind::Str(s)) => Period::parse_lenient(s).is_some(),
        _ => false,
    }
}

fn describe<V>(kind: &Kind<'_, V>) -> String {
    match kind {
        Kind::Null => "`null`",
        Kind::Bool => "a bool",
        Kind::Num => "a number",
        Kind::Str(_) | Kind::Id => "a string",
        Kind::List(_) | Kind::Ids => "a list",
        Kind::Object => "an object",
    }
    .to_string()
}

/// A value as a warning shows it: a string as it is, anything else as JSON.
fn shown<V: JsonView>(value: &V) -> String {
    match value.to_json() {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// A declared type as written: `date`, `person?`, `[string]`.
fn type_text(ty: &FieldType) -> String {
    let base = match &ty.base {
        Base::Str => "string",
        Base::Num => "number",
        Base::Bool => "bool",
        Base::Date => "date",
        Base::Entity(e) => e.as_str(),
    };
    let list = if ty.list { format!("[{base}]") } else { base.to_string() };
    if ty.optional { format!("{list}?") } else { list }
}

/// With `--strict`, the error a record gets in place of its verdict when
/// its warnings say it does not fit its declaration; `None` when it fits.
pub(crate) fn unfit_error(id: &str, position: Position, warnings: &[LinkWarning]) -> Option<RecordError> {
    let unfit: Vec<String> = warnings.iter().filter(|w| w.problem.is_unfit()).map(|w| w.message(id)).collect();
    let (first, rest) = unfit.split_first()?;
    let more = match rest.len() {
        0 => String::new(),
        1 => " (and 1 more problem)".to_string(),
        n => format!(" (and {n} more problems)"),
    };
    let help = if rest.is_empty() { String::new() } else { format!("{}\n", rest.join("\n")) };
    Some(
        RecordError::new(RecordErrorKind::DoesNotFit, format!("{first}{more}"), position)
            .with_id(id.to_string())
            .with_help(format!(
                "{help}the record does not fit its `entity` declaration and was not evaluated (--strict)"
            )),
    )
}

/// The reference store's records checked against the declarations: the
/// warnings of each record that has any.
pub(crate) fn data_warnings(
    program: &Program,
    store: &crate::records::RecordStore,
) -> HashMap<crate::records::RecordIdx, Vec<LinkWarning>> {
    let Some(conformance) = Conformance::of(program) else { return HashMap::new() };
    let mut out = HashMap::new();
    for (idx, record) in store.iter() {
        let Some(decl) = conformance.entity(record.record_type()) else { continue };
        let fields: Vec<(&str, Option<usize>, &Value)> = record
            .fields()
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "id" | "type"))
            .map(|(k, v)| (k.as_str(), decl.slot(k), v))
            .collect();
        let warnings = conformance.check(decl, &fields, &[]);
        if !warnings.is_empty() {
            out.insert(idx, warnings);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RuleSet, SourceFile};

    const RULES: &str = "entity product { name: string, origin: string, made: date?, tags: [string]?, \
                         maker: person? }\nentity person { name: string }\n\
                         rule r { deny product p when p.origin == \"KR\" }";

    fn warnings(record: &str) -> Vec<String> {
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", RULES)]).unwrap_or_else(|e| panic!("{e:?}"));
        let conformance = Conformance::of(rules.program()).unwrap_or_else(|| panic!("typed"));
        let value: Value = serde_json::from_str(record).unwrap_or_else(|e| panic!("{e}"));
        let Value::Object(map) = value else { panic!("an object") };
        let decl = conformance.entity("product").unwrap_or_else(|| panic!("declared"));
        let fields: Vec<(&str, Option<usize>, &Value)> =
            map.iter().map(|(k, v)| (k.as_str(), decl.slot(k), v)).collect();
        conformance.check(decl, &fields, &[]).iter().map(|w| w.message("g-1")).collect()
    }

    #[test]
    fn a_record_that_fits_has_no_warnings() {
        let ok = r#"{"name": "Rice cooker", "origin": "KR", "made": "2023-01", "tags": ["a"], "maker": "p-1"}"#;
        assert_eq!(warnings(ok), Vec::<String>::new());
        assert_eq!(warnings(r#"{"name": "x", "origin": "KR", "made": null, "made2": 1, "x-y": 2}"#).len(), 2);
    }

    #[test]
    fn the_analysts_record_warns_of_each_misfit() {
        let got = warnings(r#"{"name": "Rice cooker", "Origin": "KR", "made": "01/05/2023"}"#);
        assert_eq!(
            got,
            [
                "`g-1` has the key `Origin`, which its entity does not declare; did you mean `origin`?",
                "`g-1`.made holds `01/05/2023`, a string that is not a date, where `date?` is declared",
                "`g-1` has no `origin`, which is declared without `?`",
            ]
        );
    }

    #[test]
    fn lists_and_scalars_must_be_as_declared() {
        let got = warnings(r#"{"name": 3, "origin": ["KR"], "tags": "a", "maker": ["p-1"]}"#);
        assert_eq!(
            got,
            [
                "`g-1`.maker holds `[\"p-1\"]`, a list, where `person?` is declared",
                "`g-1`.name holds `3`, a number, where `string` is declared",
                "`g-1`.origin holds `[\"KR\"]`, a list, where `string` is declared",
                "`g-1`.tags holds `a`, a string, where `[string]?` is declared",
            ]
        );
        let got = warnings(r#"{"name": "x", "origin": "KR", "tags": ["a", 2]}"#);
        assert_eq!(got, ["`g-1`.tags holds `[\"a\",2]`, a list holding a number, where `[string]?` is declared"]);
    }

    /// The quick test says a record fits only when `check` finds nothing,
    /// and says so for the common record.
    #[test]
    fn a_record_is_said_to_fit_only_when_check_finds_nothing() {
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", RULES)]).unwrap_or_else(|e| panic!("{e:?}"));
        let conformance = Conformance::of(rules.program()).unwrap_or_else(|| panic!("typed"));
        let decl = conformance.entity("product").unwrap_or_else(|| panic!("declared"));
        let judged = |record: &str| {
            let Ok(Value::Object(map)) = serde_json::from_str(record) else { panic!("an object: {record}") };
            let fields: Vec<(&str, Option<usize>, &Value)> =
                map.iter().map(|(k, v)| (k.as_str(), decl.slot(k), v)).collect();
            let fits = conformance.fits(decl, fields.iter().map(|(_, slot, v)| (*slot, *v)));
            (fits, conformance.check(decl, &fields, &[]).is_empty())
        };
        let fitting = [
            r#"{"name": "Rice cooker", "origin": "KR"}"#,
            r#"{"name": "x", "origin": "KR", "made": "2023-01", "tags": ["a", "b"], "maker": "p-1"}"#,
            r#"{"name": "x", "origin": "KR", "made": null, "tags": [], "maker": null}"#,
        ];
        for record in fitting {
            assert_eq!(judged(record), (true, true), "{record}");
        }
        let unfit = [
            r#"{"name": "x"}"#,
            r#"{"name": "x", "origin": null}"#,
            r#"{"name": 3, "origin": "KR"}"#,
            r#"{"name": "x", "origin": ["KR"]}"#,
            r#"{"name": "x", "origin": "KR", "made": "01/05/2023"}"#,
            r#"{"name": "x", "origin": "KR", "tags": "a"}"#,
            r#"{"name": "x", "origin": "KR", "tags": ["a", 2]}"#,
            r#"{"name": "x", "origin": "KR", "maker": ["p-1"]}"#,
            r#"{"name": "x", "origin": "KR", "Origin": "KR"}"#,
        ];
        for record in unfit {
            assert_eq!(judged(record), (false, false), "{record}");
        }
        // In doubt (a key given twice): `check` decides.
        let (name, origin) = (Value::from("x"), Value::from("KR"));
        let twice = [(decl.slot("name"), &name), (decl.slot("origin"), &origin), (decl.slot("name"), &name)];
        assert!(!conformance.fits(decl, twice.into_iter()));
    }

    /// `fits` is `misfit` without the words, for every kind of value and type.
    #[test]
    fn fits_agrees_with_misfit() {
        let values = [r#"null"#, "true", "1", r#""2023-01""#, r#""x""#, "[]", r#"["x"]"#, "[1]", r#"{"a": 1}"#];
        let rules = "entity t { s: string, n: number?, b: bool, d: date, e: t?, ls: [string], ld: [date]?, le: [t] }";
        let rules = RuleSet::from_sources(vec![SourceFile::new("t.rules", rules)]).unwrap_or_else(|e| panic!("{e:?}"));
        let conformance = Conformance::of(rules.program()).unwrap_or_else(|| panic!("typed"));
        let decl = conformance.entity("t").unwrap_or_else(|| panic!("declared"));
        for (field, ty) in &decl.fields {
            for value in values {
                let value: Value = serde_json::from_str(value).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(fits(ty, &value), misfit(ty, &value).is_none(), "{field} holding {value}");
            }
        }
    }

    #[test]
    fn only_declaration_misfits_make_a_record_unfit() {
        let at = Position { file: "g.jsonl".to_string(), line: 3, column: 1 };
        let link = LinkWarning { field: "maker".into(), target: "p-9".into(), problem: LinkProblem::Missing };
        assert!(unfit_error("g-1", at.clone(), std::slice::from_ref(&link)).is_none());
        let absent = LinkWarning { field: "origin".into(), target: String::new(), problem: LinkProblem::Absent };
        let e = unfit_error("g-1", at, &[link, absent]).unwrap_or_else(|| panic!("unfit"));
        assert_eq!(e.kind().code(), "interdict::records::does_not_fit");
        assert_eq!(e.message(), "`g-1` has no `origin`, which is declared without `?`");
        assert_eq!(e.position().to_string(), "g.jsonl:3:1");
    }
}
