//! Prometheus metrics: what the gateway counts and times, rendered as the text exposition
//! format at `GET /metrics` (and OpenClaw's `/api/diagnostics/prometheus`). One [`Metrics`]
//! per gateway (no globals: several gateways can run in one process); the HTTP layer counts
//! requests, each `AgentRun` times its turn, split into the gateway's own time before the
//! model call, the model calls, and the time after them.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use std::time::Duration;

/// Latency buckets in seconds (100 µs … 60 s).
const BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0, 60.0,
];

/// Commit buckets in seconds (10 µs … 1 s).
const COMMIT_BUCKETS: &[f64] = &[
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
    0.1, 0.25, 1.0,
];

pub use crate::core::run::TurnTimes;

/// The gateway's metrics.
pub struct Metrics {
    registry: Registry,
    /// HTTP requests by route family and status.
    pub http_requests: IntCounterVec,
    /// Finished turns by status.
    pub turns: IntCounterVec,
    /// Turn time by phase: `pre_provider`, `provider`, `post_provider`, `total`.
    pub turn_seconds: HistogramVec,
    /// Tokens by provider, model and direction (`input`, `output`).
    pub tokens: IntCounterVec,
    /// Failed model calls by provider and status class (`4xx`, `5xx`, `connect`, `timeout`,
    /// `protocol`, `interrupted`, `not_configured`).
    pub upstream_errors: IntCounterVec,
    /// Session actors alive (set at scrape time).
    pub live_sessions: IntGauge,
    /// Turns running (set at scrape time).
    pub active_runs: IntGauge,
    /// WebSocket clients connected (set at scrape time).
    pub ws_clients: IntGauge,
    /// Server-Sent-Events responses streaming now.
    pub sse_streams: IntGauge,
    /// Store commit time by writer (`inline`, `group`).
    pub store_commit_seconds: HistogramVec,
    /// Writes per group commit.
    pub store_group_writes: IntCounterVec,
    /// Chat-channel accounts by channel, account and connection state (1 for the current
    /// state; set at scrape time).
    pub channel_state: IntGaugeVec,
    /// Finished cron runs by outcome (`ok`, `error`, `skipped`).
    pub cron_runs: IntCounterVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn counter(name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric")
}

fn histogram(name: &str, help: &str, buckets: &[f64], labels: &[&str]) -> HistogramVec {
    HistogramVec::new(
        HistogramOpts::new(name, help).buckets(buckets.to_vec()),
        labels,
    )
    .expect("valid metric")
}

fn gauge(name: &str, help: &str) -> IntGauge {
    IntGauge::new(name, help).expect("valid metric")
}

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Self {
        let registry = Registry::new();
        let m = Metrics {
            http_requests: counter(
                "clawgate_http_requests_total",
                "HTTP requests by route family and status",
                &["family", "status"],
            ),
            turns: counter(
                "clawgate_turns_total",
                "Finished agent turns by status",
                &["status"],
            ),
            turn_seconds: histogram(
                "clawgate_turn_duration_seconds",
                "Agent turn time: from the turn being accepted to the first model request \
                 (pre_provider), in model calls (provider), from the last model call to the \
                 committed outcome (post_provider), and the whole turn (total)",
                BUCKETS,
                &["phase"],
            ),
            tokens: counter(
                "clawgate_tokens_total",
                "Model tokens by provider, model and direction",
                &["provider", "model", "direction"],
            ),
            upstream_errors: counter(
                "clawgate_upstream_errors_total",
                "Failed model calls by provider and status class",
                &["provider", "class"],
            ),
            live_sessions: gauge("clawgate_live_sessions", "Session actors alive"),
            active_runs: gauge("clawgate_active_runs", "Agent turns running"),
            ws_clients: gauge("clawgate_ws_clients", "WebSocket clients connected"),
            sse_streams: gauge(
                "clawgate_sse_streams",
                "Server-Sent-Events responses streaming",
            ),
            store_commit_seconds: histogram(
                "clawgate_store_commit_duration_seconds",
                "Store commit time by writer (inline on the caller's thread, or the \
                 group-commit writer)",
                COMMIT_BUCKETS,
                &["writer"],
            ),
            store_group_writes: counter(
                "clawgate_store_commit_writes_total",
                "Writes committed, by writer",
                &["writer"],
            ),
            channel_state: IntGaugeVec::new(
                Opts::new(
                    "clawgate_channel_state",
                    "Chat-channel accounts: 1 for the account's current connection state",
                ),
                &["channel", "account", "state"],
            )
            .expect("valid metric"),
            cron_runs: counter(
                "clawgate_cron_runs_total",
                "Finished cron runs by outcome",
                &["outcome"],
            ),
            registry,
        };
        for c in [
            Box::new(m.http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(m.turns.clone()),
            Box::new(m.turn_seconds.clone()),
            Box::new(m.tokens.clone()),
            Box::new(m.upstream_errors.clone()),
            Box::new(m.live_sessions.clone()),
            Box::new(m.active_runs.clone()),
            Box::new(m.ws_clients.clone()),
            Box::new(m.sse_streams.clone()),
            Box::new(m.store_commit_seconds.clone()),
            Box::new(m.store_group_writes.clone()),
            Box::new(m.channel_state.clone()),
            Box::new(m.cron_runs.clone()),
        ] {
            m.registry.register(c).expect("unique metric names");
        }
        m
    }

    /// Records one finished turn.
    pub fn turn(&self, status: &str, t: TurnTimes) {
        self.turns.with_label_values(&[status]).inc();
        for (phase, d) in [
            ("total", t.total),
            ("pre_provider", t.pre_provider),
            ("provider", t.provider),
            ("post_provider", t.post_provider),
        ] {
            self.turn_seconds
                .with_label_values(&[phase])
                .observe(d.as_secs_f64());
        }
    }

    /// Records a failed model call.
    pub fn upstream_error(&self, e: &crate::providers::ProviderError) {
        use crate::providers::ProviderError as E;
        let (provider, class) = match e {
            E::NotConfigured(_) => ("none", "not_configured"),
            E::Connect { provider, .. } => (provider.as_str(), "connect"),
            E::Timeout { provider, .. } => (provider.as_str(), "timeout"),
            E::Status {
                provider, status, ..
            } => (
                provider.as_str(),
                match status {
                    400..=499 => "4xx",
                    500..=599 => "5xx",
                    _ => "other",
                },
            ),
            E::Protocol { provider, .. } => (provider.as_str(), "protocol"),
            E::Interrupted { provider, .. } => (provider.as_str(), "interrupted"),
        };
        self.upstream_errors
            .with_label_values(&[provider, class])
            .inc();
    }

    /// Sets the channel-state gauges to the accounts' current states.
    pub fn channel_states<'a>(
        &self,
        accounts: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) {
        self.channel_state.reset();
        for (channel, account, state) in accounts {
            self.channel_state
                .with_label_values(&[channel, account, state])
                .set(1);
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl crate::storage::CommitObserver for Metrics {
    fn committed(&self, took: Duration, group: bool, writes: usize) {
        let writer = if group { "group" } else { "inline" };
        self.store_commit_seconds
            .with_label_values(&[writer])
            .observe(took.as_secs_f64());
        self.store_group_writes
            .with_label_values(&[writer])
            .inc_by(writes as u64);
    }
}

/// Counts a Server-Sent-Events response while it streams (dropped with its body).
#[derive(Debug)]
pub struct StreamGuard(IntGauge);

impl StreamGuard {
    /// Counts one more stream on `gauge` until dropped.
    pub fn new(gauge: &IntGauge) -> Self {
        gauge.inc();
        StreamGuard(gauge.clone())
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The route family a request path belongs to (a bounded label).
pub fn family(path: &str) -> &'static str {
    const FAMILIES: &[(&str, &str)] = &[
        ("/v1/chat/completions", "chat_completions"),
        ("/v1/responses", "responses"),
        ("/v1/models", "models"),
        ("/v1/agent/", "agent"),
        ("/api/v1/", "api_v1"),
        ("/v1/sessions", "sessions"),
        ("/sessions/", "sessions"),
        ("/v1/channels", "channels"),
        ("/channels/", "channel_inbound"),
        ("/tools/invoke", "tools"),
        ("/hooks", "hooks"),
        ("/metrics", "metrics"),
        ("/api/diagnostics/", "metrics"),
        ("/status", "status"),
        ("/health", "probes"),
        ("/ready", "probes"),
    ];
    FAMILIES
        .iter()
        .find(|(p, _)| path.starts_with(p))
        .map(|(_, f)| *f)
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_what_was_recorded() {
        let m = Metrics::new();
        m.http_requests.with_label_values(&["api_v1", "200"]).inc();
        m.turn(
            "ok",
            TurnTimes {
                pre_provider: Duration::from_millis(1),
                provider: Duration::from_millis(8),
                post_provider: Duration::from_millis(1),
                total: Duration::from_millis(10),
            },
        );
        let text = m.render();
        assert!(text.contains(r#"clawgate_http_requests_total{family="api_v1",status="200"} 1"#));
        assert!(text.contains(r#"clawgate_turns_total{status="ok"} 1"#));
        assert!(text.contains("clawgate_turn_duration_seconds_bucket"));
        assert_eq!(family("/api/v1/message"), "api_v1");
        assert_eq!(family("/v1/sessions/x"), "sessions");
        assert_eq!(family("/nope"), "other");
    }
}
