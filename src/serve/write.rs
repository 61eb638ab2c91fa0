//! Writes to the stored graph (`PUT /v1/records`, `DELETE
//! /v1/records/{id}`): a new snapshot whose changed verdicts are found by
//! judging again only the stored records that read what changed (see
//! [`Overlay::readers`]), with the records judging them can read.

use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::Arc;

use super::judge::{Judged, Settings, content_hash, judge_from};
use super::snapshot::{Edits, Snapshot};
use crate::eval::Decision;
use crate::fast::{Evidence, FastStore, Judging};
use crate::records::{Input, Records};

/// A stored record whose decision a write changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Its id.
    pub id: String,
    /// Its decision before (`None`: not stored, or an error).
    pub before: Option<Decision>,
    /// Its decision after (`None`: deleted, or an error).
    pub after: Option<Decision>,
}

impl Snapshot {
    /// The snapshot after writing `records` ((id, one JSON line) each,
    /// checked to be records) and deleting `deleted` (ids stored now), and
    /// the stored records whose decisions that changes, in id order.
    pub fn write(
        &self,
        records: &[(String, Vec<u8>)],
        deleted: &[String],
        settings: Settings,
    ) -> io::Result<(Snapshot, Vec<Change>)> {
        let overlay = self.graph.borrow_dependent();
        let program = self.rules.program();
        let mut edits = self.edits.clone();
        // Before and after versions of what changes, and every record written
        // (their readers may read what changed through them).
        let (mut versions, mut gone) = (Vec::new(), Vec::new());
        for id in records.iter().map(|(id, _)| id).chain(deleted) {
            if let Some(r) = overlay.store().lookup(id)
                && edits.removed.insert(r)
            {
                gone.push(r);
            }
            if let Some(at) = edits.added.iter().position(|(a, _)| a == id) {
                versions.push(edits.added.remove(at).1);
            }
        }
        edits.added.extend(records.iter().cloned());
        let (before, added) = ([Ok(Input::new("before", versions.join(&b'\n')))], [Ok(edits.added_input())]);
        let mut again = overlay.readers(&FastStore::load(&before, program), &gone);
        again.extend(overlay.readers(&FastStore::load(&added, program), &[]));
        again.sort_unstable();
        again.dedup();
        again.retain(|r| !edits.removed.contains(r));
        let [Ok(added)] = &added else { return Ok((self.share(), Vec::new())) };
        let judging = Judging { removed: &edits.removed, added, again: &again, request: None };
        let (inputs, _) = overlay.inputs_to_judge(&judging, program);
        let (_, judged) = judge_from(program, &inputs, 0, self.as_of, settings, Evidence::Full)?;
        let mut wanted: HashSet<&str> = again.iter().map(|&r| overlay.store().id(r)).collect();
        wanted.extend(edits.added.iter().map(|(id, _)| id.as_str()));
        let mut now: HashMap<String, Judged> = HashMap::new();
        for j in judged {
            if let Some(id) = j.id.clone().filter(|id| wanted.contains(id.as_str())) {
                now.entry(id).or_insert(j);
            }
        }
        let changes = self.settle(&mut edits, now, deleted);
        let mut parts: Vec<&[u8]> = vec![self.data_version.as_bytes()];
        parts.extend(records.iter().map(|(_, line)| line.as_slice()));
        parts.extend(deleted.iter().map(|id| id.as_bytes()));
        let next = Snapshot { edits, data_version: content_hash(parts), ..self.share() };
        Ok((next, changes))
    }

