//! Logging: `tracing` to stderr as text or JSON, filtered by `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Installs the global subscriber (once; later calls are ignored): stderr in `format`, and
/// every event as an OpenClaw-shaped JSON record in the `logs.tail` ring.
pub fn init(format: LogFormat) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn,actix_web=warn"));
    let registry = tracing_subscriber::registry()
        .with(filter)
        .with(crate::ws::log_records::RingLayer);
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => registry.with(stderr).try_init(),
        LogFormat::Json => registry.with(stderr.json().flatten_event(true)).try_init(),
    };
}

/// Installs a subscriber that only fills the `logs.tail` ring (no stderr): for embedded
/// gateways (tests) that want `logs.tail` to have records. Ignored when one is installed.
pub fn init_ring_only() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let _ = tracing_subscriber::registry()
        .with(EnvFilter::new("info"))
        .with(crate::ws::log_records::RingLayer)
        .try_init();
}
