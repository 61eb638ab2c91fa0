//! The catalogue of bad input: every bad record and bad rule file
//! a screening run can meet, each answered by a located error or the right
//! verdict — never a panic, a stack overflow or a run without end. Runs the
//! binary, as a user would; large inputs are generated here, at run time.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use crate::common::{Interdict, scratch, shown, stdout};

/// A scratch folder holding the fixture rules of `tests/fixtures/bad_input/`.
fn scratch_with_rules(name: &str) -> PathBuf {
    let dir = scratch(&format!("bad-input-{name}"));
    let fixtures = crate::common::root().join("tests/fixtures/bad_input");
    for f in ["screen.rules", "reach.rules"] {
        std::fs::copy(fixtures.join(f), dir.join(f)).unwrap();
    }
    dir
}

/// A run in `dir`, 80 columns wide.
fn interdict(dir: &Path, args: &[&str]) -> Output {
    Interdict::new(args).in_dir(dir).width(80).run()
}

/// `check --format json` of one records file against `screen.rules`, with both engines
/// (which must agree byte for byte); returns the fast engine's run.
fn check_records(name: &str, bytes: &[u8]) -> Output {
    let dir = scratch_with_rules(name);
    std::fs::write(dir.join("records.jsonl"), bytes).unwrap();
    let args = ["check", "screen.rules", "records.jsonl", "--as-of", "2023-06-01", "--format", "json"];
    let fast = interdict(&dir, &args);
    let reference = interdict(&dir, &[&args[..], &["--engine", "reference"]].concat());
    assert_eq!(shown(&fast), shown(&reference), "{name}: the engines disagree");
    let _ = std::fs::remove_dir_all(&dir);
    fast
}

fn validate(name: &str, file: &str, text: &[u8]) -> Output {
    let dir = scratch_with_rules(name);
    std::fs::write(dir.join(file), text).unwrap();
    let out = interdict(&dir, &["validate", file]);
    let _ = std::fs::remove_dir_all(&dir);
    out
}

// ------------------------------------------------------------------ records

#[test]
fn truncated_json() {
    let out = check_records(
        "truncated",
        b"{\"id\":\"p1\",\"type\":\"person\",\"name\":\"A\"\n{\"id\":\"p2\",\"type\":\"person\"}\n",
    );
    insta::assert_snapshot!(shown(&out));
}

#[test]
fn trailing_garbage() {
    let out = check_records(
        "trailing",
        b"{\"id\":\"p1\",\"type\":\"person\"} garbage\n{\"id\":\"p2\",\"type\":\"person\"}\n",
    );
    insta::assert_snapshot!(shown(&out));
}

#[test]
fn lines_that_are_not_objects() {
    let out = check_records("not-objects", b"\"a string\"\n42\n[1, 2]\nnull\n{\"id\":\"p1\",\"type\":\"person\"}\n");
    insta::assert_snapshot!(shown(&out));
}

/// A JSON Lines file whose first line starts with `[` is still read line by line.
#[test]
fn json_lines_whose_first_line_is_an_array() {
    let out = check_records(
        "array-first",
        b"[1, 2]\n{\"id\":\"p1\",\"type\":\"person\"}\n{\"id\":\"p2\",\"type\":\"person\"}\n",
    );
    insta::assert_snapshot!(shown(&out));
}

#[test]
fn id_and_type_missing_or_not_strings() {
    let out = check_records(
        "id-type",
        b"{\"type\":\"person\"}\n{\"id\":5,\"type\":\"person\"}\n{\"id\":\"\",\"type\":\"person\"}\n{\"id\":\"a\",\"type\":null}\n{\"id\":\"b\"}\n{\"id\":\"c\",\"type\":[\"person\"]}\n",
    );
    insta::assert_snapshot!(shown(&out));
}

#[test]
fn duplicate_id() {
    let out = check_records(
        "duplicate",
        b"{\"id\":\"p1\",\"type\":\"person\",\"nationality\":\"KR\"}\n{\"id\":\"p1\",\"type\":\"venue\",\"operator\":\"p1\"}\n",
    );
    insta::assert_snapshot!(shown(&out));
}

