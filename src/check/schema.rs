//! The declared entities: each record type's fields and their declared
//! types. Below both the compiled program (which holds a schema) and the
//! checker's static types (which are read from declared fields).

use std::collections::BTreeMap;

use crate::source::Loc;

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
