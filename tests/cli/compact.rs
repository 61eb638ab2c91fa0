//! `check --format json --evidence compact` loses nothing: each compact
//! line, expanded with the tables the stream begins with and the line's
//! own table of records (as docs/json.md, "Compact evidence", says to),
//! is the full line without its summaries — on every example rule set,
//! the fixtures, and a generated graph shaped like the benchmark's.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::common::{AS_OF, Interdict, examples, scratch, stderr, stdout};

/// A rule set, its record files (or `-` with `stdin`), and the day.
struct Run {
    rules: String,
    records: Vec<String>,
    stdin: Option<String>,
    as_of: &'static str,
}

impl Run {
    fn of_files(rules: &str, records: Vec<String>, as_of: &'static str) -> Run {
        Run { rules: rules.into(), records, stdin: None, as_of }
    }

    /// `check --format json` with `--evidence SHAPE` (and `--engine`).
    fn check(&self, shape: &str, engine: &str) -> String {
        let mut args = vec!["check", &self.rules, "--as-of", self.as_of, "--format", "json", "--fail-on", "never"];
        args.extend(["--evidence", shape, "--engine", engine]);
        args.extend(self.records.iter().map(String::as_str));
        let mut run = Interdict::new(&args);
        if let Some(text) = &self.stdin {
            run = run.stdin(text.as_bytes());
        }
        let out = run.run();
        // 3: some records could not be read (they are error lines).
        assert!(matches!(out.status.code(), Some(0 | 3)), "{}: {}", self.rules, stderr(&out));
        stdout(&out)
    }
}

/// The lines of the compact stream's tables, by what refers to them.
struct Tables {
    rules: HashMap<String, Map<String, Value>>,
    exemptions: HashMap<String, Map<String, Value>>,
    conditions: Vec<Map<String, Value>>,
}

/// The tables at the start of a compact stream, and the lines after them.
fn tables_and_lines(compact: &str) -> (Tables, Vec<&str>) {
    let mut tables = Tables { rules: HashMap::new(), exemptions: HashMap::new(), conditions: Vec::new() };
    let mut lines = compact.lines().peekable();
    let tables_kinds = ["{\"kind\":\"rule\",", "{\"kind\":\"exemption\",", "{\"kind\":\"condition\","];
    while let Some(line) = lines.next_if(|l| tables_kinds.iter().any(|k| l.starts_with(k))) {
        let Value::Object(mut entry) = serde_json::from_str(line).unwrap() else { panic!("not an object: {line}") };
        let kind = entry.remove("kind").unwrap();
        match kind.as_str().unwrap() {
            "rule" => {
                let name = entry["rule"].as_str().unwrap().to_string();
                assert!(tables.rules.insert(name, entry).is_none(), "a rule twice: {line}");
            }
            "exemption" => {
                let name = entry["name"].as_str().unwrap().to_string();
                assert!(tables.exemptions.insert(name, entry).is_none(), "an exemption twice: {line}");
            }
            _ => {
                let n = entry.remove("ref").unwrap();
                assert_eq!(n, tables.conditions.len(), "conditions are numbered from 0 in order: {line}");
                tables.conditions.push(entry);
            }
        }
    }
    let rest: Vec<&str> = lines.collect();
    let out_of_place = rest.iter().find(|l| tables_kinds.iter().any(|k| l.starts_with(k)));
    assert!(out_of_place.is_none(), "a table line after the verdicts: {out_of_place:?}");
    (tables, rest)
}

/// A compact line re-expanded: what it refers to put back where the full
/// shape has it. Panics where a reference is missing or leads nowhere.
struct Expand<'a> {
    tables: &'a Tables,
    records: Map<String, Value>,
    /// The records the evidence shows, in the order they are met.
    met: Vec<String>,
}

