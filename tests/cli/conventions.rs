//! The conventions a command-line user expects: shell completions and a
//! manual page generated from the same definition as the parser, and FtM
//! records shown by name.

use crate::common::{interdict, scratch};

fn stdout_of(args: &[&str]) -> String {
    let out = interdict(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_complete_every_command_and_flag() {
    let bash = stdout_of(&["completions", "bash"]);
    assert!(bash.contains("_interdict()"), "bash: a function");
    assert!(bash.contains("complete -F _interdict"), "bash: registered for interdict");
    for word in ["check", "validate", "explain", "snapshot", "completions", "man", "--as-of", "--engine"] {
        assert!(bash.contains(word), "bash completes `{word}`");
    }
    let zsh = stdout_of(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef interdict"), "zsh: a completion function file");
    assert!(zsh.contains("--no-evidence") && zsh.contains("'check:"), "zsh: commands and flags");
    let fish = stdout_of(&["completions", "fish"]);
    assert!(fish.contains("complete -c interdict") && fish.contains("-l as-of"), "fish: flags");
    let powershell = stdout_of(&["completions", "powershell"]);
    assert!(powershell.contains("Register-ArgumentCompleter") && powershell.contains("'check'"));
    let elvish = stdout_of(&["completions", "elvish"]);
    assert!(elvish.contains("edit:completion:arg-completer[interdict]") && elvish.contains("--fail-on"));
    let unknown = interdict(&["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn the_man_page_documents_every_command_and_its_flags() {
    let page = stdout_of(&["man"]);
    assert!(page.contains("\n.TH interdict 1 "), "a roff page in section 1:\n{page}");
    assert!(page.contains(".SH NAME\ninterdict \\- Screen entity records"));
    // One section per command, its flags beneath it, and no help command.
    for command in ["check", "validate", "explain", "diff", "test", "snapshot", "lint", "fmt", "compile", "export"] {
        assert!(page.contains(&format!(".SH \"INTERDICT {}\"", command.to_uppercase())), "section for {command}");
    }
    assert!(!page.contains("INTERDICT HELP"));
    let check = &page[page.find(".SH \"INTERDICT CHECK\"").unwrap()..page.find(".SH \"INTERDICT VALIDATE\"").unwrap()];
    for flag in ["\\-\\-as\\-of", "\\-\\-engine", "\\-\\-no\\-evidence", "\\-\\-fail\\-on", "\\-\\-max\\-steps"] {
        assert!(check.contains(flag), "check documents `{flag}`");
    }
    assert!(page.matches(".ds Aq").count() == 2, "the roff preamble once");
}

/// FtM entities give `name` as a list and a `caption`: records are shown
/// by their caption, else their first name, the same in both engines.
#[test]
fn ftm_records_are_named_by_caption_else_first_name_in_both_engines() {
    let dir = scratch("conventions-ftm-names");
    std::fs::write(
        dir.join("owners.rules"),
        "rule big_owner { flag person p when any ownership o where p in o.owner: o.percentage >= 50 }\n\
         rule owned { flag company c when any ownership o where c in o.asset: o.percentage >= 50 }\n",
    )
    .unwrap();
    let entities = [
        r#"{"id":"c1","schema":"Company","caption":"Acme Ltd","properties":{"name":["ACME LIMITED","Acme Ltd"]}}"#,
        r#"{"id":"p1","schema":"Person","properties":{"name":["Ivan Petrov","I. Petrov"],"nationality":["ru"]}}"#,
        r#"{"id":"o1","schema":"Ownership","caption":"Petrov in Acme","properties":{"owner":["p1"],"asset":["c1"],"percentage":["60"]}}"#,
    ];
    std::fs::write(dir.join("entities.ftm.json"), entities.join("\n")).unwrap();
    let rules = dir.join("owners.rules");
    let records = dir.join("entities.ftm.json");
    let (rules, records) = (rules.to_str().unwrap(), records.to_str().unwrap());
    let mut outputs = Vec::new();
    for format in ["human", "json"] {
        let run = |engine: &str| {
            let out =
                interdict(&["check", rules, records, "--as-of", "2024-01-01", "--format", format, "--engine", engine]);
            String::from_utf8(out.stdout).unwrap()
        };
        let (fast, reference) = (run("fast"), run("reference"));
        assert_eq!(fast, reference, "{format}: the engines disagree");
        outputs.push(fast);
    }
    let human = &outputs[0];
    assert!(human.contains(r#"company c1 "Acme Ltd""#), "caption:\n{human}");
    assert!(human.contains(r#"person p1 "Ivan Petrov""#), "first name:\n{human}");
    assert!(human.contains(r#"flag  company c1 "Acme Ltd"  ("#), "the judged record by its caption:\n{human}");
    assert!(human.contains(r#"ownership o1 "Petrov in Acme""#), "a linked record by its caption:\n{human}");
    assert!(outputs[1].contains(r#""name":"Ivan Petrov""#), "json evidence:\n{}", outputs[1]);
}
