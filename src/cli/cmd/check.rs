//! `interdict check`: one verdict (or error) per record.
//!
//! The fast engine judges records in batches on all cores and writes each
//! batch before the next (each thread renders the JSON lines of the records
//! it judged), so memory stays bounded and output starts early; `--engine
//! reference` runs the simple evaluator instead (same output, byte for
//! byte).

use std::io::{self, IsTerminal, Write};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::check::Program;
use crate::cli::config::CheckConfig;
use crate::cli::config::{EngineChoice, FailOn, Format};
use crate::cli::exit::Exit;
use crate::cli::load::{load_records, load_rules, open_inputs};
use crate::eval::{Decision, EvalOptions, Outcome};
use crate::fast::{Evidence, FastEngine, FastStore, Texts};
use crate::records::Records;
use crate::reference::Engine;
use crate::report::{self, Summary};

/// Records judged (and written) per batch.
const BATCH: usize = 1 << 13;

/// Records one thread judges and writes in one go.
const RUN: usize = 512;

/// The size of a chunk of JSON lines handed to the writer. A run's lines
/// go into chunks of this size, a new one begun when the last is nearly
/// full, rather than into one buffer grown (and copied) as it fills: a run
/// of records with evidence (~2.2 KB a line on the bench) outgrew its
/// buffer and copied half a megabyte.
const CHUNK: usize = 1 << 19;

/// Room left in a chunk for the next line before a new chunk is begun.
const LINE_ROOM: usize = 1 << 15;

pub(in crate::cli) fn run(config: &CheckConfig) -> io::Result<Exit> {
    let started = Instant::now();
    let Some(rules) = load_rules(std::slice::from_ref(&config.rules), config.style)? else { return Ok(Exit::Rules) };
    let program = rules.program();
    let mut written = Written::new(program, config.fail_on);
    match config.engine {
        EngineChoice::Reference => run_reference(config, program, &mut written, started)?,
        EngineChoice::Fast => run_fast(config, program, &mut written, started)?,
    }
    let mut out = io::stdout().lock();
    written.finish(&mut out, config.format)?;
    out.flush()?;
    Ok(written.exit())
}

/// The reference engine: every record judged, then written.
fn run_reference(config: &CheckConfig, program: &Program, written: &mut Written, started: Instant) -> io::Result<()> {
    let store = load_records(&config.inputs, Some(program));
    let loaded = started.elapsed();
    let engine = Engine::new(program, &store, EvalOptions { as_of: config.as_of })
        .with_limits(config.limits)
        .strict(config.strict);
    let mut outcomes = engine.evaluate();
    if config.evidence == Evidence::Omitted {
        strip_evidence(&mut outcomes);
    }
    timings(config, loaded, started.elapsed() - loaded);
    let output = Output::new(config, program, &store);
    let mut out = io::BufWriter::with_capacity(1 << 20, io::stdout().lock());
    out.write_all(&output.tables()?)?;
    for chunk in written.render(&output, outcomes)? {
        out.write_all(&chunk)?;
    }
    out.flush()
}

/// The fast engine: records judged and written in batches, with progress
/// on a terminal for large inputs.
fn run_fast(config: &CheckConfig, program: &Program, written: &mut Written, started: Instant) -> io::Result<()> {
    // The store keeps a copy of the texts it reads, and the inputs are
    // read a part at a time, each dropped once parsed: peak memory (1M
    // bench records: 40 MB kept of 108).
    let texts = Texts::default();
    let mut store = FastStore::parse_sources(open_inputs(&config.inputs, Some(program)), &texts, program);
    store.link(program);
    let loaded = started.elapsed();
    let progress = io::stderr().is_terminal() && store.len() >= 100_000;
    if progress {
        eprintln!("interdict: loaded {} records in {:.1}s; evaluating…", store.len(), loaded.as_secs_f64());
    }
    let options = EvalOptions { as_of: config.as_of };
    let engine =
        FastEngine::new(program, &store, options, config.evidence).with_limits(config.limits).strict(config.strict);
    // Recursive rules first, on every core, before the judging threads start.
    engine.settle();
    write_in_batches(&engine, &Output::new(config, program, &store), written)?;
    timings(config, loaded, started.elapsed() - loaded);
    if progress {
        eprintln!("interdict: done in {:.1}s", started.elapsed().as_secs_f64());
    }
    // The process ends once the summary is written: freeing a million
    // records one by one first is work nobody waits for (3.6 % of the
    // instructions at 100k bench records); the system takes it back whole.
    std::mem::forget(engine);
    std::mem::forget(store);
    std::mem::forget(texts);
    Ok(())
}

