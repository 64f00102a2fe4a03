//! `messages.queue` (mode, per-channel modes, cap, inbound debounce) and
//! `channels.retentionDays`, validated; every error names its key.

use super::channel_types::*;
use super::types::ConfigError;
use serde_json::Value;
use std::collections::BTreeMap;

/// The longest accepted debounce window (ms).
pub const MAX_DEBOUNCE_MS: u64 = 60_000;

/// The validated `messages.queue` section.
pub(super) struct Queue {
    pub mode: QueueMode,
    pub by_channel: BTreeMap<ChannelKind, QueueMode>,
    pub cap: usize,
    pub debounce_ms: u64,
    pub debounce_by_channel: BTreeMap<ChannelKind, u64>,
}

/// Parses `messages.queue`; `invalid(key, message)` builds the error.
pub(super) fn parse(
    messages: Option<&Value>,
    invalid: &dyn Fn(&str, &str) -> ConfigError,
) -> Result<Queue, ConfigError> {
    const MODES: &str = "must be collect | followup | steer | steer-backlog | interrupt";
    let q = messages.and_then(|m| m.get("queue"));
    let mode = match q.and_then(|q| q.get("mode")) {
        None => QueueMode::Collect,
        Some(v) => v
            .as_str()
            .and_then(QueueMode::parse)
            .ok_or_else(|| invalid("messages.queue.mode", MODES))?,
    };
    let by_channel = per_channel(q, "byChannel", invalid, |key, m| {
        m.as_str()
            .and_then(QueueMode::parse)
            .ok_or_else(|| invalid(key, MODES))
    })?;
    let cap = match q.and_then(|q| q.get("cap")) {
        None => DEFAULT_QUEUE_CAP,
        Some(v) => v
            .as_u64()
            .filter(|n| *n >= 1)
            .ok_or_else(|| invalid("messages.queue.cap", "must be a positive integer"))?
            as usize,
    };
    let debounce = |key: &str, v: &Value| {
        v.as_u64().filter(|n| *n <= MAX_DEBOUNCE_MS).ok_or_else(|| {
            invalid(
                key,
                "must be a whole number of milliseconds from 0 to 60000",
            )
        })
    };
    let debounce_ms = match q.and_then(|q| q.get("debounceMs")) {
        None => 0,
        Some(v) => debounce("messages.queue.debounceMs", v)?,
    };
    let debounce_by_channel = per_channel(q, "debounceMsByChannel", invalid, debounce)?;
    Ok(Queue {
        mode,
        by_channel,
        cap,
        debounce_ms,
        debounce_by_channel,
    })
}

/// `messages.queue.<name>: {<channel>: value}`, each value read by `read(key, value)`.
fn per_channel<T>(
    q: Option<&Value>,
    name: &str,
    invalid: &dyn Fn(&str, &str) -> ConfigError,
    read: impl Fn(&str, &Value) -> Result<T, ConfigError>,
) -> Result<BTreeMap<ChannelKind, T>, ConfigError> {
    let mut out = BTreeMap::new();
    let Some(v) = q.and_then(|q| q.get(name)) else {
        return Ok(out);
    };
    let map = v
        .as_object()
        .ok_or_else(|| invalid(&format!("messages.queue.{name}"), "must be an object"))?;
    for (ch, m) in map {
        let key = format!("messages.queue.{name}.{ch}");
        let kind = ChannelKind::parse(ch)
            .ok_or_else(|| invalid(&key, "not a channel clawgate supports"))?;
        out.insert(kind, read(&key, m)?);
    }
    Ok(out)
}

/// `channels.retentionDays`: a whole number of days from 1 to 3650.
pub(super) fn retention_days(
    v: &Value,
    invalid: &dyn Fn(&str, &str) -> ConfigError,
) -> Result<u64, ConfigError> {
    v.as_u64()
        .filter(|n| (1..=3650).contains(n))
        .ok_or_else(|| {
            invalid(
                "channels.retentionDays",
                "must be a whole number of days from 1 to 3650",
            )
        })
}
