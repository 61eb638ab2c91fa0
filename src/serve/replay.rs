//! `interdict replay LOG RULES RECORDS...`: every decision in a decision
//! log judged again, on the day it was judged on, with the rules and
//! records given; those that would now differ are reported. A line that is
//! not JSON (the torn last line after a kill -9) is reported and skipped.

use std::collections::HashMap;
use std::io;

use indexmap::IndexMap;
use serde_json::{Value, json};

use super::judge::{Judged, Settings, content_hash, judge_from};
use crate::RuleSet;
use crate::date::Date;
use crate::fast::Evidence;
use crate::records::{Input, RecordError};

/// What a replay found.
#[derive(Debug, Default)]
pub struct Replayed {
    /// Decisions judged again.
    pub decisions: usize,
    /// One JSON object per decision that differs now (or cannot be judged).
    pub differences: Vec<Value>,
    /// Lines skipped: (line number, why): those that are not entries (a torn
    /// last line among them), and entries judged after writes to the stored
    /// records (their data version is not the records given).
    pub unreadable: Vec<(usize, String)>,
}

/// One logged decision.
struct Entry {
    line: usize,
    value: Value,
}

impl Entry {
    fn str(&self, key: &str) -> &str {
        self.value.get(key).and_then(Value::as_str).unwrap_or("")
    }
}

/// Replays `log` (the bytes of a decision log).
pub fn replay(
    log: &[u8],
    rules: &RuleSet,
    records: &[Result<Input, RecordError>],
    settings: Settings,
) -> io::Result<Replayed> {
    let mut replayed = Replayed::default();
    let version = content_hash(records.iter().filter_map(|i| i.as_ref().ok()).map(|i| i.bytes.as_slice()));
    // Checks by request (their records were judged together); stored
    // records by day.
    let mut checks: IndexMap<(String, String), Vec<Entry>> = IndexMap::new();
    let mut stored: IndexMap<String, Vec<Entry>> = IndexMap::new();
    let text = String::from_utf8_lossy(log);
    let lines: Vec<&str> = text.split_terminator('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let torn = i + 1 == lines.len() && !text.ends_with('\n');
        match serde_json::from_str::<Value>(line) {
            Ok(value) if value.is_object() && value.get("data").and_then(Value::as_str) != Some(&version) => {
                // Judged after writes (`PUT`, `DELETE`): on records `RECORDS` does not hold.
                let data = value.get("data").and_then(Value::as_str).unwrap_or("none");
                replayed.unreadable.push((i + 1, format!("judged on data version {data}, not RECORDS' ({version})")));
            }
            Ok(value) if value.is_object() => {
                let entry = Entry { line: i + 1, value };
                let as_of = entry.str("as_of").to_string();
                if entry.str("route") == "check" {
                    checks.entry((entry.str("request").to_string(), as_of)).or_default().push(entry);
                } else {
                    stored.entry(as_of).or_default().push(entry);
                }
            }
            Ok(_) => replayed.unreadable.push((i + 1, "not a JSON object".to_string())),
            Err(e) if torn => replayed.unreadable.push((i + 1, format!("torn (the log was cut off mid-line): {e}"))),
            Err(e) => replayed.unreadable.push((i + 1, format!("not JSON: {e}"))),
        }
    }
    let stored_entries = records_entries(rules, records, settings)?;
    for ((_, as_of), entries) in &checks {
        let body: Vec<u8> = entries.iter().flat_map(|e| record_line(&e.value)).collect();
        let mut inputs = records.to_vec();
        inputs.push(Ok(Input::new("body", body)));
        let judged = judged_on(rules, &inputs, stored_entries, as_of, settings)?;
        compare(&mut replayed, entries, |i, _| judged.get(i));
    }
    for (as_of, entries) in &stored {
        let judged = judged_on(rules, records, 0, as_of, settings)?;
        let by_id: HashMap<&str, &Judged> = judged
            .iter()
            .rev()
            .filter_map(|j| Some((j.id.as_deref()?, j)))
            .filter(|(_, j)| j.decision.is_some())
            .collect();
        compare(&mut replayed, entries, |_, e| by_id.get(e.str("id")).copied());
    }
    Ok(replayed)
}

fn record_line(value: &Value) -> Vec<u8> {
    let mut line = serde_json::to_vec(value.get("record").unwrap_or(&Value::Null)).unwrap_or_default();
    line.push(b'\n');
    line
}

/// How many entries the record inputs alone make.
fn records_entries(rules: &RuleSet, records: &[Result<Input, RecordError>], settings: Settings) -> io::Result<usize> {
    // Judging nothing past the end: only the count is wanted.
    judge_from(rules.program(), records, usize::MAX, Date::today(), settings, Evidence::Omitted).map(|(n, _)| n)
}

fn judged_on(
    rules: &RuleSet,
    inputs: &[Result<Input, RecordError>],
    from: usize,
    as_of: &str,
    settings: Settings,
) -> io::Result<Vec<Judged>> {
    let day = Date::parse_exact(as_of).unwrap_or_else(Date::today);
    judge_from(rules.program(), inputs, from, day, settings, Evidence::Omitted).map(|(_, j)| j)
}

/// Each entry against its answer now.
fn compare<'j>(replayed: &mut Replayed, entries: &[Entry], now: impl Fn(usize, &Entry) -> Option<&'j Judged>) {
    for (i, entry) in entries.iter().enumerate() {
        replayed.decisions += 1;
        let logged_fired: Vec<&str> = entry
            .value
            .get("fired")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let logged = json!({ "decision": entry.str("decision"), "fired": logged_fired });
        let current = match now(i, entry) {
            Some(j) => json!({ "decision": j.decision.map_or("error", |d| d.as_str()), "fired": j.fired }),
            None => json!({ "decision": "missing" }),
        };
        if logged != current {
            replayed.differences.push(json!({
                "line": entry.line,
                "request": entry.str("request"),
                "id": entry.value.get("id"),
                "logged": logged,
                "now": current,
            }));
        }
    }
}
