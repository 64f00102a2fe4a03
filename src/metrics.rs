//! Prometheus metrics: what the gateway counts and times, rendered as the text exposition
//! format at `GET /metrics` (and OpenClaw's `/api/diagnostics/prometheus`). One [`Metrics`]
//! per gateway (no globals: several gateways can run in one process); the HTTP layer counts
//! requests, each `AgentRun` times its turn, split into the gateway's own time before the
//! model call, the model calls, and the time after them.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};
use std::time::Duration;

/// Latency buckets in seconds (100 µs … 60 s).
const BUCKETS: &[f64] = &[
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0, 60.0,
];

/// The gateway's metrics.
pub struct Metrics {
    registry: Registry,
    /// HTTP requests by route family and status.
    pub http_requests: IntCounterVec,
    /// Finished turns by status.
    pub turns: IntCounterVec,
    /// Turn time by phase: `pre_provider`, `provider`, `post_provider`, `total`.
    pub turn_seconds: HistogramVec,
    /// Tokens by direction (`input`, `output`).
    pub tokens: IntCounterVec,
    /// Failed model calls by provider.
    pub upstream_errors: IntCounterVec,
    /// Session actors alive (set at scrape time).
    pub live_sessions: IntGauge,
    /// Turns running (set at scrape time).
    pub active_runs: IntGauge,
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

impl Metrics {
    /// A fresh registry with every metric registered.
    pub fn new() -> Self {
        let registry = Registry::new();
        let http_requests = IntCounterVec::new(
            Opts::new(
                "clawgate_http_requests_total",
                "HTTP requests by route family and status",
            ),
            &["family", "status"],
        )
        .expect("valid metric");
        let turns = IntCounterVec::new(
            Opts::new("clawgate_turns_total", "Finished agent turns by status"),
            &["status"],
        )
        .expect("valid metric");
        let turn_seconds = HistogramVec::new(
            HistogramOpts::new(
                "clawgate_turn_duration_seconds",
                "Agent turn time: the gateway's own time before the model call (pre_provider), \
                 the model calls (provider), after them (post_provider), and the whole turn",
            )
            .buckets(BUCKETS.to_vec()),
            &["phase"],
        )
        .expect("valid metric");
        let tokens = IntCounterVec::new(
            Opts::new("clawgate_tokens_total", "Model tokens by direction"),
            &["direction"],
        )
        .expect("valid metric");
        let upstream_errors = IntCounterVec::new(
            Opts::new(
                "clawgate_upstream_errors_total",
                "Failed model calls by provider",
            ),
            &["provider"],
        )
        .expect("valid metric");
        let live_sessions =
            IntGauge::new("clawgate_live_sessions", "Session actors alive").expect("valid metric");
        let active_runs =
            IntGauge::new("clawgate_active_runs", "Agent turns running").expect("valid metric");
        for c in [
            Box::new(http_requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(turns.clone()),
            Box::new(turn_seconds.clone()),
            Box::new(tokens.clone()),
            Box::new(upstream_errors.clone()),
            Box::new(live_sessions.clone()),
            Box::new(active_runs.clone()),
        ] {
            registry.register(c).expect("unique metric names");
        }
        Metrics {
            registry,
            http_requests,
            turns,
            turn_seconds,
            tokens,
            upstream_errors,
            live_sessions,
            active_runs,
        }
    }

    /// Records one finished turn.
    pub fn turn(&self, status: &str, total: Duration, pre: Duration, provider: Duration) {
        self.turns.with_label_values(&[status]).inc();
        let post = total.saturating_sub(pre + provider);
        for (phase, d) in [
            ("total", total),
            ("pre_provider", pre),
            ("provider", provider),
            ("post_provider", post),
        ] {
            self.turn_seconds
                .with_label_values(&[phase])
                .observe(d.as_secs_f64());
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
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
            Duration::from_millis(10),
            Duration::from_millis(1),
            Duration::from_millis(8),
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