#[test]
fn invalid_utf8() {
    let out = check_records(
        "utf8",
        b"{\"id\":\"p1\",\"type\":\"person\",\"name\":\"\xff\xfe\"}\n{\"id\":\"p2\",\"type\":\"person\"}\n\xc3\x28\n",
    );
    insta::assert_snapshot!(shown(&out));
}

#[test]
fn empty_file() {
    let out = check_records("empty", b"");
    assert_eq!(shown(&out), "exit: 0\n--- stdout\n--- stderr\n");
    let out = check_records("blank", b"\n  \n\t\r\n");
    assert_eq!(shown(&out), "exit: 0\n--- stdout\n--- stderr\n");
}

#[test]
fn byte_order_mark_and_crlf() {
    let out = check_records(
        "bom-crlf",
        b"\xef\xbb\xbf{\"id\":\"p1\",\"type\":\"person\",\"nationality\":\"KR\"}\r\n{\"id\":\"v1\",\"type\":\"venue\",\"operator\":\"p1\"}\r\n",
    );
    insta::assert_snapshot!(shown(&out));
}

#[test]
fn numbers_beyond_i64_and_f64() {
    let out = check_records(
        "numbers",
        b"{\"id\":\"p1\",\"type\":\"person\",\"score\":123456789012345678901234567890}\n{\"id\":\"p2\",\"type\":\"person\",\"score\":-9223372036854775809}\n{\"id\":\"p3\",\"type\":\"person\",\"score\":1e400}\n{\"id\":\"p4\",\"type\":\"person\",\"score\":1e-400}\n",
    );
    insta::assert_snapshot!(shown(&out));
}

#[test]
fn impossible_dates() {
    let out = check_records(
        "dates",
        b"{\"id\":\"x1\",\"type\":\"purchase\",\"date\":\"2021-02-30\"}\n{\"id\":\"x2\",\"type\":\"purchase\",\"date\":\"2021-13-01\"}\n{\"id\":\"x3\",\"type\":\"purchase\",\"date\":\"2021-03-01T25:00:00Z\"}\n{\"id\":\"x4\",\"type\":\"purchase\",\"date\":20210301}\n",
    );
    insta::assert_snapshot!(shown(&out));
}

#[test]
fn links_to_a_missing_id_a_wrong_type_and_self() {
    let out = check_records(
        "links",
        b"{\"id\":\"v1\",\"type\":\"venue\",\"operator\":\"nobody\"}\n{\"id\":\"v2\",\"type\":\"venue\",\"operator\":\"v1\"}\n{\"id\":\"p1\",\"type\":\"person\",\"spouse\":\"p1\",\"contacts\":[\"p1\",\"p1\"]}\n{\"id\":\"p2\",\"type\":\"person\",\"contacts\":[\"v1\",7,null,\"p2\"]}\n",
    );
    insta::assert_snapshot!(shown(&out));
}

/// Runs a large input within a generous bound (debug build, busy machine)
/// that an accidental quadratic would still blow by hours.
fn timed(limit: Duration, f: impl FnOnce() -> Output) -> Output {
    let started = Instant::now();
    let out = f();
    assert!(started.elapsed() < limit, "took {:?}", started.elapsed());
    out
}

fn summary(dir: &Path, records: &str, extra: &[&str]) -> Output {
    let args =
        [&["check", "screen.rules", records, "--as-of", "2023-06-01", "--format", "summary"][..], extra].concat();
    interdict(dir, &args)
}

fn first_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or_default().to_string()
}

#[test]
fn ten_megabyte_line() {
    let dir = scratch_with_rules("long-line");
    let name = "x".repeat(10 << 20);
    let text = format!(
        "{{\"id\":\"p1\",\"type\":\"person\",\"name\":\"{name}\",\"nationality\":\"KR\"}}\n{{\"id\":\"v1\",\"type\":\"venue\",\"operator\":\"p1\",\"name\":\"{name}\"}}\n{{\"id\":\"p2\",\"type\":\"person\",\"name\":\"{name}\n"
    );
    std::fs::write(dir.join("long.jsonl"), text).unwrap();
    let out = timed(Duration::from_secs(300), || summary(&dir, "long.jsonl", &[]));
    assert_eq!(first_line(&out), "3 records: 1 deny, 0 flag, 1 allow, 0 waived, 1 error, 0 warnings");
    assert_eq!(out.status.code(), Some(3));
    let _ = std::fs::remove_dir_all(&dir);
}