/// Judges the records a batch at a time. A writer thread takes the rendered
/// batches, so the next batch is judged while one is written (1M bench
/// records, 2 cores: the write and the drop of a batch left a core idle for
/// 9 % of the run).
fn write_in_batches(engine: &FastEngine<'_>, output: &Output<'_>, written: &mut Written) -> io::Result<()> {
    let tables = output.tables()?;
    let (batches, to_write) = std::sync::mpsc::sync_channel::<Vec<u8>>(64);
    std::thread::scope(|scope| -> io::Result<()> {
        let writer = scope.spawn(move || -> io::Result<()> {
            // Chunks are large and end with a newline: written as they
            // are, with no copy into a buffer first.
            let mut out = io::stdout().lock();
            for chunk in to_write {
                out.write_all(&chunk)?;
            }
            out.flush()
        });
        let mut from = 0;
        // A closed pipe stops the writer: its error comes from `join`.
        let _ = batches.send(tables);
        'batches: while from < engine.entries() {
            let to = (from + BATCH).min(engine.entries());
            let chunks = match output.format {
                Format::Human => written.render(output, engine.evaluate_batch(from, to))?,
                Format::Json | Format::Summary => written.judge(engine, output, from..to)?,
            };
            for chunk in chunks {
                // The writer stopped (a closed pipe): its error comes from `join`.
                if batches.send(chunk).is_err() {
                    break 'batches;
                }
            }
            from += BATCH;
        }
        drop(batches);
        writer.join().unwrap_or_else(|_| Err(io::Error::other("the output thread failed")))
    })
}

fn timings(config: &CheckConfig, load: Duration, eval: Duration) {
    if config.timings {
        eprintln!("load_s={:.4} eval_s={:.4}", load.as_secs_f64(), eval.as_secs_f64());
    }
}

/// What outcomes are rendered with.
struct Output<'a> {
    program: &'a Program,
    store: &'a (dyn Records + Sync),
    format: Format,
    /// Colour and width of the human format.
    color: bool,
    width: usize,
    /// The tables of the compact JSON shape (`--evidence compact`).
    compact: Option<report::CompactTables>,
}

impl<'a> Output<'a> {
    fn new(config: &CheckConfig, program: &'a Program, store: &'a (dyn Records + Sync)) -> Output<'a> {
        let compact = (config.compact && config.format == Format::Json).then(|| report::CompactTables::new(program));
        let (format, color, width) = (config.format, config.style.stdout_color, config.style.width);
        Output { program, store, format, color, width, compact }
    }

    /// What begins the output: the compact shape's tables (nothing in the
    /// other shapes and formats).
    fn tables(&self) -> io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        if let Some(tables) = &self.compact {
            report::append_compact_tables(&mut buf, self.program, tables)?;
        }
        Ok(buf)
    }

    /// The JSON lines of `outcomes` onto the end of `buf`, in the shape
    /// asked for.
    fn append_json(&self, buf: &mut Vec<u8>, outcomes: &[Outcome<'_>]) -> io::Result<()> {
        match &self.compact {
            Some(tables) => report::append_compact(buf, self.program, self.store, tables, outcomes),
            None => report::append_json(buf, self.program, self.store, outcomes),
        }
    }
}

