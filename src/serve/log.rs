//! The decision log: append-only JSON Lines written by one thread. A
//! request's entries go through a bounded queue and the request waits until
//! they are written (entries queued together are written with one call), so
//! no decision is served that is not in the log; when a write fails the log
//! turns unhealthy and stays so, and decisions are refused (503) rather
//! than served unlogged. Each batch is written whole with `write_all` on a
//! file opened for appending, so a kill -9 tears at most the last line.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

/// How many requests' entries may wait to be written.
const QUEUE: usize = 1024;

type Batch = (Vec<u8>, oneshot::Sender<bool>);

/// The sending end of the log, shared by the handlers.
pub struct DecisionLog {
    /// Whether there is a log (without one, nothing is written).
    enabled: bool,
    queue: Mutex<Option<mpsc::Sender<Batch>>>,
    healthy: Arc<AtomicBool>,
    depth: Arc<AtomicI64>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl DecisionLog {
    /// No log: every write succeeds at once.
    pub fn none() -> DecisionLog {
        DecisionLog {
            enabled: false,
            queue: Mutex::new(None),
            healthy: Arc::new(AtomicBool::new(true)),
            depth: Arc::default(),
            writer: Mutex::new(None),
        }
    }

    /// Opens `path` for appending and starts its writer.
    pub fn open(path: &Path) -> std::io::Result<DecisionLog> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let (queue, batches) = mpsc::channel(QUEUE);
        let healthy = Arc::new(AtomicBool::new(true));
        let depth = Arc::new(AtomicI64::new(0));
        let (h, d) = (Arc::clone(&healthy), Arc::clone(&depth));
        let writer =
            std::thread::Builder::new().name("decision-log".into()).spawn(move || write(file, batches, &h, &d))?;
        Ok(DecisionLog {
            enabled: true,
            queue: Mutex::new(Some(queue)),
            healthy,
            depth,
            writer: Mutex::new(Some(writer)),
        })
    }

    /// Whether there is a log.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether the log can be written (always, with no log).
    pub fn healthy(&self) -> bool {
        self.healthy.load(Ordering::Relaxed)
    }

    /// How many requests' entries wait to be written.
    pub fn depth(&self) -> i64 {
        self.depth.load(Ordering::Relaxed)
    }

    /// Writes `lines` (whole JSON lines); `false` when they could not be written.
    pub async fn append(&self, lines: Vec<u8>) -> bool {
        let queue = match self.queue.lock() {
            Ok(q) => q.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        // Closed (shutting down) or never opened.
        let Some(queue) = queue else { return !self.enabled };
        if lines.is_empty() {
            return self.healthy();
        }
        if !self.healthy() {
            return false;
        }
        let (done, written) = oneshot::channel();
        self.depth.fetch_add(1, Ordering::Relaxed);
        if queue.send((lines, done)).await.is_err() {
            return false;
        }
        written.await.unwrap_or(false)
    }

    /// Stops taking entries and waits until those queued are written.
    pub fn close(&self) {
        if let Ok(mut q) = self.queue.lock() {
            *q = None;
        }
        let writer = self.writer.lock().ok().and_then(|mut w| w.take());
        if let Some(writer) = writer {
            let _ = writer.join();
        }
    }
}

/// The writer thread: takes every batch waiting, writes them with one call,
/// then tells each request whether its entries are in the file.
fn write(mut file: File, mut batches: mpsc::Receiver<Batch>, healthy: &AtomicBool, depth: &AtomicI64) {
    while let Some(first) = batches.blocking_recv() {
        let mut waiting = vec![first];
        while let Ok(more) = batches.try_recv() {
            waiting.push(more);
        }
        depth.fetch_sub(waiting.len() as i64, Ordering::Relaxed);
        let mut bytes = Vec::with_capacity(waiting.iter().map(|(b, _)| b.len()).sum());
        for (b, _) in &waiting {
            bytes.extend_from_slice(b);
        }
        let ok = healthy.load(Ordering::Relaxed) && file.write_all(&bytes).and_then(|()| file.flush()).is_ok();
        if !ok {
            healthy.store(false, Ordering::Relaxed);
        }
        for (_, done) in waiting {
            let _ = done.send(ok);
        }
    }
    let _ = file.sync_all();
}