impl Expand<'_> {
    fn line(tables: &Tables, mut line: Value) -> (Value, Vec<String>) {
        if line["kind"] == "error" {
            return (line, Vec::new());
        }
        let obj = line.as_object_mut().unwrap();
        let Some(Value::Object(records)) = obj.remove("records") else { panic!("a verdict without records: {line}") };
        let mut x = Expand { tables, records, met: Vec::new() };
        for rule in line["fired"].as_array_mut().unwrap() {
            x.rule(rule);
        }
        for rule in line["waived"].as_array_mut().unwrap() {
            x.rule(rule);
            let exemption = rule["exemption"].as_object_mut().unwrap();
            let header = &tables.exemptions[exemption["name"].as_str().unwrap()];
            let evidence = exemption.remove("evidence").unwrap();
            exemption.extend(header.iter().map(|(k, v)| (k.clone(), v.clone())));
            exemption.insert("evidence".into(), evidence);
            x.facts(&mut exemption["evidence"]);
        }
        assert_eq!(x.met.len(), x.records.len(), "records in the table the evidence does not show: {line}");
        (line, x.met)
    }

    fn rule(&mut self, rule: &mut Value) {
        let obj = rule.as_object_mut().unwrap();
        let header = &self.tables.rules[obj["rule"].as_str().unwrap()];
        obj.extend(header.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.facts(&mut obj["evidence"]);
    }

    fn facts(&mut self, facts: &mut Value) {
        facts.as_array_mut().unwrap().iter_mut().for_each(|f| self.fact(f));
    }

    fn fact(&mut self, fact: &mut Value) {
        let obj = fact.as_object_mut().unwrap();
        let n = obj.remove("ref").unwrap_or_else(|| panic!("a fact without its condition's ref: {obj:?}"));
        let condition = &self.tables.conditions[n.as_u64().unwrap() as usize];
        obj.extend(condition.iter().map(|(k, v)| (k.clone(), v.clone())));
        let kind = obj["kind"].as_str().unwrap().to_string();
        let seen: &[&str] = match kind.as_str() {
            "compare" => &["left", "right"],
            "matches" | "is" => &["subject"],
            "exists" => &["path"],
            "value" => &["value"],
            "quantifier" => &["witness"],
            "sum" => &["right"],
            "call" => &[],
            other => panic!("a fact of kind {other}"),
        };
        for key in seen {
            if !obj[*key].is_null() {
                self.seen(&mut obj[*key]);
            }
        }
        for key in ["terms", "args"] {
            if let Some(Value::Array(values)) = obj.get_mut(key) {
                values.iter_mut().for_each(|v| self.seen(v));
            }
        }
        if let Some(evidence) = obj.get_mut("evidence") {
            self.facts(evidence);
        }
    }

    /// A value seen: its chain's hops, the value, what it was computed from.
    fn seen(&mut self, value: &mut Value) {
        for hop in value["chain"].as_array_mut().unwrap() {
            self.shown(hop);
        }
        self.shown(value);
        if let Some(computed) = value.get_mut("computed") {
            self.seen(&mut computed["from"]);
        }
    }

    /// A record gets its type and name from the line's records.
    fn shown(&mut self, shown: &mut Value) {
        if let Some(id) = shown.get("record").and_then(Value::as_str).map(str::to_string) {
            let record = self.records.get(&id).unwrap_or_else(|| panic!("record {id} is not in the line's records"));
            let (record_type, name) = (record["type"].clone(), record["name"].clone());
            let obj = shown.as_object_mut().unwrap();
            obj.insert("type".into(), record_type);
            obj.insert("name".into(), name);
            if !self.met.contains(&id) {
                self.met.push(id);
            }
        }
        if let Some(Value::Array(items)) = shown.get_mut("list") {
            items.iter_mut().for_each(|item| self.shown(item));
        }
    }
}

