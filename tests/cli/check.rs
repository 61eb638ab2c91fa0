//! `check` end to end: every example rule set in `rules/` through the real
//! binary (a per-record summary of its JSON output, a few records shown
//! whole in JSON and human form, the summary format), its exit codes; and a
//! messy input where every record must come out exactly once.

use std::process::Output;

use crate::common::{AS_OF, Example, Interdict, example, examples, interdict, root, shown, stderr, stdout};

fn check(set: &Example, format: &str) -> Output {
    let mut args = vec!["check", &set.dir, "--as-of", AS_OF, "--format", format];
    args.extend(set.records.iter().map(String::as_str));
    interdict(&args)
}

/// The records of each example rule set shown whole in the snapshots (the
/// rest are summarised one line per record): one of each kind a reviewer
/// should be able to read in full.
const SHOWN_WHOLE: &[(&str, &[&str])] = &[
    (
        "rules/customs",
        &[
            "g-02", // a misspelt key: warned, with a did-you-mean
            "d-03", // a date that is not one: warned
            "d-12", // an exemption written differently: denied
            "d-14", // waived by the special permit
            "c-01", // a middleman's import inside the window
        ],
    ),
    (
        "rules/sanctions-ftm",
        &[
            "ofac-ivanov", // listed by topic
            "p-sokolova",  // a relative of a listed person
            "c-baltic",    // OFAC 50 %: a sum over ownerships
            "o-pyongyang", // a sanction that has ended: allowed
        ],
    ),
    (
        "rules/trade-screening",
        &[
            "v-33",   // denied by one rule and flagged by another
            "vi-001", // a denial waived by an exemption
            "p-004",  // reached through two hops and a def
            "v-40",   // a link to a missing record: a warning
            "p-001",  // nothing fires
        ],
    ),
];

fn shown_whole(set: &str) -> &'static [&'static str] {
    SHOWN_WHOLE
        .iter()
        .find(|(s, _)| *s == set)
        .map(|(_, ids)| *ids)
        .unwrap_or_else(|| panic!("{set}: add the records to show whole to SHOWN_WHOLE (a few, one of each kind)"))
}

/// One line per JSON output line: `ID TYPE DECISION`, then the rules that
/// fired, the rules waived and by what, and the number of warnings; for a
/// record that could not be read, its error code and line.
fn per_record(json: &str) -> String {
    let mut out = String::new();
    for line in json.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["kind"] == "error" {
            out.push_str(&format!("error {} at line {}\n", v["error"]["code"].as_str().unwrap(), v["source"]["line"]));
            continue;
        }
        let s = |v: &serde_json::Value| v.as_str().unwrap().to_string();
        out.push_str(&format!("{} {} {}", s(&v["id"]), s(&v["type"]), s(&v["decision"])));
        let fired: Vec<String> = v["fired"].as_array().unwrap().iter().map(|f| s(&f["rule"])).collect();
        if !fired.is_empty() {
            out.push_str(&format!(" fired {}", fired.join(", ")));
        }
        for w in v["waived"].as_array().unwrap() {
            out.push_str(&format!(" waived {} by {}", s(&w["rule"]), s(&w["waived_by"])));
        }
        match v["warnings"].as_array().unwrap().len() {
            0 => {}
            n => out.push_str(&format!(" ({n} warning{})", if n == 1 { "" } else { "s" })),
        }
        out.push('\n');
    }
    out
}

/// The JSON lines of the records `ids`, whole, laid out to be read.
fn json_lines_of(json: &str, ids: &[&str]) -> String {
    let mut out = String::new();
    for id in ids {
        let key = format!("\"id\":\"{id}\",");
        let line = json.lines().find(|l| l.contains(&key)).unwrap_or_else(|| panic!("no JSON line for {id}"));
        out.push_str(&indented(line));
        out.push('\n');
    }
    out
}

