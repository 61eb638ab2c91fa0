//! `interdict fmt`: rewrite rule files in the canonical layout, or check them.

use std::io::{self, Write};
use std::path::PathBuf;

use crate::SourceFile;
use crate::cli::config::FmtConfig;
use crate::cli::exit::Exit;
use crate::cli::load::print_rule_errors;
use crate::syntax::format_source;

pub(in crate::cli) fn run(config: &FmtConfig) -> io::Result<Exit> {
    let mut files: Vec<PathBuf> = Vec::new();
    let mut errors = Vec::new();
    for path in &config.paths {
        match crate::rule_files(path) {
            Ok(found) => files.extend(found),
            Err(e) => errors.push(crate::RuleError::Io { path: path.display().to_string(), message: e.to_string() }),
        }
    }
    let mut changed = Vec::new();
    for file in &files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                errors.push(crate::RuleError::Io { path: file.display().to_string(), message: e.to_string() });
                continue;
            }
        };
        let src = SourceFile::new(file.display().to_string(), text.clone());
        let formatted = match format_source(&src) {
            Ok(f) => f,
            Err(e) => {
                errors.push(e.into());
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        if config.check {
            let diff = similar::TextDiff::from_lines(&text, &formatted);
            let name = file.display().to_string();
            print!("{}", diff.unified_diff().context_radius(2).header(&name, &format!("{name} (formatted)")));
        } else {
            std::fs::write(file, &formatted)?;
        }
        changed.push(file.display().to_string());
    }
    let mut out = io::stdout().lock();
    for name in &changed {
        writeln!(out, "{} {name}", if config.check { "would reformat" } else { "formatted" })?;
    }
    if !errors.is_empty() {
        print_rule_errors(&errors, config.style)?;
        return Ok(Exit::Rules);
    }
    Ok(if config.check && !changed.is_empty() { Exit::Denied } else { Exit::Clean })
}
