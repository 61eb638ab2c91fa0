//! Every kind of rule error, as a user sees it: one snapshot per broken rule
//! file in `tests/fixtures/rule_errors/`, rendered without colour at width 80.
//! Add a case by adding a file; review with `cargo insta review`.

use std::path::Path;

use interdict::RuleSet;
use interdict::report::render_diagnostic;

use crate::common::{date, root};

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

#[test]
fn rule_errors() {
    insta::glob!("../fixtures/rule_errors", "*.rules", |path| {
        let path = relative(path);
        let errors = match RuleSet::load(&[&path]) {
            Ok(_) => panic!("{path} should not check"),
            Err(errors) => errors,
        };
        let rendered: Vec<String> = errors.iter().map(|e| render_diagnostic(e, false, 80)).collect();
        insta::assert_snapshot!(rendered.join("\n"));
    });
}

#[test]
fn every_error_names_a_file_line_and_column() {
    insta::glob!("../fixtures/rule_errors", "*.rules", |path| {
        let path = relative(path);
        let Err(errors) = RuleSet::load(&[&path]) else { panic!("{path} should not check") };
        for e in &errors {
            let text = render_diagnostic(e, false, 80);
            assert!(text.contains(&format!("[{path}:")), "{path}: no location in\n{text}");
            assert!(text.contains("help:"), "{path}: no help line in\n{text}");
        }
    });
}

/// Lint warnings: one snapshot per rule file in `tests/fixtures/lint/`.
#[test]
fn lint_warnings() {
    insta::glob!("../fixtures/lint", "*.rules", |path| {
        let path = relative(path);
        let rules = RuleSet::load(&[&path]).unwrap_or_else(|e| panic!("{path} should check: {e:?}"));
        let as_of = date("2024-01-01");
        let warnings = rules.lint(as_of);
        assert!(!warnings.is_empty(), "{path}: no warning");
        let rendered: Vec<String> = warnings.iter().map(|w| render_diagnostic(w, false, 80)).collect();
        insta::assert_snapshot!(rendered.join("\n"));
    });
}

#[test]
fn the_example_rule_set_lints_clean_while_its_campaign_runs() {
    let rules = RuleSet::load(&["rules/trade-screening"]).unwrap();
    let during = date("2023-06-01");
    let warnings: Vec<String> = rules.lint(during).iter().map(ToString::to_string).collect();
    assert!(warnings.is_empty(), "{warnings:?}");
}
