use super::*;
use crate::records::Input;
use crate::{RuleSet, SourceFile};

fn export(records: &str, rules: Option<&str>) -> Export {
    let store = RecordStore::load([Input::new("t.jsonl", records.as_bytes().to_vec())]);
    let rules = rules.map(|r| match RuleSet::from_sources(vec![SourceFile::new("t.rules", r)]) {
        Ok(rules) => rules,
        Err(e) => panic!("rules do not check: {e:?}"),
    });
    build_tables(&store, rules.as_ref().and_then(|r| r.program().schema()))
}

fn table(export: &Export, name: &str) -> String {
    match export.tables.iter().find(|t| t.name == name) {
        Some(t) => batch_text(&t.batch),
        None => panic!("no table `{name}`; tables: {:?}", names(export)),
    }
}

fn names(export: &Export) -> Vec<&str> {
    export.tables.iter().map(|t| t.name.as_str()).collect()
}

fn warnings(export: &Export) -> Vec<String> {
    export.warnings.iter().map(ToString::to_string).collect()
}

fn errors(export: &Export) -> Vec<String> {
    export.errors.iter().map(ToString::to_string).collect()
}

#[test]
fn record_table_has_every_valid_record_in_store_order_and_error_entries_are_skipped() {
    let e = export(
        concat!(
            "{\"id\":\"p-1\",\"type\":\"person\"}\n",
            "{\"id\":\"p-2\",\"type\":\n",
            "{\"id\":\"v-1\",\"type\":\"venue\"}\n",
            "{\"id\":\"p-1\",\"type\":\"venue\"}\n",
            "{\"type\":\"venue\"}\n",
            "{\"id\":\"p-3\",\"type\":\"person\"}\n",
        ),
        None,
    );
    assert_eq!(names(&e), ["interdict_record", "person", "venue"]);
    assert_eq!(
        table(&e, "interdict_record"),
        "id: Utf8 not null, type: Utf8 not null, seq: Int64 not null\n\
         \"p-1\" | \"person\" | 0\n\"v-1\" | \"venue\" | 1\n\"p-3\" | \"person\" | 2\n"
    );
    assert_eq!(table(&e, "person"), "id: Utf8 not null, seq: Int64 not null\n\"p-1\" | 0\n\"p-3\" | 2\n");
    assert_eq!((e.records, e.types), (3, 2));
    assert!(e.errors.is_empty() && e.warnings.is_empty());
}

#[test]
fn scalar_types_are_inferred_per_type_and_field_and_absent_or_null_is_null() {
    let e = export(
        concat!(
            "{\"id\":\"p-1\",\"type\":\"person\",\"name\":\"Ann\",\"age\":41,\"active\":true}\n",
            "{\"id\":\"p-2\",\"type\":\"person\",\"name\":null,\"age\":2.5}\n",
            "{\"id\":\"v-1\",\"type\":\"venue\",\"age\":\"old\"}\n",
        ),
        None,
    );
    assert_eq!(
        table(&e, "person"),
        "id: Utf8 not null, seq: Int64 not null, active: Boolean, age: Float64, name: Utf8\n\
         \"p-1\" | 0 | true | 41 | \"Ann\"\n\"p-2\" | 1 | null | 2.5 | null\n"
    );
    assert_eq!(table(&e, "venue"), "id: Utf8 not null, seq: Int64 not null, age: Utf8\n\"v-1\" | 2 | \"old\"\n");
    assert!(e.warnings.is_empty());
}

#[test]
fn mixed_kinds_are_strings_and_the_other_values_are_missing_with_one_warning_per_field() {
    let e = export(
        concat!(
            "{\"id\":\"p-1\",\"type\":\"person\",\"age\":\"41\",\"ok\":true}\n",
            "{\"id\":\"p-2\",\"type\":\"person\",\"age\":40,\"ok\":\"yes\"}\n",
            "{\"id\":\"p-3\",\"type\":\"person\",\"age\":false,\"ok\":null}\n",
        ),
        None,
    );
    assert_eq!(
        table(&e, "person"),
        "id: Utf8 not null, seq: Int64 not null, age: Utf8, ok: Utf8\n\
         \"p-1\" | 0 | \"41\" | null\n\"p-2\" | 1 | null | \"yes\"\n\"p-3\" | 2 | null | null\n"
    );
    assert_eq!(
        warnings(&e),
        [
            "2 values of person.age are not strings; exported as missing",
            "1 value of person.ok is not a string; exported as missing"
        ]
    );
}

