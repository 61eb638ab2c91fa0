//! What a compiled rule set is: the dialect it is printed in, its steps
//! in order and the rows its final query returns.

/// Which SQL engine a script is printed for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Apache DataFusion (also the engine of the `sql` feature's runner).
    DataFusion,
    /// DuckDB.
    DuckDb,
    /// Spark SQL 4.1 or later.
    Spark,
    /// Trino.
    Trino,
}

impl Dialect {
    /// The name used on the command line and in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DataFusion => "datafusion",
            Dialect::DuckDb => "duckdb",
            Dialect::Spark => "spark",
            Dialect::Trino => "trino",
        }
    }

    /// Every dialect, in the order `--target` lists them.
    pub const ALL: [Dialect; 4] = [Dialect::DataFusion, Dialect::DuckDb, Dialect::Spark, Dialect::Trino];

    /// The dialect called `name` on the command line.
    pub fn from_name(name: &str) -> Option<Dialect> {
        Dialect::ALL.into_iter().find(|d| d.name() == name)
    }
}

/// A compiled rule set: run the steps in order.
#[derive(Clone, Debug)]
pub struct Script {
    /// The dialect it is printed in.
    pub dialect: Dialect,
    /// The day `effective` dates and `as_of` were folded against.
    pub as_of: crate::date::Date,
    /// The input tables it reads (file stems of `export --parquet`).
    pub inputs: Vec<String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// The rules whose result rows carry a witness (those with a top-level
    /// `any`), in declaration order.
    pub witnessed: Vec<String>,
}

/// One step of a [`Script`].
#[derive(Clone, Debug)]
pub struct Step {
    /// The table it creates or fills (the final query's name for the last).
    pub name: String,
    /// How the runner runs it.
    pub kind: StepKind,
    /// One SQL statement, without a trailing `;`.
    pub sql: String,
}

/// How a step is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// Run once (creates a table).
    Statement,
    /// `INSERT … ` run with `{depth}` replaced by 1, 2, 3, … until it
    /// inserts no row or `max_iterations` runs have been made.
    Loop {
        /// The most runs (a hop range's upper end, or the record count).
        max_iterations: u64,
    },
    /// The last step: its rows are the result ([`ResultRow`]).
    Query,
}

/// One row of a script's result: a fired rule on a record, or a record on
/// which no rule fired (`rule` is `None`).
/// Serialized (`compile --run`) with `scripts/run_sql.py`'s keys, in its order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct ResultRow {
    /// The record's position in the input (`_record.seq`).
    pub seq: i64,
    /// The record's id.
    pub id: String,
    /// Its type.
    #[serde(rename = "type")]
    pub record_type: String,
    /// `deny`, `flag` or `allow`: the record's decision.
    pub decision: String,
    /// The rule that fired.
    pub rule: Option<String>,
    /// The exemption that waived it (the first in declaration order).
    pub waived_by: Option<String>,
    /// The id of the element that satisfied the rule's first top-level
    /// `any` quantifier (what the evidence shows as its witness).
    pub witness: Option<String>,
}
