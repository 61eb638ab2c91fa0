//! Outcomes → text: human (diagnostic-like), JSON Lines, summary. Renders,
//! never evaluates; writes to any `io::Write`.

mod compact;
mod decision_snapshot;
mod diff;
mod explain;
mod hops;
mod human;
mod json;
mod summary;
mod text;

pub use compact::CompactTables;
pub use decision_snapshot::{changed_records, decision_snapshot, decisions_snapshot, snapshot_diff};
pub use diff::{
    Change, ChangedRecord, ComparedRuns, Diff, Group, Standing, write_diff_human, write_diff_json, write_diff_table,
};
pub use explain::{write_explain_human, write_explain_json, write_standings_human};
pub use human::{render_diagnostic, write_human, write_human_outcomes, write_record_error, write_verdict};
pub use json::{append_compact, append_compact_tables, append_json, write_json};
pub use summary::{Summary, write_summary};
pub(crate) use text::plural;