/// A compact JSON line laid out one member per line: only whitespace
/// outside strings is added, so the snapshot still pins the line byte for
/// byte, key order included.
fn indented(line: &str) -> String {
    let newline = |out: &mut String, depth: usize| out.push_str(&format!("\n{}", "  ".repeat(depth)));
    let mut out = String::new();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
            continue;
        }
        match c {
            '{' | '[' if matches!(chars.peek(), Some('}' | ']')) => out.extend([c].into_iter().chain(chars.next())),
            '{' | '[' => {
                out.push(c);
                depth += 1;
                newline(&mut out, depth);
            }
            '}' | ']' => {
                depth -= 1;
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            '"' => {
                in_string = true;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// `DECISION TYPE ID` of a human block's first line, if `line` starts one.
fn human_header(line: &str) -> Option<(&str, &str, &str)> {
    let mut words = line.split_whitespace();
    let decision = words.next().filter(|d| ["allow", "deny", "flag"].contains(d) && !line.starts_with(' '))?;
    Some((decision, words.next()?, words.next()?))
}

/// The blocks of the human output for the records `ids` (each from its
/// first line to the next record's), and the output's last line (the counts).
fn human_blocks_of(human: &str, ids: &[&str]) -> String {
    let lines: Vec<&str> = human.lines().collect();
    let starts: Vec<usize> = (0..lines.len()).filter(|&i| human_header(lines[i]).is_some()).collect();
    let mut out = String::new();
    for id in ids {
        let at = starts.iter().position(|&i| human_header(lines[i]).is_some_and(|h| h.2 == *id));
        let at = at.unwrap_or_else(|| panic!("no human block for {id}"));
        let end = starts.get(at + 1).copied().unwrap_or(lines.len() - 1);
        lines[starts[at]..end].iter().for_each(|l| out.push_str(&format!("{l}\n")));
    }
    out.push_str(lines.last().copied().unwrap_or_default());
    out.push('\n');
    out
}

#[test]
fn example_rule_sets_json() {
    for set in examples() {
        let out = check(&set, "json");
        assert!(stderr(&out).is_empty(), "{}: {}", set.dir, stderr(&out));
        let json = stdout(&out);
        let name = set.dir.replace('/', "-");
        insta::assert_snapshot!(format!("{name}.records"), per_record(&json));
        insta::assert_snapshot!(format!("{name}.json"), json_lines_of(&json, shown_whole(&set.dir)));
    }
}

/// The human output lists the records of the JSON output, in its order,
/// with the same decisions; a few are shown whole.
#[test]
fn example_rule_sets_human() {
    for set in examples() {
        let human = stdout(&check(&set, "human"));
        let name = set.dir.replace('/', "-");
        insta::assert_snapshot!(format!("{name}.human"), human_blocks_of(&human, shown_whole(&set.dir)));
        let headers: Vec<String> =
            human.lines().filter_map(human_header).map(|(d, t, id)| format!("{id} {t} {d}")).collect();
        let from_json: Vec<String> = per_record(&stdout(&check(&set, "json")))
            .lines()
            .map(|l| l.split(' ').take(3).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(headers, from_json, "{}: human and JSON output list different records", set.dir);
        let summary = check(&set, "summary");
        insta::assert_snapshot!(format!("{name}.summary"), stdout(&summary));
    }
}

#[test]
fn example_rule_sets_validate() {
    for set in examples() {
        let out = interdict(&["validate", &set.dir]);
        assert_eq!(out.status.code(), Some(0), "{}: {}", set.dir, stderr(&out));
        assert!(stdout(&out).starts_with("ok: "), "{}", stdout(&out));
    }
}

/// The analyst's customs rules with three mistakes (a misspelt field, a
/// wrong link name, a rule without its `}`): all three come out of one run
/// of `validate`, each where it is, and the file still fails (exit 2).
// See: issue 22
#[test]
fn validate_reports_every_mistake_of_a_file_in_one_run() {
    let out = Interdict::new(&["validate", "tests/fixtures/rule_errors/syntax_three_mistakes.rules"]).width(80).run();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(shown(&out));
}

#[test]
fn every_rule_of_the_trade_screening_set_fires_and_does_not_fire() {
    let set = example("trade-screening");
    let out = check(&set, "json");
    let lines: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let rules = interdict(&["validate", &set.dir]);
    assert_eq!(rules.status.code(), Some(0));
    let mut fired: std::collections::BTreeMap<String, usize> = Default::default();
    let mut by_type: std::collections::BTreeMap<String, usize> = Default::default();
    let mut rule_type: std::collections::BTreeMap<String, String> = Default::default();
    for v in &lines {
        let ty = v["type"].as_str().unwrap_or("").to_string();
        *by_type.entry(ty.clone()).or_default() += 1;
        for key in ["fired", "waived"] {
            for f in v[key].as_array().unwrap() {
                let name = f["rule"].as_str().unwrap().to_string();
                *fired.entry(name.clone()).or_default() += 1;
                rule_type.insert(name, ty.clone());
            }
        }
    }
    let dir = root().join(&set.dir);
    let text: String = ["goods", "people", "venues", "applications"]
        .map(|f| std::fs::read_to_string(dir.join(f).with_extension("rules")).unwrap())
        .concat();
    let declared: Vec<&str> =
        text.lines().filter_map(|l| l.strip_prefix("rule ")).filter_map(|l| l.split(' ').next()).collect();
    assert_eq!(declared.len(), 18);
    for rule in declared {
        let n = fired.get(rule).copied().unwrap_or(0);
        assert!(n > 0, "rule {rule} never fires");
        let of_type = by_type[&rule_type[rule]];
        assert!(n < of_type, "rule {rule} fires on every {} record", rule_type[rule]);
    }
}

#[test]
fn exit_codes() {
    let set = example("trade-screening");
    // Some record is denied: 1; never: 0.
    assert_eq!(check(&set, "summary").status.code(), Some(1));
    let mut args = vec!["check", &set.dir, "--as-of", AS_OF, "--format", "summary", "--fail-on", "never"];
    args.extend(set.records.iter().map(String::as_str));
    assert_eq!(interdict(&args).status.code(), Some(0));
    // Only people (flags, no denies): 0 by default, 1 with --fail-on flag.
    let people: Vec<&str> = set.records.iter().filter(|r| r.contains("people")).map(String::as_str).collect();
    let mut args = vec!["check", &set.dir, "--as-of", AS_OF, "--format", "summary"];
    args.extend(&people);
    assert_eq!(interdict(&args).status.code(), Some(0));
    args.extend(["--fail-on", "flag"]);
    assert_eq!(interdict(&args).status.code(), Some(1));
    // Rule errors: 2, diagnostics on stderr, nothing on stdout.
    let broken = interdict(&["check", "tests/fixtures/rule_errors/unknown_field.rules", "tests/fixtures/messy.jsonl"]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(stdout(&broken).is_empty());
    assert!(stderr(&broken).contains("did you mean `nationality`?"), "{}", stderr(&broken));
    assert_eq!(interdict(&["validate", "tests/fixtures/rule_errors/type_errors.rules"]).status.code(), Some(2));
    assert_eq!(interdict(&["validate", "no/such/rules"]).status.code(), Some(2));
    // Bad usage: 2.
    assert_eq!(interdict(&["check"]).status.code(), Some(2));
    assert_eq!(interdict(&["check", &set.dir, "x.json", "--as-of", "2021-02-30"]).status.code(), Some(2));
    // Input data errors: 3, even when records are denied.
    let messy = interdict(&["check", "tests/fixtures/messy.rules", "tests/fixtures/messy.jsonl", "--as-of", AS_OF]);
    assert_eq!(messy.status.code(), Some(3));
    let missing = interdict(&["check", "tests/fixtures/messy.rules", "no-such-file.jsonl"]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(stdout(&missing).contains("cannot read `no-such-file.jsonl`"), "{}", stdout(&missing));
}

#[test]
fn stdin_is_read_for_dash() {
    let out = Interdict::new(&["check", "tests/fixtures/messy.rules", "-", "--format", "json", "--as-of", AS_OF])
        .stdin("{\"id\":\"p\",\"type\":\"person\",\"nationality\":\"KR\"}\n{\"id\":\"v\",\"type\":\"venue\",\"operator\":\"p\"}\n")
        .run();
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 2);
    assert!(text.contains(r#""file":"<stdin>","line":2"#), "{text}");
    assert!(text.contains(r#""decision":"deny""#), "{text}");
}

/// Malformed lines, a duplicate id, a non-object, records without id or type
/// and dangling links, in the middle of a file: every non-blank input line
/// comes out exactly once, in order, and the good records are still judged.
#[test]
fn messy_input_loses_nothing() {
    let out = interdict(&[
        "check",
        "tests/fixtures/messy.rules",
        "tests/fixtures/messy.jsonl",
        "--format",
        "json",
        "--as-of",
        AS_OF,
    ]);
    let input = std::fs::read_to_string(root().join("tests/fixtures/messy.jsonl")).unwrap();
    let input_lines: Vec<usize> =
        input.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(i, _)| i + 1).collect();
    let output: Vec<serde_json::Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let output_lines: Vec<usize> = output.iter().map(|v| v["source"]["line"].as_u64().unwrap() as usize).collect();
    assert_eq!(output_lines, input_lines);
    let summary: Vec<String> = output
        .iter()
        .map(|v| match v["kind"].as_str() {
            Some("verdict") => format!(
                "{} {}{}",
                v["id"].as_str().unwrap(),
                v["decision"].as_str().unwrap(),
                if v["warnings"].as_array().unwrap().is_empty() { "" } else { " (warning)" }
            ),
            _ => format!("error {}", v["error"]["code"].as_str().unwrap()),
        })
        .collect();
    assert_eq!(
        summary,
        [
            "p-1 allow",
            "p-2 allow",
            "v-1 deny",
            "error interdict::records::json",
            "v-3 allow (warning)",
            "error interdict::records::not_an_object",
            "error interdict::records::duplicate_id",
            "error interdict::records::bad_id",
            "error interdict::records::bad_type",
            "error interdict::records::bad_id",
            "v-5 deny",
            "error interdict::records::json",
            "x-2 deny (warning)",
            "x-3 deny",
        ]
    );
    insta::assert_snapshot!("messy.json", stdout(&out));
    let human = interdict(&["check", "tests/fixtures/messy.rules", "tests/fixtures/messy.jsonl", "--as-of", AS_OF]);
    insta::assert_snapshot!("messy.human", stdout(&human));
}

/// The language's worked example (`tests/fixtures/design.rules`, verbatim),
/// on a small graph that makes every one of its rules and its exemption fire.
#[test]
fn design_example() {
    let out = interdict(&["check", "tests/fixtures/design.rules", "tests/fixtures/design.jsonl", "--as-of", AS_OF]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    insta::assert_snapshot!("design.human", stdout(&out));
    let summary = interdict(&[
        "check",
        "tests/fixtures/design.rules",
        "tests/fixtures/design.jsonl",
        "--as-of",
        AS_OF,
        "--format",
        "summary",
    ]);
    insta::assert_snapshot!("design.summary", stdout(&summary));
}