#[test]
fn a_list_column_holds_the_length_so_missing_and_empty_lists_differ() {
    let e = export(
        concat!(
            "{\"id\":\"p-1\",\"type\":\"person\",\"contacts\":[\"p-2\",\"p-3\"]}\n",
            "{\"id\":\"p-2\",\"type\":\"person\",\"contacts\":[]}\n",
            "{\"id\":\"p-3\",\"type\":\"person\"}\n",
            "{\"id\":\"p-4\",\"type\":\"person\",\"contacts\":null}\n",
            "{\"id\":\"p-5\",\"type\":\"person\",\"contacts\":\"p-1\"}\n",
        ),
        None,
    );
    assert_eq!(names(&e), ["interdict_record", "person", "person__contacts"]);
    assert_eq!(
        table(&e, "person"),
        "id: Utf8 not null, seq: Int64 not null, contacts: Int64\n\
         \"p-1\" | 0 | 2\n\"p-2\" | 1 | 0\n\"p-3\" | 2 | null\n\"p-4\" | 3 | null\n\"p-5\" | 4 | null\n"
    );
    assert_eq!(
        table(&e, "person__contacts"),
        "src: Utf8 not null, pos: Int64 not null, dst: Utf8\n\"p-1\" | 0 | \"p-2\"\n\"p-1\" | 1 | \"p-3\"\n"
    );
    assert_eq!(warnings(&e), ["1 value of person.contacts is not a list; exported as missing"]);
}

#[test]
fn every_element_gets_a_row_at_its_position_null_when_null_or_of_another_kind() {
    let e = export(
        concat!(
            "{\"id\":\"p-1\",\"type\":\"person\",\"tags\":[\"a\",null,3,\"b\",{\"x\":1},[\"c\"]]}\n",
            "{\"id\":\"p-2\",\"type\":\"person\",\"scores\":[1,2.5,null]}\n",
        ),
        None,
    );
    assert_eq!(
        table(&e, "person__tags"),
        "src: Utf8 not null, pos: Int64 not null, dst: Utf8\n\
         \"p-1\" | 0 | \"a\"\n\"p-1\" | 1 | null\n\"p-1\" | 2 | null\n\"p-1\" | 3 | \"b\"\n\
         \"p-1\" | 4 | null\n\"p-1\" | 5 | null\n"
    );
    assert_eq!(
        table(&e, "person__scores"),
        "src: Utf8 not null, pos: Int64 not null, dst: Float64\n\"p-2\" | 0 | 1\n\"p-2\" | 1 | 2.5\n\"p-2\" | 2 | null\n"
    );
    assert_eq!(warnings(&e), ["3 elements of person.tags are not strings; exported as missing"]);
}

#[test]
fn nested_objects_are_missing_with_a_warning() {
    let e = export("{\"id\":\"p-1\",\"type\":\"person\",\"address\":{\"city\":\"Dandong\"}}\n", None);
    assert_eq!(table(&e, "person"), "id: Utf8 not null, seq: Int64 not null, address: Utf8\n\"p-1\" | 0 | null\n");
    assert_eq!(warnings(&e), ["1 value of person.address is not a string; exported as missing"]);
}

#[test]
fn declared_types_win_and_every_declared_entity_and_list_gets_a_table() {
    let rules = "entity person { age: number, born: date, senior: bool, spouse: person?, tags: [string] }\n\
                 entity venue { operator: person, scores: [number] }\n";
    let e = export(
        concat!(
            "{\"id\":\"p-1\",\"type\":\"person\",\"age\":\"41\",\"born\":\"1980-01-02\",\"senior\":true,",
            "\"spouse\":\"p-2\",\"tags\":[\"a\",1],\"note\":7}\n",
            "{\"id\":\"p-2\",\"type\":\"person\",\"age\":40,\"tags\":\"a\"}\n",
        ),
        Some(rules),
    );
    assert_eq!(names(&e), ["interdict_record", "person", "person__tags", "venue", "venue__scores"]);
    assert_eq!(
        table(&e, "person"),
        "id: Utf8 not null, seq: Int64 not null, age: Float64, born: Utf8, note: Float64, senior: Boolean, \
         spouse: Utf8, tags: Int64\n\
         \"p-1\" | 0 | null | \"1980-01-02\" | 7 | true | \"p-2\" | 2\n\
         \"p-2\" | 1 | 40 | null | null | null | null | null\n"
    );
    assert_eq!(
        table(&e, "person__tags"),
        "src: Utf8 not null, pos: Int64 not null, dst: Utf8\n\"p-1\" | 0 | \"a\"\n\"p-1\" | 1 | null\n"
    );
    assert_eq!(table(&e, "venue"), "id: Utf8 not null, seq: Int64 not null, operator: Utf8, scores: Int64\n");
    assert_eq!(table(&e, "venue__scores"), "src: Utf8 not null, pos: Int64 not null, dst: Float64\n");
    assert_eq!(
        warnings(&e),
        [
            "1 value of person.age is not a number; exported as missing",
            "1 value of person.tags is not a list; exported as missing",
            "1 element of person.tags is not a string; exported as missing",
        ]
    );
    assert_eq!((e.records, e.types), (2, 2));
}