/// `--no-evidence` with the reference engine: drop what was computed.
fn strip_evidence(outcomes: &mut [Outcome<'_>]) {
    for o in outcomes {
        if let Outcome::Verdict(v) = o {
            v.fired.iter_mut().for_each(|f| f.evidence.clear());
            for w in &mut v.waived {
                w.evidence.clear();
                w.exemption_evidence.clear();
            }
        }
    }
}

/// What has been written so far: counts for the tally and the exit code.
struct Written {
    summary: Summary,
    worst: Decision,
    errors: bool,
    fail_on: FailOn,
}

impl Written {
    fn new(program: &Program, fail_on: FailOn) -> Self {
        Written { summary: Summary::empty(program), worst: Decision::Allow, errors: false, fail_on }
    }

    /// Judges input records `range` in parallel runs of [`RUN`] records,
    /// each record counted, written as its JSON line (when `json`) and
    /// dropped by the thread that judged it, before the next: its evidence
    /// is written from the cache it was built in and freed to the
    /// allocator it came from (1M bench records, evidence on: judging a
    /// batch, then rendering it, then dropping it, each in parallel, took
    /// 11 % more user CPU; median wall 3.32 s against 3.16 s).
    fn judge(
        &mut self,
        engine: &FastEngine<'_>,
        output: &Output<'_>,
        range: std::ops::Range<usize>,
    ) -> io::Result<Vec<Vec<u8>>> {
        let json = output.format == Format::Json;
        let runs = (0..range.len().div_ceil(RUN))
            .into_par_iter()
            .map(|run| {
                let from = range.start + run * RUN;
                let mut part = Written {
                    summary: self.summary.zeroed(),
                    worst: Decision::Allow,
                    errors: false,
                    fail_on: self.fail_on,
                };
                let mut chunks = Vec::new();
                let mut buf = Vec::with_capacity(if json { CHUNK } else { 0 });
                for outcome in (from..(from + RUN).min(range.end)).filter_map(|i| engine.outcome(i)) {
                    let outcome = std::slice::from_ref(&outcome);
                    part.count(outcome);
                    if json {
                        output.append_json(&mut buf, outcome)?;
                        if buf.len() > CHUNK - LINE_ROOM {
                            chunks.push(std::mem::replace(&mut buf, Vec::with_capacity(CHUNK)));
                        }
                    }
                }
                chunks.push(buf);
                Ok((part, chunks))
            })
            .collect::<io::Result<Vec<_>>>()?;
        Ok(runs
            .into_iter()
            .flat_map(|(part, chunks)| {
                self.merge(part);
                chunks
            })
            .collect())
    }

    fn count(&mut self, outcomes: &[Outcome<'_>]) {
        for o in outcomes {
            match o {
                Outcome::Verdict(v) => self.worst = self.worst.max(v.decision),
                Outcome::RecordError(_) | Outcome::EvalError(_) => self.errors = true,
            }
        }
        self.summary.add(outcomes);
    }

    fn merge(&mut self, other: Written) {
        self.worst = self.worst.max(other.worst);
        self.errors |= other.errors;
        self.summary.merge(&other.summary);
    }

    /// Counts a batch and renders it (JSON lines serialised in parallel),
    /// as the chunks to write in order. The outcomes are dropped in
    /// parallel too: freeing a batch's evidence is not a small job.
    fn render(&mut self, output: &Output<'_>, outcomes: Vec<Outcome<'_>>) -> io::Result<Vec<Vec<u8>>> {
        self.count(&outcomes);
        let chunks = match output.format {
            Format::Json => outcomes
                .par_chunks(256)
                .map(|chunk| {
                    let mut buf = Vec::with_capacity(chunk.len() * 256);
                    output.append_json(&mut buf, chunk)?;
                    Ok(buf)
                })
                .collect::<io::Result<Vec<Vec<u8>>>>()?,
            Format::Human => {
                let mut buf = Vec::new();
                report::write_human_outcomes(
                    &mut buf,
                    output.program,
                    output.store,
                    &outcomes,
                    output.color,
                    output.width,
                )?;
                vec![buf]
            }
            Format::Summary => Vec::new(),
        };
        outcomes.into_par_iter().with_min_len(256).for_each(drop);
        Ok(chunks)
    }

    fn finish(&self, out: &mut impl Write, format: Format) -> io::Result<()> {
        match format {
            Format::Json => Ok(()),
            Format::Human => writeln!(out, "{}", self.summary.tally()),
            Format::Summary => self.summary.write(out),
        }
    }

    fn exit(&self) -> Exit {
        if self.errors {
            return Exit::Data;
        }
        let fails = match self.fail_on {
            FailOn::Deny => self.worst == Decision::Deny,
            FailOn::Flag => self.worst >= Decision::Flag,
            FailOn::Never => false,
        };
        if fails { Exit::Denied } else { Exit::Clean }
    }
}
