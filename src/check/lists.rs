//! `list("FILE")` in a `let`: a list of strings read from a file beside the
//! rules, once, when the rule set is checked. The file must lie inside the
//! rule set's folder: a rule set is reviewed as one folder, and a path that
//! leaves it would make the rules depend on files nobody reviews with them.

use std::path::{Component, Path, PathBuf};

use crate::ast::{ListFile, StrLit};
use crate::source::Located;

/// The values of a list file: one per line (blank lines and lines starting
/// with `#` skipped, each trimmed), or with `column`, the non-empty cells of
/// that column of a CSV file with a header row.
pub(crate) fn read(file: &ListFile, roots: &[PathBuf]) -> Result<Vec<String>, Located> {
    let path = inside_path(file, roots)?;
    let bytes = std::fs::read(&path).map_err(|e| cannot_read(file, &path, e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let why = format!("not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to());
        cannot_read(file, &path, why)
    })?;
    match &file.column {
        None => Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect()),
        Some(column) => csv_column(&text, column, file, &path),
    }
}

/// Where the list file is, relative to its rule file's folder: an error
/// unless it lies inside the rule set (through symbolic links too) and exists.
fn inside_path(file: &ListFile, roots: &[PathBuf]) -> Result<PathBuf, Located> {
    let rule_file = Path::new(file.loc.src.name());
    let folder = rule_file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let root = root_of(folder, roots);
    let written = &file.path.value;
    let outside = || {
        Located::new(
            format!("the list file `{written}` is outside the rule set's folder"),
            &file.path.loc,
            "outside the rule set",
        )
        .help(format!(
            "list files are read relative to the rule file and must be inside `{}`; copy the list into the rule set",
            root.display()
        ))
    };
    let wanted = Path::new(written);
    if wanted.is_absolute() || !inside(&normalize(&folder.join(wanted)), &normalize(&root)) {
        return Err(outside());
    }
    let path = folder.join(wanted);
    match (path.canonicalize(), root.canonicalize()) {
        (Ok(real), Ok(real_root)) if !real.starts_with(&real_root) => Err(outside()),
        (Err(e), _) => Err(cannot_read(file, &path, e.to_string())),
        _ => Ok(path),
    }
}

fn cannot_read(file: &ListFile, path: &Path, why: String) -> Located {
    Located::new(format!("cannot read the list file `{}`: {why}", file.path.value), &file.path.loc, "this file")
        .help(format!("the path is relative to the rule file's folder: here `{}`", path.display()))
}

/// The non-empty cells of `column` in CSV `text` with a header row.
fn csv_column(text: &str, column: &StrLit, file: &ListFile, path: &Path) -> Result<Vec<String>, Located> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| cannot_read(file, path, e.to_string()))?.clone();
    let Some(i) = headers.iter().position(|h| h.trim() == column.value) else {
        let names: Vec<&str> = headers.iter().map(str::trim).collect();
        return Err(Located::new(
            format!("the list file `{}` has no column `{}`", file.path.value, column.value),
            &column.loc,
            "no such column",
        )
        .help(format!("its header row names: {}", names.join(", "))));
    };
    let mut values = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| cannot_read(file, path, e.to_string()))?;
        if let Some(cell) = row.get(i).map(str::trim).filter(|c| !c.is_empty()) {
            values.push(cell.to_string());
        }
    }
    Ok(values)
}

/// The rule set folder holding `folder`: the longest root that contains it,
/// else the rule file's own folder.
fn root_of(folder: &Path, roots: &[PathBuf]) -> PathBuf {
    let at = normalize(folder);
    roots
        .iter()
        .filter(|r| inside(&at, &normalize(r)))
        .max_by_key(|r| r.components().count())
        .cloned()
        .unwrap_or_else(|| folder.to_path_buf())
}

/// `a/./b/../c` → `a/c`, without touching the file system; a `..` that
/// climbs above the start is kept.
fn normalize(p: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.iter().collect()
}

fn inside(path: &Path, root: &Path) -> bool {
    path.starts_with(root) && !path.components().any(|c| c == Component::ParentDir)
        || root.as_os_str().is_empty()
            && !path.components().any(|c| matches!(c, Component::ParentDir | Component::RootDir))
}