/// A full line without the summaries of its facts.
fn without_summaries(mut line: Value) -> Value {
    fn facts(list: &mut Value) {
        for fact in list.as_array_mut().unwrap() {
            assert!(fact.as_object_mut().unwrap().remove("summary").is_some(), "a fact without a summary: {fact}");
            if let Some(evidence) = fact.get_mut("evidence") {
                facts(evidence);
            }
        }
    }
    if line["kind"] == "verdict" {
        for rule in line["fired"].as_array_mut().unwrap() {
            facts(&mut rule["evidence"]);
        }
        for rule in line["waived"].as_array_mut().unwrap() {
            facts(&mut rule["evidence"]);
            facts(&mut rule["exemption"]["evidence"]);
        }
    }
    line
}

/// The keys of a JSON object in the order they are written.
struct Keys(Vec<String>);

impl<'de> serde::Deserialize<'de> for Keys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Keys, D::Error> {
        struct InOrder;
        impl<'de> serde::de::Visitor<'de> for InOrder {
            type Value = Keys;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, _)) = map.next_entry::<String, serde::de::IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(InOrder)
    }
}

#[derive(serde::Deserialize)]
struct RecordsOf {
    records: Keys,
}

/// Expands every compact line and holds it to its full line; returns how
/// many facts the compact lines hold.
fn holds_to_full(what: &str, full: &str, compact: &str) -> usize {
    let (tables, lines) = tables_and_lines(compact);
    let full: Vec<&str> = full.lines().collect();
    assert_eq!(lines.len(), full.len(), "{what}: another number of lines");
    let mut facts = 0;
    for (c, f) in lines.iter().zip(&full) {
        let (expanded, met) = Expand::line(&tables, serde_json::from_str(c).unwrap());
        let want = without_summaries(serde_json::from_str(f).unwrap());
        assert!(expanded == want, "{what}: the compact line\n{c}\nexpands to\n{expanded}\nnot to\n{want}");
        if expanded["kind"] == "verdict" {
            let order: RecordsOf = serde_json::from_str(c).unwrap();
            assert_eq!(order.records.0, met, "{what}: records in the order the evidence shows them: {c}");
        }
        facts += c.matches("\"ref\":").count();
    }
    facts
}

/// Every example rule set, the fixtures, and a bench-like graph.
fn runs() -> Vec<Run> {
    let mut runs: Vec<Run> = examples().into_iter().map(|set| Run::of_files(&set.dir, set.records, AS_OF)).collect();
    for (rules, records, as_of) in [
        ("tests/fixtures/design.rules", "tests/fixtures/design.jsonl", AS_OF),
        ("tests/fixtures/messy.rules", "tests/fixtures/messy.jsonl", "2024-01-01"),
        ("tests/fixtures/sum.rules", "tests/fixtures/sum.jsonl", AS_OF),
        ("tests/fixtures/unfit.rules", "tests/fixtures/unfit.jsonl", AS_OF),
    ] {
        runs.push(Run::of_files(rules, vec![records.into()], as_of));
    }
    let graph = Some(bench_like_graph(3000));
    runs.push(Run {
        rules: "benches/screening.rules".into(),
        records: vec!["-".into()],
        stdin: graph,
        as_of: "2026-01-01",
    });
    runs.push(long_walk());
    runs.push(odd_values());
    runs
}

/// A bare value as a condition, a list of records, a value missing and a
/// link to no record: values the other inputs do not show.
fn odd_values() -> Run {
    let dir = scratch("compact-odd");
    let rules = dir.join("odd.rules");
    std::fs::write(
        &rules,
        "entity person { name: string, active: bool?, contacts: [person], spouse: person?, boss: person? }\n\
         rule truthy \"A bare value\" { flag person p when p.active }\n\
         rule contacts \"Contacts, no spouse\" { flag person p when exists p.contacts and not exists p.spouse }\n\
         rule boss \"No boss's name\" { flag person p when not exists p.boss.name }\n",
    )
    .unwrap();
    let people = [
        r#"{"id":"a","type":"person","name":"A","active":true,"contacts":["b","c"],"boss":"nobody"}"#,
        r#"{"id":"b","type":"person","name":"B","contacts":["a"],"spouse":"c","boss":"c"}"#,
        r#"{"id":"c","type":"person","name":"C"}"#,
    ];
    let rules = rules.display().to_string();
    Run { rules, records: vec!["-".into()], stdin: Some(people.join("\n")), as_of: "2026-01-01" }
}

