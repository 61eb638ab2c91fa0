//! Long chains in evidence: a walk of more than 16 hops is shown by its
//! first and last 8 with the count of the others between, in the human
//! format and the JSON, by both engines; `explain --full` shows every hop.

use std::path::Path;

use crate::common::{Interdict, scratch, shown_in, stdout};

/// 40 people in a ring of contacts, p39 South Korean.
pub(crate) fn ring(dir: &Path) {
    std::fs::write(
        dir.join("ring.rules"),
        "entity person { nationality: string, contacts: [person] }\n\n\
         rule kr \"KR contact\" {\n  flag person p when any c in p.contacts{1..}: c.nationality == \"KR\"\n}\n",
    )
    .unwrap();
    let people: Vec<String> = (0..40)
        .map(|i| {
            let nat = if i == 39 { "KR" } else { "CN" };
            format!(r#"{{"id":"p{i}","type":"person","nationality":"{nat}","contacts":["p{}"]}}"#, (i + 1) % 40)
        })
        .collect();
    std::fs::write(dir.join("ring.jsonl"), people.join("\n")).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    Interdict::new(args).in_dir(dir).run()
}

#[test]
fn a_long_walk_is_shown_by_its_ends() {
    let dir = scratch("chains-ends");
    ring(&dir);
    let check = ["check", "ring.rules", "ring.jsonl", "--as-of", "2026-01-01", "--fail-on", "never"];
    let json = stdout(&run(&dir, &[&check[..], &["--format", "json"]].concat()));
    let reference = stdout(&run(&dir, &[&check[..], &["--format", "json", "--engine", "reference"]].concat()));
    assert_eq!(json, reference, "the engines disagree");
    // p0 reaches p39 in 39 hops: the witness's chain of 40 shows p0 and
    // p1..p7, leaves out 24, and shows p32..p39.
    let p0 = json.lines().next().unwrap_or_default();
    assert!(p0.contains(r#"{"via":"contacts","record":"p7","type":"person","name":null},{"via":null,"elided":24},{"via":"contacts","record":"p32""#), "{p0}");
    assert!(p0.contains(r#""depth":39"#), "{p0}");
    assert!(!p0.contains(r#""record":"p20""#), "{p0}");
    // p24 is 15 hops away: the witness's chain (16 with p24) is shown
    // whole, the condition's, one hop longer, is not.
    let p24 = json.lines().nth(24).unwrap_or_default();
    assert_eq!(p24.matches("elided").count(), 1, "{p24}");
    assert!(p24.contains(r#"{"via":null,"elided":1}"#), "{p24}");
    let human = run(&dir, &[&check[..], &["--engine", "reference"]].concat());
    let fast = run(&dir, &check);
    assert_eq!(stdout(&human), stdout(&fast), "the engines disagree");
    let first: String = stdout(&fast).lines().take(11).map(|l| format!("{l}\n")).collect();
    insta::assert_snapshot!(first);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn explain_full_shows_every_hop() {
    let dir = scratch("chains-full");
    ring(&dir);
    let explain = ["explain", "ring.rules", "ring.jsonl", "--id", "p0", "--as-of", "2026-01-01"];
    let short = stdout(&run(&dir, &explain));
    assert!(short.contains("→ … 24 hops … →") && !short.contains("contacts p20 "), "{short}");
    let full = run(&dir, &[&explain[..], &["--full"]].concat());
    insta::assert_snapshot!(shown_in(&full, &dir));
    let json = stdout(&run(&dir, &[&explain[..], &["--full", "--format", "json"]].concat()));
    assert!(!json.contains("elided") && json.contains(r#""record":"p20""#), "{json}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `explain` on a ring of 12,000 people, under a 2 GiB limit on the
/// process's address space: linear in the walk, it needs tens of
/// megabytes; a walk that gave each record reached its own copy of the hops
/// before it held n²/2 hops, gigabytes, and was killed here. Rules that
/// fire on the last person reached (`any`), fail on her (`all`), miss on
/// every one (`any`, why-not) and walk a bounded range.
#[cfg(target_os = "linux")]
#[test]
fn explain_on_a_long_ring_stays_in_linear_memory() {
    const PEOPLE: usize = 12_000;
    let dir = scratch("chains-memory");
    std::fs::write(
        dir.join("ring.rules"),
        "entity person { nationality: string, contacts: [person] }\n\
         rule kr \"KR contact\" { flag person p when any c in p.contacts{1..}: c.nationality == \"KR\" }\n\
         rule all_cn \"CN only\" { flag person p when all c in p.contacts{1..}: c.nationality == \"CN\" }\n\
         rule us \"US contact\" { flag person p when any c in p.contacts{1..}: c.nationality == \"US\" }\n\
         rule near \"KR near\" { flag person p when any c in p.contacts{2..5}: c.nationality == \"KR\" }\n",
    )
    .unwrap();
    let people: Vec<String> = (0..PEOPLE)
        .map(|i| {
            let nat = if i == PEOPLE - 1 { "KR" } else { "CN" };
            format!(r#"{{"id":"p{i}","type":"person","nationality":"{nat}","contacts":["p{}"]}}"#, (i + 1) % PEOPLE)
        })
        .collect();
    std::fs::write(dir.join("ring.jsonl"), people.join("\n")).unwrap();
    // One loading thread, so the address space needed does not grow with
    // the machine's cores.
    let limited = std::process::Command::new("sh")
        .args(["-c", r#"ulimit -v 2097152 && exec "$0" "$@""#, env!("CARGO_BIN_EXE_interdict")])
        .args(["explain", "ring.rules", "ring.jsonl", "--id", "p0", "--as-of", "2026-01-01", "--format", "json"])
        .current_dir(&dir)
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    let json = stdout(&limited);
    assert!(limited.status.success(), "{}", String::from_utf8_lossy(&limited.stderr));
    // The witness of `kr`, the last person, at the end of the whole ring.
    let last = PEOPLE - 1;
    let witness = format!(r#""record":"p{last}","type":"person","name":null}}],"record":"p{last}""#);
    assert!(json.contains(&witness) && json.contains(&format!(r#""depth":{last},"#)), "{json}");
    assert!(json.contains(&format!(r#""elided":{}"#, PEOPLE - 16)), "{json}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `check` with evidence on a record of 20,000 contacts, whose quantifiers
/// read every contact: each element's chain repeats the list's, whose last
/// hop shows the whole list, so building one per element took memory of
/// the square of the list (15 GB here) until only the witness's is built.
#[cfg(target_os = "linux")]
#[test]
fn a_quantifier_over_a_long_list_stays_in_linear_memory() {
    const CONTACTS: usize = 20_000;
    let dir = scratch("long-list-memory");
    std::fs::write(
        dir.join("hub.rules"),
        "rule all_ok \"All contacts ok\" { deny person p when all c in p.contacts: c.ok == true }\n\
         rule some_ok \"Not every contact bad\" { flag person p when not (all c in p.contacts: c.ok == false) }\n",
    )
    .unwrap();
    let ids: Vec<String> = (0..CONTACTS).map(|i| format!(r#""c{i}""#)).collect();
    let mut lines = vec![format!(r#"{{"id":"hub","type":"person","contacts":[{}]}}"#, ids.join(","))];
    lines.extend((0..CONTACTS).map(|i| format!(r#"{{"id":"c{i}","type":"person","ok":true}}"#)));
    std::fs::write(dir.join("hub.jsonl"), lines.join("\n")).unwrap();
    let limited = std::process::Command::new("sh")
        .args(["-c", r#"ulimit -v 2097152 && exec "$0" "$@""#, env!("CARGO_BIN_EXE_interdict")])
        .args(["check", "hub.rules", "hub.jsonl", "--as-of", "2026-01-01", "--format", "json", "--fail-on", "never"])
        .current_dir(&dir)
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .unwrap();
    let json = stdout(&limited);
    assert!(limited.status.success(), "{}", String::from_utf8_lossy(&limited.stderr));
    let hub = json.lines().next().unwrap_or_default();
    assert!(hub.contains(r#""rules":["all_ok","some_ok"]"#), "{hub}");
    assert!(hub.contains(&format!(r#""count":{CONTACTS},"#)), "{hub}");
    // The counterexample of `all … == false`: the first contact, by index.
    assert!(hub.contains(r#"{"via":"[0]","record":"c0","type":"person","name":null}"#), "{hub}");
    let _ = std::fs::remove_dir_all(&dir);
}
