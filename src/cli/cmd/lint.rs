//! `interdict lint`: warnings about rules that check but are probably not
//! what was meant.

use std::io;

use crate::RuleSet;
use crate::cli::config::{LintConfig, Style};
use crate::cli::exit::Exit;
use crate::cli::load::{load_rules, print_diagnostics};
use crate::date::Date;
use crate::report::plural;

pub(in crate::cli) fn run(config: &LintConfig) -> io::Result<Exit> {
    let Some(rules) = load_rules(&config.rules, config.style)? else { return Ok(Exit::Rules) };
    let n = print_lint(&rules, config.as_of, config.style)?;
    println!("{n} warning{}", plural(n));
    Ok(if config.deny_warnings && n > 0 { Exit::Denied } else { Exit::Clean })
}

/// Prints lint warnings on stderr; returns how many there were.
pub(super) fn print_lint(rules: &RuleSet, as_of: Date, style: Style) -> io::Result<usize> {
    let warnings = rules.lint(as_of);
    print_diagnostics(&warnings, style)?;
    Ok(warnings.len())
}
