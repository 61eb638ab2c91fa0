//! What the server parses after each edit (`syntax::reparse`: only the
//! declarations whose text changed go through the grammar) is what a
//! fresh parse of the text gives: the same declarations at the same
//! places, the same errors, the same check.

use std::path::Path;
use std::sync::Arc;

use interdict::syntax::{Parsed, Reparse, parse_all, reparse};
use interdict::{Analysis, SourceFile};
use proptest::prelude::*;

use crate::common::{proptest_config, root};

/// The example rule files the edits start from.
const FILES: &[&str] = &[
    "rules/customs/customs.rules",
    "rules/trade-screening/goods.rules",
    "rules/trade-screening/schema.rules",
    "rules/sanctions-ftm/sanctions.rules",
    "tests/fixtures/design.rules",
];

/// Text an edit inserts: often rule text, declarations and line breaks
/// (which move where declarations start) included.
const INSERT: &str = "(rule a \\{|exempt b|\nrule |\ndef |\nlet |entity|when|deny|d\\.|and|or|\\{|\\}|\\(|\\)|\"|==|\n|#|[a-z]{1,4}| |é){0,5}";

/// One edit: where (a share of the text), how many bytes it removes, what it inserts.
fn edit() -> impl Strategy<Value = (u16, u8, String)> {
    (any::<u16>(), 0u8..40, proptest::string::string_regex(INSERT).unwrap())
}

/// Applies an edit at the nearest character boundaries.
fn apply(text: &mut String, (at, remove, insert): &(u16, u8, String)) {
    let boundary = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = boundary(usize::from(*at) * (text.len() + 1) / 65536);
    let end = boundary(start + usize::from(*remove));
    text.replace_range(start..end, insert);
}

/// The analysis of one rule file, its parse given; without the program
/// (whose maps print in no fixed order) but with whether there is one;
/// and the file's declarations.
fn analysis(parsed: Parsed, src: &Arc<SourceFile>, folder: &Path) -> (String, interdict::ast::File) {
    let mut analysis = Analysis::from_parsed(vec![(parsed, Arc::clone(src))], &[folder.to_path_buf()]);
    let shown = format!("{:#?}\n{:#?}\nchecks: {}", analysis.files, analysis.errors, analysis.program.is_some());
    (shown, analysis.files.pop().map(|(_, file)| file).unwrap())
}

proptest! {
    #![proptest_config(proptest_config(64))]

    #[test]
    fn reparsing_after_edits_is_parsing_afresh(
        file in 0..FILES.len(),
        edits in proptest::collection::vec(edit(), 1..10),
    ) {
        let path = root().join(FILES[file]);
        let folder = path.parent().unwrap();
        let name = path.display().to_string();
        let mut text = std::fs::read_to_string(&path).unwrap();
        let mut last = Reparse::default();
        let src = SourceFile::new(&name, text.clone());
        let (_, parsed) = analysis(reparse(&src, &mut last), &src, folder);
        last.give_back(&src, parsed);
        for e in &edits {
            apply(&mut text, e);
            let src = SourceFile::new(&name, text.clone());
            let (again, parsed) = analysis(reparse(&src, &mut last), &src, folder);
            last.give_back(&src, parsed);
            let (fresh, _) = analysis(parse_all(&src), &src, folder);
            prop_assert_eq!(again, fresh, "after {:?}, on:\n{}", e, text);
        }
    }
}
