//! `interdict serve`: the rules and the stored record graph loaded once and
//! served over HTTP (axum on tokio). Requests are judged by the fast engine
//! with the stored records, exactly as `check --format json` would judge
//! them in one more input file; each answer comes from one snapshot (rule
//! set and stored verdicts) that a reload replaces whole; every decision
//! served is in the decision log first. docs/serve.md is the user's guide.

mod body;
mod desk;
mod error;
mod http;
mod judge;
mod log;
mod metrics;
mod records;
pub mod replay;
mod snapshot;
mod write;

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

pub use http::{RULES_HEADER, RequestLimits};
pub use judge::{Judged, Settings, content_hash, judge_from};

use crate::RuleSet;
use crate::date::Date;
use crate::records::{Input, RecordError};

/// How `serve` runs.
pub struct Options {
    /// The rule file or folder (read again on reload).
    pub rules_path: PathBuf,
    /// The record inputs, read once.
    pub records: Vec<Result<Input, RecordError>>,
    /// Where to listen.
    pub listen: SocketAddr,
    /// `--as-of`; without it, each request is judged on the day (UTC) it comes.
    pub as_of: Option<Date>,
    /// Budgets and `--strict`.
    pub settings: Settings,
    /// The bearer token requests must carry (all but `/healthz`).
    pub token: Option<String>,
    /// The decision log.
    pub decision_log: Option<PathBuf>,
    /// Whether each log entry holds the verdict answered, evidence included.
    pub log_evidence: bool,
    /// Body, record and time limits on one request.
    pub limits: RequestLimits,
    /// How long a connection may take to send a request's headers.
    pub header_timeout: Duration,
}

/// How long shutdown waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves until SIGTERM or Ctrl-C, then drains requests in flight and
/// flushes the decision log.
pub fn run(options: Options, rules: RuleSet) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(options, rules))
}

async fn serve(options: Options, rules: RuleSet) -> io::Result<()> {
    let data = Arc::new(snapshot::Data { inputs: options.records });
    let as_of = options.as_of.unwrap_or_else(Date::today);
    let settings = options.settings;
    let first = tokio::task::spawn_blocking(move || snapshot::Snapshot::new(rules, data, as_of, settings))
        .await
        .map_err(io::Error::other)??;
    let log = match &options.decision_log {
        Some(path) => log::DecisionLog::open(path)
            .map_err(|e| io::Error::new(e.kind(), format!("cannot open the decision log `{}`: {e}", path.display())))?,
        None => log::DecisionLog::none(),
    };
    let (records, hash) = (first.entries(), first.hash.clone());
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let service = Arc::new(http::Service {
        current: snapshot::Current::new(first),
        rules_path: options.rules_path,
        settings,
        as_of: options.as_of,
        token: options.token,
        log,
        metrics: metrics::Metrics::new(),
        limits: options.limits,
        log_evidence: options.log_evidence,
        reloading: tokio::sync::Mutex::new(()),
        desk: desk::Desk::new(),
        requests: Default::default(),
        changes: tokio::sync::broadcast::channel(records::CHANGE_QUEUE).0,
        stopping,
        started: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
    });
    let listener = TcpListener::bind(options.listen).await?;
    let address = listener.local_addr()?;
    // SIGHUP is taken over before the line that says the service is ready:
    // until then it would stop the process.
    tokio::spawn(reload_on_hangup(Arc::clone(&service), hangup()));
    eprintln!("interdict: serving {records} records on http://{address} (rules {hash})");
    accept(listener, http::router(Arc::clone(&service), records::router()), options.header_timeout, stop).await;
    service.log.close();
    eprintln!("interdict: stopped");
    Ok(())
}

/// Takes connections until a stop signal, then waits (at most [`DRAIN`])
/// for those open to finish the requests they are in.
async fn accept(
    listener: TcpListener,
    router: axum::Router,
    header_timeout: Duration,
    stop: tokio::sync::watch::Sender<bool>,
) {
    let graceful = GracefulShutdown::new();
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    let signal = stop_signal();
    tokio::pin!(signal);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors and the like: wait, go on.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let service = TowerToHyperService::new(router.clone());
                let connection = graceful.watch(http1.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    // A client that goes away is not the server's error.
                    let _ = connection.await;
                });
            }
            () = &mut signal => break,
        }
    }
    drop(listener);
    eprintln!("interdict: stopping; finishing the requests in flight");
    // Nobody may be listening: that is no error.
    let _ = stop.send(true);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
}

/// SIGTERM or Ctrl-C.
async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// SIGHUP's stream, where there is one.
#[cfg(unix)]
fn hangup() -> Option<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
}

#[cfg(not(unix))]
fn hangup() -> Option<()> {
    None
}

/// SIGHUP reloads the rules, as `POST /v1/reload` does.
#[cfg(unix)]
async fn reload_on_hangup(service: Arc<http::Service>, hangup: Option<tokio::signal::unix::Signal>) {
    let Some(mut hangup) = hangup else { return };
    while hangup.recv().await.is_some() {
        match http::reload_rules(&service).await {
            Ok((summary, _)) => eprintln!("interdict: reloaded: {summary}"),
            Err(e) => eprintln!("interdict: reload refused: {}", e.message),
        }
    }
}

#[cfg(not(unix))]
async fn reload_on_hangup(_: Arc<http::Service>, _: Option<()>) {}
