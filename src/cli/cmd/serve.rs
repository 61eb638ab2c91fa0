//! `interdict serve` and `interdict replay`: the command-line ends of
//! [`crate::serve`] (reading the files, printing what went wrong).

use std::io::{self, Write};

use crate::cli::config::{ReplayConfig, ServeConfig};
use crate::cli::exit::Exit;
use crate::cli::load::{load_rules, read_inputs};
use crate::serve::{self, Options};

pub(in crate::cli) fn run(config: ServeConfig) -> io::Result<Exit> {
    let Some(rules) = load_rules(std::slice::from_ref(&config.rules), config.style)? else { return Ok(Exit::Rules) };
    let token = match &config.token_file {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
            Ok(_) => return usage(&format!("the token file `{}` is empty", path.display())),
            Err(e) => return usage(&format!("cannot read the token file `{}`: {e}", path.display())),
        },
        None => None,
    };
    let records = read_inputs(&config.inputs, Some(rules.program()));
    let options = Options {
        rules_path: config.rules,
        records,
        listen: config.listen,
        as_of: config.as_of,
        settings: config.settings,
        token,
        decision_log: config.decision_log,
        log_evidence: config.log_evidence,
        limits: config.limits,
        header_timeout: config.header_timeout,
    };
    serve::run(options, rules)?;
    Ok(Exit::Clean)
}

fn usage(message: &str) -> io::Result<Exit> {
    eprintln!("error: {message}");
    Ok(Exit::Rules)
}

/// Prints each decision that differs as a JSON line, unreadable log lines
/// on stderr, and a count; exit 1 when some decision differs.
pub(in crate::cli) fn replay(config: &ReplayConfig) -> io::Result<Exit> {
    let Some(rules) = load_rules(std::slice::from_ref(&config.rules), config.style)? else { return Ok(Exit::Rules) };
    let log = match std::fs::read(&config.log) {
        Ok(log) => log,
        Err(e) => return usage(&format!("cannot read the decision log `{}`: {e}", config.log.display())),
    };
    let records = read_inputs(&config.inputs, Some(rules.program()));
    let replayed = serve::replay::replay(&log, &rules, &records, config.settings)?;
    let mut out = io::stdout().lock();
    for d in &replayed.differences {
        serde_json::to_writer(&mut out, d)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    for (line, why) in &replayed.unreadable {
        eprintln!("warning: {}:{line}: {why}; skipped", config.log.display());
    }
    eprintln!("replayed {} decisions: {} differ", replayed.decisions, replayed.differences.len());
    Ok(if replayed.differences.is_empty() { Exit::Clean } else { Exit::Denied })
}