#[test]
fn a_type_that_cannot_name_a_file_is_an_error_for_its_records_only() {
    let e = export(
        concat!(
            "{\"id\":\"x-1\",\"type\":\"../up\"}\n",
            "{\"id\":\"p-1\",\"type\":\"person\"}\n",
            "{\"id\":\"x-2\",\"type\":\"../up\"}\n",
            "{\"id\":\"r-1\",\"type\":\"interdict_record\"}\n",
            "{\"id\":\"h-1\",\"type\":\"_hidden\"}\n",
        ),
        None,
    );
    assert_eq!(names(&e), ["interdict_record", "person"]);
    assert_eq!(
        table(&e, "interdict_record"),
        "id: Utf8 not null, type: Utf8 not null, seq: Int64 not null\n\"p-1\" | \"person\" | 1\n"
    );
    assert_eq!(
        errors(&e),
        [
            "record type `../up` cannot name a table: 2 records not exported (the first at t.jsonl:1:1)",
            "record type `_hidden` cannot name a table: 1 record not exported (the first at t.jsonl:5:1)",
            "record type `interdict_record` cannot name a table: 1 record not exported (the first at t.jsonl:4:1)",
        ]
    );
}

/// Spark and Hive-style catalogs skip files that begin with `_`, and
/// `interdict_` is kept for the record table and the SQL's working tables:
/// a declared entity named so is an error even without records.
#[test]
fn a_declared_entity_that_cannot_name_a_table_is_an_error() {
    let e = export(
        "",
        Some("entity _hidden { a: string? }\nentity interdict_x { a: string? }\nentity ok { a: string? }\n"),
    );
    assert_eq!(names(&e), ["interdict_record", "ok"]);
    assert_eq!(
        errors(&e),
        [
            "entity `_hidden` cannot name a table: the compiled SQL finds no table for it",
            "entity `interdict_x` cannot name a table: the compiled SQL finds no table for it",
        ]
    );
}

#[test]
fn list_fields_that_cannot_name_a_table_keep_their_length_column() {
    let e = export(
        concat!(
            "{\"id\":\"a-1\",\"type\":\"a\",\"x/y\":[1],\"b\":[2],\"seq\":3}\n",
            "{\"id\":\"ab-1\",\"type\":\"a__b\"}\n",
        ),
        None,
    );
    assert_eq!(names(&e), ["interdict_record", "a", "a__b"]);
    assert_eq!(table(&e, "a"), "id: Utf8 not null, seq: Int64 not null, b: Int64, x/y: Int64\n\"a-1\" | 0 | 1 | 1\n");
    assert_eq!(
        errors(&e),
        [
            "table `a__b` would be written twice (for list field `a.b`); the second is not exported",
            "field `a.seq` has the name of the `seq` column: it is not exported",
            "list field `a.x/y` cannot name a table: its elements are not exported",
        ]
    );
}

#[test]
fn parquet_output_is_a_parquet_file() {
    let e = export("{\"id\":\"p-1\",\"type\":\"person\",\"tags\":[\"a\"]}\n", None);
    for t in &e.tables {
        let mut bytes = Vec::new();
        if let Err(err) = write_parquet(t, &mut bytes) {
            panic!("{err}");
        }
        assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"), "{}", t.name);
    }
}

#[test]
fn table_names_are_letters_digits_underscores_and_dashes() {
    assert!(valid_table_name("trade-cert_2"));
    for bad in ["", "a b", "a/b", "..", "a.b", "é"] {
        assert!(!valid_table_name(bad), "{bad:?}");
    }
    assert!(valid_type_name("trade-cert_2") && valid_type_name("a_interdict_"));
    for bad in ["_record", "_x", "interdict_record", "interdict_", "a b", ""] {
        assert!(!valid_type_name(bad), "{bad:?}");
    }
}
