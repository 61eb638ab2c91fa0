//! `interdict validate`: parse and check a rule set; print diagnostics (and
//! lint warnings) only.

use std::io;

use super::lint::print_lint;
use crate::cli::config::ValidateConfig;
use crate::cli::exit::Exit;
use crate::cli::load::load_rules;
use crate::report::plural;

pub(in crate::cli) fn run(config: &ValidateConfig) -> io::Result<Exit> {
    let Some(rules) = load_rules(&config.rules, config.style)? else { return Ok(Exit::Rules) };
    print_lint(&rules, config.as_of, config.style)?;
    let p = rules.program();
    let (rules, exemptions, files) = (p.rules().count(), p.exemptions().count(), p.files().len());
    println!(
        "ok: {rules} rule{}, {exemptions} exemption{} in {files} file{}",
        plural(rules),
        plural(exemptions),
        plural(files)
    );
    Ok(Exit::Clean)
}