/// 40 people in a ring of contacts, one South Korean (as in the chains
/// tests): chains with hops left out.
fn long_walk() -> Run {
    let dir = scratch("compact-ring");
    crate::chains::ring(&dir);
    let (rules, records) = (dir.join("ring.rules"), dir.join("ring.jsonl"));
    let records = vec![records.display().to_string()];
    Run { rules: rules.display().to_string(), records, stdin: None, as_of: "2026-01-01" }
}

/// What the compact lines of all runs must show between them, so that
/// every kind of fact and value is held to its full form.
const SHOWN: &[&str] = &[
    "\"kind\":\"compare\"",
    "\"kind\":\"matches\"",
    "\"kind\":\"exists\"",
    "\"kind\":\"is\"",
    "\"kind\":\"quantifier\"",
    "\"kind\":\"sum\"",
    "\"kind\":\"call\"",
    "\"kind\":\"value\"",
    "\"list\":[{\"record\"",
    "\"computed\":",
    "\"elided\":",
    "\"missing\":true",
    "\"unresolved\":",
    "\"waived_by\":",
    "\"kind\":\"error\"",
];

#[test]
fn compact_lines_expand_to_the_full_lines() {
    let mut unseen: Vec<&str> = SHOWN.to_vec();
    for run in runs() {
        let what = &run.rules;
        let full = run.check("full", "fast");
        let compact = run.check("compact", "fast");
        let facts = holds_to_full(what, &full, &compact);
        assert!(facts > 0 || what.contains("messy"), "{what}: no fact to hold to its full form");
        assert_eq!(run.check("compact", "reference"), compact, "{what}: the engines write other compact lines");
        unseen.retain(|s| !compact.contains(s));
    }
    assert!(unseen.is_empty(), "no compact line shows {unseen:?}: add an input that does");
}

/// The comparison bites: a ref moved to another condition, a key dropped
/// or a record's name changed in a compact line, and it no longer expands
/// to its full line.
#[test]
fn a_broken_compact_line_fails() {
    let set = examples().into_iter().find(|s| s.dir == "rules/trade-screening").unwrap();
    let run = Run::of_files(&set.dir, set.records, AS_OF);
    let (full, compact) = (run.check("full", "fast"), run.check("compact", "fast"));
    // The first fact's ref, moved to a condition of another text.
    let (tables, _) = tables_and_lines(&compact);
    let verdicts = compact.find("{\"kind\":\"verdict\"").unwrap();
    let at = verdicts + compact[verdicts..].find("\"ref\":").unwrap() + "\"ref\":".len();
    let digits = compact[at..].find(',').unwrap();
    let n: usize = compact[at..at + digits].parse().unwrap();
    let other = (0..tables.conditions.len()).find(|&m| tables.conditions[m]["text"] != tables.conditions[n]["text"]);
    let breaks = [
        format!("{}{}{}", &compact[..at], other.unwrap(), &compact[at + digits..]),
        compact.replacen("\"holds\":true", "\"holds\":false", 1),
        compact.replacen(",\"holds\":true}", "}", 1),
        compact.replacen("\"name\":\"Lee Min-jun\"", "\"name\":\"Lee Min-jung\"", 1),
    ];
    for broken in breaks {
        let caught = std::panic::catch_unwind(|| holds_to_full("broken", &full, &broken));
        assert!(caught.is_err(), "a broken compact line expanded to its full line");
    }
}

