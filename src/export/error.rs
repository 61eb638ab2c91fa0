//! Errors of the export layer: records or fields that cannot become a table,
//! and tables that cannot be written. None stops the other tables.

use crate::source::Position;

/// Why a table (or part of one) was not exported.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ExportError {
    /// A record type that is not a safe file name: its records are not exported.
    #[error(
        "record type `{record_type}` cannot name a table: {count} record{} not exported (the first at {first})",
        if *count == 1 { "" } else { "s" }
    )]
    #[diagnostic(
        code(interdict::export::type_name),
        help("a record type becomes a file name (`TYPE.parquet`): use only letters, digits, `_` and `-`")
    )]
    TypeName {
        /// The type as read.
        record_type: String,
        /// How many records have it.
        count: usize,
        /// Where the first of them was read.
        first: Position,
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
        help("rename the record type or the field: `_record` and `TYPE__FIELD` are the names of other tables")
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