/// 10⁵ people in one ring of contacts, one of them South Korean: three
/// hops reach them from three people; `reach` (all hops) from everyone,
/// but only within `--max-visited`.
#[test]
fn contact_cycle_of_100_000() {
    let dir = scratch_with_rules("cycle");
    let n = 100_000;
    let mut text = String::new();
    for i in 0..n {
        let nat = if i == n / 2 { "KR" } else { "CN" };
        text.push_str(&format!(
            "{{\"id\":\"p{i}\",\"type\":\"person\",\"name\":\"P{i}\",\"nationality\":\"{nat}\",\"contacts\":[\"p{}\"]}}\n",
            (i + 1) % n
        ));
    }
    std::fs::write(dir.join("ring.jsonl"), &text).unwrap();
    for engine in ["fast", "reference"] {
        let out = timed(Duration::from_secs(300), || summary(&dir, "ring.jsonl", &["--engine", engine]));
        assert_eq!(first_line(&out), "100000 records: 0 deny, 3 flag, 99997 allow, 0 waived, 0 errors, 0 warnings");
    }
    // The whole ring from each of 10⁵ people is 10¹⁰ steps: the limit stops
    // each record early, with an error naming the rule and the link — in
    // the reference engine. The fast engine judges this closure for the
    // whole store at once, with no walk of each record's to limit, but for
    // p50000's: the KR it reaches first is itself, which is not its own
    // witness, so it walks the ring on its own (the documented difference
    // in counting: the fast engine counts less, never more).
    for engine in ["fast", "reference"] {
        let args =
            ["check", "reach.rules", "ring.jsonl", "--format", "json", "--max-visited", "100", "--engine", engine];
        let out = timed(Duration::from_secs(300), || interdict(&dir, &args));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.lines().count(), n);
        let errors = stdout.lines().filter(|l| l.contains("\"interdict::eval::limit\"")).count();
        assert_eq!(errors, if engine == "fast" { 1 } else { n }, "{engine}");
        let on = if engine == "fast" { "p50000" } else { "p0" };
        assert!(stdout.contains(&format!(
            "limit exceeded in rule `reach` on `{on}` while following `contacts`: more than 100 records visited (--max-visited)"
        )));
        assert_eq!(out.status.code(), Some(3));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// One person with 10⁶ contacts (10³ people, each named a thousand times,
/// and one missing id); and the same walked with a step limit.
#[test]
fn record_with_a_million_links() {
    let dir = scratch_with_rules("million");
    let mut text = String::new();
    for i in 0..1000 {
        text.push_str(&format!("{{\"id\":\"p{i}\",\"type\":\"person\",\"name\":\"P{i}\",\"nationality\":\"CN\"}}\n"));
    }
    let mut contacts: Vec<String> = (0..999_999).map(|i| format!("\"p{}\"", i % 1000)).collect();
    contacts.push("\"ghost\"".to_string());
    text.push_str(&format!(
        "{{\"id\":\"hub\",\"type\":\"person\",\"name\":\"Hub\",\"nationality\":\"CN\",\"contacts\":[{}]}}\n",
        contacts.join(",")
    ));
    text.push_str("{\"id\":\"kr\",\"type\":\"person\",\"name\":\"K\",\"nationality\":\"KR\",\"contacts\":[\"hub\"]}\n");
    std::fs::write(dir.join("hub.jsonl"), &text).unwrap();
    for engine in ["fast", "reference"] {
        let out = timed(Duration::from_secs(300), || summary(&dir, "hub.jsonl", &["--engine", engine]));
        assert_eq!(first_line(&out), "1002 records: 0 deny, 0 flag, 1002 allow, 0 waived, 0 errors, 1 warning");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn limit_flags_on_every_evaluating_command() {
    let dir = scratch_with_rules("flags");
    for cmd in ["check", "explain", "test", "diff", "snapshot"] {
        let help = String::from_utf8_lossy(&interdict(&dir, &[cmd, "--help"]).stdout).to_string();
        assert!(help.contains("--max-steps <N>") && help.contains("--max-visited <N>"), "{cmd}: {help}");
    }
    std::fs::write(
        dir.join("ring.jsonl"),
        "{\"id\":\"a\",\"type\":\"person\",\"name\":\"A\",\"nationality\":\"CN\",\"contacts\":[\"b\"]}\n{\"id\":\"b\",\"type\":\"person\",\"name\":\"B\",\"nationality\":\"CN\",\"contacts\":[\"c\"]}\n{\"id\":\"c\",\"type\":\"person\",\"name\":\"C\",\"nationality\":\"CN\",\"contacts\":[\"a\"]}\n",
    )
    .unwrap();
    let out = interdict(&dir, &["explain", "reach.rules", "ring.jsonl", "--id", "a", "--max-steps", "2"]);
    insta::assert_snapshot!(shown(&out));
    // The fast engine judges `reach` for the whole store at once: no walk
    // from each record to limit. The reference engine walks from each.
    let out = interdict(&dir, &["check", "reach.rules", "ring.jsonl", "--max-visited", "1"]);
    assert!(stdout(&out).contains("3 records: 0 deny, 0 flag, 3 allow"), "{}", shown(&out));
    let out = interdict(&dir, &["check", "reach.rules", "ring.jsonl", "--max-visited", "1", "--engine", "reference"]);
    insta::assert_snapshot!("limit_human", shown(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------ rules

fn nested(open: &str, close: &str, n: usize) -> String {
    format!("rule r {{ deny person p when {}p.name == \"x\"{} }}\n", open.repeat(n), close.repeat(n))
}

#[test]
fn ten_thousand_nested_parentheses() {
    let out = validate("parens", "deep.rules", nested("(", ")", 10_000).as_bytes());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("interdict::syntax::too_deep") && err.contains("brackets nest more than 256 deep"), "{err}");
    assert!(err.contains("deep.rules:1:284"), "{err}");
}

#[test]
fn ten_thousand_nested_nots() {
    let out = validate("nots", "deep.rules", nested("not ", "", 10_000).as_bytes());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("interdict::syntax::too_deep") && err.contains("conditions nest more than 256 deep"), "{err}");
    let out = validate("nots-mixed", "deep.rules", nested("not (", ")", 5_000).as_bytes());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn let_list_of_100_000() {
    let dir = scratch_with_rules("let");
    let list: Vec<String> = (0..100_000).map(|i| format!("\"n{i}\"")).collect();
    let rules =
        format!("let watched = [{}]\nrule watched_name {{ flag person p when p.name in watched }}\n", list.join(", "));
    std::fs::write(dir.join("let.rules"), rules).unwrap();
    std::fs::write(
        dir.join("r.jsonl"),
        "{\"id\":\"p1\",\"type\":\"person\",\"name\":\"n99999\"}\n{\"id\":\"p2\",\"type\":\"person\",\"name\":\"n100000\"}\n",
    )
    .unwrap();
    let out = timed(Duration::from_secs(300), || {
        interdict(&dir, &["check", "let.rules", "r.jsonl", "--format", "summary", "--as-of", "2023-06-01"])
    });
    assert_eq!(first_line(&out), "2 records: 0 deny, 1 flag, 1 allow, 0 waived, 0 errors, 0 warnings");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_megabyte_rule_file() {
    let mut text = String::new();
    let mut n = 0;
    while text.len() < 1 << 20 {
        text.push_str(&format!(
            "rule r{n} \"Rule {n}\" {{\n    flag person p when p.name == \"x{n}\" and any c in p.contacts{{1..2}}: c.nationality == \"KR\"\n}}\n"
        ));
        n += 1;
    }
    let out = timed(Duration::from_secs(300), || validate("megabyte", "big.rules", text.as_bytes()));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("ok: {n} rules, 0 exemptions in 1 file\n"));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn unterminated_string() {
    let out = validate("string", "s.rules", b"rule r \"oops {\n    deny person p when p.name == \"x\"\n}\n");
    insta::assert_snapshot!(shown(&out));
}

#[test]
fn regex_that_does_not_compile() {
    let out = validate("regex", "re.rules", b"rule r {\n    deny person p when p.name matches \"([a-z\"\n}\n");
    insta::assert_snapshot!(shown(&out));
}

#[test]
fn regex_too_large() {
    let out =
        validate("big-regex", "re.rules", b"rule r {\n    deny person p when p.name matches \"\\w{1000}{1000}\"\n}\n");
    insta::assert_snapshot!(shown(&out));
}

/// `^(a+)+$` backtracks exponentially in a backtracking engine; the `regex`
/// crate answers in linear time.
#[test]
fn regex_that_would_backtrack_catastrophically() {
    let dir = scratch_with_rules("backtrack");
    std::fs::write(dir.join("re.rules"), "rule r { deny person p when p.name matches \"^(a+)+$\" }\n").unwrap();
    let name = format!("{}b", "a".repeat(100_000));
    std::fs::write(
        dir.join("r.jsonl"),
        format!("{{\"id\":\"p1\",\"type\":\"person\",\"name\":\"{name}\"}}\n{{\"id\":\"p2\",\"type\":\"person\",\"name\":\"aaaa\"}}\n"),
    )
    .unwrap();
    let out = timed(Duration::from_secs(30), || {
        interdict(&dir, &["check", "re.rules", "r.jsonl", "--format", "summary", "--as-of", "2023-06-01"])
    });
    assert_eq!(first_line(&out), "2 records: 1 deny, 0 flag, 1 allow, 0 waived, 0 errors, 0 warnings");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn def_that_calls_itself() {
    let out = validate(
        "recursion",
        "d.rules",
        b"def f(p: person) = f(p)\ndef g(p: person) = h(p)\ndef h(p: person) = g(p)\nrule r { deny person p when f(p) or g(p) }\n",
    );
    insta::assert_snapshot!(shown(&out));
}

#[test]
fn identifiers_in_non_latin_scripts() {
    let out = validate("non-latin", "n.rules", "rule 禁止 {\n    deny person p when p.名前 == \"x\"\n}\n".as_bytes());
    insta::assert_snapshot!(shown(&out));
    let out = validate("cyrillic", "n.rules", "rule r {\n    deny person пользователь when true\n}\n".as_bytes());
    insta::assert_snapshot!("cyrillic_binder", shown(&out));
    // A key in any script is read with `x["…"]`.
    let dir = scratch_with_rules("non-latin-key");
    std::fs::write(dir.join("k.rules"), "rule r { deny person p when p[\"名前\"] == \"金\" }\n").unwrap();
    std::fs::write(dir.join("r.jsonl"), "{\"id\":\"p1\",\"type\":\"person\",\"名前\":\"金\"}\n").unwrap();
    let out = interdict(&dir, &["check", "k.rules", "r.jsonl", "--format", "summary"]);
    assert_eq!(first_line(&out), "1 record: 1 deny, 0 flag, 0 allow, 0 waived, 0 errors, 0 warnings");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rule_file_that_is_not_utf8() {
    let out = validate("not-utf8", "bad.rules", b"rule r {\n    deny person p when p.name == \"caf\xe9\"\n}\n");
    insta::assert_snapshot!(shown(&out));
}

// ------------------------------------------------------------------ security

/// Record content cannot drive the terminal: escapes, bells and bidi
/// overrides in ids, names and values are shown escaped.
#[test]
fn terminal_control_characters_are_escaped() {
    let dir = scratch_with_rules("escapes");
    std::fs::write(
        dir.join("r.jsonl"),
        "{\"id\":\"p\\u001b[2J1\",\"type\":\"person\",\"name\":\"\\u001b]0;owned\\u0007Kim\\u202e\",\"nationality\":\"KR\"}\n{\"id\":\"v1\",\"type\":\"venue\",\"name\":\"\\u001b[31mRed\\u001b[0m\",\"operator\":\"p\\u001b[2J1\"}\n",
    )
    .unwrap();
    for cmd in [
        &["check", "screen.rules", "r.jsonl", "--as-of", "2023-06-01", "--color", "always"][..],
        &["explain", "screen.rules", "r.jsonl", "--id", "v1", "--as-of", "2023-06-01"][..],
    ] {
        let out = interdict(&dir, cmd);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        // Colour (asked for) is the only escape sequence: none comes from the records.
        let stripped = text.replace("\u{1b}[", "");
        assert!(!stripped.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'), "{text}");
        assert!(text.contains("\\u{1b}") && text.contains("\\u{202e}"), "{text}");
        assert!(!text.contains("\u{1b}[2J") && !text.contains("\u{1b}[31mRed"), "{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Rules cannot read files (but their list files), the environment or the
/// network: the layers that evaluate them do no IO at all.
#[test]
fn evaluation_does_no_io() {
    let root = crate::common::root().join("src");
    for layer in ["ast.rs", "syntax", "check", "eval", "reference", "fast", "records", "report", "date.rs", "source.rs"]
    {
        let mut files = vec![root.join(layer)];
        while let Some(f) = files.pop() {
            if f.is_dir() {
                files.extend(std::fs::read_dir(&f).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            // The one reader below the CLI: `list("…")` files, read once
            // when the rules are checked, never outside the rule set's folder
            // (tests/cli/inputs.rs holds the escapes it refuses).
            if f.ends_with("check/lists.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            for io in ["std::fs", "std::net", "std::env", "std::process", "File::open", "TcpStream"] {
                assert!(!text.contains(io), "{} uses {io}", f.display());
            }
        }
    }
    // `matches` patterns are compiled with a size limit (the `regex_too_large` case).
    let compile = std::fs::read_to_string(root.join("check/compile.rs")).unwrap();
    assert!(compile.contains("RegexBuilder::new") && compile.contains(".size_limit("));
}

/// Thousands of records, a bad line among them every so often: the fast
/// engine judges and writes them in runs on several threads, and its
/// counts, exit code and lines must be the reference engine's, in order.
#[test]
fn many_records_judged_in_runs_are_counted_once() {
    let dir = scratch_with_rules("runs");
    let n = 5000;
    let mut text = String::new();
    for i in 0..n {
        let line = match (i % 7, i % 499) {
            (_, 3) => format!("{{\"id\":\"p{i}\",\"type\":\"person\",\"name\":"),
            (0, _) => format!("{{\"id\":\"v{i}\",\"type\":\"venue\",\"name\":\"V{i}\",\"operator\":\"p{}\"}}", i + 1),
            _ => {
                let nat = if i % 5 == 0 { "KR" } else { "CN" };
                let spouse = if i % 11 == 0 { format!("p{i}") } else { format!("p{}", (i + 3) % n) };
                format!(
                    "{{\"id\":\"p{i}\",\"type\":\"person\",\"name\":\"P{i}\",\"nationality\":\"{nat}\",\"spouse\":\"{spouse}\",\"contacts\":[\"p{}\"]}}",
                    (i * 13 + 2) % n
                )
            }
        };
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(dir.join("many.jsonl"), &text).unwrap();
    for format in ["summary", "json"] {
        let args = ["check", "screen.rules", "many.jsonl", "--as-of", "2023-06-01", "--format", format];
        let fast = interdict(&dir, &args);
        let reference = interdict(&dir, &[&args[..], &["--engine", "reference"]].concat());
        assert_eq!(shown(&fast), shown(&reference), "{format}: the engines disagree");
        assert_eq!(fast.status.code(), Some(3), "{format}: unreadable records make it a data error");
    }
    let out = summary(&dir, "many.jsonl", &[]);
    assert_eq!(first_line(&out), "5000 records: 142 deny, 2112 flag, 2735 allow, 0 waived, 11 errors, 1270 warnings");
    let _ = std::fs::remove_dir_all(&dir);
}
