//! The `lsp_edits` fuzz target as a proptest smoke test, so `cargo test`
//! runs the same property (`fuzz/lsp_edits.rs`) on every change.

use proptest::prelude::*;

use crate::common::{proptest_config, root};

#[path = "../../fuzz/lsp_edits.rs"]
mod lsp_edits;

/// Edits that are often rule text: fragments of the language between
/// the bytes that place them.
const EDIT: &str = "([\\x00-\\xfe]{3}(rule|when|deny|d\\.|goods|origin|and|or|any|\\{|\\}|\\(|\\)|\"|==|\n|#|[a-z]{1,4}| |é|😀){0,6}\\xff){0,12}";

proptest! {
    #![proptest_config(proptest_config(24))]

    #[test]
    fn random_edits_never_fail_the_server(edits in proptest::string::bytes_regex(EDIT).unwrap()) {
        lsp_edits::lsp_edits(&root().join("rules/customs"), &edits);
    }
}