    /// Puts the answers worked out in `edits` (those that differ from the
    /// loaded ones) and lists the decisions that changed.
    fn settle(&self, edits: &mut Edits, now: HashMap<String, Judged>, deleted: &[String]) -> Vec<Change> {
        let mut changes = Vec::new();
        for id in deleted.iter().filter(|id| !now.contains_key(*id)) {
            let before = self.verdict(id).and_then(|j| j.decision);
            if before.is_some() {
                changes.push(Change { id: id.clone(), before, after: None });
            }
            edits.verdicts.remove(id);
            if self.by_id.contains_key(id) {
                edits.verdicts.insert(id.clone(), None);
            }
        }
        for (id, judged) in now {
            let before = self.verdict(&id).and_then(|j| j.decision);
            if before != judged.decision {
                changes.push(Change { id: id.clone(), before, after: judged.decision });
            }
            // The same verdict as loaded: its line is rendered on request.
            let loaded = self.by_id.get(&id).and_then(|&i| self.stored.get(i));
            if loaded.is_some_and(|l| {
                (&l.decision, &l.fired, &l.waived) == (&judged.decision, &judged.fired, &judged.waived)
            }) {
                edits.verdicts.remove(&id);
            } else {
                edits.verdicts.insert(id, Some(judged));
            }
        }
        changes.sort_by(|a, b| a.id.cmp(&b.id));
        changes
    }

