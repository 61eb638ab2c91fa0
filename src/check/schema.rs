//! The declared entities: each record type's fields and their declared
//! types. Below both the compiled program (which holds a schema) and the
//! checker's static types (which are read from declared fields).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::error::did_you_mean;
use crate::source::{Loc, Span};

/// How many fields an unknown field's help lists.
const FIELDS_LISTED: usize = 12;

/// The declared entities.
#[derive(Debug, Default)]
pub struct Schema {
    pub(crate) entities: BTreeMap<String, Entity>,
}

impl Schema {
    /// An entity by name.
    pub fn entity(&self, name: &str) -> Option<&Entity> {
        self.entities.get(name)
    }
}

/// One `entity` declaration.
#[derive(Debug)]
pub struct Entity {
    /// Its name (the record type).
    pub name: String,
    /// Fields by name.
    pub fields: BTreeMap<String, FieldType>,
    /// Where it is declared.
    pub loc: Loc,
}

impl Entity {
    /// Its name where it is declared: one line to point at, not the body.
    pub(crate) fn name_loc(&self) -> Loc {
        let text = self.loc.text();
        let keyword = "entity".len();
        let at = text.get(keyword..).and_then(|t| t.find(self.name.as_str())).map_or(0, |i| i + keyword);
        let start = self.loc.span.start + at;
        let end = if at == 0 { start + keyword.min(text.len()) } else { start + self.name.len() };
        Loc { src: Arc::clone(&self.loc.src), span: Span::new(start, end) }
    }

    /// The help for `field`, which it does not declare: the closest field,
    /// then its links and its other fields, nearest first (so a wrong link
    /// name shows the links there are).
    pub(crate) fn unknown_field_help(&self, field: &str) -> String {
        let names: Vec<&str> = self.fields.keys().map(String::as_str).collect();
        let (links, other): (Vec<&str>, Vec<&str>) = names
            .iter()
            .copied()
            // Every record has `id` and `type`: not worth listing.
            .filter(|n| !["id", "type"].contains(n))
            .partition(|n| self.fields.get(*n).is_some_and(|t| matches!(t.base, Base::Entity(_))));
        let others = if links.is_empty() { format!("fields of `{}`", self.name) } else { "other fields".to_string() };
        let groups: Vec<String> = [(format!("links of `{}`", self.name), links), (others, other)]
            .into_iter()
            .filter(|(_, group)| !group.is_empty())
            .map(|(what, group)| format!("{what}: {}", nearest_first(field, group)))
            .collect();
        let listed = match groups.is_empty() {
            true => format!("`{}` declares no fields", self.name),
            false => groups.join("; "),
        };
        match did_you_mean(field, names) {
            Some(suggestion) => format!("{suggestion}\n{listed}"),
            None => listed,
        }
    }
}

/// `names` quoted, the closest to `field` first, at most [`FIELDS_LISTED`].
fn nearest_first(field: &str, mut names: Vec<&str>) -> String {
    let similarity = |n: &str| strsim::normalized_damerau_levenshtein(field, n);
    names.sort_by(|a, b| similarity(b).total_cmp(&similarity(a)));
    let more = names.len().saturating_sub(FIELDS_LISTED);
    let listed: Vec<String> = names.iter().take(FIELDS_LISTED).map(|n| format!("`{n}`")).collect();
    match more {
        0 => listed.join(", "),
        n => format!("{} and {n} more", listed.join(", ")),
    }
}

/// A declared field type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldType {
    /// The element type.
    pub base: Base,
    /// `[T]`
    pub list: bool,
    /// `T?`
    pub optional: bool,
}

/// A scalar type or an entity.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Base {
    /// `string`
    Str,
    /// `number`
    Num,
    /// `bool`
    Bool,
    /// `date`
    Date,
    /// A link to a record of this entity.
    Entity(String),
}
