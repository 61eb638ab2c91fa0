//! Errors of the export layer: records or fields that cannot become a table,
//! and tables that cannot be written. None stops the other tables.

use crate::source::Position;

/// What a record type may be called (for Spark, Hive and Trino as much as
/// for the file system).
const TYPE_NAME_HELP: &str = "a record type becomes a file name (`TYPE.parquet`) and a table: use only letters, digits, `_` and `-`, do not begin with `_` (Spark and Hive-style catalogs skip such files as hidden) nor with `interdict_` (the prefix of interdict's own tables)";

/// Why a table (or part of one) was not exported.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ExportError {
    /// A record type that is not a safe file name: its records are not exported.
    #[error(
        "record type `{record_type}` cannot name a table: {count} record{} not exported (the first at {first})",
        if *count == 1 { "" } else { "s" }
    )]
    #[diagnostic(code(interdict::export::type_name), help("{TYPE_NAME_HELP}"))]
    TypeName {
        /// The type as read.
        record_type: String,
        /// How many records have it.
        count: usize,
        /// Where the first of them was read.
        first: Position,
    },
    /// A declared entity (without records) whose name cannot name a table.
    #[error("entity `{entity}` cannot name a table: the compiled SQL finds no table for it")]
    #[diagnostic(code(interdict::export::type_name), help("{TYPE_NAME_HELP}"))]
    EntityName {
        /// The entity's name.
        entity: String,
    },
    /// A list field whose name is not a safe file name: its elements are not
    /// exported (its length column still is).
    #[error("list field `{record_type}.{field}` cannot name a table: its elements are not exported")]
    #[diagnostic(
        code(interdict::export::field_name),
        help(
            "a list field becomes a file name (`TYPE__FIELD.parquet`): use only letters, digits, `_` and `-` in its name"
        )
    )]
    FieldName {
        /// The record type.
        record_type: String,
        /// The field as read.
        field: String,
    },
    /// Two tables would have the same name (e.g. type `a__b` and list field
    /// `b` of type `a`); the second is not exported.
    #[error("table `{table}` would be written twice (for {what}); the second is not exported")]
    #[diagnostic(
        code(interdict::export::table_clash),
        help("rename the record type or the field: `TYPE__FIELD` is the name of a list field's table")
    )]
    TableClash {
        /// The table name.
        table: String,
        /// What wanted it the second time.
        what: String,
    },
    /// A field named like a column every type table has (`seq`).
    #[error("field `{record_type}.{field}` has the name of the `{field}` column: it is not exported")]
    #[diagnostic(
        code(interdict::export::reserved_field),
        help("every type table starts with the columns `id` and `seq`; rename the field to export it")
    )]
    ReservedField {
        /// The record type.
        record_type: String,
        /// The field.
        field: String,
    },
    /// Arrow or Parquet refused a table (an internal error: please report it).
    #[error("cannot write table `{table}`: {message}")]
    #[diagnostic(
        code(interdict::export::write),
        help("the other tables are still written; unless this is an IO error (disk full, no permission), it is a bug")
    )]
    Write {
        /// The table.
        table: String,
        /// What the arrow or parquet crate said.
        message: String,
    },
}