    /// A snapshot sharing this one's rules, graph and loaded answers.
    fn share(&self) -> Snapshot {
        Snapshot {
            rules: Arc::clone(&self.rules),
            hash: self.hash.clone(),
            data: Arc::clone(&self.data),
            graph: Arc::clone(&self.graph),
            as_of: self.as_of,
            stored: Arc::clone(&self.stored),
            by_id: Arc::clone(&self.by_id),
            edits: Edits::default(),
            data_version: self.data_version.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    //! After random writes, every stored record's answer is what loading
    //! the graph they leave gives; each write's changes are the decisions
    //! that differ between the graphs before and after it.

    use proptest::prelude::*;

    use super::*;
    use crate::eval::Limits;
    use crate::serve::snapshot::Data;
    use crate::{RuleSet, SourceFile};

    const RULES: &str = r#"
rule bad_venue { deny venue v when v.operator.nationality == "KR" }
rule near { flag person p when any c in p.contacts{1..2}: c.nationality == "KR" }
rule far { flag person p when any c in p.contacts: any d in c.contacts{1..2}: d.nationality == "KR" }
rule been { flag person p when any visit x where x.visitor == p: x.venue is denied }
rule at_bad { deny visit x when x.venue is denied }
rule with_near { flag visit x when x.visitor is flagged by near }
exempt kin { waive at_bad for visit x when x.visitor.spouse.nationality == "KR" }
"#;

    /// A record for `id` (its type from its first letter), links drawn from `pick`.
    fn record(id: &str, pick: &[u8; 4]) -> String {
        let person = |i: u8| format!("p{}", i % 7);
        let contacts: Vec<String> =
            [person(pick[1]), person(pick[2] / 3)].into_iter().take(usize::from(pick[3] % 3)).collect();
        let value = match id.as_bytes().first() {
            Some(b'p') => serde_json::json!({
                "id": id, "type": "person",
                "nationality": if pick[0].is_multiple_of(3) { "KR" } else { "CN" },
                "contacts": contacts,
                "spouse": person(pick[2]),
            }),
            Some(b'v') => serde_json::json!({"id": id, "type": "venue", "operator": person(pick[0])}),
            _ => {
                serde_json::json!({"id": id, "type": "visit", "visitor": person(pick[0]), "venue": format!("v{}", pick[1] % 4)})
            }
        };
        value.to_string()
    }

    fn ids() -> Vec<String> {
        let mut ids: Vec<String> = (0..7).map(|i| format!("p{i}")).collect();
        ids.extend((0..4).map(|i| format!("v{i}")));
        ids.extend((0..6).map(|i| format!("x{i}")));
        ids
    }

    /// The graph as `check` reads it: the loaded lines, those written over
    /// or deleted left blank (so the others keep their lines), then the
    /// records written.
    fn loaded(base: &[(String, String)], gone: &HashSet<String>, added: &[(String, Vec<u8>)]) -> Arc<Data> {
        let text: String = base
            .iter()
            .map(|(id, line)| if gone.contains(id) { "\n".to_string() } else { format!("{line}\n") })
            .collect();
        let mut written = Vec::new();
        for (_, line) in added {
            written.extend_from_slice(line);
            written.push(b'\n');
        }
        Arc::new(Data { inputs: vec![Ok(Input::new("g.jsonl", text)), Ok(Input::new("added", written))] })
    }

    fn decisions(s: &Snapshot) -> HashMap<String, Option<Decision>> {
        s.stored.iter().filter_map(|j| Some((j.id.clone()?, j.decision))).collect()
    }

    /// Every record's answer `now` (its line rendered) is a load's of `data`.
    fn agrees(now: &Snapshot, data: &Data, settings: Settings) {
        let (program, as_of) = (now.rules.program(), now.as_of);
        let (_, full) =
            judge_from(program, &data.inputs, 0, as_of, settings, Evidence::Full).unwrap_or_else(|e| panic!("{e}"));
        for j in &full {
            let Some(id) = &j.id else { continue };
            let mine = now.line(id, settings).unwrap_or_else(|e| panic!("{e}"));
            match j.decision {
                Some(_) => assert_eq!(
                    mine.map(|m| String::from_utf8_lossy(&m.line).into_owned()),
                    Some(String::from_utf8_lossy(&j.line).into_owned()),
                    "{id}"
                ),
                None => assert!(mine.is_none_or(|m| m.decision.is_none()), "{id}"),
            }
        }
        for id in ids() {
            if !full.iter().any(|j| j.id.as_deref() == Some(id.as_str())) {
                assert!(now.verdict(&id).is_none(), "{id} is gone");
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn writes_leave_the_answers_a_load_gives(
            stored in prop::collection::vec((0usize..17, any::<[u8; 4]>()), 3..14),
            writes in prop::collection::vec((0usize..17, any::<[u8; 4]>(), 0u8..4), 1..6),
        ) {
            let all = ids();
            let rules = || RuleSet::from_sources(vec![SourceFile::new("w.rules", RULES)]).unwrap_or_else(|e| panic!("{e:?}"));
            let settings = Settings { limits: Limits::default(), strict: false };
            let as_of = crate::date::Date::parse_exact("2024-01-01").unwrap_or_else(|| panic!("a date"));
            let mut base: Vec<(String, String)> = Vec::new();
            for (i, pick) in &stored {
                if !base.iter().any(|(id, _)| *id == all[*i]) {
                    base.push((all[*i].clone(), record(&all[*i], pick)));
                }
            }
            let (mut gone, mut added) = (HashSet::new(), Vec::<(String, Vec<u8>)>::new());
            let start = loaded(&base, &gone, &added);
            let mut now = Snapshot::new(rules(), start, as_of, settings).unwrap_or_else(|e| panic!("{e}"));
            for (i, pick, kind) in &writes {
                let id = all[*i].clone();
                let before = Snapshot::new(rules(), loaded(&base, &gone, &added), as_of, settings).unwrap_or_else(|e| panic!("{e}"));
                let exists = now.verdict(&id).is_some();
                let (records, deleted) = if *kind == 0 && exists {
                    (Vec::new(), vec![id.clone()])
                } else {
                    (vec![(id.clone(), record(&id, pick).into_bytes())], Vec::new())
                };
                let (next, changes) = now.write(&records, &deleted, settings).unwrap_or_else(|e| panic!("{e}"));
                if base.iter().any(|(b, _)| *b == id) {
                    gone.insert(id.clone());
                }
                added.retain(|(a, _)| *a != id);
                added.extend(records);
                let data = loaded(&base, &gone, &added);
                agrees(&next, &data, settings);
                let after = Snapshot::new(rules(), data, as_of, settings).unwrap_or_else(|e| panic!("{e}"));
                let (old, new) = (decisions(&before), decisions(&after));
                let mut expected: Vec<Change> = old.keys().chain(new.keys()).collect::<HashSet<_>>().into_iter()
                    .map(|id| Change { id: id.clone(), before: old.get(id).copied().flatten(), after: new.get(id).copied().flatten() })
                    .filter(|c| c.before != c.after)
                    .collect();
                expected.sort_by(|a, b| a.id.cmp(&b.id));
                prop_assert_eq!(changes, expected);
                now = next;
            }
        }
    }
}
