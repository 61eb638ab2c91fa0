//! `GET /metrics`: Prometheus text, from the Prometheus project's client.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct RouteStatus {
    pub(super) route: &'static str,
    pub(super) status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct Route {
    pub(super) route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct Outcome {
    pub(super) decision: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct RuleLabel {
    pub(super) rule: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(super) struct Result {
    pub(super) result: &'static str,
}

/// Every metric the service keeps.
pub struct Metrics {
    registry: Registry,
    pub(super) requests: Family<RouteStatus, Counter>,
    pub(super) latency: Family<Route, Histogram>,
    pub(super) decisions: Family<Outcome, Counter>,
    pub(super) fires: Family<RuleLabel, Counter>,
    pub(super) reloads: Family<Result, Counter>,
    pub(super) stored_records: Gauge,
    pub(super) log_queue: Gauge,
}

fn latency_histogram() -> Histogram {
    // 50 µs to about 3.3 s.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(0.000_05, 2.0, 17))
}

impl Metrics {
    /// All metrics at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("interdict");
        let requests = Family::<RouteStatus, Counter>::default();
        let latency = Family::<Route, Histogram>::new_with_constructor(latency_histogram as fn() -> Histogram);
        let decisions = Family::<Outcome, Counter>::default();
        let fires = Family::<RuleLabel, Counter>::default();
        let reloads = Family::<Result, Counter>::default();
        let stored_records = Gauge::default();
        let log_queue = Gauge::default();
        registry.register("http_requests", "HTTP requests answered, by route and status", requests.clone());
        registry.register("http_request_duration_seconds", "Time to answer, by route", latency.clone());
        registry.register("decisions", "Decisions served, by outcome", decisions.clone());
        registry.register("rule_fires", "Rules fired (not waived) in decisions served, by rule", fires.clone());
        registry.register("reloads", "Rule reloads, by result (ok, refused)", reloads.clone());
        registry.register("stored_records", "Entries in the stored record graph", stored_records.clone());
        registry.register("decision_log_queue", "Requests whose log entries wait to be written", log_queue.clone());
        Metrics { registry, requests, latency, decisions, fires, reloads, stored_records, log_queue }
    }

    /// The Prometheus text exposition.
    pub fn text(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