#[test]
fn compact_is_for_json_only() {
    let set = examples().into_iter().next().unwrap();
    for format in ["human", "summary"] {
        let mut args = vec!["check", &set.dir, "--format", format, "--evidence", "compact"];
        args.extend(set.records.iter().map(String::as_str));
        let out = Interdict::new(&args).run();
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert!(stderr(&out).contains("`--evidence compact` is a shape of the JSON output"), "{}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
    let mut args = vec!["check", &set.dir, "--format", "json", "--evidence", "compact", "--no-evidence"];
    args.extend(set.records.iter().map(String::as_str));
    assert_eq!(Interdict::new(&args).run().status.code(), Some(2));
    // `--evidence none` is `--no-evidence`.
    let run = |flag: &[&str]| {
        let mut args = vec!["check", &set.dir, "--format", "json", "--as-of", AS_OF];
        args.extend(flag);
        args.extend(set.records.iter().map(String::as_str));
        stdout(&Interdict::new(&args).run())
    };
    assert_eq!(run(&["--evidence", "none"]), run(&["--no-evidence"]));
    assert_eq!(run(&["--evidence", "full"]), run(&[]));
}

/// A graph shaped like the benchmark's (benches/screening.rules' entities:
/// people with contacts and spouses, venues, products, visits, purchases),
/// with names that need escaping and records without one.
fn bench_like_graph(n: usize) -> String {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = |m: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % m as u64) as usize
    };
    let (persons, venues, products, visits) = (n * 4 / 10, n / 20, n / 10, n / 4);
    let names = ["Kim \"the elder\"", "Lee\\Park", "Zhao Jun 赵军", "tab\there", "Choi"];
    let mut out = String::new();
    for i in 0..persons {
        let nationality = if next(100) < 5 { "KR" } else { "CN" };
        let name = match next(10) {
            0 => String::new(),
            1 => ",\"name\":null".into(),
            k => format!(",\"name\":{}", serde_json::to_string(&format!("{} {i}", names[k % names.len()])).unwrap()),
        };
        let contacts: Vec<String> = (0..next(6)).map(|_| format!("\"p{}\"", next(persons))).collect();
        let spouse = if next(10) < 3 { format!(",\"spouse\":\"p{}\"", next(persons)) } else { String::new() };
        let rank = if next(20) == 0 { ",\"rank\":\"senior-cadre\"" } else { "" };
        out.push_str(&format!(
            "{{\"id\":\"p{i}\",\"type\":\"person\"{name},\"nationality\":\"{nationality}\"{spouse}{rank},\"contacts\":[{}]}}\n",
            contacts.join(",")
        ));
    }
    for i in 0..venues {
        let operator = next(persons);
        out.push_str(&format!(
            "{{\"id\":\"v{i}\",\"type\":\"venue\",\"name\":\"Venue {i}\",\"kind\":\"store\",\"city\":\"Dandong\",\"operator\":\"p{operator}\"}}\n"
        ));
    }
    let categories = ["rice-cooker", "cosmetics", "toothpaste", "tools", "snacks"];
    for i in 0..products {
        let origin = if next(100) < 15 { "KR" } else { "CN" };
        let category = categories[next(categories.len())];
        out.push_str(&format!(
            "{{\"id\":\"g{i}\",\"type\":\"product\",\"category\":\"{category}\",\"origin\":\"{origin}\"}}\n"
        ));
    }
    for i in 0..visits {
        let (person, venue) = (next(persons), next(venues));
        out.push_str(&format!(
            "{{\"id\":\"x{i}\",\"type\":\"visit\",\"person\":\"p{person}\",\"venue\":\"v{venue}\"}}\n"
        ));
    }
    for i in 0..n - persons - venues - products - visits {
        let (person, product) = (next(persons), next(products));
        out.push_str(&format!(
            "{{\"id\":\"y{i}\",\"type\":\"purchase\",\"person\":\"p{person}\",\"product\":\"g{product}\"}}\n"
        ));
    }
    out
}
