//! Go to definition, find references and rename, answered from the index
//! (rename also rewrites the names of rules and exemptions in the rule
//! set's test files).

use std::collections::HashMap;
use std::path::Path;

use lsp_types::{Location, TextEdit, Uri, WorkspaceEdit};

use super::expectations::{Named, places};
use super::index::Sym;
use super::uri::{location, path_to_uri};
use super::workspace::RuleSetState;
use crate::fixtures::find_tests;
use crate::syntax::is_reserved;

/// Where the name at `offset` is declared; for a `list("FILE")` string, the file.
pub(crate) fn definition(set: &RuleSetState, file: &str, offset: usize) -> Option<Location> {
    if let Some((_, written)) = list_file_at(set, file, offset) {
        let folder = Path::new(file).parent()?;
        return Some(Location { uri: path_to_uri(&folder.join(written))?, range: lsp_types::Range::default() });
    }
    let occ = set.index.at(file, offset)?;
    location(&set.index.declaration(&occ.sym)?.loc)
}

/// The `list("FILE")` string at `offset`, if any: where, and the path as written.
pub(crate) fn list_file_at<'a>(
    set: &'a RuleSetState,
    file: &str,
    offset: usize,
) -> Option<&'a (crate::source::Loc, String)> {
    set.index
        .list_files
        .iter()
        .find(|(loc, _)| loc.src.name() == file && loc.span.start <= offset && offset <= loc.span.end)
}

/// Every place the name at `offset` is written.
pub(crate) fn references(set: &RuleSetState, file: &str, offset: usize, declaration: bool) -> Vec<Location> {
    let Some(occ) = set.index.at(file, offset) else { return Vec::new() };
    set.index.all(&occ.sym).into_iter().filter(|o| declaration || !o.decl).filter_map(|o| location(&o.loc)).collect()
}

/// The name at `offset` and its range, if it can be renamed.
pub(crate) fn prepare_rename(set: &RuleSetState, file: &str, offset: usize) -> Option<lsp_types::Range> {
    let occ = set.index.at(file, offset)?;
    Some(super::text::loc_range(&occ.loc))
}

/// The edits that rename the name at `offset` everywhere, or why not.
pub(crate) fn rename(set: &RuleSetState, file: &str, offset: usize, new_name: &str) -> Result<WorkspaceEdit, String> {
    let occ = set.index.at(file, offset).ok_or("there is no name here to rename")?;
    let valid = new_name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && new_name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    // A field may be named by a reserved word; nothing else may.
    let field = matches!(occ.sym, Sym::Field { .. });
    if !valid || (!field && is_reserved(new_name)) {
        return Err(format!("`{new_name}` is not a name that can be declared"));
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for o in set.index.all(&occ.sym) {
        let Some(loc) = location(&o.loc) else { continue };
        changes.entry(loc.uri).or_default().push(TextEdit { range: loc.range, new_text: new_name.to_string() });
    }
    if let Some(folder) = Path::new(file).parent() {
        in_tests(&occ.sym, folder, new_name, &mut changes);
    }
    Ok(WorkspaceEdit { changes: Some(changes), ..WorkspaceEdit::default() })
}

/// A rule's or an exemption's name where the expectations of the rule
/// set's test files (the files as saved) write it.
fn in_tests(sym: &Sym, folder: &Path, new_name: &str, changes: &mut HashMap<Uri, Vec<TextEdit>>) {
    let (name, what) = match sym {
        Sym::Rule(name) => (name, Named::Rule),
        Sym::Exemption(name) => (name, Named::Exemption),
        _ => return,
    };
    for test in find_tests(folder).unwrap_or_default() {
        let Ok(text) = std::fs::read_to_string(&test) else { continue };
        let Some(uri) = path_to_uri(&test) else { continue };
        for span in places(&text, name, what) {
            let edit = TextEdit { range: super::text::range(&text, span), new_text: new_name.to_string() };
            changes.entry(uri.clone()).or_default().push(edit);
        }
    }
}
